package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "t.db"))
}

func openAt(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// benchDB is the database INCIDENTMAP_BENCH_DB names (made with
// incidentmap gen, a million for BENCHMARKS.md), or else a new one filled
// with n incidents.
func benchDB(b *testing.B, n int) *DB {
	b.Helper()
	if path := os.Getenv("INCIDENTMAP_BENCH_DB"); path != "" {
		return openAt(b, path)
	}
	db := openTest(b)
	fill(b, db, n)
	return db
}

// fill stores n incidents spread over south-western Niger, with derived
// fields from the real geography.
func fill(t testing.TB, db *DB, n int) []*incident.Incident {
	t.Helper()
	ins := newIncidents(t, 0, n)
	if err := db.CreateMany(context.Background(), ins); err != nil {
		t.Fatal(err)
	}
	return ins
}

// newIncidents makes incidents first to first+n-1, unstored, as fill
// makes them.
func newIncidents(t testing.TB, first, n int) []*incident.Incident {
	t.Helper()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(5 + int64(first)))
	types := incident.EventTypes
	var ins []*incident.Incident
	for i := first; i < first+n; i++ {
		et := types[r.Intn(len(types))]
		in := &incident.Incident{
			ID: fmt.Sprintf("t-%04d", i), EventDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(900)).Format(incident.DateLayout),
			EventType: et.Name, SubEventType: et.SubEvents[0], Fatalities: r.Intn(20), Notes: fmt.Sprintf("note %d", i%7),
			CreatedAt: time.Now(), UpdatedAt: time.Now(),
		}
		in.SetPoint(0.5+r.Float64()*4, 12+r.Float64()*4)
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		in.Derive(g.Reverse(in.Lon, in.Lat))
		ins = append(ins, in)
	}
	return ins
}

// The two ways of choosing a page (walking the date index, or the filter's
// index then sorting) must give the same incidents in the same order.
func TestPagePlansAgree(t *testing.T) {
	db := openTest(t)
	fill(t, db, 1500)
	ctx := context.Background()
	bb := orb.Bound{Min: orb.Point{1, 13}, Max: orb.Point{2.5, 14.5}}
	niamey := orb.Point{2.1098, 13.51366}
	filters := []incident.Filter{
		{},
		{Border: "MLI", BorderKM: 100},
		{Border: "any", BorderKM: 30},
		{BBox: &bb},
		{Near: &niamey, RadiusKM: 80},
		{Regions: []string{"NE-6"}, EventTypes: []string{"Battles"}},
		{Start: "2021-01-01", End: "2021-06-30", MinFatalities: 10},
		{Q: "note 3"},
		{BBox: &bb, Border: "BFA", BorderKM: 150},
	}
	for i, f := range filters {
		f.Limit = 40
		for _, jsonOnly := range []bool{false, true} {
			f.JSONOnly = jsonOnly
			a, err := db.query(ctx, f, 41, true)
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.query(ctx, f, 41, false)
			if err != nil {
				t.Fatal(err)
			}
			ids := func(ins []*incident.Incident) []string {
				var out []string
				for _, in := range ins {
					d := ""
					if in.DistanceKM != nil {
						d = fmt.Sprintf("%.3f", *in.DistanceKM)
					}
					out = append(out, in.EventDate+" "+in.ID+" "+d)
				}
				return out
			}
			if !slices.Equal(ids(a), ids(b)) {
				t.Errorf("filter %d: date-order plan %v\nfilter-index plan %v", i, ids(a), ids(b))
			}
			if len(a) == 0 && i != 6 {
				t.Errorf("filter %d matched nothing; the test data should exercise it", i)
			}
		}
	}
}

