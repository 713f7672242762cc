package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// Writes checks what writes leave behind and how they fail: reads of
// live, deleted and unknown ids, conflicts, imports (Apply) applied whole
// or not at all, restores, counts and extents, and the overviews per cell
// after an import.
func Writes(t *testing.T, open Open) {
	r := newRand(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	p := newPair(t, open, r, 80)
	ids := []string{"no-such-id"}
	for _, in := range p.data.Incidents {
		ids = append(ids, in.ID)
	}
	p.sameReads(ids)

	// Refused writes: the same error code from both, nothing changed.
	live, gone := liveAndDeleted(p.data)
	fresh := randomIncident(r, p.data.Geo, "fresh-1")
	for _, w := range []struct {
		what  string
		write func(incident.Store) error
	}{
		{"Create of a stored id", func(s incident.Store) error { return s.Create(ctx, copyIncident(live)) }},
		{"Create of a deleted id", func(s incident.Store) error { return s.Create(ctx, copyIncident(gone)) }},
		{"CreateMany with a stored id last", func(s incident.Store) error {
			return s.CreateMany(ctx, []*incident.Incident{copyIncident(fresh), copyIncident(live)})
		}},
		{"CreateMany with an id twice", func(s incident.Store) error {
			return s.CreateMany(ctx, []*incident.Incident{copyIncident(fresh), copyIncident(fresh)})
		}},
		{"Replace of an unknown id", func(s incident.Store) error { return s.Replace(ctx, copyIncident(fresh)) }},
		{"Replace of a deleted id", func(s incident.Store) error { return s.Replace(ctx, copyIncident(gone)) }},
		{"Delete of an unknown id", func(s incident.Store) error { return s.Delete(ctx, "no-such-id") }},
		{"Delete of a deleted id", func(s incident.Store) error { return s.Delete(ctx, gone.ID) }},
		{"Apply with a delete of an unknown id last", func(s incident.Store) error {
			return s.Apply(ctx, incident.Changes{Create: []*incident.Incident{copyIncident(fresh)}, Update: []*incident.Incident{copyIncident(live)}, Deletes: []string{live.ID, "no-such-id"}})
		}},
		{"Apply with a stored id among its creates", func(s incident.Store) error {
			return s.Apply(ctx, incident.Changes{Create: []*incident.Incident{copyIncident(fresh), copyIncident(live)}, Deletes: []string{live.ID}})
		}},
	} {
		want, got := w.write(p.ref), w.write(p.store)
		if incident.ErrorCode(got) != incident.ErrorCode(want) || got == nil {
			p.errorf("%s: error %v (%s), want %s", w.what, got, incident.ErrorCode(got), incident.ErrorCode(want))
		}
	}
	p.sameReads(append(ids, fresh.ID))

	// An import: creates, updates and deletes in one.
	var ch incident.Changes
	for i := range 5 {
		ch.Create = append(ch.Create, randomIncident(r, p.data.Geo, fmt.Sprintf("imported-%d", i)))
	}
	var n int
	for i, in := range p.data.Incidents {
		if in.Deleted || n >= 6 {
			continue
		}
		if n++; n%2 == 0 {
			c := changedIncident(r, p.data, in)
			p.data.Incidents[i] = c
			ch.Update = append(ch.Update, c)
		} else {
			ch.Deletes = append(ch.Deletes, in.ID)
			in.Deleted = true
		}
	}
	p.both(func(s incident.Store) error {
		c := incident.Changes{Deletes: ch.Deletes}
		for _, in := range ch.Create {
			c.Create = append(c.Create, copyIncident(in))
		}
		for _, in := range ch.Update {
			c.Update = append(c.Update, copyIncident(in))
		}
		return s.Apply(ctx, c)
	})
	for _, in := range ch.Create {
		ids = append(ids, in.ID)
	}
	p.sameReads(ids)
	p.aggregateByType()

	// Restores, where the store keeps history.
	h, ok := p.store.(incident.History)
	if !ok {
		return
	}
	live, gone = liveAndDeleted(p.data)
	if _, err := h.Restore(ctx, live.ID); incident.ErrorCode(err) != incident.ECONFLICT {
		p.errorf("Restore of a live incident: %v, want a conflict", err)
	}
	if _, err := h.Restore(ctx, "no-such-id"); incident.ErrorCode(err) != incident.ENOTFOUND {
		p.errorf("Restore of an unknown id: %v, want not found", err)
	}
	got, err := h.Restore(ctx, gone.ID)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if _, err := p.ref.Restore(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	// A restore is a write: the incident's updated_at is its time, so a
	// sync listing from before it brings the incident back.
	if got.UpdatedAt.Before(start) || got.Deleted {
		p.errorf("Restore: the incident comes back with updated_at %v (deleted %v), want the time of the restore", got.UpdatedAt, got.Deleted)
	}
	stored, err := p.store.Get(ctx, gone.ID)
	if err != nil {
		p.errorf("Get after Restore: %v", err)
	} else if !stored.UpdatedAt.Equal(got.UpdatedAt) {
		p.errorf("Get after Restore: updated_at %v, Restore said %v", stored.UpdatedAt, got.UpdatedAt)
	}
	var synced bool
	p.store.Each(ctx, incident.Filter{UpdatedSince: &start}, func(in *incident.Incident) error {
		synced = synced || in.ID == gone.ID && !in.Deleted
		return nil
	})
	if !synced {
		p.errorf("a sync listing (updated_since) from before a restore does not bring the restored incident")
	}
}

// sameReads compares Get, GetMany, Existing, Count and Extent for ids, and
// the whole listing with and without deletion markers.
func (p *pair) sameReads(ids []string) {
	p.t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		got, err := p.store.Get(ctx, id)
		want, werr := p.ref.Get(ctx, id)
		switch {
		case incident.ErrorCode(err) != incident.ErrorCode(werr):
			p.errorf("Get %s: error %v, want %v", id, err, werr)
		case err == nil && !sameJSON(feature(got), feature(want)):
			p.errorf("Get %s: reads back as\n%s\nwant\n%s", id, feature(got), feature(want))
		}
	}
	gotMany, err := p.store.GetMany(ctx, ids)
	if err != nil {
		p.t.Fatalf("GetMany: %v", err)
	}
	wantMany, _ := p.ref.GetMany(ctx, ids)
	if a, b := slices.Sorted(maps.Keys(gotMany)), slices.Sorted(maps.Keys(wantMany)); !slices.Equal(a, b) {
		p.errorf("GetMany: ids %v, want %v", a, b)
	}
	for id, w := range wantMany {
		if g := gotMany[id]; g != nil && (g.Deleted != w.Deleted || !sameJSON(feature(g), feature(w))) {
			p.errorf("GetMany %s: deleted %v, reads back as\n%s\nwant deleted %v,\n%s", id, g.Deleted, feature(g), w.Deleted, feature(w))
		}
	}
	gotEx, err := p.store.Existing(ctx, ids)
	if err != nil {
		p.t.Fatalf("Existing: %v", err)
	}
	if wantEx, _ := p.ref.Existing(ctx, ids); !maps.Equal(trues(gotEx), wantEx) {
		p.errorf("Existing: %v, want %v", slices.Sorted(maps.Keys(trues(gotEx))), slices.Sorted(maps.Keys(wantEx)))
	}
	n, err := p.store.Count(ctx)
	if wn, _ := p.ref.Count(ctx); err != nil || n != wn {
		p.errorf("Count: %d (%v), want %d", n, err, wn)
	}
	ext, err := p.store.Extent(ctx)
	if wext, _ := p.ref.Extent(ctx); err != nil || fmt.Sprint(ext) != fmt.Sprint(wext) {
		p.errorf("Extent: %+v (%v), want %+v", ext, err, wext)
	}
	since := time.Time{}
	for _, f := range []incident.Filter{{}, {UpdatedSince: &since}} {
		p.checkList(f)
	}
}

// checkList compares the whole listing of f.
func (p *pair) checkList(f incident.Filter) {
	p.t.Helper()
	ctx := context.Background()
	var got, want []*incident.Incident
	if err := p.store.Each(ctx, f, func(in *incident.Incident) error { got = append(got, in); return nil }); err != nil {
		p.t.Fatalf("Each: %v", err)
	}
	p.ref.Each(ctx, f, func(in *incident.Incident) error { want = append(want, in); return nil })
	p.sameList("Each", f, got, want)
}

func trues(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		if v {
			out[k] = true
		}
	}
	return out
}

