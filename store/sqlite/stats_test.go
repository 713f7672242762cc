package sqlite

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// A sync filter (updated_since) lists deletions as markers, but stats
// count incidents: a deleted one is not counted. Found by the conformance
// suite: the scan counted it.
func TestStatsLeaveDeletionsOut(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 20)
	ctx := context.Background()
	if err := db.Delete(ctx, ins[0].ID); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-24 * time.Hour)
	page, err := db.List(ctx, incident.Filter{UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.Stats(ctx, incident.Filter{UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	if page.NumberMatched != 20 || st.Total.Incidents != 19 {
		t.Errorf("updated_since: %d listed (with the deletion marker), %d counted by stats; want 20 and 19", page.NumberMatched, st.Total.Incidents)
	}
}

// StatsFromRollups says which path Stats takes (the server lets those
// stats past its heavy-request limit): with every rollup count made 1000
// times what it was, Stats from the rollups says so.
func TestStatsFromRollupsSaysWhichPathStatsTakes(t *testing.T) {
	db := openTest(t)
	fill(t, db, 800)
	ctx := context.Background()
	niamey := orb.Point{2.1098, 13.51366}
	box := orb.Bound{Min: orb.Point{1, 12.5}, Max: orb.Point{2.5, 14}}
	since := time.Now().Add(-time.Hour)
	storetest.StatsPaths(t, db, func() {
		// stats_monthly follows stats_daily by its triggers (migration 0011).
		if _, err := db.write.ExecContext(ctx, "UPDATE stats_daily SET incidents = incidents * 1000"); err != nil {
			t.Fatal(err)
		}
	}, []storetest.Path{
		{Name: "no filter", F: incident.Filter{}, Counts: true},
		{Name: "dates cutting months", F: incident.Filter{Start: "2020-03-10", End: "2021-02-20"}, Counts: true},
		{Name: "regions and types", F: incident.Filter{Regions: []string{"NE-6", "NE-8"}, EventTypes: []string{"Battles", "Riots"}}, Counts: true},
		{Name: "a page of them", F: incident.Filter{Limit: 20, EventTypes: []string{"Protests"}}, Counts: true},
		{Name: "a country", F: incident.Filter{Countries: []string{"NER"}}},
		{Name: "text", F: incident.Filter{Q: "note"}},
		{Name: "a box", F: incident.Filter{BBox: &box}},
		{Name: "near a point", F: incident.Filter{Near: &niamey, RadiusKM: 100}},
		{Name: "fatalities", F: incident.Filter{MinFatalities: 5}},
		{Name: "a border", F: incident.Filter{Border: "any", BorderKM: 100}},
		{Name: "updated since", F: incident.Filter{UpdatedSince: &since}},
		{Name: "sub-event types", F: incident.Filter{SubEventTypes: []string{incident.EventTypes[0].SubEvents[0]}}},
	})
}

// The daily rollup that answers most stats must agree with a full scan,
// after inserts, updates, deletes and restores.
func TestStatsRollupMatchesScan(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 800)
	ctx := context.Background()
	g, _ := geo.Default()
	moved := *ins[3]
	moved.SetPoint(12.6, 13.3) // to Diffa: region and band change
	moved.Fatalities = 99
	// Another event type, too: its cell's counts move between types.
	other := incident.EventTypes[0]
	if other.Name == moved.EventType {
		other = incident.EventTypes[1]
	}
	moved.EventType, moved.SubEventType = other.Name, other.SubEvents[0]
	moved.Derive(g.Reverse(moved.Lon, moved.Lat))
	if err := db.Replace(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	db.Delete(ctx, ins[4].ID)
	db.Delete(ctx, ins[5].ID)
	db.Restore(ctx, ins[5].ID)
	checkRollups(t, db, 799)
	if rollupOK(incident.Filter{MinFatalities: 1}) || rollupOK(incident.Filter{Border: "MLI", BorderKM: 50}) {
		t.Error("filters the rollup cannot answer were sent to it")
	}
}

// checkRollups checks the daily rollup (migration 0005) against a scan, and
// the counts table (0008) against a recount, with live incidents stored.
func checkRollups(t *testing.T, db *DB, live int) {
	t.Helper()
	ctx := context.Background()
	filters := []incident.Filter{{}, {Start: "2021-01-01"}, {Start: "2020-03-01", End: "2021-02-28", Regions: []string{"NE-6", "NE-2"}}, {EventTypes: []string{"Battles", "Riots"}},
		// Months read whole from the monthly rollup and days from the daily one.
		{Start: "2020-03-15"}, {End: "2021-02-10"}, {Start: "2020-03-15", End: "2020-03-20"}, {Start: "2020-03-15", End: "2020-04-02", EventTypes: []string{"Battles"}},
		{Start: "2020-02-01", End: "2020-02-29"}, {Start: "2020-01-31", End: "2021-06-01", Regions: []string{"NE-6"}}, {Start: "2020-05-01", End: "2020-04-30"}}
	for _, f := range filters {
		if !rollupOK(f) {
			t.Fatalf("%+v should use the rollup", f)
		}
		a, err := db.stats(ctx, rollupQuery(f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.stats(ctx, scanQuery(f, where(f, false)))
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("filter %+v:\nrollup %s\nscan   %s", f, ja, jb)
		}
	}
	// The monthly rollup (migration 0011) adds up the daily one.
	monthly := "SELECT month, region_code, event_type, band, incidents, fatalities FROM stats_monthly WHERE incidents != 0 OR fatalities != 0"
	byMonth := "SELECT substr(event_date, 1, 7), region_code, event_type, band, sum(incidents), sum(fatalities) FROM stats_daily GROUP BY 1, 2, 3, 4 HAVING sum(incidents) != 0 OR sum(fatalities) != 0"
	var differ int
	if err := db.read.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM ("+monthly+" EXCEPT "+byMonth+")) + (SELECT count(*) FROM ("+byMonth+" EXCEPT "+monthly+"))").Scan(&differ); err != nil || differ != 0 {
		t.Errorf("monthly rollup: %d rows differ from the daily rollup's months (%v)", differ, err)
	}
	// Counts of listings with those filters, from the rollups, match a scan.
	for _, f := range filters {
		q, args := rollupCount(f)
		var got, want int
		db.read.QueryRowContext(ctx, q, args...).Scan(&got)
		c := where(f, false)
		db.read.QueryRowContext(ctx, "SELECT count(*)"+c.from+c.where, c.args...).Scan(&want)
		if got != want {
			t.Errorf("filter %+v: rollup counts %d, a scan %d", f, got, want)
		}
	}
	// The counts table (migrations 0008, 0015) matches a recount, too; and
	// the border rows are live exactly when their incident is.
	recount := "SELECT 'cell', cell >> 34, count(*) FROM incidents WHERE deleted_at IS NULL GROUP BY 2" +
		" UNION ALL SELECT 'c:' || country, 0, count(*) FROM incidents WHERE deleted_at IS NULL AND country IS NOT NULL GROUP BY 1" +
		" UNION ALL SELECT 'b:' || key, CAST(km AS INTEGER), count(*) FROM incident_borders b JOIN incidents i ON i.seq = b.seq WHERE i.deleted_at IS NULL GROUP BY 1, 2" +
		" UNION ALL SELECT 'b:' || key || '@' || i.country, CAST(km AS INTEGER), count(*) FROM incident_borders b JOIN incidents i ON i.seq = b.seq WHERE i.deleted_at IS NULL AND i.country IS NOT NULL GROUP BY 1, 2"
	var wrongLive int
	db.read.QueryRowContext(ctx, "SELECT count(*) FROM incident_borders b JOIN incidents i ON i.seq = b.seq WHERE b.live != (i.deleted_at IS NULL) OR b.country IS NOT i.country").Scan(&wrongLive)
	if wrongLive != 0 {
		t.Errorf("%d border rows are live when their incident is not, or the other way", wrongLive)
	}
	var diff int
	q := "SELECT count(*) FROM (SELECT dim, k, n FROM counts WHERE n != 0 EXCEPT SELECT * FROM (" + recount + ")) UNION ALL SELECT count(*) FROM (SELECT * FROM (" + recount + ") EXCEPT SELECT dim, k, n FROM counts)"
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int
		rows.Scan(&n)
		diff += n
	}
	rows.Close()
	var total int
	db.read.QueryRowContext(ctx, "SELECT sum(n) FROM counts WHERE dim = 'cell'").Scan(&total)
	if diff != 0 || total != live {
		t.Errorf("counts table: %d rows differ from a recount; %d live incidents in its cells, want %d", diff, total, live)
	}
	checkCellTypeCounts(t, db)
}

func TestMonthSplit(t *testing.T) {
	for _, c := range []struct {
		start, end string
		months     []string
		days       [][2]string
	}{
		{"", "", []string{"", ""}, nil},
		{"2020-01-01", "", []string{"2020-01", ""}, nil},
		{"2020-01-15", "", []string{"2020-02", ""}, [][2]string{{"2020-01-15", "2020-01-31"}}},
		{"", "2020-02-29", []string{"", "2020-02"}, nil},
		{"", "2020-02-28", []string{"", "2020-01"}, [][2]string{{"2020-02-01", "2020-02-28"}}},
		{"2020-03-15", "2020-03-20", nil, [][2]string{{"2020-03-15", "2020-03-20"}}},
		{"2020-03-01", "2020-03-31", []string{"2020-03", "2020-03"}, nil},
		{"2020-03-15", "2020-04-02", nil, [][2]string{{"2020-03-15", "2020-03-31"}, {"2020-04-01", "2020-04-02"}}},
		{"2020-12-31", "2022-01-01", []string{"2021-01", "2021-12"}, [][2]string{{"2020-12-31", "2020-12-31"}, {"2022-01-01", "2022-01-01"}}},
		{"2023-11-02", "2023-05-02", nil, [][2]string{{"2023-11-02", "2023-05-02"}}}, // end before start
	} {
		months, days := stored.MonthSplit(c.start, c.end)
		if !slices.Equal(months, c.months) || !slices.Equal(days, c.days) {
			t.Errorf("%q..%q: months %q days %q, want %q %q", c.start, c.end, months, days, c.months, c.days)
		}
	}
}