func TestSoftDeleteLeavesEveryIndex(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 200)
	ctx := context.Background()
	victim := ins[0]
	bb := orb.Bound{Min: orb.Point{victim.Lon - 1e-9, victim.Lat - 1e-9}, Max: orb.Point{victim.Lon + 1e-9, victim.Lat + 1e-9}}
	near := orb.Point{victim.Lon, victim.Lat}
	d, _ := victim.BorderKM("MLI")
	count := func(f incident.Filter) int {
		p, err := db.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return p.NumberMatched
	}
	cases := []incident.Filter{{BBox: &bb}, {Near: &near, RadiusKM: 0.001}, {Border: "MLI", BorderKM: d + 0.0001}, {}}
	before := make([]int, len(cases))
	for i, f := range cases {
		before[i] = count(f)
	}
	if err := db.Delete(ctx, victim.ID); err != nil {
		t.Fatal(err)
	}
	for i, f := range cases {
		if got := count(f); got != before[i]-1 {
			t.Errorf("filter %d: %d after deleting, %d before", i, got, before[i])
		}
	}
	// A client syncing any of these views learns of the deletion.
	since := time.Now().Add(-time.Minute)
	for i, f := range cases {
		f.UpdatedSince = &since
		p, err := db.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var marker bool
		for _, in := range p.Incidents {
			marker = marker || in.ID == victim.ID && in.Deleted
		}
		if !marker {
			t.Errorf("filter %d with updated_since: no deletion marker for %s among %d", i, victim.ID, len(p.Incidents))
		}
	}
	if _, err := db.Restore(ctx, victim.ID); err != nil {
		t.Fatal(err)
	}
	for i, f := range cases {
		if got := count(f); got != before[i] {
			t.Errorf("filter %d: %d after restoring, want %d", i, got, before[i])
		}
	}
	st, err := db.Stats(ctx, incident.Filter{})
	if err != nil || st.Total.Incidents != 200 {
		t.Errorf("stats %v %v", st, err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

func TestReopenKeepsSchemaAndData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, 10)
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.Count(ctx); n != 10 {
		t.Errorf("%d incidents after reopening, want 10", n)
	}
	if err := Verify(ctx, path); err != nil {
		t.Error(err)
	}
}

