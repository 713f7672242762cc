package main

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Two servers on one PostGIS database, as behind a load balancer: the
// seed goes in once, each sees the other's writes at once, and a token
// made on one works on the other. The database going away answers 503
// problem+json with Retry-After (and stores nothing); once it is back both
// answer again, without a restart.
func TestPostgresTwoServersShareOneDatabase(t *testing.T) {
	defer func(d time.Duration) { placesPoll = d }(placesPoll)
	placesPoll = 50 * time.Millisecond
	dbURL := pgtest.NewDatabase(t)
	a := start(t, dbURL, "--webhook-allow", "127.0.0.1")
	b := start(t, dbURL, "--webhook-allow", "127.0.0.1")
	if c := b.list(""); !slices.Equal(ids(c), seedIDs) || c.NumberMatched != len(seedIDs) {
		t.Fatalf("the second server lists %v (%d), want the seed once", ids(c), c.NumberMatched)
	}
	admin := token(t, dbURL, "admin")
	r := a.do("POST", "/api/v1/tokens", admin, map[string]string{"role": "editor", "name": "desk"})
	if r.status != 201 {
		t.Fatalf("token on the first server: %d %s", r.status, r.body)
	}
	var made struct {
		Secret string `json:"token"`
	}
	json.Unmarshal(r.body, &made)
	// A watch made through the first server, a stream on the second.
	hook := newHookCounter(t)
	if r := a.doCT("POST", "/api/v1/watches", made.Secret, "application/json", map[string]any{
		"name": "Tillaberi", "filter": "near=1.9,14.2&radius_km=10", "webhook": hook.srv.URL}); r.status != 201 {
		t.Fatalf("a watch on the first server: %d %s", r.status, r.body)
	}
	events := openStream(t, b.base+"/api/v1/stream?near=1.9,14.2&radius_km=10")
	f := feature("pg-1", "2024-03-02", "Battles", "Armed clash", 1.9, 14.2, 3, nil)
	if r := b.do("POST", "/api/v1/incidents", made.Secret, f); r.status != 201 {
		t.Fatalf("a write on the second server with the first's token: %d %s", r.status, r.body)
	}
	if r := a.get("/api/v1/incidents/pg-1"); r.status != 200 {
		t.Errorf("the first server does not see the second's write: %d %s", r.status, r.body)
	}
	if r := a.doCT("PATCH", "/api/v1/incidents/pg-1", made.Secret, "application/merge-patch+json", `{"properties":{"fatalities":4}}`); r.status != 200 {
		t.Fatalf("an update on the first server: %d %s", r.status, r.body)
	}
	// The second server's stream tells of the first's update; the watch
	// is told of both writes, each posted once (both servers' notifiers
	// run on the database).
	for want := `"action":"update","incident_id":"pg-1"`; ; {
		select {
		case ev := <-events:
			if !strings.Contains(ev, want) {
				continue
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the second server's stream never told of the first's update (%s)", want)
		}
		break
	}
	if got := hook.wait(t, 2); got["match"] != 1 || got["updated"] != 1 {
		t.Errorf("the watch's webhook got %v; want the match and the update, once each", got)
	}
	if c := a.list("q=pg"); c.NumberMatched != 1 {
		t.Errorf("q=pg on the first server matched %d, want 1", c.NumberMatched)
	}
	// A place added on one server reaches the other's geocoder.
	if r := a.doCT("POST", "/api/v1/places", made.Secret, "text/csv", "name,lat,lon\nKobadjou Tinkar,14.6,1.4\n"); r.status != 201 {
		t.Fatalf("adding a place: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r := b.get("/api/v1/geocode?q=Kobadjou+Tinkar"); !strings.Contains(string(r.body), `"geo_precision":1`); r = b.get("/api/v1/geocode?q=Kobadjou+Tinkar") {
		if time.Now().After(deadline) {
			t.Fatalf("the second server never saw the place added on the first: %s", r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A zone drawn on one server and a site kept on the other filter on
	// both (each reads the other's within placesPoll).
	zone := `{"type":"Feature","properties":{"name":"Tillaberi box"},"geometry":{"type":"Polygon","coordinates":[[[1.8,14.1],[2.0,14.1],[2.0,14.3],[1.8,14.3],[1.8,14.1]]]}}`
	if r := a.do("POST", "/api/v1/zones", made.Secret, zone); r.status != 201 {
		t.Fatalf("drawing a zone: %d %s", r.status, r.body)
	}
	site := `{"type":"Feature","id":"pg-camp","properties":{"name":"Camp"},"geometry":{"type":"Point","coordinates":[1.9,14.25]}}`
	if r := b.do("POST", "/api/v1/sites", made.Secret, site); r.status != 201 {
		t.Fatalf("keeping a site: %d %s", r.status, r.body)
	}
	// pg-1 is 5.56 km south of the camp, inside the zone.
	for _, c := range []struct {
		on    *instance
		query string
		want  bool
	}{
		{b, "zone=Tillaberi+box", true}, {a, "near_site=pg-camp&radius_km=6", true}, {a, "near_site=pg-camp&radius_km=5", false},
	} {
		deadline := time.Now().Add(10 * time.Second)
		r := c.on.get("/api/v1/incidents?" + c.query)
		for ; r.status != 200; r = c.on.get("/api/v1/incidents?" + c.query) {
			if time.Now().After(deadline) {
				t.Fatalf("%s on the other server: %d %s\n%s", c.query, r.status, r.body, c.on.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var got fc
		json.Unmarshal(r.body, &got)
		if slices.Contains(ids(got), "pg-1") != c.want {
			t.Errorf("%s lists %v; want pg-1 in it: %v", c.query, ids(got), c.want)
		}
	}
	// Deriving again works on the shared database, and changes nothing
	// the servers list (they derived with the same geography).
	if out, errs, err := runCLI(t, "", "rederive", "--db", dbURL); err != nil || !strings.Contains(out, "derived "+strconv.Itoa(len(seedIDs)+1)+" incidents again") {
		t.Fatalf("rederive: %q %v %s", out, err, errs)
	}
	if c := b.list("q=pg"); c.NumberMatched != 1 {
		t.Errorf("after rederive q=pg matched %d, want 1", c.NumberMatched)
	}
	// Drafts the extract command stores are the servers' to review.
	if _, errs, err := runCLI(t, "Twelve soldiers were killed near Tillabéri on Monday.", "extract", "-", "--store", "--db", dbURL, "--published", "2024-03-04"); err != nil {
		t.Fatalf("extract --store: %v %s", err, errs)
	}
	if r := b.do("GET", "/api/v1/drafts", made.Secret, nil); r.status != 200 || !strings.Contains(string(r.body), "Twelve soldiers") && !strings.Contains(string(r.body), `"fatalities":12`) {
		t.Errorf("drafts on the second server: %d %s", r.status, r.body)
	}

	pgtest.StopServer(t)
	stopped := true
	defer func() {
		if stopped {
			pgtest.StartServer(t)
		}
	}()
	for _, r := range []response{
		a.get("/api/v1/incidents?limit=1"),
		b.get("/api/v1/incidents/pg-1"),
		a.do("POST", "/api/v1/incidents", made.Secret, feature("pg-2", "2024-03-03", "Battles", "Armed clash", 2, 14, 1, nil)),
	} {
		if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(r.body), "cannot be reached") {
			t.Errorf("with the database gone: %d Retry-After %q %s; want 503 problem+json with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
		}
		if strings.Contains(string(r.body), "password") {
			t.Errorf("the answer names a password: %s", r.body)
		}
	}
	pgtest.StartServer(t)
	stopped = false
	for _, s := range []*instance{a, b} {
		if r := s.get("/api/v1/incidents/pg-1"); r.status != 200 {
			t.Errorf("once the database is back: %d %s", r.status, r.body)
		}
	}
	if r := b.get("/api/v1/incidents/pg-2"); r.status != 404 {
		t.Errorf("the write made while the database was gone: %d %s, want 404", r.status, r.body)
	}
	if r := a.do("POST", "/api/v1/incidents", made.Secret, feature("pg-2", "2024-03-03", "Battles", "Armed clash", 2, 14, 1, nil)); r.status != 201 {
		t.Errorf("a write once the database is back: %d %s", r.status, r.body)
	}
}

// A wrong password or an unreachable server stops the start with an error
// naming the server, never the password.
func TestPostgresServeWrongPassword(t *testing.T) {
	base := pgtest.PasswordDatabase(t, "right-one")
	bad := strings.Replace(base, pgtest.PasswordRole+"@", pgtest.PasswordRole+":Wr0ngPass@", 1)
	_, _, err := runCLI(t, "", "serve", "--addr", "127.0.0.1:0", "--db", bad)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1") || !strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), "Wr0ngPass") {
		t.Errorf("serve with a wrong password: %v; want an error naming the host and the password, without it", err)
	}
}

// hookCounter is a webhook receiver that counts the posts of each notice
// (by Idempotency-Key) and of each kind.
type hookCounter struct {
	srv   *httptest.Server
	mu    sync.Mutex
	keys  map[string]int
	kinds map[string]int
}

func newHookCounter(t *testing.T) *hookCounter {
	h := &hookCounter{keys: map[string]int{}, kinds: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Kind string `json:"kind"`
		}
		json.NewDecoder(r.Body).Decode(&ev)
		h.mu.Lock()
		h.keys[r.Header.Get("Idempotency-Key")]++
		h.kinds[ev.Kind]++
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait waits for n notices, lets the servers look at the outbox a few
// times more (a notice posted twice would come now), and returns the
// posts by kind; a notice posted twice fails the test.
func (h *hookCounter) wait(t *testing.T, n int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.mu.Lock()
		k := len(h.keys)
		h.mu.Unlock()
		if k >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook got %d notices, want %d", k, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // two polls of each server's outbox
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, posts := range h.keys {
		if posts != 1 {
			t.Errorf("notice %s was posted %d times", k, posts)
		}
	}
	return maps.Clone(h.kinds)
}

// openStream reads a Server-Sent Events stream until the test ends, and
// sends its data lines.
func openStream(t *testing.T, u string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("stream %s: %v %v", u, err, res)
	}
	out := make(chan string, 100)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				select {
				case out <- line:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
