// Package memstore is the reference incident.Store: incidents in a map,
// every query answered by testing each of them with incident.Filter.Match
// and sorting with incident.CompareListed. It is as slow as that sounds
// (every listing reads every incident) and as right: the conformance suite
// (store/storetest) holds the SQLite and PostGIS stores to what it answers.
// Tests of code above the stores (handlers) can use it as a fake.
package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Store keeps incidents, their history and tokens in memory. The zero value
// is not ready: use New.
type Store struct {
	// Now is the clock of deletions and revisions.
	Now func() time.Time

	mu        sync.RWMutex
	incidents map[string]*record
	revisions map[string][]incident.Revision
	seq       int64
	tokens    []*incident.Token
	areas     []area // drawn zones and sites, in the order written
}

// record is a stored incident as it was last written, and when it was
// deleted (zero while live).
type record struct {
	in        *incident.Incident
	deletedAt time.Time
}

func (r *record) deleted() bool { return !r.deletedAt.IsZero() }

var (
	_ incident.Store      = (*Store)(nil)
	_ incident.TokenStore = (*Store)(nil)
	_ incident.History    = (*Store)(nil)
	_ incident.Aggregator = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{Now: time.Now, incidents: map[string]*record{}, revisions: map[string][]incident.Revision{}}
}

// stored is the copy of in a store keeps: what its document holds, and
// nothing a caller can change afterwards.
func stored(in *incident.Incident) *incident.Incident {
	c := clone(in)
	c.DistanceKM, c.PossibleDuplicates, c.StoredJSON, c.Deleted, c.ReportedCountry, c.Line = nil, nil, nil, false, "", 0
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if c.Zones == nil {
		c.Zones = []string{}
	}
	return c
}

// clone is a deep copy of in.
func clone(in *incident.Incident) *incident.Incident {
	c := *in
	c.UncertaintyKM, c.FatalitiesLow, c.FatalitiesHigh = ptr(in.UncertaintyKM), ptr(in.FatalitiesLow), ptr(in.FatalitiesHigh)
	c.Tags, c.Extra = slices.Clone(in.Tags), maps.Clone(in.Extra)
	c.Country, c.Region, c.Nearest, c.SnapKM, c.Near = ptr(in.Country), ptr(in.Region), ptr(in.Nearest), ptr(in.SnapKM), ptr(in.Near)
	c.Borders, c.Zones = slices.Clone(in.Borders), slices.Clone(in.Zones)
	c.DistanceKM, c.PossibleDuplicates, c.StoredJSON = ptr(in.DistanceKM), slices.Clone(in.PossibleDuplicates), slices.Clone(in.StoredJSON)
	return &c
}

func ptr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func doc(in *incident.Incident) json.RawMessage {
	b, _ := in.MarshalJSON()
	return b
}

// revise records a change, as the SQLite store's revisions do.
func (s *Store) revise(ctx context.Context, id, action string, before, after json.RawMessage) {
	s.seq++
	if before == nil {
		before = json.RawMessage("null")
	}
	if after == nil {
		after = json.RawMessage("null")
	}
	s.revisions[id] = append(s.revisions[id], incident.Revision{Seq: s.seq, Action: action, Actor: incident.ActorFrom(ctx), At: s.Now().UTC(), Before: before, After: after})
}

func conflict(old *incident.Incident, deleted bool) error {
	if deleted {
		return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("incident %q was deleted; an admin can bring it back with POST /api/v1/incidents/%s/restore, or use another id", old.ID, old.ID)}
	}
	return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("an incident with id %q exists; PUT /api/v1/incidents/%s to replace it", old.ID, old.ID)}
}

func notFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no incident with id %q", id)
}

// Create implements incident.Store.
func (s *Store) Create(ctx context.Context, in *incident.Incident) error {
	return s.CreateMany(ctx, []*incident.Incident{in})
}

// CreateMany implements incident.Store: every id is checked (against the
// store and the others) before any goes in.
func (s *Store) CreateMany(ctx context.Context, ins []*incident.Incident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.create(ctx, ins)
}

func (s *Store) create(ctx context.Context, ins []*incident.Incident) error {
	seen := map[string]bool{}
	for _, in := range ins {
		if old, ok := s.incidents[in.ID]; ok {
			return conflict(old.in, old.deleted())
		}
		if seen[in.ID] {
			return conflict(in, false)
		}
		seen[in.ID] = true
	}
	for _, in := range ins {
		c := stored(in)
		s.incidents[c.ID] = &record{in: c}
		s.revise(ctx, c.ID, "create", nil, doc(c))
	}
	return nil
}

// Get implements incident.Store.
func (s *Store) Get(ctx context.Context, id string) (*incident.Incident, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.incidents[id]
	if !ok || r.deleted() {
		return nil, notFound(id)
	}
	return clone(r.in), nil
}

// Existing implements incident.Store.
func (s *Store) Existing(ctx context.Context, ids []string) (map[string]bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]bool{}
	for _, id := range ids {
		if r, ok := s.incidents[id]; ok && !r.deleted() {
			out[id] = true
		}
	}
	return out, nil
}

// GetMany implements incident.Store: deleted incidents come as they were
// last stored, with Deleted set.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string]*incident.Incident, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]*incident.Incident{}
	for _, id := range ids {
		if r, ok := s.incidents[id]; ok {
			c := clone(r.in)
			c.Deleted = r.deleted()
			out[id] = c
		}
	}
	return out, nil
}

// ApplyBatches implements incident.Store: each batch is applied as it
// comes, or with opts.Whole all of them as one Apply at the end (all or
// none; the reference store holds them, where SQLite holds a transaction).
func (s *Store) ApplyBatches(ctx context.Context, opts incident.ApplyOptions, next func() (*incident.Changes, error)) error {
	var all incident.Changes
	n := 0
	for {
		ch, err := next()
		if err != nil {
			return err
		}
		if ch == nil {
			break
		}
		n++
		if opts.Whole {
			all.Create = append(all.Create, ch.Create...)
			all.Update = append(all.Update, ch.Update...)
			all.Deletes = append(all.Deletes, ch.Deletes...)
			continue
		}
		if err := s.Apply(ctx, *ch); err != nil {
			return err
		}
		if opts.Committed != nil {
			opts.Committed(n)
		}
	}
	if !opts.Whole {
		return nil
	}
	if err := s.Apply(ctx, all); err != nil {
		return err
	}
	if opts.Committed != nil {
		opts.Committed(n)
	}
	return nil
}

// Apply implements incident.Store: all the changes or none.
func (s *Store) Apply(ctx context.Context, ch incident.Changes) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Checked first, so a failure leaves nothing half done.
	seen := map[string]bool{}
	for _, in := range ch.Create {
		if old, ok := s.incidents[in.ID]; ok {
			return conflict(old.in, old.deleted())
		}
		if seen[in.ID] {
			return conflict(in, false)
		}
		seen[in.ID] = true
	}
	live := func(id string) bool { r, ok := s.incidents[id]; return ok && !r.deleted() || seen[id] }
	for _, in := range ch.Update {
		if !live(in.ID) {
			return notFound(in.ID)
		}
	}
	gone := map[string]bool{}
	for _, id := range ch.Deletes {
		if !live(id) || gone[id] {
			return notFound(id)
		}
		gone[id] = true
	}
	s.create(ctx, ch.Create)
	for _, in := range ch.Update {
		s.replace(ctx, in)
	}
	for _, id := range ch.Deletes {
		s.remove(ctx, id)
	}
	return nil
}
