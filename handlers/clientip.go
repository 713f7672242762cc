package handlers

import (
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// clientIP is how the server tells clients apart (rate limits key on it).
// Anyone can send X-Forwarded-For: four made-up values once got four
// budgets. So the forwarding headers count only on connections from a
// trusted proxy, read from the right, each trusted hop skipped (echo's
// rules); from anyone else, or with no proxies trusted, the connection's own
// address is the client.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	direct := echo.ExtractIPDirect()
	if len(trusted) == 0 {
		return direct
	}
	// Only the ranges given: echo would otherwise trust every private and
	// loopback address too.
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	xff := echo.ExtractIPFromXFFHeader(opts...)
	realIP := echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		switch {
		case r.Header.Get(echo.HeaderXForwardedFor) != "":
			return xff(r)
		case r.Header.Get(echo.HeaderXRealIP) != "":
			return realIP(r)
		case r.Header.Get("Forwarded") != "":
			// RFC 7239's for= values are the same chain as
			// X-Forwarded-For, so they are read by the same rules.
			rr := *r
			rr.Header = http.Header{echo.HeaderXForwardedFor: {strings.Join(forwardedFor(r.Header.Values("Forwarded")), ", ")}}
			return xff(&rr)
		}
		return direct(r)
	}
}

// forwardedFor lists the for= addresses of RFC 7239 Forwarded headers, in
// order, without quotes, brackets or ports. A value that is not an address
// ("unknown", an obfuscated name) is kept, and stops the walk there.
func forwardedFor(headers []string) []string {
	var out []string
	for _, h := range headers {
		for _, elem := range strings.Split(h, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				v = strings.Trim(v, `"`)
				if host, _, err := net.SplitHostPort(v); err == nil {
					v = host
				}
				out = append(out, strings.Trim(v, "[]"))
			}
		}
	}
	return out
}
