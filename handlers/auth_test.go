package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// A browser app on another origin can read with a token: its preflights
// are answered on every read path (the API's were 404, so --read-token
// could not be used from one), and never for writes.
func TestCORSPreflightOnEveryReadPath(t *testing.T) {
	const origin = "https://desk.example.org"
	ts := newHarness(t, Config{CORSOrigins: []string{origin}, ReadsNeedToken: true})
	preflight := func(path, method string) *http.Response {
		return ts.do(req("OPTIONS", path, "", "Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", "authorization")).Result()
	}
	for _, path := range []string{"/api/v1", "/api/v1/incidents", "/api/v1/incidents/x-1", "/api/v1/stats", "/ogc", "/ogc/collections/incidents/items", "/tiles/incidents/6/32/29.mvt"} {
		r := preflight(path, "GET")
		if r.StatusCode != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "authorization") || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("preflight for GET %s: %d %v", path, r.StatusCode, r.Header)
		}
	}
	if m := preflight("/api/v1/incidents", "POST").Header.Get("Access-Control-Allow-Methods"); strings.Contains(m, "POST") {
		t.Errorf("a write was allowed cross-origin: %q", m)
	}
	viewer := ts.token(t, "viewer")
	r := ts.do(req("GET", "/api/v1/typology", "", "Origin", origin, "Authorization", "Bearer "+viewer))
	if r.Code != http.StatusOK || r.Header().Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("the read after the preflight: %d %v", r.Code, r.Header())
	}
	r = ts.do(req("GET", "/api/v1/typology", "", "Origin", "https://elsewhere.example", "Authorization", "Bearer "+viewer))
	if r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an origin not in --cors may read: %v", r.Header())
	}
}

// RFC 7235: the scheme is case-insensitive.
func TestBearerInAnyCase(t *testing.T) {
	ts := newHarness(t, Config{ReadsNeedToken: true})
	tok := ts.token(t, "viewer")
	for _, auth := range []string{"Bearer " + tok, "bearer " + tok, "BEARER " + tok, "beaReR  " + tok} {
		if r := ts.do(req("GET", "/api/v1/typology", "", "Authorization", auth)); r.Code != http.StatusOK {
			t.Errorf("%.9q...: %d %s", auth, r.Code, r.Body)
		}
	}
	for _, auth := range []string{"Basic " + tok, tok, "Bearer", "Bearertoken"} {
		if r := ts.do(req("GET", "/api/v1/typology", "", "Authorization", auth)); r.Code != http.StatusUnauthorized {
			t.Errorf("%.9q...: %d", auth, r.Code)
		}
	}
}

// /metrics tells what is stored and who asks what: behind the read token
// when reads are, or behind one of its own.
func TestMetricsBehindAToken(t *testing.T) {
	for _, tt := range []struct {
		name        string
		cfg         Config
		metricsOpen bool
		readsOpen   bool
	}{
		{"public", Config{}, true, true},
		{"--read-token", Config{ReadsNeedToken: true}, false, false},
		{"--metrics-token", Config{MetricsNeedToken: true}, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newHarness(t, tt.cfg)
			if r := ts.do(req("GET", "/metrics", "")); (r.Code == http.StatusOK) != tt.metricsOpen || !tt.metricsOpen && r.Code != http.StatusUnauthorized {
				t.Errorf("/metrics without a token: %d", r.Code)
			}
			if r := ts.do(req("GET", "/api/v1/typology", "")); (r.Code == http.StatusOK) != tt.readsOpen {
				t.Errorf("a read without a token: %d", r.Code)
			}
			if r := ts.do(req("GET", "/metrics", "", "Authorization", "Bearer "+ts.token(t, "viewer"))); r.Code != http.StatusOK {
				t.Errorf("/metrics with a viewer token: %d", r.Code)
			}
		})
	}
}
