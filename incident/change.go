package incident

import (
	"context"
	"time"
)

// Change is one write to an incident, as tile38's writes return the old
// object: the incident before (nil for a create or a restore) and after
// (nil for a delete). Alerts, the live stream and feeds are made of these.
type Change struct {
	// Seq orders changes: the store's change sequence (its revision
	// number), 0 where the writer does not know it.
	Seq    int64     `json:"seq"`
	Action string    `json:"action"` // create, update, delete, restore
	ID     string    `json:"id"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Before *Incident `json:"before"`
	After  *Incident `json:"after"`
}

// ChangeLog is kept by stores that record every change durably, in the
// write's own transaction (the SQLite store's revisions): whoever reads it
// from a position it saved sees every change once, even those of a process
// that crashed right after committing, or of another process (the import
// command).
type ChangeLog interface {
	// ChangesSince returns up to limit changes with Seq above seq, in
	// order.
	ChangesSince(ctx context.Context, seq int64, limit int) ([]Change, error)
	// LastChange is the Seq of the latest change (0: none).
	LastChange(ctx context.Context) (int64, error)
}

// changed tells OnChange what a write did, once it is stored.
func (s *Service) changed(ctx context.Context, chs ...Change) {
	if s.OnChange == nil || len(chs) == 0 {
		return
	}
	now := s.now()
	for i := range chs {
		chs[i].Actor, chs[i].At = ActorFrom(ctx), now
		if chs[i].After != nil {
			chs[i].ID = chs[i].After.ID
		} else if chs[i].Before != nil {
			chs[i].ID = chs[i].Before.ID
		}
	}
	s.OnChange(ctx, chs)
}

// Restore brings back a deleted incident, where the store keeps history.
func (s *Service) Restore(ctx context.Context, id string) (*Incident, error) {
	h, ok := s.Store.(History)
	if !ok {
		return nil, Errorf(EINTERNAL, "this store keeps no history")
	}
	in, err := h.Restore(ctx, id)
	if err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Action: "restore", After: in})
	return in, nil
}
