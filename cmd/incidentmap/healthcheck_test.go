package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The container's health check runs `incidentmap healthcheck` with the
// server's environment: when the server speaks HTTPS (INCIDENTMAP_TLS_CERT
// set), so must the check, trusting the server's own certificate.
func TestHealthcheckOverTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSignedCert(t, dir, "cert")
	otherCert, _, _ := selfSignedCert(t, dir, "other")
	check := func(s *instance, vars map[string]string, args ...string) (string, error) {
		var out, errb strings.Builder
		args = append([]string{"healthcheck", "--addr", strings.TrimPrefix(s.base, "http://")}, args...)
		err := runEnv(t.Context(), args, env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errb})
		return out.String(), err
	}
	s := start(t, filepath.Join(dir, "im.db"), "--tls-cert", certFile, "--tls-key", keyFile)
	if out, err := check(s, map[string]string{"INCIDENTMAP_TLS_CERT": certFile, "INCIDENTMAP_TLS_KEY": keyFile}); err != nil || out != "ok\n" {
		t.Errorf("with the server's environment: %v %q", err, out)
	}
	if out, err := check(s, nil, "--tls-cert", certFile); err != nil || out != "ok\n" {
		t.Errorf("with --tls-cert: %v %q", err, out)
	}
	if _, err := check(s, nil); err == nil || !strings.Contains(err.Error(), "INCIDENTMAP_TLS_CERT") {
		t.Errorf("plain HTTP to the HTTPS server: %v, want an error saying to give it the certificate", err)
	}
	if _, err := check(s, nil, "--tls-cert", otherCert); err == nil || !strings.Contains(err.Error(), "not the one in") {
		t.Errorf("with another certificate: %v, want it refused", err)
	}
	if _, err := check(s, nil, "--tls-cert", filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing certificate file was accepted")
	}
	// A plain server passes a plain check.
	plain := start(t, filepath.Join(dir, "plain.db"))
	if out, err := check(plain, nil); err != nil || out != "ok\n" {
		t.Errorf("plain: %v %q", err, out)
	}
}
