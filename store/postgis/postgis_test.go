package postgis

import (
	"context"
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/pgtest"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/paulmach/orb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTest opens a store on a new, empty database of the test cluster.
func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// places are boxes to draw incidents from: the Sahel's borders, a
// corner of Europe with many, an island, the open sea (no country, no
// border within 300 km), and across the antimeridian.
var places = []orb.Bound{
	{Min: orb.Point{0, 11}, Max: orb.Point{5, 17}},
	{Min: orb.Point{-6, 12}, Max: orb.Point{4, 16}},
	{Min: orb.Point{5, 45}, Max: orb.Point{16, 50}},
	{Min: orb.Point{-30, -40}, Max: orb.Point{-20, -30}},
	{Min: orb.Point{177, -19}, Max: orb.Point{180, -16}},
}

var (
	words   = []string{"Tillabéri", "JNIM", "attaque", "Ménaka", "convoi", "marché", "école", "Niamey", "drone", "ISSAHEL", "Zürich", "2023", "x1"}
	admin1s = []string{"Tillabéri", "Tillabery", "TILLABERI Region", "Tahoua", "Gao", "", "Bavaria", "Ménaka"}
)

// randomIncidents makes n incidents with derived fields from the real
// geography: points on land and at sea, near and far from borders, texts
// with accents, admin names spelled several ways, dates over three years,
// all with the same few times of writing.
func randomIncidents(t testing.TB, r *rand.Rand, first, n int) []*incident.Incident {
	t.Helper()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var ins []*incident.Incident
	for i := first; i < first+n; i++ {
		et := incident.EventTypes[r.Intn(len(incident.EventTypes))]
		text := func(k int) string {
			var s []string
			for range k {
				s = append(s, words[r.Intn(len(words))])
			}
			return strings.Join(s, " ")
		}
		at := base.Add(time.Duration(r.Intn(4)) * time.Hour)
		in := &incident.Incident{
			ID:        fmt.Sprintf("p-%05d", i),
			EventDate: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(1100)).Format(incident.DateLayout),
			EventType: et.Name, SubEventType: et.SubEvents[r.Intn(len(et.SubEvents))], Fatalities: r.Intn(12),
			Location: text(1), Actor1: text(1), Notes: text(3), Admin1: admin1s[r.Intn(len(admin1s))],
			CreatedAt: at, UpdatedAt: at,
		}
		b := places[r.Intn(len(places))]
		in.SetPoint(b.Min[0]+r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1]+r.Float64()*(b.Max[1]-b.Min[1]))
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		in.Derive(g.Reverse(in.Lon, in.Lat))
		ins = append(ins, in)
	}
	return ins
}

// randomFilter draws a filter of a few conditions from what the incidents
// hold.
func randomFilter(r *rand.Rand, ins []*incident.Incident, since time.Time) incident.Filter {
	var f incident.Filter
	pick := func() *incident.Incident { return ins[r.Intn(len(ins))] }
	for range 1 + r.Intn(3) {
		switch r.Intn(13) {
		case 0:
			b := places[r.Intn(len(places))]
			w, h := (b.Max[0]-b.Min[0])*r.Float64(), (b.Max[1]-b.Min[1])*r.Float64()
			lo := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]-w), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]-h)}
			f.BBox = &orb.Bound{Min: lo, Max: orb.Point{lo[0] + w, lo[1] + h}}
		case 1:
			in := pick()
			f.Near, f.RadiusKM = &orb.Point{in.Lon, in.Lat}, 1+r.Float64()*300
		case 2:
			f.Start = pick().EventDate
		case 3:
			f.End = pick().EventDate
		case 4:
			f.EventTypes = []string{pick().EventType, pick().EventType}
		case 5:
			f.SubEventTypes = []string{pick().SubEventType}
		case 6:
			if in := pick(); in.Region != nil {
				f.Regions = []string{in.Region.Code}
			}
		case 7:
			if in := pick(); in.Country != nil {
				f.Countries = []string{*in.Country}
			}
		case 8:
			f.Admin1 = []string{admin1s[r.Intn(len(admin1s))]}
		case 9:
			in := pick()
			keys := []string{"any"}
			for _, b := range in.Borders {
				keys = append(keys, b.Border, b.Countries[r.Intn(2)])
			}
			f.Border, f.BorderKM = keys[r.Intn(len(keys))], 1+r.Float64()*300
		case 10:
			w := incident.SearchWords(words[r.Intn(len(words))])
			f.Q = w[0][:1+r.Intn(len(w[0]))]
			if r.Intn(3) == 0 {
				f.Q += " " + words[r.Intn(len(words))]
			}
		case 11:
			f.MinFatalities = r.Intn(10)
		case 12:
			f.UpdatedSince = &since
		}
	}
	if r.Intn(8) == 0 {
		f.Flags = []string{incident.FlagAdmin1Mismatch}
	}
	return f
}

