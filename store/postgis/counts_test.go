package postgis

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/pgtest"
)

// recounts are, for each counts table (migration 0006), its live rows and
// the same rows counted again from the incidents.
var recounts = []struct{ table, kept, counted string }{
	{"stats_daily",
		"SELECT event_date, region_code, country, event_type, band, incidents, fatalities FROM stats_daily WHERE incidents <> 0 OR fatalities <> 0",
		"SELECT event_date, coalesce(region_code, ''), coalesce(country, ''), event_type, border_band(d_any), count(*), sum(fatalities) FROM incidents WHERE deleted_ns IS NULL GROUP BY 1, 2, 3, 4, 5"},
	{"stats_monthly",
		"SELECT month, region_code, country, event_type, band, incidents, fatalities FROM stats_monthly WHERE incidents <> 0 OR fatalities <> 0",
		"SELECT substr(event_date, 1, 7), coalesce(region_code, ''), coalesce(country, ''), event_type, border_band(d_any), count(*), sum(fatalities) FROM incidents WHERE deleted_ns IS NULL GROUP BY 1, 2, 3, 4, 5"},
	{"cell_counts",
		"SELECT k, n FROM cell_counts WHERE n <> 0",
		"SELECT cell >> 34, count(*) FROM incidents WHERE deleted_ns IS NULL GROUP BY 1"},
	{"border_counts",
		"SELECT key, km, n FROM border_counts WHERE n <> 0",
		"SELECT key, floor(km)::integer, count(*) FROM incident_borders b JOIN incidents i ON i.seq = b.seq WHERE i.deleted_ns IS NULL GROUP BY 1, 2"},
}

// checkCounts fails the test unless every counts table holds what a
// recount of the incidents gives, and counts live incidents only.
func checkCounts(t *testing.T, db *DB, when string) {
	t.Helper()
	ctx := context.Background()
	rowsOf := func(sql string) []string {
		rows, err := db.pool.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		slices.Sort(out)
		return out
	}
	for _, r := range recounts {
		kept, counted := rowsOf(r.kept), rowsOf(r.counted)
		if !slices.Equal(kept, counted) {
			t.Errorf("%s: %s holds %d rows, a recount %d:\n%q\nwant\n%q", when, r.table, len(kept), len(counted), kept, counted)
		}
	}
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM incidents WHERE deleted_ns IS NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("%s: no live incidents to count", when)
	}
}

// The counts tables stay equal to a recount after every kind of write:
// creates one by one and through COPY, replacements that move incidents
// to other days, cells, regions and border distances, deletions,
// restores, merges and mixed changes.
func TestPostgresCountsFollowWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	r := rand.New(rand.NewSource(7))
	ins := randomIncidents(t, r, 0, 300)
	if err := db.CreateMany(ctx, ins[:250]); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a load by COPY")
	for _, in := range ins[250:260] {
		if err := db.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, db, "after creates")
	moved := randomIncidents(t, rand.New(rand.NewSource(8)), 0, 20)
	for _, in := range moved {
		if err := db.Replace(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, db, "after replacements")
	for _, in := range ins[20:40] {
		if err := db.Delete(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, db, "after deletions")
	for _, in := range ins[20:30] {
		if _, err := db.Restore(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, db, "after restores")
	if err := db.Merge(ctx, moved[0], ins[50].ID, "the same event"); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a merge")
	ch := incident.Changes{Create: ins[260:280], Update: randomIncidents(t, rand.New(rand.NewSource(9)), 60, 10), Deletes: []string{ins[100].ID, ins[101].ID}}
	if err := db.Apply(ctx, ch); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after mixed changes")
	// A failed write leaves the counts as they were.
	if err := db.CreateMany(ctx, ins[270:290]); err == nil {
		t.Fatal("ids taken: no error")
	}
	checkCounts(t, db, "after a refused load")
}

// A bulk load (its count triggers off, the tables counted again at its
// end) leaves the counts right, on an empty database and on one with
// incidents; so does a bulk ApplyBatches.
func TestPostgresCountsAfterBulkLoads(t *testing.T) {
	ctx := context.Background()
	defer func(n int) { bulkMin = n }(bulkMin)
	bulkMin = 100
	db := openTest(t)
	r := rand.New(rand.NewSource(3))
	if err := db.CreateMany(ctx, randomIncidents(t, r, 0, 150)); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a bulk load")
	if err := db.Delete(ctx, "p-00003"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateMany(ctx, randomIncidents(t, r, 150, 200)); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a second bulk load")
	batches := []*incident.Changes{
		{Create: randomIncidents(t, r, 350, 400)},
		{Update: randomIncidents(t, rand.New(rand.NewSource(4)), 10, 30), Deletes: []string{"p-00400"}},
	}
	err := db.ApplyBatches(ctx, incident.ApplyOptions{Total: 500}, func() (*incident.Changes, error) {
		if len(batches) == 0 {
			return nil, nil
		}
		ch := batches[0]
		batches = batches[1:]
		return ch, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a bulk apply")
	// The triggers are on again: a write after the load is counted.
	if err := db.Delete(ctx, "p-00005"); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, db, "after a delete following the loads")
}

// Two servers writing to one database at once: the counts add up every
// write of both.
func TestPostgresCountsUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	a, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := rand.New(rand.NewSource(5))
	ins := randomIncidents(t, r, 0, 200)
	if err := a.CreateMany(ctx, ins[:100]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < 100; j += 2 {
				in := ins[100+j]
				errs <- db.Create(ctx, in)
				errs <- db.Delete(ctx, ins[j].ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, a, "after two writers")
}

// border_band files distances in incident.BorderBands' bands, as Stats
// reports them: at each band's edges, and with no border within 300 km.
func TestPostgresBorderBandIsIncidentBorderBands(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var ds []*float64
	ds = append(ds, nil)
	for _, b := range incident.BorderBands {
		for _, d := range []float64{b.Min, b.Min + 0.001, b.Max - 0.001} {
			ds = append(ds, &d)
		}
	}
	for _, d := range ds {
		want := incident.BorderBands[len(incident.BorderBands)-1].Key
		for _, b := range incident.BorderBands {
			if d != nil && *d >= b.Min && *d < b.Max {
				want = b.Key
				break
			}
		}
		var got string
		if err := db.pool.QueryRow(ctx, "SELECT border_band($1)", d).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("border_band(%v) = %q; want %q", d, got, want)
		}
	}
}
