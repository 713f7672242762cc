package notify

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// receiver is a webhook receiver that checks signatures and can be down.
type receiver struct {
	t      *testing.T
	secret string
	down   atomic.Bool
	mu     sync.Mutex
	got    []map[string]any
	keys   []string
	srv    *httptest.Server
	posted chan struct{}
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{t: t, secret: secret, posted: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(req.Body)
		if got := req.Header.Get(HeaderSignature); got != Sign(r.secret, body) {
			t.Errorf("signature %q does not sign the body", got)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body: %v", err)
		}
		r.mu.Lock()
		r.got = append(r.got, m)
		r.keys = append(r.keys, req.Header.Get(HeaderIdempotency))
		r.mu.Unlock()
		r.posted <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait waits for the receiver to hold n notices and returns their kinds
// and changed fields.
func (r *receiver) wait(n int) []string {
	r.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		k := len(r.got)
		r.mu.Unlock()
		if k >= n {
			break
		}
		select {
		case <-r.posted:
		case <-deadline:
			r.t.Fatalf("the receiver has %d notices, want %d", k, n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.got {
		s := m["kind"].(string)
		if ch, ok := m["changed"].([]any); ok {
			for _, c := range ch {
				s += " " + c.(string)
			}
		}
		out = append(out, s)
	}
	return out
}

type fixture struct {
	db  *sqlite.DB
	svc *incident.Service
	n   *Notifier
	ctx context.Context
}

func newFixture(t *testing.T, opts ...func(*Notifier)) *fixture {
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	allow, _ := ParseAllow("127.0.0.1")
	n := &Notifier{Store: db, Allow: allow, Logger: slog.New(slog.DiscardHandler), Places: g, Poll: 20 * time.Millisecond, Retry: 20 * time.Millisecond}
	for _, o := range opts {
		o(n)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); n.Wait(); db.Close() })
	svc := &incident.Service{Store: db, Locator: g, Geocoder: g, OnChange: n.Wake}
	return &fixture{db: db, svc: svc, n: n, ctx: ctx}
}

func (f *fixture) watch(t *testing.T, query, hook string) *incident.Watch {
	w := &incident.Watch{ID: "w-" + strings.ReplaceAll(query, "=", ""), Name: "Torodi base", Owner: "tok", Query: query, Webhook: hook, Secret: "s3cret", CreatedAt: time.Now()}
	if err := incident.ParseWatch(w, f.n.Places); err != nil {
		t.Fatal(err)
	}
	if err := f.n.CreateWatch(f.ctx, w); err != nil {
		t.Fatal(err)
	}
	return w
}

// settled waits until no notice is pending.
func (f *fixture) settled(t *testing.T) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, _ := f.db.Watches(f.ctx)
		pending := 0
		for _, w := range ws {
			if w.Delivery != nil {
				pending += w.Delivery.Pending
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notices still pending", pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func torodi(lon, lat float64, fatalities int) *incident.Incident {
	in := &incident.Incident{ID: "torodi-1", EventDate: "2024-03-10", EventType: "Battles", SubEventType: "Armed clash", Fatalities: fatalities, Location: "Torodi"}
	in.SetPoint(lon, lat)
	return in
}

// Created, updated, updated out of, back into, and deleted from a watch's
// area: each is posted, signed, in order, once.
func TestWebhookNotices(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, "s3cret")
	f.watch(t, "near=1.7987,13.1192&radius_km=25", r.srv.URL)
	f.watch(t, "near=10,15&radius_km=5", "") // elsewhere, feed only
	if _, err := f.svc.Create(f.ctx, torodi(1.7987, 13.1192, 7)); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := f.svc.Patch(f.ctx, "torodi-1", []byte(`{"properties":{"fatalities":9}}`), incident.PatchOptions{})
			return err
		},
		func() error { _, err := f.svc.Replace(f.ctx, "torodi-1", torodi(2.5, 14.5, 9)); return err },
		func() error { _, err := f.svc.Replace(f.ctx, "torodi-1", torodi(1.80, 13.12, 9)); return err },
		func() error { return f.svc.Delete(f.ctx, "torodi-1") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	got := r.wait(5)
	want := []string{"match", "updated fatalities", "retracted geometry nearest_border_km", "entered geometry nearest_border_km", "retracted"}
	for i := range got {
		// Derived fields that change with a move vary; compare the first
		// two words.
		got[i] = strings.Join(strings.Fields(got[i])[:min(2, len(strings.Fields(got[i])))], " ")
		want[i] = strings.Join(strings.Fields(want[i])[:min(2, len(strings.Fields(want[i])))], " ")
	}
	if !slices.Equal(got, want) {
		t.Errorf("notices %v, want %v", got, want)
	}
	if k := r.keys[0]; !strings.HasPrefix(k, "w-") || slices.Contains(r.keys[1:], k) {
		t.Errorf("idempotency keys %v: want one per notice", r.keys)
	}
	f.settled(t)
	ws, _ := f.db.Watches(f.ctx)
	for _, w := range ws {
		if w.Webhook != "" && (w.Delivery == nil || w.Delivery.LastSuccess == nil || w.Delivery.Pending != 0) {
			t.Errorf("delivery status %+v", w.Delivery)
		}
		if w.Webhook == "" {
			if ns, _ := f.db.Notices(f.ctx, w.ID, "", 10); len(ns) != 0 {
				t.Errorf("the watch elsewhere has %d notices", len(ns))
			}
		}
	}
}

// A receiver down for a while gets every notice later, in order; one given
// up on is dead until resent.
func TestWebhookRetriesInOrder(t *testing.T) {
	f := newFixture(t)
	r := newReceiver(t, "s3cret")
	w := f.watch(t, "near=1.7987,13.1192&radius_km=25", r.srv.URL)
	r.down.Store(true)
	if _, err := f.svc.Create(f.ctx, torodi(1.7987, 13.1192, 1)); err != nil {
		t.Fatal(err)
	}
	for k := 2; k <= 4; k++ {
		in := torodi(1.7987, 13.1192, k)
		if _, err := f.svc.Replace(f.ctx, "torodi-1", in); err != nil {
			t.Fatal(err)
		}
	}
	// Failures pile up while it is down.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := f.db.Watch(f.ctx, w.ID)
		if got.Delivery.Failures >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retries: %+v", got.Delivery)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.down.Store(false)
	r.wait(4)
	for i, m := range r.got {
		if fat := m["incident"].(map[string]any)["properties"].(map[string]any)["fatalities"]; fat != float64(i+1) {
			t.Errorf("notice %d has fatalities %v: out of order", i, fat)
		}
	}

	// Given up on at once: dead, then resent.
	f.n.GiveUp = 0
	r.down.Store(true)
	if err := f.svc.Delete(f.ctx, "torodi-1"); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		if ns, _ := f.db.Notices(f.ctx, w.ID, "dead", 10); len(ns) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the notice never died")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.down.Store(false)
	f.n.GiveUp = time.Hour
	if k, err := f.n.Resend(f.ctx, w.ID); err != nil || k != 1 {
		t.Fatalf("resend: %d, %v", k, err)
	}
	if got := r.wait(5); got[4] != "retracted" {
		t.Errorf("resent %q", got[4])
	}
}

// Webhooks go to allowed hosts only, checked on saving and on dialling.
func TestAllow(t *testing.T) {
	ctx := context.Background()
	a, err := ParseAllow("hooks.example.org, 10.1.0.0/16, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for u, ok := range map[string]bool{
		"http://127.0.0.1:9/x":       true,
		"http://127.0.0.2/x":         false, // loopback, not allowed
		"http://10.1.2.3/x":          true,
		"http://10.2.0.1/x":          false,
		"http://169.254.169.254/":    false, // cloud metadata
		"http://[::1]/":              false,
		"http://localhost/":          false, // not a listed name
		"http://other.example.org/":  false,
		"http://[::ffff:127.0.0.2]/": false,
	} {
		if err := a.CheckURL(ctx, u); (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", u, err, ok)
		}
	}
	none, _ := ParseAllow("")
	if err := none.CheckURL(ctx, "http://127.0.0.1/"); err == nil || !strings.Contains(err.Error(), "--webhook-allow") {
		t.Errorf("no list: %v", err)
	}
	if _, err := a.DialContext(ctx, "tcp", "127.0.0.2:80"); err == nil {
		t.Error("dialled a refused address")
	}
	if _, err := ParseAllow("10.0.0.0/33"); err == nil {
		t.Error("a bad range is accepted")
	}
}
