package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// awaitPromise lets Evaluate wait for a promise's value.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// mapFigures are what a person waits for, measured in the page.
type mapFigures struct {
	firstDrawn, filterRedrawn, zoomRedrawn time.Duration
	heapMB                                 float64
}

// measureMap opens the map on base, checks that it tells the truth about
// the whole match, and measures how long it takes to draw. It never asserts
// times; callers log them.
func measureMap(t testing.TB, b *browser, base string) mapFigures {
	t.Helper()
	var fig mapFigures
	var count, fat string
	t0 := time.Now()
	runB(t, b, chromedp.Navigate(base+"/"), waitLoaded(),
		chromedp.AttributeValue("#count", "data-count", &count, nil),
		chromedp.AttributeValue("#count", "data-fatalities", &fat, nil))
	fig.firstDrawn = time.Since(t0)

	// The header is the whole match's, as /api/v1/stats counts it.
	var st struct {
		Total   struct{ Incidents, Fatalities int }
		ByMonth []struct{ Key string } `json:"by_month"`
	}
	getJSON(t, base+"/api/v1/stats", &st)
	if count != strconv.Itoa(st.Total.Incidents) || fat != strconv.Itoa(st.Total.Fatalities) {
		t.Errorf("header says %s incidents, %s fatalities; /api/v1/stats says %d, %d", count, fat, st.Total.Incidents, st.Total.Fatalities)
	}
	// The histogram spans every month of the data.
	var labels []string
	runB(t, b, chromedp.Evaluate(`Chart.getChart(document.getElementById('histogram')).data.labels`, &labels))
	if len(st.ByMonth) == 0 || len(labels) == 0 || labels[0] != st.ByMonth[0].Key || labels[len(labels)-1] != st.ByMonth[len(st.ByMonth)-1].Key {
		t.Errorf("histogram runs %v…; the data runs from %v to %v", first(labels), st.ByMonth[0].Key, st.ByMonth[len(st.ByMonth)-1].Key)
	}
	// Every match is in the overview: zoomed out, its clusters add up to
	// numberMatched.
	var inView, baseTotal int
	runB(t, b, chromedp.Evaluate(`new Promise(function(done){var m=incidentmap.map; m.once('moveend', function(){var w=setInterval(function(){if(document.body.dataset.drawn==='true'){clearInterval(w); done(incidentmap.shown().inView)}}, 20)}); m.setZoom(4, {animate:false})})`, &inView, awaitPromise),
		chromedp.Evaluate(`incidentmap.baseTotal()`, &baseTotal))
	if strconv.Itoa(inView) != count || strconv.Itoa(baseTotal) != count {
		t.Errorf("zoomed out, the clusters hold %d incidents (cells %d); %s match", inView, baseTotal, count)
	}

	// A filter change: untick Battles.
	t1 := time.Now()
	runB(t, b, chromedp.Evaluate(`document.querySelector('input[name=event_type][value=Battles]').click()`, nil),
		until(`location.search.includes("event_type=") && document.body.dataset.loaded === "true"`))
	fig.filterRedrawn = time.Since(t1)
	var st2 struct{ Total struct{ Incidents int } }
	getJSON(t, base+"/api/v1/stats?event_type=Explosions/Remote+violence,Violence+against+civilians,Protests,Riots,Strategic+developments", &st2)
	runB(t, b, chromedp.AttributeValue("#count", "data-count", &count, nil))
	if count != strconv.Itoa(st2.Total.Incidents) {
		t.Errorf("without battles the header says %s; stats say %d", count, st2.Total.Incidents)
	}

	// A zoom: two levels in, over the busiest part of the map, to drawn.
	var ms float64
	runB(t, b, chromedp.Evaluate(`new Promise(function(done){var m=incidentmap.map, t=performance.now(); m.once('moveend', function(){var w=setInterval(function(){if(document.body.dataset.drawn==='true'){clearInterval(w); requestAnimationFrame(function(){done(performance.now()-t)})}}, 5)}); m.setView([13.5, 2.1], 8, {animate:false})})`, &ms, awaitPromise))
	fig.zoomRedrawn = time.Duration(ms * float64(time.Millisecond))
	runB(t, b, chromedp.ActionFunc(func(ctx context.Context) error {
		used, _, _, _, err := runtime.GetHeapUsage().Do(ctx)
		fig.heapMB = used / (1 << 20)
		return err
	}))
	return fig
}

func first(s []string) string {
	if len(s) == 0 {
		return "(nothing)"
	}
	return s[0]
}

func runB(t testing.TB, b *browser, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("browser: %v\nproblems so far: %v", err, b.seen())
	}
}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	r, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestMapAtScale opens the map on 50,000 generated incidents (about 8 s to
// generate; the 1M figures come from BenchmarkMapMillion): the header, the
// histogram and the overview tell the truth about all of them.
func TestMapAtScale(t *testing.T) {
	db := filepath.Join(t.TempDir(), "big.db")
	if _, stderr, err := runCLI(t, "", "gen", "--n", "50000", "--seed", "3", "--db", db); err != nil {
		t.Fatalf("gen: %v %s", err, stderr)
	}
	s := start(t, db, "--no-seed")
	b := newBrowser(t)
	f := measureMap(t, b, s.base)
	t.Logf("50,000 incidents: first overview %v, filter change %v, zoom %v, JS heap %.0f MB", f.firstDrawn.Round(time.Millisecond), f.filterRedrawn.Round(time.Millisecond), f.zoomRedrawn.Round(time.Millisecond), f.heapMB)
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// BenchmarkMapMillion measures the map at 1,000,000 incidents for
// BENCHMARKS.md: go test ./cmd/incidentmap/ -run '^$' -bench MapMillion
// -benchtime 1x. It generates them (about 2 minutes) unless
// INCIDENTMAP_BENCH_DB names a database generated before.
func BenchmarkMapMillion(b *testing.B) {
	db := os.Getenv("INCIDENTMAP_BENCH_DB")
	if db == "" {
		db = filepath.Join(b.TempDir(), "m.db")
		if _, stderr, err := runCLI(b, "", "gen", "--n", "1000000", "--seed", "7", "--db", db); err != nil {
			b.Fatalf("gen: %v %s", err, stderr)
		}
	}
	s := start(b, db, "--no-seed")
	for range b.N {
		br := newBrowser(b)
		f := measureMap(b, br, s.base)
		b.Logf("1,000,000 incidents: first overview %v, filter change %v, zoom %v, JS heap %.0f MB", f.firstDrawn.Round(time.Millisecond), f.filterRedrawn.Round(time.Millisecond), f.zoomRedrawn.Round(time.Millisecond), f.heapMB)
		if p := br.seen(); len(p) > 0 {
			b.Errorf("problems: %v", p)
		}
	}
}
