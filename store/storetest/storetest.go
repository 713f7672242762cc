// Package storetest is the conformance suite every incident.Store passes:
// the SQLite store, the PostGIS store and the in-memory reference
// (store/memstore) alike. It stores random incidents (places all over the
// world, near borders and at sea, on and about the edges of drawn zones and
// near sites, dates that many share, texts with diacritics in several
// scripts, deleted ones) in the store under test and
// in a memstore, and asks both the same random questions: the same ids
// must come back in the same order, with the same numberMatched, pages,
// distances, stats, history and tokens. The memstore answers with
// incident.Filter.Match and incident.CompareListed, so a store that passes
// means what the API promises.
//
// A store's test calls Run with a function that opens a new, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) incident.Store {
//			db := openEmpty(t) // closed by t.Cleanup
//			return db
//		})
//	}
//
// Distances must agree to a millionth of a kilometre: a store computes
// distance_km and near= as incident.DistanceKM does, the haversine on a
// sphere of incident.EarthRadiusKM (PostGIS's own sphere has another
// radius, its spheroid another shape). Times are generated to the
// microsecond, what PostgreSQL keeps.
//
// Stores that also implement incident.TokenStore, incident.History,
// incident.Aggregator, incident.AreaStore or the watches and their outbox
// (WatchStore) are tested on those too (a
// store that keeps zones and sites is given the suite's before any query,
// and its filters resolve against what it reads back: areas.go). The randomness is seeded:
// a failure prints the seed, and -storetest.seed=N (or the environment
// variable STORETEST_SEED) runs that case again.
package storetest

import (
	"context"
	"flag"
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// Open returns a new, empty store for one test, to be closed by a cleanup
// of t.
type Open func(t *testing.T) incident.Store

var seedFlag = flag.Int64("storetest.seed", 0, "seed of the conformance suite's random data (0: from the clock, or STORETEST_SEED)")

// Run runs every test of the suite on the stores open returns, each test
// on a store of its own.
func Run(t *testing.T, open Open) {
	t.Run("Listings", func(t *testing.T) { Listings(t, open) })
	t.Run("Writes", func(t *testing.T) { Writes(t, open) })
	t.Run("History", func(t *testing.T) { History(t, open) })
	t.Run("Tokens", func(t *testing.T) { Tokens(t, open) })
	t.Run("AreaStore", func(t *testing.T) { AreaStore(t, open) })
	t.Run("Watches", func(t *testing.T) { Watches(t, open) })
	t.Run("BulkLoad", func(t *testing.T) { BulkLoad(t, open) })
	t.Run("ApplyBatches", func(t *testing.T) { ApplyBatches(t, open) })
	t.Run("PagesUnderWrites", func(t *testing.T) { PagesUnderWrites(t, open) })
}

// newRand is the test's random source; a failed test says how to run it
// again with the same numbers.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if s, err := strconv.ParseInt(os.Getenv("STORETEST_SEED"), 10, 64); seed == 0 && err == nil {
		seed = s
	}
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("storetest: random seed %d; run again with -storetest.seed=%d (or STORETEST_SEED=%d) -run '%s'", seed, seed, seed, t.Name())
		}
	})
	return rand.New(rand.NewSource(seed))
}

// pair is the store under test and the reference, holding the same
// incidents.
type pair struct {
	t     *testing.T
	store incident.Store
	ref   *memstore.Store
	data  *Data
	errs  int
}

// newPair opens a store and a reference and stores n random incidents in
// both: most in one CreateMany, the rest one by one; then some are
// replaced by a changed version and the data's deleted ones deleted.
func newPair(t *testing.T, open Open, r *rand.Rand, n int) *pair {
	t.Helper()
	d := mustData(t, r, n)
	p := &pair{t: t, store: open(t), ref: memstore.New(), data: d}
	p.storeAreas()
	ctx := context.Background()
	split := n * 3 / 4
	var bulk []*incident.Incident
	for _, in := range d.Incidents[:split] {
		bulk = append(bulk, copyIncident(in))
	}
	p.both(func(s incident.Store) error { return s.CreateMany(ctx, bulk) })
	for _, in := range d.Incidents[split:] {
		p.both(func(s incident.Store) error { return s.Create(ctx, copyIncident(in)) })
	}
	for i, in := range d.Incidents {
		if i%7 == 3 && !in.Deleted {
			changed := changedIncident(r, d, in)
			d.Incidents[i] = changed
			p.both(func(s incident.Store) error { return s.Replace(ctx, copyIncident(changed)) })
		}
	}
	for _, in := range d.Incidents {
		if in.Deleted {
			p.both(func(s incident.Store) error { return s.Delete(ctx, in.ID) })
		}
	}
	d.Words = d.Words[:0]
	for _, in := range d.Incidents {
		d.Words = append(d.Words, splitWords(incident.SearchText(in))...)
	}
	return p
}

// both makes a write on the store and the reference; both must succeed.
func (p *pair) both(write func(incident.Store) error) {
	p.t.Helper()
	if err := write(p.ref); err != nil {
		p.t.Fatalf("reference: %v", err)
	}
	if err := write(p.store); err != nil {
		p.t.Fatalf("store: %v", err)
	}
}

// errorf reports a difference, and stops the test after 20: by then the
// first ones tell what is wrong.
func (p *pair) errorf(format string, args ...any) {
	p.t.Helper()
	p.t.Errorf(format, args...)
	if p.errs++; p.errs >= 20 {
		p.t.Fatal("storetest: 20 differences; stopping")
	}
}

// changedIncident is in as an update may leave it: moved (derived fields
// again), another date, type, text and fatalities, written later.
func changedIncident(r *rand.Rand, d *Data, in *incident.Incident) *incident.Incident {
	c := randomIncident(r, d.Geo, in.ID)
	c.CreatedAt = in.CreatedAt
	c.UpdatedAt = in.UpdatedAt.Add(time.Duration(1+r.Intn(1000)) * time.Minute)
	return c
}
