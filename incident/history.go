package incident

import (
	"context"
	"encoding/json"
	"time"
)

// Revision is one change to an incident: who made it, when, and the
// incident before and after (null for a create's before and a delete's
// after).
type Revision struct {
	Seq    int64           `json:"seq"`
	Action string          `json:"action"` // create, update, delete, restore
	Actor  string          `json:"actor"`
	At     time.Time       `json:"at"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	// Note says where a change came from when it was not an edit: the
	// draft and report an accepted incident was extracted from, the
	// incidents a merge joined.
	Note string `json:"note,omitempty"`
}

// History is kept by stores that keep revisions.
type History interface {
	History(ctx context.Context, id string) ([]Revision, error)
	Restore(ctx context.Context, id string) (*Incident, error)
}

type actorKey struct{}

// WithActor names who is making the changes made with ctx (a token's name),
// for the revision history.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor set by WithActor, or "system".
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}
