package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
)

// The server lets past its limit on heavy requests the stats and the
// aggregates a store says it answers from counts it keeps
// (incident.CheapStats, incident.CheapAggregator). Those predicates must
// name the path the store's Stats and Aggregate take; these checks infer
// the path from the answer, so a predicate and a read that drift apart
// fail them.

// Path is a filter and whether the store should answer it from kept
// counts; Level is an aggregate's.
type Path struct {
	Name   string
	F      incident.Filter
	Level  int
	Counts bool
}

// StatsPaths checks that StatsFromRollups says which filters Stats answers
// from the rollups. inflate multiplies every count the store's rollups keep
// by 1000 (in the store's own SQL): Stats from them then totals 1000 times
// what it did before, a scan what it did. Each filter must select an
// incident.
func StatsPaths(t *testing.T, s incident.CheapStats, inflate func(), paths []Path) {
	t.Helper()
	ctx := context.Background()
	before := make([]int, len(paths))
	for i, p := range paths {
		if got := s.StatsFromRollups(p.F); got != p.Counts {
			t.Errorf("%s: StatsFromRollups %v, want %v", p.Name, got, p.Counts)
		}
		st, err := s.Stats(ctx, p.F)
		if err != nil {
			t.Fatal(err)
		}
		if before[i] = st.Total.Incidents; before[i] == 0 {
			t.Fatalf("%s selects no incident: the paths cannot be told apart", p.Name)
		}
	}
	inflate()
	for i, p := range paths {
		st, err := s.Stats(ctx, p.F)
		if err != nil {
			t.Fatal(err)
		}
		switch n := st.Total.Incidents; {
		case n == before[i]*1000 && !s.StatsFromRollups(p.F):
			t.Errorf("%s: Stats read the rollups (%d incidents, inflated from %d); StatsFromRollups says it scans", p.Name, n, before[i])
		case n == before[i] && s.StatsFromRollups(p.F):
			t.Errorf("%s: Stats scanned the incidents (%d); StatsFromRollups says the rollups", p.Name, n)
		case n != before[i] && n != before[i]*1000:
			t.Errorf("%s: Stats totals %d, neither the matches (%d) nor the inflated rollups", p.Name, n, before[i])
		}
	}
}

// AggregatePaths checks that AggregateFromCounts says which aggregates
// Aggregate adds up from level-13 counts: from them a cell's position is
// the count-weighted mean of the centres of its level-13 cells, read from
// the incidents it is their mean. Both are worked out here from the
// matches (List, so the store needs fewer than incident.MaxLimit), each
// cell must hold the matches in it, and each cell's position must be one
// or the other as the predicate says.
func AggregatePaths(t *testing.T, s interface {
	incident.Store
	incident.CheapAggregator
}, paths []Path) {
	t.Helper()
	ctx := context.Background()
	for _, c := range paths {
		if got := s.AggregateFromCounts(c.F, c.Level); got != c.Counts {
			t.Errorf("%s at level %d: from the counts %v, want %v", c.Name, c.Level, got, c.Counts)
			continue
		}
		all := c.F
		all.Limit = incident.MaxLimit
		page, err := s.List(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		type sums struct{ n, lon, lat, clon, clat float64 }
		by := map[string]*sums{}
		for _, in := range page.Incidents {
			id := s2.CellIDFromLatLng(s2.LatLngFromDegrees(in.Lat, in.Lon))
			k := id.Parent(c.Level).ToToken()
			if by[k] == nil {
				by[k] = &sums{}
			}
			centre := s2.LatLngFromPoint(id.Parent(13).Point())
			s := by[k]
			s.n++
			s.lon, s.lat = s.lon+in.Lon, s.lat+in.Lat
			s.clon, s.clat = s.clon+centre.Lng.Degrees(), s.clat+centre.Lat.Degrees()
		}
		cells, err := s.Aggregate(ctx, c.F, c.Level)
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != len(by) {
			t.Errorf("%s at level %d: %d cells, the matches are in %d", c.Name, c.Level, len(cells), len(by))
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 2e-5 }
		var fromCounts, fromIncidents int
		for _, cell := range cells {
			s := by[cell.Cell]
			if s == nil || float64(cell.Incidents) != s.n {
				t.Fatalf("%s at level %d: cell %s with %d incidents is not the matches'", c.Name, c.Level, cell.Cell, cell.Incidents)
			}
			centres := near(cell.Lon, s.clon/s.n) && near(cell.Lat, s.clat/s.n)
			means := near(cell.Lon, s.lon/s.n) && near(cell.Lat, s.lat/s.n)
			switch {
			case centres && !means:
				fromCounts++
			case means && !centres:
				fromIncidents++
			}
		}
		if fromCounts+fromIncidents == 0 {
			t.Fatalf("%s at level %d: no cell tells the two paths apart", c.Name, c.Level)
		}
		if c.Counts && fromIncidents > 0 || !c.Counts && fromCounts > 0 {
			t.Errorf("%s at level %d: %d cells placed at their level-13 centres (the counts), %d at their incidents; AggregateFromCounts says %v", c.Name, c.Level, fromCounts, fromIncidents, c.Counts)
		}
	}
}
