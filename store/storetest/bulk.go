package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// bulkSize is a large load, small enough for CI. A store that loads in
// bulk another way above some size (the SQLite store from 10,000) lowers
// that size below this one in its conformance test.
const bulkSize = 2500

// BulkLoad checks that CreateMany stores all of a large load or none:
// refused whole for an id stored already (last in the load) or twice in
// it; then stored whole, and listed and counted per cell as the reference
// lists and counts it.
func BulkLoad(t *testing.T, open Open) {
	r := newRand(t)
	ctx := context.Background()
	d := mustData(t, r, 300)
	p := &pair{t: t, store: open(t), ref: memstore.New(), data: d}
	p.storeAreas()
	first := copyIncident(d.Incidents[0])
	p.both(func(s incident.Store) error { return s.Create(ctx, copyIncident(first)) })
	load := make([]*incident.Incident, 0, bulkSize)
	for i := range bulkSize {
		in := copyIncident(d.Incidents[1+i%(len(d.Incidents)-1)])
		in.ID = fmt.Sprintf("bulk-%05d", i)
		in.Deleted = false
		load = append(load, in)
	}
	ids := []string{first.ID, load[0].ID, load[bulkSize/2].ID, load[bulkSize-1].ID}
	for _, c := range []struct {
		what string
		last *incident.Incident
	}{{"an id stored already", first}, {"an id twice", load[7]}} {
		bad := append(slices.Clone(load), copyIncident(c.last))
		err := p.store.CreateMany(ctx, bad)
		if incident.ErrorCode(err) != incident.ECONFLICT {
			t.Errorf("CreateMany of %d incidents with %s last: %v, want a conflict", len(bad), c.what, err)
		}
		if n, err := p.store.Count(ctx); err != nil || n != 1 {
			t.Errorf("after a refused CreateMany of %d with %s: %d incidents stored (%v), want the 1 stored before", len(bad), c.what, n, err)
		}
		if ex, _ := p.store.Existing(ctx, ids); len(trues(ex)) != 1 {
			t.Errorf("after a refused CreateMany with %s: %v exist, want only %s", c.what, ex, first.ID)
		}
	}
	p.both(func(s incident.Store) error { return s.CreateMany(ctx, load) })
	p.data.Incidents = append(p.data.Incidents[:1], load...)
	p.sameReads(ids)
	p.aggregateByType()
	for i := range 3 {
		f, _ := randomFilter(r, p.data, len(FilterFields)+i)
		p.checkFilter(r, f, i, false)
	}
}

// ApplyBatches checks the import's write path: batches applied one by one
// keep those before a failure (an input that breaks off), whole ones keep
// none, and Committed counts what is kept.
func ApplyBatches(t *testing.T, open Open) {
	r := newRand(t)
	ctx := context.Background()
	d := mustData(t, r, 90)
	batches := func(fail error) func() (*incident.Changes, error) {
		i := 0
		return func() (*incident.Changes, error) {
			if i == 3 {
				return nil, fail
			}
			ch := &incident.Changes{Records: 30}
			for _, in := range d.Incidents[30*i : 30*(i+1)] {
				in = copyIncident(in)
				in.Deleted = false
				ch.Create = append(ch.Create, in)
			}
			i++
			return ch, nil
		}
	}
	broken := incident.Errorf(incident.EINVALID, "the input broke off")
	for _, whole := range []bool{true, false} {
		s := open(t)
		committed := 0
		err := s.ApplyBatches(ctx, incident.ApplyOptions{Total: 90, Whole: whole, Committed: func(n int) { committed = n }}, batches(broken))
		n, _ := s.Count(ctx)
		want := 90
		if whole {
			want = 0
		}
		if err != broken || n != want || committed != want/30 {
			t.Errorf("whole %v, input breaking off after 3 batches: %v, %d stored, %d batches committed; want the error, %d, %d", whole, err, n, committed, want, want/30)
		}
		if err := s.ApplyBatches(ctx, incident.ApplyOptions{Whole: whole}, batches(nil)); (err == nil) != whole {
			t.Errorf("whole %v, the same batches again: %v", whole, err) // stored already: a conflict, unless nothing was stored
		}
	}
}
