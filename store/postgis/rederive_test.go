package postgis

import (
	"context"
	"math/rand"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
)

// Incidents derived with one geography are derived again when the program
// brings another: all of them, even when a run for an older change was
// under way; the same version changes nothing; an empty database has
// nothing to do.
func TestPostgresDerivedWithMarksStaleIncidents(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if stale, err := db.DerivedWith(ctx, "v1"); err != nil || stale {
		t.Fatalf("an empty database: stale %v, %v", stale, err)
	}
	if err := db.CreateMany(ctx, randomIncidents(t, rand.New(rand.NewSource(1)), 0, 30)); err != nil {
		t.Fatal(err)
	}
	if stale, err := db.DerivedWith(ctx, "v1"); err != nil || stale {
		t.Fatalf("the same version: stale %v, %v", stale, err)
	}
	if left, total, _ := db.RederivePending(ctx); left != 0 || total != 30 {
		t.Fatalf("%d of %d wait after the same version; want 0 of 30", left, total)
	}
	if stale, err := db.DerivedWith(ctx, "v2"); err != nil || !stale {
		t.Fatalf("another version: stale %v, %v", stale, err)
	}
	if left, total, _ := db.RederivePending(ctx); left != 30 || total != 30 {
		t.Fatalf("%d of %d wait after a new version; want all 30", left, total)
	}
	// A run half done, then yet another version: from the start again.
	if _, err := db.pool.Exec(ctx, "UPDATE meta SET value = ((SELECT max(seq) FROM incidents) - 5)::text WHERE key = $1", rederiveKey); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := db.RederivePending(ctx); left != 5 {
		t.Fatalf("%d wait mid-run; want 5", left)
	}
	if stale, err := db.DerivedWith(ctx, "v3"); err != nil || !stale {
		t.Fatalf("a third version: stale %v, %v", stale, err)
	}
	if left, _, _ := db.RederivePending(ctx); left != 30 {
		t.Fatalf("%d wait after a version changed mid-run; want all 30", left)
	}
}

// Rederive, in batches, puts every incident (deleted ones too) where the
// geography puts it: documents, country and border filters agree with
// incidents derived right from the start, and so do the counts tables;
// updated_at and the history stay.
func TestPostgresRederive(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { rederiveSize = n }(rederiveSize)
	rederiveSize = 7
	db := openTest(t)
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	right := randomIncidents(t, rand.New(rand.NewSource(2)), 0, 40)
	wrong := randomIncidents(t, rand.New(rand.NewSource(2)), 0, 40)
	for _, in := range wrong {
		// Derived as if 8° further east: another country, other borders.
		in.Derive(g.Reverse(in.Lon+8, in.Lat))
	}
	if err := db.CreateMany(ctx, wrong); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, wrong[3].ID); err != nil {
		t.Fatal(err)
	}
	before, err := db.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartRederive(ctx); err != nil {
		t.Fatal(err)
	}
	var calls int
	err = db.Rederive(ctx, func(in *incident.Incident) { in.Derive(g.Reverse(in.Lon, in.Lat)) }, func(done, total int) {
		calls++
		if total != 40 || done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 6 {
		t.Errorf("40 incidents in batches of 7 made %d progress reports; want 6", calls)
	}
	if left, _, _ := db.RederivePending(ctx); left != 0 {
		t.Errorf("%d still wait", left)
	}
	checkCounts(t, db, "after deriving again")
	if after, _ := db.LastChange(ctx); after != before {
		t.Errorf("the change log went from %d to %d; deriving again is no change of the incident", before, after)
	}
	ids := make([]string, len(right))
	for i, in := range right {
		ids[i] = in.ID
	}
	got, err := db.GetMany(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range right {
		in := got[want.ID]
		if i == 3 {
			if !in.Deleted || (in.Country == nil) != (want.Country == nil) || in.Country != nil && *in.Country != *want.Country {
				t.Errorf("the deleted incident: deleted %v, country %v; want %v", in.Deleted, in.Country, want.Country)
			}
			continue
		}
		wj, _ := want.MarshalJSON()
		gj, _ := in.MarshalJSON()
		if string(wj) != string(gj) {
			t.Errorf("%s derived again:\n%s\nwant\n%s", want.ID, gj, wj)
		}
	}
	right[3].Deleted = true
	for _, f := range []incident.Filter{{Countries: []string{"NER"}}, {Countries: []string{"MLI", "BFA"}}, {Border: "any", BorderKM: 40}, {Border: "MLI-NER", BorderKM: 60}} {
		want := 0
		for _, in := range right {
			if f.Match(in) {
				want++
			}
		}
		page, err := db.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if page.NumberMatched != want {
			t.Errorf("%+v matches %d after deriving again; want %d", f, page.NumberMatched, want)
		}
	}
}
