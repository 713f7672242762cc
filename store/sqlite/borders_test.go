package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// listIDs lists the ids a filter selects, all of them, sorted, with their
// distance_km.
func listIDs(t *testing.T, db *DB, f incident.Filter) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	err := db.Each(context.Background(), f, func(in *incident.Incident) error {
		out[in.ID] = math.NaN()
		if in.DistanceKM != nil {
			out[in.ID] = *in.DistanceKM
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Incidents on both sides of the Mali–Niger border: border=MLI-NER finds
// both sides, with the distance to that border; country= keeps one side.
func TestBorderBothSides(t *testing.T) {
	db := openTest(t)
	g, _ := geo.Default()
	border, _ := g.Border("MLI-NER")
	r := rand.New(rand.NewSource(11))
	var ins []*incident.Incident
	for len(ins) < 400 {
		p := orb.Point{r.Float64() * 4.5, 14.3 + r.Float64()*2}
		loc := g.Reverse(p[0], p[1])
		if loc.Country == nil || (*loc.Country != "MLI" && *loc.Country != "NER") || border.DistanceKM(p) > 80 {
			continue
		}
		in := &incident.Incident{ID: fmt.Sprintf("b-%03d", len(ins)), EventDate: "2024-01-01", EventType: "Battles", SubEventType: "Armed clash", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		in.SetPoint(p[0], p[1])
		in.Derive(loc)
		ins = append(ins, in)
	}
	if err := db.CreateMany(context.Background(), ins); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f         incident.Filter
		countries []string // the sides expected among the matches
	}{
		{incident.Filter{Border: "MLI-NER", BorderKM: 50}, []string{"MLI", "NER"}},
		{incident.Filter{Border: "MLI-NER", BorderKM: 50, Countries: []string{"NER"}}, []string{"NER"}},
		{incident.Filter{Border: "MLI-NER", BorderKM: 25.5, Countries: []string{"MLI"}}, []string{"MLI"}},
		{incident.Filter{Border: "MLI", BorderKM: 30}, []string{"MLI", "NER"}},
	} {
		want := map[string]float64{}
		sides := map[string]bool{}
		for _, in := range ins {
			d, ok := in.BorderKM(c.f.Border)
			if ok && d <= c.f.BorderKM && (c.f.Countries == nil || slices.Contains(c.f.Countries, *in.Country)) {
				want[in.ID] = d
				sides[*in.Country] = true
				if c.f.Border == "MLI-NER" && math.Abs(d-border.DistanceKM(orb.Point{in.Lon, in.Lat})) > 0.001 {
					t.Fatalf("%s: stored %.4f km from MLI-NER, geo says %.4f", in.ID, d, border.DistanceKM(orb.Point{in.Lon, in.Lat}))
				}
			}
		}
		if got := slices.Sorted(func(yield func(string) bool) {
			for k := range sides {
				if !yield(k) {
					return
				}
			}
		}); !slices.Equal(got, c.countries) {
			t.Fatalf("%+v: the test data has sides %v, want %v", c.f, got, c.countries)
		}
		got := listIDs(t, db, c.f)
		if len(got) != len(want) {
			t.Errorf("%+v: %d incidents, want %d", c.f, len(got), len(want))
		}
		for id, d := range want {
			if got[id] != d {
				t.Errorf("%+v: %s at distance_km %v, want %v", c.f, id, got[id], d)
			}
		}
		c.f.Limit = 10
		if p, err := db.List(context.Background(), c.f); err != nil || p.NumberMatched != len(want) {
			t.Errorf("%+v: numberMatched %v (%v), want %d", c.f, p, err, len(want))
		}
	}
}

// oldDocument is an incident's document as stored before borders were
// worldwide: distances to Niger's borders only, keyed by the neighbour.
func oldDocument(t *testing.T, in *incident.Incident) (doc []byte, cols map[string]any) {
	t.Helper()
	b, _ := in.MarshalJSON()
	var f map[string]any
	json.Unmarshal(b, &f)
	props := f["properties"].(map[string]any)
	old := map[string]any{}
	cols = map[string]any{}
	for _, iso := range []string{"MLI", "BFA", "BEN", "NGA", "TCD", "LBY", "DZA"} {
		if d, ok := in.BorderKM(geo.BorderKey("NER", iso)); ok {
			old[iso] = d
			cols["d_"+strings.ToLower(iso)] = d
		}
	}
	props["borders"] = old
	doc, _ = json.Marshal(f)
	return doc, cols
}

// A database made before borders were worldwide (schema version 12, a
// column per border of Niger, documents keyed {"MLI": km}) is upgraded in
// place: every incident, deleted ones too, is derived again with the
// world's geography, in batches that resume after an interruption, with
// the history as it was, the rollups and counts consistent, and border
// queries right.
func TestUpgradeDerivesEveryIncidentAgain(t *testing.T) {
	ctx := context.Background()
	g, _ := geo.Default()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := open(ctx, path, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := newIncidents(t, 0, 300)
	for _, in := range want {
		doc, cols := oldDocument(t, in)
		var region any
		if in.Region != nil {
			region = in.Region.Code
		}
		n, _ := in.NearestBorder()
		res, err := old.write.ExecContext(ctx, `INSERT INTO incidents (id, event_date, event_type, sub_event_type, region_code, lon, lat, fatalities,
			d_mli, d_bfa, d_ben, d_nga, d_tcd, d_lby, d_dza, d_any, created_at, updated_at, cell, admin1_key, admin2_key, flags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
			in.ID, in.EventDate, in.EventType, in.SubEventType, region, in.Lon, in.Lat, in.Fatalities,
			cols["d_mli"], cols["d_bfa"], cols["d_ben"], cols["d_nga"], cols["d_tcd"], cols["d_lby"], cols["d_dza"], n.DistanceKM,
			in.CreatedAt.UTC().Format(time.RFC3339Nano), in.UpdatedAt.UTC().Format(time.RFC3339Nano), geo.CellKey(orb.Point{in.Lon, in.Lat}), geo.NameKey(in.Admin1), geo.NameKey(in.Admin2))
		if err != nil {
			t.Fatal(err)
		}
		seq, _ := res.LastInsertId()
		for _, q := range []string{"INSERT INTO incident_docs (seq, doc) VALUES (?, ?)", "INSERT INTO incident_search (seq, search) VALUES (?, ?)"} {
			v := any(doc)
			if strings.Contains(q, "search") {
				v = geo.Fold(in.Notes)
			}
			if _, err := old.write.ExecContext(ctx, q, seq, v); err != nil {
				t.Fatal(err)
			}
		}
		old.write.ExecContext(ctx, "INSERT INTO revisions (incident_id, action, actor, at) VALUES (?, 'create', 'test', '2024-01-01T00:00:00Z')", in.ID)
	}
	// A change and a deletion, made the old way, in the history.
	changed := *want[1]
	changed.Fatalities = 77
	old.write.ExecContext(ctx, "UPDATE incidents SET fatalities = 77 WHERE id = ?", want[1].ID)
	newDoc, _ := oldDocument(t, &changed)
	old.write.ExecContext(ctx, "UPDATE incident_docs SET doc = ? WHERE seq = (SELECT seq FROM incidents WHERE id = ?)", newDoc, want[1].ID)
	old.write.ExecContext(ctx, "INSERT INTO revisions (incident_id, action, actor, at, before, after) VALUES (?, 'update', 'test', '2024-02-01T00:00:00Z', '{}', ?)", want[1].ID, newDoc)
	want[1] = &changed
	old.write.ExecContext(ctx, "UPDATE incidents SET deleted_at = '2024-03-01T00:00:00Z', updated_at = '2024-03-01T00:00:00Z' WHERE id = ?", want[2].ID)
	old.write.ExecContext(ctx, "INSERT INTO revisions (incident_id, action, actor, at) VALUES (?, 'delete', 'test', '2024-03-01T00:00:00Z')", want[2].ID)
	history := func(db *DB) string {
		var h string
		db.read.QueryRowContext(ctx, "SELECT group_concat(seq || incident_id || action || actor || at || coalesce(before, '') || coalesce(after, ''), '|') FROM revisions").Scan(&h)
		return h
	}
	before := history(old)
	old.Close()

	defer func(n int) { rederiveBatch = n }(rederiveBatch)
	rederiveBatch = 40
	db := openAt(t, path)
	if left, total, err := db.RederivePending(ctx); err != nil || left != 300 || total != 300 {
		t.Fatalf("after the migration: %d of %d waiting (%v), want all 300", left, total, err)
	}
	// Until derived again, Niger's borders come from the old columns.
	oracle := func(f incident.Filter) map[string]float64 {
		out := map[string]float64{}
		for i, in := range want {
			if d, ok := in.BorderKM(f.Border); i != 2 && ok && d <= f.BorderKM && (f.Countries == nil || slices.Contains(f.Countries, *in.Country)) {
				out[in.ID] = d
			}
		}
		return out
	}
	mli := incident.Filter{Border: "MLI-NER", BorderKM: 50}
	if got, w := listIDs(t, db, mli), oracle(mli); len(got) != len(w) {
		t.Errorf("before deriving again, MLI-NER within 50 km: %d, want %d", len(got), len(w))
	}
	// Interrupted after the first batch, then resumed.
	svc := &incident.Service{Locator: g}
	cctx, cancel := context.WithCancel(ctx)
	var calls int
	err = db.Rederive(cctx, svc.Rederive, func(done, total int) { calls++; cancel() })
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("interrupted: %v after %d batches", err, calls)
	}
	if left, _, _ := db.RederivePending(ctx); left != 260 {
		t.Fatalf("%d waiting after one batch of 40, want 260", left)
	}
	var last int
	if err := db.Rederive(ctx, svc.Rederive, func(done, total int) { last = done }); err != nil || last != 300 {
		t.Fatalf("resumed: %v, %d done", err, last)
	}
	if left, _, _ := db.RederivePending(ctx); left != 0 {
		t.Fatalf("%d still waiting", left)
	}
	got, err := db.GetMany(ctx, func() []string {
		var ids []string
		for _, in := range want {
			ids = append(ids, in.ID)
		}
		return ids
	}())
	if err != nil {
		t.Fatal(err)
	}
	if !got[want[2].ID].Deleted {
		t.Errorf("%s is no longer deleted", want[2].ID)
	}
	for _, w := range want {
		in := got[w.ID]
		if in != nil {
			in.Deleted = false // to compare the document
		}
		if in == nil || !incident.SameContent(in, w) {
			a, _ := json.Marshal(in)
			b, _ := w.MarshalJSON()
			t.Fatalf("%s after the upgrade:\n%s\nwant\n%s", w.ID, a, b)
		}
		if !in.UpdatedAt.Equal(w.UpdatedAt) {
			t.Errorf("%s: updated_at %v, want %v as it was", w.ID, in.UpdatedAt, w.UpdatedAt)
		}
	}
	if after := history(db); after != before {
		t.Errorf("history changed:\n%s\nwas\n%s", after, before)
	}
	checkRollups(t, db, 299)
	for _, f := range []incident.Filter{mli, {Border: "BFA", BorderKM: 80}, {Border: "any", BorderKM: 20}, {Border: "BEN-NGA", BorderKM: 300}, {Border: "MLI-NER", BorderKM: 120, Countries: []string{"MLI"}}} {
		got, w := listIDs(t, db, f), oracle(f)
		if len(w) == 0 || len(got) != len(w) {
			t.Errorf("%+v after the upgrade: %d, want %d", f, len(got), len(w))
		}
		for id, d := range w {
			if got[id] != d {
				t.Errorf("%+v: %s at %v km, want %v", f, id, got[id], d)
			}
		}
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	// On demand, later: nothing changes, and nothing is left waiting.
	if err := db.StartRederive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Rederive(ctx, svc.Rederive, nil); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db, 299)
	if left, _, _ := db.RederivePending(ctx); left != 0 || history(db) != before {
		t.Errorf("a second run: %d waiting, history changed %v", left, history(db) != before)
	}
}

// BenchmarkBorderQueries times the border filters as the API asks for them:
// the count (a page of 1 with numberMatched) and a first page of 100. On
// 20,000 incidents, or on the database INCIDENTMAP_BENCH_DB names (made
// with incidentmap gen; BENCHMARKS.md has the figures at a million).
func BenchmarkBorderQueries(b *testing.B) {
	db := benchDB(b, 20000)
	for _, c := range []struct {
		name string
		f    incident.Filter
	}{
		{"MLI-NER", incident.Filter{Border: "MLI-NER", BorderKM: 50}},
		{"MLI", incident.Filter{Border: "MLI", BorderKM: 50}},
		{"any", incident.Filter{Border: "any", BorderKM: 50}},
		{"NigerSideOfMLI-NER", incident.Filter{Border: "MLI-NER", BorderKM: 50, Countries: []string{"NER"}}},
		{"country", incident.Filter{Countries: []string{"NER"}}},
		{"any300Region", incident.Filter{Border: "any", BorderKM: 300, Regions: []string{"NE-6"}}},
		{"MLI-NER2021", incident.Filter{Border: "MLI-NER", BorderKM: 50, Start: "2021-01-01", End: "2021-12-31"}},
	} {
		for _, limit := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/limit%d", c.name, limit), func(b *testing.B) {
				f := c.f
				f.Limit, f.JSONOnly = limit, true
				for b.Loop() {
					if _, err := db.List(context.Background(), f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("Coverage", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Coverage(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
