package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck asks a running server's /healthz, for container health
// checks on images with no curl.
func cmdHealthcheck(ctx context.Context, args []string, e env) error {
	fs := newFlags("healthcheck", "[--addr ADDR]", "Exits 0 when the server at --addr answers /healthz with 200, 1 otherwise.", e)
	addr := fs.String("addr", ":8080", "address the server listens on")
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
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", res.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
