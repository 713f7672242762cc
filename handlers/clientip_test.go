package handlers

import (
	"net"
	"slices"
	"testing"
)

// Made-up forwarding headers do not make a client several: four values once
// got four budgets.
func TestSpoofedForwardingHeadersGetOneBudget(t *testing.T) {
	ts := newHarness(t, Config{WritesPerMinute: 3}) // a burst of 2 per client IP
	var codes []int
	for _, h := range [][]string{{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "198.51.100.2"}, {"X-Real-IP", "198.51.100.3"}, {"Forwarded", "for=198.51.100.4"}} {
		r := req("POST", "/api/v1/incidents", "{}", h...)
		r.RemoteAddr = "203.0.113.7:4000"
		codes = append(codes, ts.do(r).Code)
	}
	if !slices.Equal(codes, []int{401, 401, 429, 429}) {
		t.Errorf("writes with spoofed client addresses: %v, want one budget of 2", codes)
	}

	// From a trusted proxy, the header names the client.
	_, lan, _ := net.ParseCIDR("10.0.0.0/8")
	ts = newHarness(t, Config{WritesPerMinute: 3, TrustedProxies: []*net.IPNet{lan}})
	codes = nil
	for _, client := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"} {
		r := req("POST", "/api/v1/incidents", "{}", "X-Forwarded-For", client)
		r.RemoteAddr = "10.0.0.2:5000"
		codes = append(codes, ts.do(r).Code)
	}
	if !slices.Equal(codes, []int{401, 401, 429, 401}) {
		t.Errorf("writes through a trusted proxy: %v, want a budget per client", codes)
	}
}

func TestClientIP(t *testing.T) {
	_, lan, _ := net.ParseCIDR("10.0.0.0/8")
	trusted := []*net.IPNet{lan}
	for _, tt := range []struct {
		trusted []*net.IPNet
		remote  string
		header  []string
		want    string
	}{
		{nil, "203.0.113.7:1", []string{"X-Forwarded-For", "198.51.100.1"}, "203.0.113.7"},
		{nil, "127.0.0.1:1", []string{"X-Real-IP", "198.51.100.1"}, "127.0.0.1"},
		{trusted, "203.0.113.7:1", []string{"X-Forwarded-For", "198.51.100.1"}, "203.0.113.7"},
		{trusted, "127.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.1"}, "127.0.0.1"}, // loopback is trusted only if listed
		{trusted, "10.0.0.2:1", nil, "10.0.0.2"},
		{trusted, "10.0.0.2:1", []string{"X-Forwarded-For", "198.51.100.1"}, "198.51.100.1"},
		{trusted, "10.0.0.2:1", []string{"X-Forwarded-For", "6.6.6.6, 198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{trusted, "10.0.0.2:1", []string{"X-Real-IP", "198.51.100.1"}, "198.51.100.1"},
		{trusted, "10.0.0.2:1", []string{"Forwarded", `for=192.0.2.60;proto=http;by=203.0.113.43, for=10.0.0.7`}, "192.0.2.60"},
		{trusted, "10.0.0.2:1", []string{"Forwarded", `For="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{trusted, "10.0.0.2:1", []string{"Forwarded", `for=unknown`}, "10.0.0.2"},
	} {
		r := req("GET", "/", "", tt.header...)
		r.RemoteAddr = tt.remote
		if got := clientIP(tt.trusted)(r); got != tt.want {
			t.Errorf("from %s (%d trusted) with %q: %s, want %s", tt.remote, len(tt.trusted), tt.header, got, tt.want)
		}
	}
}
