package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// loadGeo loads the reference geography once for all tests.
var loadGeo = sync.OnceValues(func() (*geo.Geography, error) { return geo.Load(geo.DefaultOptions()) })

// harness is a Server on a fresh SQLite store (unless cfg names a store)
// with the real geography; its log is kept for the test to read.
type harness struct {
	*Server
	db   *sqlite.DB
	logs *syncBuffer
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	g, err := loadGeo()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "im.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Store == nil {
		cfg.Store = db
	}
	cfg.Tokens, cfg.Geo = db, g
	cfg.Service = &incident.Service{Store: cfg.Store, Locator: g, Geocoder: g}
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	return &harness{Server: NewServer(cfg), db: db, logs: logs}
}

// token makes a token of role and returns its secret.
func (ts *harness) token(t *testing.T, role string) string {
	t.Helper()
	secret, tok, err := incident.NewToken(role, role, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

// req is a request; header is name, value, name, value...
func req(method, target, body string, header ...string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body == "" {
		r.Body = http.NoBody
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// do serves one request in process.
func (ts *harness) do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, r)
	return rec
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeStore yields n made-up incidents from Each, built one at a time, so a
// test can see what a handler keeps of them; other methods than these panic
// (nil Store).
type fakeStore struct {
	incident.Store
	n int
	// gate, when set, holds Each before its first incident; entered is
	// told when it is reached.
	gate, entered chan struct{}
	// delay is slept between incidents; each, when set, is called with
	// each incident's index.
	delay time.Duration
	each  func(i int)
	// fromCounts, when set, says which aggregates the store adds up from
	// counts it keeps (incident.CheapAggregator); else none.
	fromCounts func(f incident.Filter, level int) bool
	// fromRollups, when set, says which stats the store adds up from
	// rollups it keeps (incident.CheapStats); else none.
	fromRollups func(f incident.Filter) bool
}

func (f *fakeStore) Each(ctx context.Context, fl incident.Filter, fn func(*incident.Incident) error) error {
	if f.gate != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	n := f.n
	if fl.Limit > 0 {
		n = min(n, fl.Limit)
	}
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		if f.each != nil {
			f.each(i)
		}
		if err := fn(madeUp(i)); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) List(ctx context.Context, fl incident.Filter) (*incident.Page, error) {
	return &incident.Page{}, nil
}

func (f *fakeStore) Aggregate(ctx context.Context, fl incident.Filter, level int) ([]incident.CellCount, error) {
	return nil, nil
}

func (f *fakeStore) AggregateFromCounts(fl incident.Filter, level int) bool {
	return f.fromCounts != nil && f.fromCounts(fl, level)
}

func (f *fakeStore) StatsFromRollups(fl incident.Filter) bool {
	return f.fromRollups != nil && f.fromRollups(fl)
}

func (f *fakeStore) Stats(ctx context.Context, fl incident.Filter) (*incident.Stats, error) {
	return &incident.Stats{}, nil
}

// madeUp is incident i, about the size of a real one.
func madeUp(i int) *incident.Incident {
	in := awkward()
	in.ID = fmt.Sprintf("f-%07d", i)
	in.Notes = strings.Repeat("Armed men on motorbikes attacked the village; ", 6)
	in.Lon += float64(i%1000) / 1000
	return in
}
