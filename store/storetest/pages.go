package storetest

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// PagesUnderWrites checks that pages are stable while others write: a
// walk along the cursors, with incidents created, replaced, deleted and
// restored between its pages,
//   - returns incidents in listing order, each after the one before (so
//     never one twice at one place in the order);
//   - returns every incident the filter matches that existed unchanged
//     from the walk's first page to its last, exactly once;
//   - returns nothing else but incidents written during the walk.
func PagesUnderWrites(t *testing.T, open Open) {
	r := newRand(t)
	ctx := context.Background()
	d := mustData(t, r, 500)
	store := open(t)
	(&pair{t: t, store: store, ref: memstore.New(), data: d}).storeAreas() // the filters' zones and sites
	var stable, volatile []*incident.Incident
	for i, in := range d.Incidents {
		in.Deleted = false
		if i%3 == 0 {
			volatile = append(volatile, in)
		} else {
			stable = append(stable, in)
		}
	}
	if err := store.CreateMany(ctx, copies(d.Incidents)); err != nil {
		t.Fatal(err)
	}
	deleted, written := map[string]bool{}, map[string]bool{}
	var mu sync.Mutex
	for w := range 6 {
		f, _ := randomFilter(r, d, len(FilterFields)+w)
		if w == 0 {
			f = incident.Filter{}
		}
		f.UpdatedSince = nil // no deletion markers: they are writes too
		f.Limit = 5 + r.Intn(20)
		stop, tick := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		wr := rand.New(rand.NewSource(r.Int63()))
		go func() {
			done <- writeVolatile(ctx, store, d, volatile, deleted, wr, stop, tick, func(id string) {
				mu.Lock()
				written[id] = true
				mu.Unlock()
			})
		}()
		var walk []*incident.Incident
		for n := 0; n < 1000; n++ {
			<-tick // a write before every page
			page, err := store.List(ctx, f)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			walk = append(walk, page.Incidents...)
			if page.Next == nil {
				break
			}
			f.Cursor = page.Next
		}
		close(stop)
		if err := <-done; err != nil {
			t.Fatalf("writing during the walk: %v", err)
		}
		f.Cursor = nil
		seen := map[string]int{}
		for i, in := range walk {
			seen[in.ID]++
			if i > 0 && incident.CompareListed(walk[i-1], in) >= 0 {
				t.Errorf("walk %s: %s (%s) comes after %s (%s)", describe(f), in.ID, in.EventDate, walk[i-1].ID, walk[i-1].EventDate)
			}
		}
		for _, in := range stable {
			if want := b2i(f.Match(in)); seen[in.ID] != want {
				t.Errorf("walk %s: %s, unchanged throughout, listed %d times, want %d", describe(f), in.ID, seen[in.ID], want)
			}
		}
		for id := range seen {
			if !written[id] && !slices.ContainsFunc(stable, func(in *incident.Incident) bool { return in.ID == id }) && !slices.ContainsFunc(volatile, func(in *incident.Incident) bool { return in.ID == id }) {
				t.Errorf("walk %s: %s listed, which was never stored", describe(f), id)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// writeVolatile writes to the volatile incidents until stop: replaces them
// (another date and place), deletes and restores them, creates new ones;
// each write's id goes to wrote first, and each write is followed by a
// tick. deleted are the ids deleted so far.
func writeVolatile(ctx context.Context, store incident.Store, d *Data, volatile []*incident.Incident, deleted map[string]bool, r *rand.Rand, stop, tick chan struct{}, wrote func(string)) error {
	h, _ := store.(incident.History)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		in := volatile[r.Intn(len(volatile))]
		wrote(in.ID)
		var err error
		switch k := r.Intn(4); {
		case deleted[in.ID] && h != nil:
			_, err = h.Restore(ctx, in.ID)
			deleted[in.ID] = false
		case deleted[in.ID]:
		case k == 0:
			err = store.Delete(ctx, in.ID)
			deleted[in.ID] = true
		case k == 1:
			c := randomIncident(r, d.Geo, fmt.Sprintf("new-%x", r.Int63()))
			wrote(c.ID)
			err = store.Create(ctx, c)
		default:
			c := changedIncident(r, d, in)
			err = store.Replace(ctx, c)
		}
		if err != nil {
			return err
		}
		select { // the walk reads its next page after this write
		case tick <- struct{}{}:
		case <-stop:
			return nil
		}
	}
}

func copies(ins []*incident.Incident) []*incident.Incident {
	out := make([]*incident.Incident, len(ins))
	for i, in := range ins {
		out[i] = copyIncident(in)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
