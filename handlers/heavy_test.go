package handlers

import (
	"bytes"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// answer serves a request and fails the test if it is held instead of
// answered (a queue where a refusal was due).
func answer(t *testing.T, ts *harness, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { ts.ServeHTTP(rec, r); close(done) }()
	select {
	case <-done:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatalf("%s %s was held, not answered", r.Method, r.URL)
		return nil
	}
}

func TestHeavyRequestsAreRefusedAtOnceWhenFull(t *testing.T) {
	fs := &fakeStore{n: 3, gate: make(chan struct{}), entered: make(chan struct{}, 8)}
	ts := newHarness(t, Config{Store: fs, HeavyConcurrency: 2, HeavyPerMinute: -1})
	var wg sync.WaitGroup
	held := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		wg.Add(1)
		go func() { defer wg.Done(); ts.ServeHTTP(rec, req("GET", target, "")) }()
		<-fs.entered
		return rec
	}
	refused := func(target string) {
		t.Helper()
		r := answer(t, ts, req("GET", target, ""))
		if r.Code != http.StatusServiceUnavailable || r.Header().Get("Retry-After") == "" || r.Header().Get("Content-Type") != MIMEProblem {
			t.Errorf("%s with every slot taken: %d, Retry-After %q, %s", target, r.Code, r.Header().Get("Retry-After"), r.Body)
		}
	}
	download := held("/api/v1/incidents?f=csv")
	refused("/api/v1/incidents?f=geojson") // downloads may hold half the slots
	tile := held("/tiles/incidents/3/4/3.mvt")
	refused("/api/v1/stats")
	refused("/ogc/collections/incidents/items?limit=5000")
	refused("/tiles/incidents/6/32/29.mvt")
	refused("/api/v1/aggregate?zoom=9&q=jnim")                   // the whole match, by text
	refused("/api/v1/aggregate?zoom=9&event_type=Battles")       // the whole match
	refused("/api/v1/aggregate?zoom=20&bbox=-10,0,20,25&q=jnim") // a box of West Africa
	refused("/api/v1/aggregate?zoom=9")                          // no filter, from a store that keeps no counts
	for _, light := range []string{"/api/v1/incidents?limit=10", "/api/v1/typology", "/ogc/collections/incidents/items?limit=10",
		"/api/v1/aggregate?zoom=10&bbox=1.5,12.9,3.1,13.9&q=jnim",           // a map's view
		"/api/v1/aggregate?zoom=9&start=2024-03-01&end=2024-03-31&q=jnim"} { // a month
		if r := answer(t, ts, req("GET", light, "")); r.Code != http.StatusOK {
			t.Errorf("%s is not heavy, yet: %d %s", light, r.Code, r.Body)
		}
	}
	close(fs.gate)
	wg.Wait()
	if download.Code != http.StatusOK || tile.Code != http.StatusOK {
		t.Errorf("the requests holding the slots: %d %d", download.Code, tile.Code)
	}
	for _, target := range []string{"/api/v1/stats", "/api/v1/incidents?f=geojson"} {
		if r := answer(t, ts, req("GET", target, "")); r.Code != http.StatusOK {
			t.Errorf("%s once the slots are free: %d %s", target, r.Code, r.Body)
		}
	}
}

func TestHeavyRequestsAreRateLimitedPerClient(t *testing.T) {
	ts := newHarness(t, Config{Store: &fakeStore{}, HeavyPerMinute: 2})
	from := func(addr string) *httptest.ResponseRecorder {
		r := req("GET", "/api/v1/stats", "")
		r.RemoteAddr = addr
		return ts.do(r)
	}
	var codes []int
	for range 3 {
		codes = append(codes, from("203.0.113.7:4000").Code)
	}
	if !slices.Equal(codes, []int{200, 200, 429}) {
		t.Errorf("three heavy requests with a budget of two: %v", codes)
	}
	if r := from("203.0.113.7:4001"); r.Header().Get("Retry-After") == "" || r.Header().Get("Content-Type") != MIMEProblem {
		t.Errorf("over the heavy rate: %d %v", r.Code, r.Header())
	}
	if r := from("203.0.113.8:4000"); r.Code != http.StatusOK {
		t.Errorf("another client shares the first one's budget: %d", r.Code)
	}
	// An IPv6 client is its /64: a subscriber's block.
	codes = nil
	for _, a := range []string{"[2001:db8:1:2::1]:4000", "[2001:db8:1:2::2]:4000", "[2001:db8:1:2:ffff::3]:4000", "[2001:db8:1:3::1]:4000"} {
		codes = append(codes, from(a).Code)
	}
	if !slices.Equal(codes, []int{200, 200, 429, 200}) {
		t.Errorf("three addresses of one /64, then another /64: %v", codes)
	}
}

