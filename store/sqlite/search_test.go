package sqlite

import (
	"context"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Text with no word in it (q=/) matches nothing, whatever it is combined
// with. With a bbox or a circle it failed with "no query solution" (a 500),
// found by the API's generated requests.
func TestWordlessTextMatchesNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fill(t, db, 300)
	box := orb.Bound{Min: orb.Point{0, 11}, Max: orb.Point{5, 17}}
	near := orb.Point{2, 13.5}
	for name, f := range map[string]incident.Filter{
		"alone":      {Q: "/"},
		"bbox":       {Q: "/", BBox: &box},
		"near":       {Q: "-", Near: &near, RadiusKM: 300},
		"bbox+dates": {Q: "/", BBox: &box, Start: "2020-01-01"},
		"region":     {Q: "/", Regions: []string{"NE-6"}},
	} {
		f.Limit = 10
		page, err := db.List(ctx, f)
		if err != nil || page.NumberMatched != 0 || len(page.Incidents) != 0 {
			t.Errorf("%s: list %+v, %v; want nothing", name, page, err)
		}
		st, err := db.Stats(ctx, f)
		if err != nil || st.Total.Incidents != 0 {
			t.Errorf("%s: stats %+v, %v; want nothing", name, st, err)
		}
		n := 0
		if err := db.Each(ctx, f, func(*incident.Incident) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("%s: each gave %d, %v; want nothing", name, n, err)
		}
	}
}

// The full-text index holds the words Filter.Match compares: FTS5's
// tokenizer kept a private-use character (as PDF extractions leave for
// icons) inside a word, so q=def missed "abc\uE000def". Found by the
// conformance suite's texts.
func TestSearchWordsAreMatchWords(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ins := newIncidents(t, 0, 2)
	ins[0].Notes = "abc\uE000def ᏣᎳᎩ"
	if err := db.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"def", "abc", "ꮳꮃ", "ᏣᎳ"} {
		f := incident.Filter{Q: q}
		page, err := db.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if want := f.Match(ins[0]); page.NumberMatched != 1 || !want {
			t.Errorf("q=%s: %d matched, Match says %v; want the incident", q, page.NumberMatched, want)
		}
	}
}
