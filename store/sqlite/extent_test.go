package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// The extent is the box and dates of the live incidents: deleting the
// incidents on its edges shrinks it, and an empty store has none.
func TestExtent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if e, err := db.Extent(ctx); err != nil || e != nil {
		t.Fatalf("empty store: %+v, %v; want no extent", e, err)
	}
	ins := fill(t, db, 200)
	want := func(live []*incident.Incident) incident.Extent {
		e := incident.Extent{BBox: orb.Bound{Min: orb.Point{180, 90}, Max: orb.Point{-180, -90}}, First: "9999", Last: ""}
		for _, in := range live {
			e.BBox = e.BBox.Extend(orb.Point{in.Lon, in.Lat})
			e.First, e.Last = min(e.First, in.EventDate), max(e.Last, in.EventDate)
		}
		return e
	}
	check := func(live []*incident.Incident) {
		t.Helper()
		got, err := db.Extent(ctx)
		if err != nil || got == nil || *got != want(live) {
			t.Fatalf("extent %+v (%v), want %+v", got, err, want(live))
		}
	}
	check(ins)
	// Delete the westernmost, the northernmost and the earliest incidents.
	var live []*incident.Incident
	w := want(ins)
	for _, in := range ins {
		if in.Lon == w.BBox.Min[0] || in.Lat == w.BBox.Max[1] || in.EventDate == w.First {
			if err := db.Delete(ctx, in.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, in)
	}
	if len(live) > len(ins)-3 {
		t.Fatalf("deleted only %d incidents", len(ins)-len(live))
	}
	check(live)
}

// Every bound is read from an index, never by scanning the incidents.
func TestExtentReadsIndexesOnly(t *testing.T) {
	db := openTest(t)
	fill(t, db, 10)
	rows, err := db.read.Query("EXPLAIN QUERY PLAN " + extentSQL)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	for _, d := range plan {
		if strings.HasPrefix(d, "SCAN") && d != "SCAN CONSTANT ROW" {
			t.Errorf("extent scans: %q\nplan: %q", d, plan)
		}
	}
	if s := strings.Join(plan, "\n"); !strings.Contains(s, "incidents_lon") || !strings.Contains(s, "incidents_lat") {
		t.Errorf("extent does not use the lon and lat indexes:\n%s", s)
	}
}