// fromOneClient sends a GET from one client IP.
func fromOneClient(ts *harness, target string) *httptest.ResponseRecorder {
	r := req("GET", target, "")
	r.RemoteAddr = "203.0.113.7:4000"
	return ts.do(r)
}

// notHeavy sends each of targets 31 times, in turn, from one client with
// a heavy budget of 30: every one must be answered.
func notHeavy(t *testing.T, fs *fakeStore, targets ...string) {
	t.Helper()
	ts := newHarness(t, Config{Store: fs, HeavyPerMinute: 30})
	for i := range 31 {
		for _, cheap := range targets {
			if r := fromOneClient(ts, cheap); r.Code != http.StatusOK {
				t.Fatalf("%s, request %d: %d %s", cheap, i+1, r.Code, r.Body)
			}
		}
	}
}

// heavy sends target 31 times from one client with a heavy budget of 30:
// 30 pass, the 31st is refused (429, Retry-After).
func heavy(t *testing.T, fs *fakeStore, target string) {
	t.Helper()
	ts := newHarness(t, Config{Store: fs, HeavyPerMinute: 30})
	var codes []int
	for range 31 {
		rec := fromOneClient(ts, target)
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusTooManyRequests && (rec.Header().Get("Retry-After") == "" || rec.Header().Get("Content-Type") != MIMEProblem) {
			t.Errorf("%s over the heavy rate: %v", target, rec.Header())
		}
	}
	if want := append(slices.Repeat([]int{200}, 30), 429); !slices.Equal(codes, want) {
		t.Errorf("%s 31 times with a heavy budget of 30: %v", target, codes)
	}
}

// An aggregate the store adds up from counts it keeps is not heavy: an
// analyst ticking event types on the map sent one per click and got 429s
// after 30 a minute, although SQLite answers each in a fraction of a
// second. Any other filter over a wide view still spends the client's
// heavy budget.
func TestAggregatesFromKeptCountsAreNotHeavy(t *testing.T) {
	type ask struct {
		types []string
		level int
	}
	var asked []ask
	fs := &fakeStore{fromCounts: func(f incident.Filter, level int) bool {
		asked = append(asked, ask{f.EventTypes, level})
		g := f
		g.EventTypes, g.Limit = nil, 0
		return reflect.DeepEqual(g, incident.Filter{}) && level <= 13
	}}
	notHeavy(t, fs, "/api/v1/aggregate?zoom=6&event_type=Battles,Riots", "/api/v1/aggregate?zoom=6")
	if want := (ask{[]string{"Battles", "Riots"}, 6}); len(asked) == 0 || !reflect.DeepEqual(asked[0], want) {
		t.Errorf("the store was asked about %+v, want the request's filter and level %+v", asked, want)
	}
	// The same filters at zoom 14 (level 14, finer than the counts) and
	// with a region are heavy.
	heavy(t, fs, "/api/v1/aggregate?zoom=14&event_type=Battles")
	heavy(t, fs, "/api/v1/aggregate?zoom=6&event_type=Battles&region=NE-6")
}

// Stats the store adds up from rollups it keeps are not heavy: the map asks
// for stats on every change of filter, and an analyst making more than 30 a
// minute got 429s although both stores answer most of them from their
// rollups in milliseconds. Stats the store scans the incidents for still
// spend the client's heavy budget.
func TestStatsFromRollupsAreNotHeavy(t *testing.T) {
	var asked []incident.Filter
	fs := &fakeStore{fromRollups: func(f incident.Filter) bool {
		asked = append(asked, f)
		return f.Q == ""
	}}
	notHeavy(t, fs, "/api/v1/stats?event_type=Battles,Riots&start=2024-01-01", "/api/v1/stats")
	if len(asked) == 0 || !slices.Equal(asked[0].EventTypes, []string{"Battles", "Riots"}) || asked[0].Start != "2024-01-01" {
		t.Errorf("the store was asked about %+v, want the request's filter", asked)
	}
	heavy(t, fs, "/api/v1/stats?q=jnim")
}

