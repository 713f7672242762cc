package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/data"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/notify"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/paulmach/orb"
)

// liveServer is the server on a real SQLite store in a temp directory,
// seeded with the seed incidents, with a token of each role.
type liveServer struct {
	*httptest.Server
	srv    *Server
	db     *sqlite.DB
	tokens map[string]string // role → secret
	seeds  []string          // ids of the seed incidents
}

// newLiveServer starts a server; configure adjusts its Config (nil: the
// defaults, with no write limit).
func newLiveServer(t testing.TB, seed bool, configure func(*Config)) *liveServer {
	t.Helper()
	ctx := context.Background()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := &incident.Service{Store: db, Locator: g, Geocoder: g}
	ts := &liveServer{db: db, tokens: map[string]string{}}
	if seed {
		ins, rej, err := incident.DecodeFeatures(data.Incidents)
		if err != nil || len(rej) > 0 {
			t.Fatalf("seed: %v %v", err, rej)
		}
		for _, in := range ins {
			if _, err := svc.Create(incident.WithActor(ctx, "seed"), in); err != nil {
				t.Fatal(err)
			}
			ts.seeds = append(ts.seeds, in.ID)
		}
	}
	for _, role := range []string{incident.RoleViewer, incident.RoleEditor, incident.RoleAdmin} {
		secret, tok, err := incident.NewToken("test-"+role, role, time.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		ts.tokens[role] = secret
	}
	// The site the documented examples of near_site= name.
	areas := geo.NewAreas(g)
	example := incident.NewSite(incident.ExampleSiteID, "Torodi base", orb.Point{1.7987, 13.1192})
	example.CreatedAt, example.UpdatedAt = time.Now(), time.Now()
	if err := db.CreateSite(ctx, example); err != nil {
		t.Fatal(err)
	}
	areas.PutSite(example)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	allow, _ := notify.ParseAllow("127.0.0.1")
	nctx, stop := context.WithCancel(ctx)
	n := &notify.Notifier{Store: db, Allow: allow, Logger: quiet, Poll: 50 * time.Millisecond, Retry: 50 * time.Millisecond,
		Places: areas}
	if err := n.Start(nctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); n.Wait() })
	svc.OnChange = n.Wake
	cfg := Config{Service: svc, Store: db, Tokens: db, Places: db, Geo: g, Areas: areas, Logger: quiet, WritesPerMinute: -1, Notifier: n}
	if configure != nil {
		configure(&cfg)
	}
	ts.srv = NewServer(cfg)
	ts.Server = httptest.NewServer(ts.srv)
	t.Cleanup(ts.Close)
	return ts
}

// request sends a request as a role ("" for none) and reads the answer.
func (ts *liveServer) request(t testing.TB, method, path, role, ctype, body string) (*http.Request, *http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch secret, ok := ts.tokens[role]; {
	case ok:
		req.Header.Set("Authorization", "Bearer "+secret)
	case role != "":
		req.Header.Set("Authorization", "Bearer "+role)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return req, res, b
}

// While serve derives stored incidents again, /readyz stays ready (every
// answer is served) but says how far it is, so a reader knows answers are
// partly the old geography's; after, it says nothing of it.
func TestReadyzSaysWhileDeriving(t *testing.T) {
	done, total, active := 1200, 5000, true
	ts := newHarness(t, Config{Deriving: func() (int, int, bool) { return done, total, active }})
	rec := ts.do(req("GET", "/readyz", ""))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"deriving":{"done":1200,`) || !strings.Contains(rec.Body.String(), `"total":5000`) {
		t.Errorf("while deriving: %d %s", rec.Code, rec.Body)
	}
	active = false
	rec = ts.do(req("GET", "/readyz", ""))
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "deriving") {
		t.Errorf("after deriving: %d %s", rec.Code, rec.Body)
	}
}
