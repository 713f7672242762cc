package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// cmdHealthcheck asks a running server's /healthz, for container health
// checks on images with no curl.
func cmdHealthcheck(ctx context.Context, args []string, e env) error {
	fs := newFlags("healthcheck", "[--addr ADDR] [--tls-cert FILE]", "Exits 0 when the server at --addr answers /healthz with 200, 1 otherwise. With --tls-cert (or\nINCIDENTMAP_TLS_CERT, as the server reads it) it speaks HTTPS and accepts only that certificate.", e)
	addr := fs.String("addr", ":8080", "address the server listens on")
	certFile := fs.String("tls-cert", "", "the server's TLS certificate file (PEM): ask over HTTPS, trusting exactly this certificate")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr %q: %v", *addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{}
	scheme := "http://"
	if *certFile != "" {
		cfg, err := pinnedTLS(*certFile)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		client.Transport = &http.Transport{TLSClientConfig: cfg}
		scheme = "https://"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, scheme+net.JoinHostPort(host, port)+"/healthz", nil)
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	res.Body.Close()
	if res.StatusCode == http.StatusBadRequest && bytes.Contains(body, []byte("HTTPS")) {
		// Go's TLS server answers plain HTTP with this 400.
		return errors.New("healthcheck: the server speaks HTTPS: give the health check its certificate too (--tls-cert, or INCIDENTMAP_TLS_CERT)")
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", res.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}

// pinnedTLS trusts exactly the first certificate in certFile. The check
// asks the server on loopback, where a certificate's names (a public host
// name, not 127.0.0.1) never match and a self-signed one has no CA: what
// proves the server is ours and healthy is that it presents the
// certificate it was given.
func pinnedTLS(certFile string) (*tls.Config, error) {
	raw, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	var leaf []byte
	for rest := raw; leaf == nil; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, fmt.Errorf("%s has no PEM certificate", certFile)
		}
		if b.Type == "CERTIFICATE" {
			leaf = b.Bytes
		}
	}
	return &tls.Config{
		// Name and chain checks are replaced by the exact match below.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(certs [][]byte, _ [][]*x509.Certificate) error {
			if len(certs) == 0 || !bytes.Equal(certs[0], leaf) {
				return fmt.Errorf("the server's certificate is not the one in %s", certFile)
			}
			return nil
		},
	}, nil
}