// The PostGIS store answers every filter as Filter.Match says: the same
// ids in the order of the cursor (newest event date first, then id) page
// after page, the same numberMatched, distances, stats and counts per
// cell, after creates (bulk and one by one), updates, deletions and a
// restore.
func TestPostgresMatchesFilterMatch(t *testing.T) { matchesFilterMatch(t) }

// The same with every circle's and box's page tested row by row as the
// date index is walked (the plan for those holding many: a box through
// the GiST index), not read through its cells.
func TestPostgresMatchesFilterMatchCirclesRowwise(t *testing.T) {
	defer func(n int) { placeFirstMax = n }(placeFirstMax)
	placeFirstMax = 0
	matchesFilterMatch(t)
}

func matchesFilterMatch(t *testing.T) {
	ctx := context.Background()
	pg := openTest(t)
	r := rand.New(rand.NewSource(15))
	ins := randomIncidents(t, r, 0, 1500)
	deletedAt := time.Date(2024, 5, 1, 14, 30, 0, 0, time.UTC)
	pg.Now = func() time.Time { return deletedAt }
	if err := pg.CreateMany(ctx, ins[:1400]); err != nil {
		t.Fatal(err)
	}
	for _, in := range ins[1400:] {
		if err := pg.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// Moves and edits, deletions, and a deletion undone.
	moved := randomIncidents(t, r, 0, 40)
	for _, in := range moved {
		if err := pg.Replace(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range ins[100:130] {
		if err := pg.Delete(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pg.Restore(ctx, ins[100].ID); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*incident.Incident{}
	for _, in := range append(slices.Clone(ins), moved...) {
		c := *in
		byID[in.ID] = &c
	}
	for _, in := range ins[101:130] {
		byID[in.ID].Deleted, byID[in.ID].UpdatedAt = true, deletedAt
	}
	byID[ins[100].ID].UpdatedAt = deletedAt // restored: written then
	all := slices.Collect(maps.Values(byID))
	since := time.Date(2024, 5, 1, 13, 30, 0, 0, time.UTC)
	for i := range 400 {
		f := randomFilter(r, ins, since)
		want := reference(f, all)
		f.Limit = 1 + r.Intn(200)
		var got []string
		for g := f; ; {
			p, err := pg.List(ctx, g)
			if err != nil {
				t.Fatalf("filter %d %+v: %v", i, f, err)
			}
			if p.NumberMatched != len(want) {
				t.Errorf("filter %d %+v: numberMatched %d, Match says %d", i, f, p.NumberMatched, len(want))
			}
			for _, in := range p.Incidents {
				got = append(got, listed(in))
			}
			if p.Next == nil {
				break
			}
			g.Cursor = p.Next
		}
		var wantListed []string
		for _, in := range want {
			c := *in
			switch f.Distance() {
			case "near":
				d := incident.DistanceKM(*f.Near, orb.Point{in.Lon, in.Lat})
				c.DistanceKM = &d
			case "border":
				d, _ := in.BorderKM(f.Border)
				c.DistanceKM = &d
			}
			wantListed = append(wantListed, listed(&c))
		}
		if !slices.Equal(got, wantListed) {
			t.Errorf("filter %d %+v: listed %d, Match says %d:\n%v\n%v", i, f, len(got), len(want), head(got), head(wantListed))
		}
		f.Limit = 0
		var each []string
		if err := pg.Each(ctx, f, func(in *incident.Incident) error { each = append(each, listed(in)); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(each, wantListed) {
			t.Errorf("filter %d %+v: Each gave %d, Match says %d", i, f, len(each), len(want))
		}
		st, err := pg.Stats(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if ws := referenceStats(want); !reflect.DeepEqual(st, ws) {
			t.Errorf("filter %d %+v: stats differ:\ngot  %+v\nwant %+v", i, f, st, ws)
		}
		if f.UpdatedSince == nil && i%4 == 0 {
			level := r.Intn(incident.MaxAggregateLevel + 1)
			ag, err := pg.Aggregate(ctx, f, level)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cells(ag), referenceCells(want, level); got != want {
				t.Errorf("filter %d level %d: cells differ:\ngot  %s\nwant %s", i, level, got, want)
			}
		}
	}
	if n, err := pg.Count(ctx); err != nil || n != len(ins)-29 {
		t.Errorf("count %d %v, want %d", n, err, len(ins)-29)
	}
}

// reference is what a store lists for f: the incidents Match selects,
// newest event date first, then by id, the latest first.
func reference(f incident.Filter, all []*incident.Incident) []*incident.Incident {
	var out []*incident.Incident
	for _, in := range all {
		if f.Match(in) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b *incident.Incident) int {
		if c := strings.Compare(b.EventDate, a.EventDate); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

// listed is what a listing says of an incident: id, distance, deletion.
func listed(in *incident.Incident) string {
	d := "-"
	if in.DistanceKM != nil {
		d = fmt.Sprintf("%.6f", *in.DistanceKM)
	}
	return fmt.Sprintf("%s %s %v", in.ID, d, in.Deleted)
}

// referenceStats counts the live incidents of ins as Stats does.
func referenceStats(ins []*incident.Incident) *incident.Stats {
	st := &incident.Stats{Total: incident.Bucket{Key: "total"}}
	dims := [5]map[string]*incident.Bucket{{}, {}, {}, {}, {}}
	for _, in := range ins {
		if in.Deleted {
			continue
		}
		region, country := "", ""
		if in.Region != nil {
			region = in.Region.Code
		}
		if in.Country != nil {
			country = *in.Country
		}
		band := incident.BorderBands[len(incident.BorderBands)-1].Key
		if d, ok := in.BorderKM("any"); ok {
			for _, b := range incident.BorderBands {
				if d < b.Max {
					band = b.Key
					break
				}
			}
		}
		st.Total.Incidents++
		st.Total.Fatalities += in.Fatalities
		for i, k := range []string{region, country, in.EventDate[:7], in.EventType, band} {
			if dims[i][k] == nil {
				dims[i][k] = &incident.Bucket{Key: k}
			}
			dims[i][k].Incidents++
			dims[i][k].Fatalities += in.Fatalities
		}
	}
	sorted := func(m map[string]*incident.Bucket) []incident.Bucket {
		out := []incident.Bucket{}
		for _, b := range m {
			out = append(out, *b)
		}
		slices.SortFunc(out, func(a, b incident.Bucket) int { return strings.Compare(a.Key, b.Key) })
		return out
	}
	st.ByRegion, st.ByCountry, st.ByMonth, st.ByType, st.ByBorderKM = sorted(dims[0]), sorted(dims[1]), sorted(dims[2]), sorted(dims[3]), sorted(dims[4])
	slices.SortStableFunc(st.ByBorderKM, func(a, b incident.Bucket) int { return band(a.Key) - band(b.Key) })
	return st
}

// band is the position of a border band in incident.BorderBands.
func band(key string) int {
	return slices.IndexFunc(incident.BorderBands, func(b struct {
		Key      string
		Min, Max float64
	}) bool {
		return b.Key == key
	})
}

// referenceCells counts ins per s2 cell of the level.
func referenceCells(ins []*incident.Incident, level int) string {
	n := map[int64]int{}
	for _, in := range ins {
		n[geo.CellKey(orb.Point{in.Lon, in.Lat})>>(60-2*level)]++
	}
	var cs []incident.CellCount
	for _, k := range slices.Sorted(maps.Keys(n)) {
		cs = append(cs, incident.CellCount{Cell: stored.CellToken(k, level), Incidents: n[k]})
	}
	return cells(cs)
}

func head(s []string) []string { return s[:min(len(s), 8)] }

// cells is the cells and their counts, which stores must agree on (the
// positions and fatalities of counts from a rollup may differ).
func cells(cs []incident.CellCount) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s:%d ", c.Cell, c.Incidents)
	}
	return b.String()
}
