package memstore

import (
	"context"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Replace implements incident.Store.
func (s *Store) Replace(ctx context.Context, in *incident.Incident) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.incidents[in.ID]; !ok || r.deleted() {
		return notFound(in.ID)
	}
	s.replace(ctx, in)
	return nil
}

func (s *Store) replace(ctx context.Context, in *incident.Incident) {
	r := s.incidents[in.ID]
	before := doc(r.in)
	r.in = stored(in)
	s.revise(ctx, in.ID, "update", before, doc(r.in))
}

// Delete implements incident.Store. Deletes are soft, as the SQLite
// store's: the incident stays in its history, can be restored, and is a
// deletion marker in sync listings from then on, at the time it went.
func (s *Store) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.incidents[id]; !ok || r.deleted() {
		return notFound(id)
	}
	s.remove(ctx, id)
	return nil
}

func (s *Store) remove(ctx context.Context, id string) {
	r := s.incidents[id]
	r.deletedAt = s.now()
	s.revise(ctx, id, "delete", doc(r.in), nil)
}

// now is the clock, in UTC, never the zero time (which means live).
func (s *Store) now() time.Time {
	t := s.Now().UTC()
	if t.IsZero() {
		t = time.Unix(0, 1).UTC()
	}
	return t
}

// Restore implements incident.History.
func (s *Store) Restore(ctx context.Context, id string) (*incident.Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.incidents[id]
	if !ok {
		return nil, notFound(id)
	}
	if !r.deleted() {
		return nil, incident.Errorf(incident.ECONFLICT, "incident %q is not deleted", id)
	}
	// Coming back is a write: a sync listing from before the deletion
	// must bring the incident again.
	r.deletedAt, r.in.UpdatedAt = time.Time{}, s.now()
	s.revise(ctx, id, "restore", nil, doc(r.in))
	return clone(r.in), nil
}

// History implements incident.History: every revision, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]incident.Revision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	revs, ok := s.revisions[id]
	if !ok {
		return nil, notFound(id)
	}
	return append([]incident.Revision{}, revs...), nil
}
