package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// On SIGTERM (here, its context cancelled) the server says it is shutting
// down and, once requests in flight have finished, how long that took and
// how many there were.
func TestShutdownIsLogged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	// A write whose body is not sent yet: the server answers "100 Continue"
	// once the handler reads the body, so the request is in flight.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash","location":"Torodi"}}`
	fmt.Fprintf(conn, "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/geo+json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", tok, len(body))
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	cancel := s.cancel
	s.cancel = nil
	cancel()
	waitFor(t, s.logs, `msg="shutting down" reason="context canceled" in_flight=1`)
	if strings.Contains(s.logs.String(), `msg="shut down"`) {
		t.Fatal("shut down with a request in flight")
	}
	fmt.Fprint(conn, body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		if strings.HasPrefix(line, "HTTP/1.1 ") {
			if !strings.HasPrefix(line, "HTTP/1.1 201") {
				t.Errorf("the write in flight got %q", line)
			}
			break
		}
	}
	if err := <-s.done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	waitFor(t, s.logs, `msg="shut down" drained_in=`)
	if !regexp.MustCompile(`msg="shut down" drained_in=\d+(\.\d+)?m?s in_flight=1\n`).MatchString(s.logs.String()) {
		t.Errorf("the shut-down line does not say how long draining took and how many requests were in flight:\n%s", s.logs)
	}
}

// waitFor waits until the log has a line containing want.
func waitFor(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(logs.String(), want) {
			return
		}
	}
	t.Fatalf("log has no %s:\n%s", want, logs)
}
