package sqlite

import (
	"context"
	"testing"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// Most of the incidents are grouped by reading the cell index (which holds
// every column these filters test), a few through the index that finds
// them; both answer as TestAggregateAddsUpToTheMatch checks.
func TestAggregateReadsTheCellIndexForMostIncidents(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fill(t, db, 3000)
	for _, c := range []struct {
		name string
		f    incident.Filter
		scan bool
	}{
		{"five types of six", incident.Filter{EventTypes: []string{"Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}}, true},
		{"every date", incident.Filter{Start: "2000-01-01"}, true},
		{"minimum fatalities", incident.Filter{MinFatalities: 3}, true},
		{"one month", incident.Filter{Start: "2020-03-01", End: "2020-03-31"}, false},
		{"no filter (the counts table)", incident.Filter{}, false},
		{"text", incident.Filter{Q: "note"}, false},
		{"a box", incident.Filter{BBox: &orb.Bound{Min: orb.Point{1, 12.5}, Max: orb.Point{2.5, 14}}}, false},
	} {
		if got := db.cellIndexScans(ctx, c.f); got != c.scan {
			t.Errorf("%s: reads the cell index %v, want %v", c.name, got, c.scan)
		}
	}
}

// AggregateFromCounts says which path Aggregate takes (the server lets
// those aggregates past its heavy-request limit): storetest.AggregatePaths
// tells the paths apart by where each cell is placed.
func TestAggregateFromCountsSaysWhichPathAggregateTakes(t *testing.T) {
	db := openTest(t)
	fill(t, db, 3000)
	box := orb.Bound{Min: orb.Point{1, 12.5}, Max: orb.Point{2.5, 14}}
	five := []string{"Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}
	storetest.AggregatePaths(t, db, []storetest.Path{
		{Name: "no filter", F: incident.Filter{}, Level: 9, Counts: true},
		{Name: "no filter", F: incident.Filter{}, Level: 13, Counts: true},
		{Name: "no filter", F: incident.Filter{}, Level: 14},
		{Name: "one type", F: incident.Filter{EventTypes: []string{"Battles"}}, Level: 6, Counts: true},
		{Name: "five types (else the cell index)", F: incident.Filter{EventTypes: five}, Level: 9, Counts: true},
		{Name: "two types", F: incident.Filter{EventTypes: []string{"Riots", "Protests"}}, Level: 13, Counts: true},
		{Name: "two types", F: incident.Filter{EventTypes: []string{"Riots", "Protests"}}, Level: 14},
		{Name: "types and dates", F: incident.Filter{EventTypes: five, Start: "2020-06-01"}, Level: 9},
		{Name: "types and a box", F: incident.Filter{EventTypes: five, BBox: &box}, Level: 9},
		{Name: "types and fatalities", F: incident.Filter{EventTypes: five, MinFatalities: 2}, Level: 9},
		{Name: "a region", F: incident.Filter{Regions: []string{"NE-6"}}, Level: 9},
		{Name: "every date (the cell index)", F: incident.Filter{Start: "2000-01-01"}, Level: 9},
		{Name: "text", F: incident.Filter{Q: "note"}, Level: 9},
	})
}

// Every incident a filter selects is in exactly one cell of the overview:
// the cells add up to List's numberMatched, and their fatalities to the
// matches' fatalities, at every level and for every kind of filter.
func TestAggregateAddsUpToTheMatch(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ins := fill(t, db, 3000)
	if err := db.Delete(ctx, ins[7].ID); err != nil {
		t.Fatal(err)
	}
	box := orb.Bound{Min: orb.Point{1, 12.5}, Max: orb.Point{2.5, 14}}
	near := orb.Point{2.1, 13.5}
	filters := map[string]incident.Filter{
		"all":          {},
		"dates":        {Start: "2020-06-01", End: "2021-01-31"},
		"type":         {EventTypes: []string{"Battles", "Riots"}},
		"region":       {Regions: []string{"NE-6"}},
		"bbox":         {BBox: &box},
		"bbox+type":    {BBox: &box, EventTypes: []string{"Protests"}},
		"near":         {Near: &near, RadiusKM: 60},
		"fatalities":   {MinFatalities: 10},
		"border":       {Border: "any", BorderKM: 50},
		"text":         {Q: "note"},
		"nothing":      {MinFatalities: 1000},
		"text+dates":   {Q: "note", Start: "2021-01-01"},
		"region+month": {Regions: []string{"NE-8"}, Start: "2020-03-01", End: "2020-03-31"},
		"most types":   {EventTypes: []string{"Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}},
		"long dates":   {Start: "2000-01-01"},
		"types+fat":    {EventTypes: []string{"Battles", "Protests", "Riots"}, MinFatalities: 2},
	}
	for name, f := range filters {
		want, fat := 0, 0
		all := f
		all.Limit = 10000
		page, err := db.List(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		want = page.NumberMatched
		for _, in := range page.Incidents {
			fat += in.Fatalities
		}
		for _, level := range []int{0, 2, 6, 13, 20} {
			cells, err := db.Aggregate(ctx, f, level)
			if err != nil {
				t.Fatalf("%s level %d: %v", name, level, err)
			}
			n, nf := 0, 0
			seen := map[string]bool{}
			for _, c := range cells {
				if seen[c.Cell] {
					t.Errorf("%s level %d: cell %s comes twice", name, level, c.Cell)
				}
				seen[c.Cell] = true
				id := s2.CellIDFromToken(c.Cell)
				if !id.IsValid() || id.Level() != level || c.Level != level || c.Incidents <= 0 {
					t.Fatalf("%s level %d: cell %+v is not a valid level-%d cell (level %d)", name, level, c, level, id.Level())
				}
				// The cell's average position lies in the cell (cells are
				// convex), give or take the metre positions are rounded to.
				p := s2.PointFromLatLng(s2.LatLngFromDegrees(c.Lat, c.Lon))
				if m := s2.CellFromCellID(id).Distance(p).Angle().Radians() * 6371e3; level >= 2 && m > 2 {
					t.Errorf("%s level %d: cell %s has its centre of incidents %.5f,%.5f %.0f m outside it", name, level, c.Cell, c.Lon, c.Lat, m)
				}
				n += c.Incidents
				if c.Fatalities != nil {
					nf += *c.Fatalities
				} else {
					nf = -1
				}
			}
			// Fatalities are counted whenever rows are read: every filter
			// but none, and no filter at levels finer than 13.
			if nf == -1 && (name != "all" || level > 13) || nf == -1 && n == 0 {
				t.Errorf("%s level %d: fatalities not counted", name, level)
			}
			if nf == -1 {
				nf = fat
			}
			if n != want || nf != fat {
				t.Errorf("%s level %d: cells hold %d incidents, %d fatalities; the filter matches %d, %d", name, level, n, nf, want, fat)
			}
		}
	}
	if _, err := db.Aggregate(ctx, incident.Filter{}, 21); incident.ErrorCode(err) != incident.EINVALID {
		t.Errorf("level 21: %v, want invalid", err)
	}
}

// A level-L cell holds the incidents whose points are in it.
func TestAggregateCellsHoldTheirIncidents(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ins := fill(t, db, 500)
	const level = 9
	want := map[string]int{}
	for _, in := range ins {
		want[s2.CellIDFromLatLng(s2.LatLngFromDegrees(in.Lat, in.Lon)).Parent(level).ToToken()]++
	}
	cells, err := db.Aggregate(ctx, incident.Filter{}, level)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(want) {
		t.Errorf("%d cells, want %d", len(cells), len(want))
	}
	for _, c := range cells {
		if want[c.Cell] != c.Incidents {
			t.Errorf("cell %s: %d incidents, want %d", c.Cell, c.Incidents, want[c.Cell])
		}
	}
}

// checkCellTypeCounts checks the per-(event type, cell) counts (migration
// 0021) against a recount, and the overviews they answer against grouping
// the matching incidents, cell by cell: incidents and fatalities.
func checkCellTypeCounts(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	kept := "SELECT k, event_type, incidents, fatalities FROM cell_type_counts WHERE incidents != 0 OR fatalities != 0"
	recount := "SELECT cell >> 34, event_type, count(*), sum(fatalities) FROM incidents WHERE deleted_at IS NULL GROUP BY 1, 2"
	var differ int
	if err := db.read.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM ("+kept+" EXCEPT "+recount+")) + (SELECT count(*) FROM ("+recount+" EXCEPT "+kept+"))").Scan(&differ); err != nil || differ != 0 {
		t.Errorf("cell_type_counts: %d rows differ from a recount (%v)", differ, err)
	}
	five := []string{"Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}
	for _, types := range [][]string{{"Battles"}, {"Riots", "Protests"}, five, {"No such type"}} {
		f := incident.Filter{EventTypes: types}
		for _, level := range []int{0, 6, 9, 13} {
			if !db.AggregateFromCounts(f, level) {
				t.Fatalf("%v at level %d: not answered from the counts", types, level)
			}
			got, err := db.Aggregate(ctx, f, level)
			if err != nil {
				t.Fatal(err)
			}
			want, err := db.groupCells(ctx, db.clause(ctx, f), level, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%v at level %d: %d cells from the counts, %d grouping the incidents", types, level, len(got), len(want))
				continue
			}
			for i, w := range want {
				g := got[i]
				if g.Cell != w.Cell || g.Incidents != w.Incidents || g.Fatalities == nil || *g.Fatalities != *w.Fatalities {
					t.Errorf("%v at level %d: cell %s with %d incidents, fatalities %v; grouping the incidents: %s with %d, %d", types, level, g.Cell, g.Incidents, fatal(g.Fatalities), w.Cell, w.Incidents, *w.Fatalities)
					break
				}
			}
		}
	}
}

func fatal(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

// BenchmarkAggregateTypes times the map's overview (level 9) after a type
// box is unticked (five types of six) and with one type ticked, from the
// per-(event type, cell) counts and, as before migration 0021, grouping
// the matches from the cell index. On 100,000 incidents, or on the
// database INCIDENTMAP_BENCH_DB names (made with incidentmap gen;
// BENCHMARKS.md has the figures at a million).
func BenchmarkAggregateTypes(b *testing.B) {
	db := benchDB(b, 100000)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		types []string
	}{
		{"FiveTypes", []string{"Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}},
		{"Battles", []string{"Battles"}},
	} {
		f := incident.Filter{EventTypes: c.types}
		b.Run(c.name+"/counts", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.Aggregate(ctx, f, 9); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/cellIndex", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.aggregateCellIndex(ctx, f, 9); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
