package handlers

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// raw sends head (and whatever send writes after it) over a TCP connection
// to srv, and returns the response, or an error when the server closed the
// connection without one. It gives up after 20 s.
func raw(t *testing.T, srv *httptest.Server, head string, send func(c *net.TCPConn)) (*http.Response, []byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	if send != nil {
		go send(conn.(*net.TCPConn))
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("no answer in 20 s")
		}
		return nil, nil, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body, nil
}

func problemOf(t *testing.T, res *http.Response, body []byte) Problem {
	t.Helper()
	var p Problem
	if res.Header.Get("Content-Type") != MIMEProblem || json.Unmarshal(body, &p) != nil {
		t.Errorf("not problem+json: %s %s", res.Header.Get("Content-Type"), body)
	}
	return p
}

// A body the client botches is the client's error (400), not the server's
// (500 with an ERROR log line).
func TestUnreadableBodiesAreClientErrors(t *testing.T) {
	ts := newHarness(t, Config{})
	tok := ts.token(t, "admin")
	srv := httptest.NewServer(ts)
	defer srv.Close()
	head := "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/geo+json\r\n"

	res, body, err := raw(t, srv, head+"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", nil)
	if err != nil || res.StatusCode != http.StatusBadRequest || !strings.Contains(problemOf(t, res, body).Detail, "could not read the request body") {
		t.Errorf("a malformed chunk size: %v %v %s", err, res, body)
	}

	// The client hangs up after 10 of 1,000 bytes (closing its half, so it
	// can still read the answer).
	res, body, err = raw(t, srv, head+"Content-Length: 1000\r\n\r\n{\"type\":\"F", func(c *net.TCPConn) { c.CloseWrite() })
	if err != nil || res.StatusCode != http.StatusBadRequest || !strings.Contains(problemOf(t, res, body).Detail, "could not read the request body") {
		t.Errorf("a body cut short: %v %v %s", err, res, body)
	}

	// Too big, as a chunked stream (no length to refuse it by up front).
	res, body, err = raw(t, srv, head+"Transfer-Encoding: chunked\r\n\r\n", func(c *net.TCPConn) {
		chunk := "100000\r\n" + strings.Repeat("x", 0x100000) + "\r\n"
		for range 3 {
			if _, err := c.Write([]byte(chunk)); err != nil {
				return
			}
		}
	})
	if err != nil || res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(problemOf(t, res, body).Detail, "one incident per request") {
		t.Errorf("a 3 MB incident: %v %v %s", err, res, body)
	}
	// An import too big says what to do instead.
	res, body, err = raw(t, srv, strings.Replace(head, "/api/v1/incidents", "/api/v1/import", 1)+"Content-Length: 300000000\r\n\r\n", nil)
	if err != nil || res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(problemOf(t, res, body).Detail, "incidentmap import FILE") {
		t.Errorf("a 300 MB import: %v %v %s", err, res, body)
	}
	if strings.Contains(ts.logs.String(), "level=ERROR") {
		t.Errorf("client errors were logged as the server's:\n%s", ts.logs)
	}
}

// A body arriving at a trickle ends with 408 once it falls behind (it used
// to hold the connection for the whole 2-minute read timeout).
func TestSlowBodyIsCutOff(t *testing.T) {
	ts := newHarness(t, Config{BodyTimeout: 100 * time.Millisecond})
	tok := ts.token(t, "editor")
	srv := httptest.NewServer(ts)
	defer srv.Close()
	head := "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Length: 100000\r\n\r\n{"
	res, body, err := raw(t, srv, head, func(c *net.TCPConn) {
		for {
			time.Sleep(20 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	})
	if err != nil || res.StatusCode != http.StatusRequestTimeout || !strings.Contains(problemOf(t, res, body).Detail, "too slowly") {
		t.Fatalf("a body at 50 bytes/s: %v %v %s", err, res, body)
	}
}
