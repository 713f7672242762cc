package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/notify"
)

// A notice survives SIGKILL: the server is killed right after a write it
// acknowledged, with the webhook's receiver down; started again with the
// receiver up, it posts the notice, signed; any repeat carries the same
// Idempotency-Key.
func TestWebhookNoticeSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "watch.db")
	start(t, db, "--no-seed").stop()
	tok := token(t, db, "editor")

	// The receiver's address, with nothing listening yet: down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	c := startChild(t, bin, db, "--webhook-allow", "127.0.0.1")
	in := &instance{t: t, base: c.base}
	res := in.doCT("POST", "/api/v1/watches", tok, "application/json", map[string]any{
		"name": "Torodi base", "filter": "near=1.7987,13.1192&radius_km=25", "webhook": "http://" + addr + "/hook"})
	if res.status != http.StatusCreated {
		c.cmd.Process.Kill()
		t.Fatalf("create watch: %d %s", res.status, res.body)
	}
	secret := res.json(t)["secret"].(string)
	res = in.do("POST", "/api/v1/incidents", tok, feature("torodi-k", "2024-03-10", "Battles", "Armed clash", 1.80, 13.12, 7, nil))
	if res.status != http.StatusCreated {
		c.cmd.Process.Kill()
		t.Fatalf("create incident: %d %s", res.status, res.body)
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()

	// The receiver, up.
	type post struct{ key, kind, id string }
	var mu sync.Mutex
	var got []post
	arrived := make(chan struct{}, 10)
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if sig := r.Header.Get("X-Incidentmap-Signature"); sig != notify.Sign(secret, body) {
			t.Errorf("signature %q does not sign the body", sig)
		}
		var m struct {
			Kind       string `json:"kind"`
			IncidentID string `json:"incident_id"`
		}
		json.Unmarshal(body, &m)
		mu.Lock()
		got = append(got, post{r.Header.Get("Idempotency-Key"), m.Kind, m.IncidentID})
		mu.Unlock()
		arrived <- struct{}{}
	})}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c = startChild(t, bin, db, "--webhook-allow", "127.0.0.1")
	defer func() { c.cmd.Process.Signal(syscall.SIGTERM); c.cmd.Wait() }()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the notice never arrived after the restart")
	}
	// A moment for any repeat to arrive too.
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, p := range got {
		if p.kind != "match" || p.id != "torodi-k" || p.key != got[0].key || p.key == "" {
			t.Errorf("posted %+v; want the one match notice of torodi-k, one idempotency key", p)
		}
	}
}