// A download takes as long as it takes: the request timeout (30 s) once
// cut off every full export at 100,000 incidents.
func TestDownloadOutlastsTheRequestTimeout(t *testing.T) {
	fs := &fakeStore{n: 40, delay: 5 * time.Millisecond}
	ts := newHarness(t, Config{Store: fs, RequestTimeout: 20 * time.Millisecond})
	r := ts.do(req("GET", "/api/v1/incidents?f=geojsonseq", ""))
	if n := bytes.Count(r.Body.Bytes(), []byte{0x1e}); r.Code != http.StatusOK || n != fs.n {
		t.Errorf("GeoJSON sequence: %d with %d of %d incidents", r.Code, n, fs.n)
	}
	r = ts.do(req("GET", "/api/v1/incidents?f=gpkg", ""))
	path := filepath.Join(t.TempDir(), "d.gpkg")
	os.WriteFile(path, r.Body.Bytes(), 0o644)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM incidents").Scan(&n); r.Code != http.StatusOK || err != nil || n != fs.n {
		t.Errorf("GeoPackage: %d with %d of %d incidents (%v)", r.Code, n, fs.n, err)
	}
}

// heapWatcher is a response that keeps nothing and notes the live heap
// every MB written.
type heapWatcher struct {
	header     http.Header
	size, next int64
	peak       uint64
}

func (w *heapWatcher) Header() http.Header { return w.header }
func (w *heapWatcher) WriteHeader(int)     {}
func (w *heapWatcher) Write(p []byte) (int, error) {
	w.size += int64(len(p))
	if w.size >= w.next {
		w.sample()
		w.next += 1 << 20
	}
	return len(p), nil
}

func (w *heapWatcher) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.peak = max(w.peak, ms.HeapAlloc)
}

// Every format streams: a download of 10,000 incidents holds no more of
// them at any time than one of 2,000 does. (Eight GeoPackage downloads of
// 100,000 at once once took 762 MB.) The heap is sampled while the file is
// sent, and at the last incident the store yields, before a GeoPackage is
// sent.
func TestDownloadMemoryIsFlat(t *testing.T) {
	fs := &fakeStore{}
	ts := newHarness(t, Config{Store: fs})
	var w *heapWatcher
	fs.each = func(i int) {
		if i == fs.n-1 {
			w.sample()
		}
	}
	download := func(f string, n int) *heapWatcher {
		fs.n = n
		w = &heapWatcher{header: http.Header{}}
		// limit: as many as there are (atom without it is the newest 100).
		ts.ServeHTTP(w, req("GET", fmt.Sprintf("/api/v1/incidents?f=%s&limit=%d", f, n), ""))
		return w
	}
	for _, ft := range formats {
		t.Run(ft.F, func(t *testing.T) {
			download(ft.F, 100) // warm up: pools, prepared statements
			small, large := download(ft.F, 2000), download(ft.F, 10000)
			extra := large.size - small.size
			if extra < 2<<20 {
				t.Fatalf("8,000 more incidents are only %d bytes of %s; the test needs more", extra, ft.F)
			}
			if grew := int64(large.peak) - int64(small.peak); grew > extra/8 {
				t.Errorf("the live heap grew by %d bytes for 8,000 more incidents (%d bytes more of %s)", grew, extra, ft.F)
			}
		})
	}
}

// A client that stops reading a download gives its slot back: each write
// must be taken within the request timeout.
func TestStalledDownloadFreesItsSlot(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	fs := &fakeStore{n: 1 << 30, each: func(i int) {
		if i == 1000 {
			once.Do(func() { close(started) })
		}
	}}
	ts := newHarness(t, Config{Store: fs, RequestTimeout: 100 * time.Millisecond, HeavyConcurrency: 2, HeavyPerMinute: -1})
	srv := httptest.NewServer(ts)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /api/v1/incidents?f=geojsonseq HTTP/1.1\r\nHost: x\r\n\r\n")) // and never read
	<-started
	probe := func() int {
		res, err := http.Get(srv.URL + "/api/v1/incidents?f=csv&limit=1")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := probe(); code != http.StatusServiceUnavailable {
		t.Fatalf("a second download while the first holds the download slot: %d", code)
	}
	deadline := time.Now().Add(20 * time.Second)
	for probe() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the stalled download still holds its slot after 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
