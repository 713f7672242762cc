package postgis

import (
	"context"
	"math/rand"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// A box's page reads the same incidents, in the same order, page after
// page, whether the box is read through its cell ranges (it holds few) or
// through the GiST index as the date index is walked (it holds many):
// boxes whose edges pass through incidents (Bound.Contains keeps those),
// with and without another condition, after deletions (incidents_cell
// holds live incidents only) and moves.
func TestPostgresBoxPageBothWays(t *testing.T) {
	ctx := context.Background()
	pg := openTest(t)
	r := rand.New(rand.NewSource(7))
	ins := randomIncidents(t, r, 0, 1200)
	if err := pg.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	for _, in := range ins[:40] {
		if err := pg.Delete(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	moved := randomIncidents(t, r, 40, 40)
	for _, in := range moved {
		if err := pg.Replace(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	live := append(slices.Clone(ins[80:]), moved...)
	defer func(n int) { placeFirstMax = n }(placeFirstMax)
	for i := range 60 {
		// Corners at incidents' own coordinates: points on every edge.
		a, b := live[r.Intn(len(live))], live[r.Intn(len(live))]
		f := incident.Filter{BBox: &orb.Bound{
			Min: orb.Point{min(a.Lon, b.Lon), min(a.Lat, b.Lat)},
			Max: orb.Point{max(a.Lon, b.Lon), max(a.Lat, b.Lat)},
		}}
		if i%3 == 0 {
			f.EventTypes = []string{a.EventType}
		}
		want := reference(f, live)
		var wantListed []string
		for _, in := range want {
			wantListed = append(wantListed, listed(in))
		}
		f.Limit = 1 + r.Intn(50)
		for _, n := range []int{5000, 0} {
			placeFirstMax = n
			var got []string
			for g := f; ; {
				p, err := pg.List(ctx, g)
				if err != nil {
					t.Fatalf("box %d %+v: %v", i, f, err)
				}
				if p.NumberMatched != len(want) {
					t.Errorf("box %d %+v (placeFirstMax %d): numberMatched %d, Match says %d", i, f, n, p.NumberMatched, len(want))
				}
				for _, in := range p.Incidents {
					got = append(got, listed(in))
				}
				if p.Next == nil {
					break
				}
				g.Cursor = p.Next
			}
			if !slices.Equal(got, wantListed) {
				t.Errorf("box %d %+v (placeFirstMax %d): listed %d, Match says %d:\n%v\n%v", i, f, n, len(got), len(want), head(got), head(wantListed))
			}
		}
	}
}

// Border rows are found through the hash of their key (migration 0007):
// a key whose hash is another's finds only its own rows, counted and
// listed.
func TestPostgresBorderKeysOfOneHash(t *testing.T) {
	ctx := context.Background()
	pg := openTest(t)
	ins := randomIncidents(t, rand.New(rand.NewSource(3)), 0, 20)
	if err := pg.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	// Two keys of one hash: among 200,000 keys of 32-bit hashes, a few.
	var a, b string
	err := pg.pool.QueryRow(ctx, `SELECT min(s), max(s) FROM (SELECT 'K-' || g AS s FROM generate_series(1, 200000) g) x
		GROUP BY hashtext(s) HAVING count(*) > 1 LIMIT 1`).Scan(&a, &b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.pool.Exec(ctx, "INSERT INTO incident_borders (seq, key, km) SELECT seq, $1, 2.5 FROM incidents WHERE id = $2", a, ins[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want int
	}{{a, 1}, {b, 0}} {
		for _, km := range []float64{2.7, 10} { // the last part of a kilometre, and whole ones
			f := incident.Filter{Border: c.key, BorderKM: km}
			for _, limit := range []int{1, 10} { // a count, and a page
				f.Limit = limit
				p, err := pg.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if p.NumberMatched != c.want || len(p.Incidents) != c.want {
					t.Errorf("border %s within %v km: %d matched, %d listed; want %d", c.key, km, p.NumberMatched, len(p.Incidents), c.want)
				}
			}
		}
	}
}
