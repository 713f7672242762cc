package incident

import (
	"fmt"
	"math/rand"
	"net/url"
	"slices"
	"testing"
	"time"
)

// randomWatches are n watches as people make them: circles and boxes
// (in a square of side 6 × spread degrees from lon -1, lat 11), borders,
// regions, drawn areas, types and words.
func randomWatches(t testing.TB, n int, r *rand.Rand, spread float64) []*Watch {
	var ws []*Watch
	for i := range n {
		q := url.Values{}
		switch i % 6 {
		case 0, 1:
			q.Set("near", fmt.Sprintf("%.3f,%.3f", r.Float64()*6*spread-1, 11+r.Float64()*6*spread))
			q.Set("radius_km", fmt.Sprint(5+r.Intn(60)))
		case 2:
			lon, lat := r.Float64()*6*spread-1, 11+r.Float64()*6*spread
			q.Set("bbox", fmt.Sprintf("%.2f,%.2f,%.2f,%.2f", lon, lat, lon+r.Float64()*2, lat+r.Float64()*2))
		case 3:
			q.Set("border", []string{"MLI", "BFA", "any"}[r.Intn(3)])
			q.Set("border_km", fmt.Sprint(10+r.Intn(60)))
		case 4:
			q.Set("region", []string{"NE-5", "NE-6"}[r.Intn(2)])
		}
		if r.Intn(3) == 0 {
			q.Set("event_type", EventTypes[r.Intn(len(EventTypes))].Name)
		}
		if r.Intn(4) == 0 {
			q.Set("min_fatalities", fmt.Sprint(r.Intn(10)))
		}
		if r.Intn(10) == 0 {
			q.Set("q", []string{"jnim", "convoy", "koutou"}[r.Intn(3)])
		}
		w := &Watch{ID: fmt.Sprintf("w-%d", i), Name: "w", Query: q.Encode()}
		if i%6 == 5 {
			lon, lat := r.Float64()*6*spread-1, 11+r.Float64()*6*spread
			w.Within = []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]v,%[2]v],[%[3]v,%[2]v],[%[3]v,%[4]v],[%[1]v,%[2]v]]]}`, lon, lat, lon+1, lat+1))
		}
		if err := ParseWatch(w, places{}); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	return ws
}

func randomChange(r *rand.Rand, seq int64) Change {
	mk := func() *Incident {
		in := torodi()
		in.SetPoint(r.Float64()*7-1.5, 10.5+r.Float64()*7)
		in.EventType = EventTypes[r.Intn(len(EventTypes))].Name
		in.Fatalities = r.Intn(12)
		in.Region = &Region{Code: []string{"NE-5", "NE-6", "NE-8"}[r.Intn(3)]}
		in.Borders[0].DistanceKM = r.Float64() * 100
		if r.Intn(2) == 0 {
			in.Notes = "nothing"
			in.Actor1 = ""
		}
		return in
	}
	c := Change{Seq: seq, Action: "update", ID: "torodi-1", Before: mk(), After: mk(), At: time.Now()}
	switch r.Intn(3) {
	case 0:
		c.Action, c.Before = "create", nil
	case 1:
		c.Action, c.After = "delete", nil
	}
	return c
}

// The index finds exactly the notices testing every watch finds.
func TestWatchIndexFindsWhatEveryWatchFinds(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	ws := randomWatches(t, 3000, r, 1)
	x := NewWatchIndex(ws)
	total := 0
	for i := range 500 {
		c := randomChange(r, int64(i+1))
		var want []string
		for _, w := range ws {
			if k := NoticeKind(c, w.Match); k != "" {
				want = append(want, w.ID+" "+k)
			}
		}
		var got []string
		for _, n := range x.Notices(c) {
			got = append(got, n.WatchID+" "+n.Kind)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("change %d: index gives %d notices, every watch %d", i, len(got), len(want))
		}
		total += len(want)
	}
	if total < 500 {
		t.Errorf("only %d notices in 500 changes: the test exercises too little", total)
	}
}

// A watch hears of changes after it was made, and of a change only what it
// means to it.
func TestNoticeKinds(t *testing.T) {
	w := &Watch{ID: "w", Name: "Torodi", Query: "near=1.8,13.1&radius_km=25"}
	if err := ParseWatch(w, places{}); err != nil {
		t.Fatal(err)
	}
	x := NewWatchIndex([]*Watch{w})
	in, far := torodi(), torodi()
	far.SetPoint(3, 15)
	more := torodi()
	more.Fatalities = 12
	for _, tc := range []struct {
		c    Change
		want string
	}{
		{Change{Seq: 1, Action: "create", After: in}, NoticeMatch},
		{Change{Seq: 2, Action: "create", After: far}, ""},
		{Change{Seq: 3, Action: "update", Before: far, After: in}, NoticeEntered + " [geometry]"},
		{Change{Seq: 4, Action: "update", Before: in, After: more}, NoticeUpdated + " [fatalities]"},
		{Change{Seq: 5, Action: "update", Before: in, After: far}, NoticeRetracted + " [geometry]"},
		{Change{Seq: 6, Action: "delete", Before: in}, NoticeRetracted + " []"},
		{Change{Seq: 7, Action: "restore", After: in}, NoticeMatch},
	} {
		got := ""
		for _, n := range x.Notices(tc.c) {
			got = n.Kind
			if n.Kind != NoticeMatch {
				got += fmt.Sprint(" ", n.Changed)
			}
		}
		if got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.c.Action, tc.c.Seq, got, tc.want)
		}
	}
	w.FromSeq = 10
	if ns := NewWatchIndex([]*Watch{w}).Notices(Change{Seq: 9, Action: "create", After: in}); len(ns) != 0 {
		t.Error("a watch heard of a change from before it was made")
	}
}

// Matching one write against 10,000 watches: crowded into 6° × 6° of the
// Sahel (hundreds of notices a write), and spread over 24° × 24° of West
// Africa.
func BenchmarkWatchIndex10000(b *testing.B) {
	for _, spread := range []float64{1, 4} {
		b.Run(fmt.Sprintf("spread=%v", spread), func(b *testing.B) { benchmarkWatchIndex(b, spread) })
	}
}

func benchmarkWatchIndex(b *testing.B, spread float64) {
	r := rand.New(rand.NewSource(1))
	x := NewWatchIndex(randomWatches(b, 10000, r, spread))
	changes := make([]Change, 1000)
	for i := range changes {
		changes[i] = randomChange(r, int64(i+1))
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += len(x.Notices(changes[i%len(changes)]))
	}
	b.ReportMetric(float64(n)/float64(b.N), "notices/op")
}

// Watches of zones and sites are filed under their areas' cells, not
// tested on every write, and find what testing every watch finds.
func TestWatchIndexZonesAndSites(t *testing.T) {
	var ws []*Watch
	for i, q := range []string{"zone=Torodi+corridor", "zone=lake-chad-area,torodi+corridor", "near_site=" + ExampleSiteID + "&radius_km=30",
		"near_site=" + ExampleSiteID + "&radius_km=300&event_type=Battles", "zone=mali-niger-border-zone"} {
		w := &Watch{ID: fmt.Sprint("w-", i), Name: "w", Query: q}
		if err := ParseWatch(w, places{}); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	x := NewWatchIndex(ws)
	for _, w := range x.rest {
		if w.Filter.Site != nil || len(w.Filter.Zones) > 0 && w.Filter.Zones[0].Drawn() {
			t.Errorf("watch %s (%s) is tested on every write", w.ID, w.Query)
		}
	}
	r := rand.New(rand.NewSource(3))
	total := 0
	for i := range 2000 {
		c := randomChange(r, int64(i+1))
		var want, got []string
		for _, w := range ws {
			if k := NoticeKind(c, w.Match); k != "" {
				want = append(want, w.ID+" "+k)
			}
		}
		for _, n := range x.Notices(c) {
			got = append(got, n.WatchID+" "+n.Kind)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("change %d: index gives %v, every watch %v", i, got, want)
		}
		total += len(want)
	}
	if total < 100 {
		t.Errorf("only %d notices: the test exercises too little", total)
	}
}