// Near queries find exactly the incidents within the radius, by geo's
// distance, with distance_km to match.
func TestNearMatchesGeoDistance(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 1500)
	ctx := context.Background()
	for _, c := range []struct {
		p  orb.Point
		km float64
	}{{orb.Point{2.1098, 13.51366}, 60}, {orb.Point{1, 13}, 120}, {orb.Point{4, 15}, 20}} {
		want := map[string]float64{}
		for _, in := range ins {
			if d := geo.DistanceKM(c.p, orb.Point{in.Lon, in.Lat}); d <= c.km {
				want[in.ID] = d
			}
		}
		p := c.p
		err := db.Each(ctx, incident.Filter{Near: &p, RadiusKM: c.km}, func(in *incident.Incident) error {
			d, ok := want[in.ID]
			if !ok {
				t.Errorf("%s is %.4f km from %v, outside %v km", in.ID, geo.DistanceKM(c.p, orb.Point{in.Lon, in.Lat}), c.p, c.km)
			} else if math.Abs(*in.DistanceKM-d) > 1e-6 {
				t.Errorf("%s: distance_km %.9f, geo says %.9f", in.ID, *in.DistanceKM, d)
			}
			delete(want, in.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) > 0 {
			t.Errorf("near %v %v km missed %d incidents", c.p, c.km, len(want))
		}
	}
}

// Existing names the stored incidents among ids, in chunks of queries, and
// not the deleted ones (an import creating those would conflict).
func TestExisting(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ins := fill(t, db, 1200)
	if err := db.Delete(ctx, ins[7].ID); err != nil {
		t.Fatal(err)
	}
	ids := []string{"nope", ins[7].ID}
	for _, in := range ins[:1100] {
		ids = append(ids, in.ID)
	}
	got, err := db.Existing(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1099 || got["nope"] || got[ins[7].ID] || !got[ins[0].ID] || !got[ins[1099].ID] || got[ins[1100].ID] {
		t.Errorf("%d existing, want the 1,099 live ones asked about", len(got))
	}
}

// Databases from before migration 0006 get their cell keys filled in.
func TestFillCellKeys(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 500)
	ctx := context.Background()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DROP INDEX incidents_cell; UPDATE incidents SET cell = NULL"); err != nil {
			return err
		}
		return fillCellKeys(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing int
	db.read.QueryRowContext(ctx, "SELECT count(*) FROM incidents WHERE cell IS NULL").Scan(&missing)
	if missing != 0 {
		t.Fatalf("%d incidents have no cell key", missing)
	}
	for _, in := range ins[:50] {
		var cell int64
		db.read.QueryRowContext(ctx, "SELECT cell FROM incidents WHERE id = ?", in.ID).Scan(&cell)
		if want := geo.CellKey(orb.Point{in.Lon, in.Lat}); cell != want {
			t.Fatalf("%s: cell %d, want %d", in.ID, cell, want)
		}
	}
	p := orb.Point{ins[0].Lon, ins[0].Lat}
	page, err := db.List(ctx, incident.Filter{Near: &p, RadiusKM: 0.01})
	if err != nil || page.NumberMatched < 1 {
		t.Fatalf("near the first incident after refilling: %v, %v", page, err)
	}
}

// The spatial queries on 20,000 incidents: count and a first page of 100,
// as the API asks for them. BENCHMARKS.md has the figures at a million.
func BenchmarkList(b *testing.B) {
	db := openTest(b)
	fill(b, db, 20000)
	niamey := orb.Point{2.1098, 13.51366}
	bb := orb.Bound{Min: orb.Point{2, 13.4}, Max: orb.Point{2.1, 13.5}}
	wide := orb.Bound{Min: orb.Point{0, 11}, Max: orb.Point{5, 17}}
	for _, c := range []struct {
		name string
		f    incident.Filter
	}{
		{"Near25km", incident.Filter{Near: &niamey, RadiusKM: 25}},
		{"BBox", incident.Filter{BBox: &bb}},
		{"Border50km", incident.Filter{Border: "MLI", BorderKM: 50}},
		{"Dates", incident.Filter{Start: "2021-01-01", End: "2021-03-31"}},
		{"WideBoxRegion", incident.Filter{BBox: &wide, Regions: []string{"NE-6"}}},
		{"WideBoxText", incident.Filter{BBox: &wide, Q: "note 3"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := c.f
			f.Limit, f.JSONOnly = 100, true
			for b.Loop() {
				if _, err := db.List(context.Background(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Free text (q) matches words by prefix, without regard to case or accents,
// across location, actors, notes and tags, and follows updates and deletes.
func TestFreeTextSearch(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	g, _ := geo.Default()
	mk := func(id, location, actor, notes string) *incident.Incident {
		in := &incident.Incident{ID: id, EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash",
			Location: location, Actor1: actor, Notes: notes, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		in.SetPoint(1.5, 14.5)
		in.Derive(g.Reverse(in.Lon, in.Lat))
		return in
	}
	ins := []*incident.Incident{
		mk("a", "Koutougou", "JNIM", "Ambush on a patrol"),
		mk("b", "Tabatol", "Islamic State Sahel", "Attaque près de la frontière; <img src=x onerror=alert(1)>"),
		mk("c", "Birni N'Konni", "Military Forces of Niger (2023-)", "Rassemblement à Niamey"),
	}
	if err := db.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	search := func(q string) []string {
		t.Helper()
		var ids []string
		if err := db.Each(ctx, incident.Filter{Q: q}, func(in *incident.Incident) error { ids = append(ids, in.ID); return nil }); err != nil {
			t.Fatalf("q=%q: %v", q, err)
		}
		sort.Strings(ids)
		return ids
	}
	for q, want := range map[string][]string{
		"koutougou": {"a"}, "KOUTOU": {"a"}, "jnim ambush": {"a"}, "jnim tabatol": nil,
		"pres frontiere": {"b"}, "près": {"b"}, "islamic state": {"b"}, "onerror": {"b"},
		"konni": {"c"}, "N'Konni": {"c"}, "rassemblement a niamey": {"c"}, "2023": {"c"},
		"tougou":                      nil, // inside a word: words match from their start
		`"; DROP TABLE incidents; --`: nil, `"`: nil, "*": nil, "NEAR(": nil, "a OR b": nil,
	} {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("q=%q found %v, want %v", q, got, want)
		}
	}
	b := *ins[1]
	b.Notes = "Repulsed"
	if err := db.Replace(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if got := search("frontiere"); got != nil {
		t.Errorf("after the notes changed, q=frontiere still finds %v", got)
	}
	if got := search("repulsed"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after the notes changed, q=repulsed finds %v", got)
	}
	if err := db.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := search("koutougou"); got != nil {
		t.Errorf("a deleted incident is still found: %v", got)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}
