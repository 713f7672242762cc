package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The flags against hostile clients reach the server: /metrics behind a
// token, the heavy rate per client as a trusted proxy names it.
func TestServeFlagsAgainstHostileClients(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--metrics-token", "--trusted-proxies", "127.0.0.1", "--heavy-rate", "1", "--heavy-concurrency", "3", "--download-timeout", "1m")
	if r := s.get("/metrics"); r.status != http.StatusUnauthorized {
		t.Errorf("/metrics under --metrics-token without a token: %d", r.status)
	}
	var codes []int
	for _, ask := range []struct{ client, query string }{
		// Stats by text scan the incidents: heavy. Stats of event types
		// are added up from the rollups: light, past the client's budget.
		{"198.51.100.1", "q=jnim"}, {"198.51.100.1", "q=jnim"}, {"198.51.100.2", "q=jnim"}, {"198.51.100.1", "event_type=Battles"},
	} {
		req, _ := http.NewRequest("GET", s.base+"/api/v1/stats?"+ask.query, nil)
		req.Header.Set("X-Forwarded-For", ask.client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if !slices.Equal(codes, []int{200, 429, 200, 200}) {
		t.Errorf("stats for two clients behind a trusted proxy, with --heavy-rate 1: %v", codes)
	}

	for _, tt := range []struct {
		args      []string
		env, want string
	}{
		{[]string{"--trusted-proxies", "proxy.local"}, "", "-trusted-proxies"},
		{nil, "10.0.0.0/33", "INCIDENTMAP_TRUSTED_PROXIES"},
		{[]string{"--heavy-concurrency", "0"}, "", "--heavy-concurrency"},
	} {
		var errb bytes.Buffer
		getenv := func(k string) string {
			if k == "INCIDENTMAP_TRUSTED_PROXIES" {
				return tt.env
			}
			return ""
		}
		err := runEnv(context.Background(), append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...), env{getenv: getenv, stdout: &errb, stderr: &errb})
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(errb.String()+err.Error(), tt.want) {
			t.Errorf("serve %v (INCIDENTMAP_TRUSTED_PROXIES=%q): %v %s", tt.args, tt.env, err, errb.String())
		}
	}
}