// liveAndDeleted are an incident of d that is stored and one deleted.
func liveAndDeleted(d *Data) (live, gone *incident.Incident) {
	for _, in := range d.Incidents {
		switch {
		case in.Deleted && gone == nil:
			gone = in
		case !in.Deleted && live == nil:
			live = in
		}
	}
	return live, gone
}

// History checks the revisions of incidents written every way: created
// alone and in bulk, replaced, deleted, restored, changed by an import,
// each by its actor.
func History(t *testing.T, open Open) {
	r := newRand(t)
	store := open(t)
	h, ok := store.(incident.History)
	if !ok {
		t.Logf("%T keeps no history", store)
		return
	}
	d := mustData(t, r, 3)
	p := &pair{t: t, store: store, ref: memstore.New(), data: d}
	as := func(actor string) context.Context { return incident.WithActor(context.Background(), actor) }
	a, b := d.Incidents[0], d.Incidents[1]
	p.both(func(s incident.Store) error { return s.Create(as("ana"), copyIncident(a)) })
	p.both(func(s incident.Store) error {
		return s.CreateMany(as("importer"), []*incident.Incident{copyIncident(b)})
	})
	a2, a3 := changedIncident(r, d, a), changedIncident(r, d, a)
	p.both(func(s incident.Store) error { return s.Replace(as("bo"), copyIncident(a2)) })
	p.both(func(s incident.Store) error { return s.Delete(as("cy"), a.ID) })
	p.both(func(s incident.Store) error { _, err := s.(incident.History).Restore(as("admin"), a.ID); return err })
	p.both(func(s incident.Store) error { return s.Replace(as("bo"), copyIncident(a3)) })
	b2 := changedIncident(r, d, b)
	p.both(func(s incident.Store) error {
		return s.Apply(as("importer"), incident.Changes{Update: []*incident.Incident{copyIncident(b2)}})
	})
	p.both(func(s incident.Store) error {
		return s.Apply(as("importer"), incident.Changes{Deletes: []string{b.ID}})
	})
	for _, id := range []string{a.ID, b.ID} {
		got, err := h.History(context.Background(), id)
		if err != nil {
			t.Fatalf("History %s: %v", id, err)
		}
		want, _ := p.ref.History(context.Background(), id)
		if len(got) != len(want) {
			t.Errorf("History %s: %d revisions (%s), want %d (%s)", id, len(got), actions(got), len(want), actions(want))
			continue
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Action != w.Action || g.Actor != w.Actor {
				t.Errorf("History %s: revision %d is %s by %s, want %s by %s", id, i, g.Action, g.Actor, w.Action, w.Actor)
			}
			// A restore's document carries the store's own time of it.
			if !sameJSON(withoutUpdatedAt(g.Before), withoutUpdatedAt(w.Before)) || !sameJSON(withoutUpdatedAt(g.After), withoutUpdatedAt(w.After)) {
				t.Errorf("History %s: revision %d (%s) goes from\n%s\nto\n%s\nwant from\n%s\nto\n%s", id, i, g.Action, g.Before, g.After, w.Before, w.After)
			}
			if i > 0 && (g.Seq <= got[i-1].Seq || g.At.Before(got[i-1].At)) || g.At.IsZero() {
				t.Errorf("History %s: revision %d has seq %d at %v after seq %d at %v", id, i, g.Seq, g.At, got[i-1].Seq, got[i-1].At)
			}
		}
	}
	if _, err := h.History(context.Background(), "no-such-id"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("History of an unknown id: %v, want not found", err)
	}
}

func actions(revs []incident.Revision) string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Action)
	}
	return fmt.Sprint(out)
}

// withoutUpdatedAt is a Feature without its properties.updated_at.
func withoutUpdatedAt(doc json.RawMessage) []byte {
	var f map[string]any
	if json.Unmarshal(doc, &f) != nil || f == nil {
		return doc
	}
	if props, ok := f["properties"].(map[string]any); ok {
		delete(props, "updated_at")
	}
	b, _ := json.Marshal(f)
	return b
}
