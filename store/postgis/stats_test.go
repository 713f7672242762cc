package postgis

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// openFilled is a store of 1,500 random incidents, a few deleted, with the
// incidents themselves.
func openFilled(t *testing.T) (*DB, []*incident.Incident) {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	ins := randomIncidents(t, rand.New(rand.NewSource(23)), 0, 1500)
	if err := db.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	for _, in := range ins[:20] {
		if err := db.Delete(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	return db, ins[20:]
}

// StatsFromRollups says which path Stats takes (the server lets those
// stats past its heavy-request limit): with every rollup count made 1000
// times what it was, Stats from the rollups says so. A zone or a site is
// resolved on the incidents (resolveAreas), so its stats never come from
// the rollups, and the predicate knows that without resolving it.
func TestPostgresStatsFromRollupsSaysWhichPathStatsTakes(t *testing.T) {
	db, ins := openFilled(t)
	ctx := context.Background()
	var region, country string
	for _, in := range ins {
		if in.Region != nil && in.Country != nil {
			region, country = in.Region.Code, *in.Country
			break
		}
	}
	niamey := orb.Point{2.1098, 13.51366}
	box := orb.Bound{Min: orb.Point{0, 11}, Max: orb.Point{5, 17}}
	sahel := incident.NewDrawnZone("z", "Sahel", orb.MultiPolygon{{{{0, 11}, {5, 11}, {5, 17}, {0, 17}, {0, 11}}}})
	since := time.Date(2024, 5, 1, 13, 30, 0, 0, time.UTC)
	storetest.StatsPaths(t, db, func() {
		for _, table := range []string{"stats_daily", "stats_monthly"} {
			if _, err := db.pool.Exec(ctx, "UPDATE "+table+" SET incidents = incidents * 1000"); err != nil {
				t.Fatal(err)
			}
		}
	}, []storetest.Path{
		{Name: "no filter", F: incident.Filter{}, Counts: true},
		{Name: "dates cutting months", F: incident.Filter{Start: "2021-03-10", End: "2023-02-20"}, Counts: true},
		{Name: "a region, a country and types", F: incident.Filter{Regions: []string{region}, Countries: []string{country}, EventTypes: []string{ins[0].EventType, ins[1].EventType, ins[2].EventType}}, Counts: true},
		{Name: "a page of them", F: incident.Filter{Limit: 20, Countries: []string{country}}, Counts: true},
		{Name: "a zone", F: incident.Filter{Zones: []*incident.Zone{sahel}}},
		{Name: "a site", F: incident.Filter{Site: incident.NewSite("s", "Base", niamey), RadiusKM: 300}},
		{Name: "text", F: incident.Filter{Q: "JNIM"}},
		{Name: "a box", F: incident.Filter{BBox: &box}},
		{Name: "near a point", F: incident.Filter{Near: &niamey, RadiusKM: 300}},
		{Name: "fatalities", F: incident.Filter{MinFatalities: 5}},
		{Name: "a border", F: incident.Filter{Border: "any", BorderKM: 100}},
		{Name: "updated since", F: incident.Filter{UpdatedSince: &since}},
	})
}

// AggregateFromCounts says which path Aggregate takes: cell_counts for no
// filter at level 13 or coarser, the incidents otherwise
// (storetest.AggregatePaths tells them apart by where each cell is placed).
// The counts' cells hold what a grouped scan finds in them; the conformance
// suite compares them with the reference after every kind of write.
func TestPostgresAggregateFromCountsSaysWhichPathAggregateTakes(t *testing.T) {
	db, ins := openFilled(t)
	storetest.AggregatePaths(t, db, []storetest.Path{
		{Name: "no filter", F: incident.Filter{}, Level: 4, Counts: true},
		{Name: "no filter", F: incident.Filter{}, Level: 9, Counts: true},
		{Name: "no filter", F: incident.Filter{}, Level: 13, Counts: true},
		{Name: "no filter, a page", F: incident.Filter{Limit: 100}, Level: 9, Counts: true},
		{Name: "no filter", F: incident.Filter{}, Level: 14},
		{Name: "one type (no counts by type)", F: incident.Filter{EventTypes: []string{ins[0].EventType}}, Level: 9},
		{Name: "every date", F: incident.Filter{Start: "2000-01-01"}, Level: 9},
		{Name: "text", F: incident.Filter{Q: "JNIM"}, Level: 9},
	})
}
