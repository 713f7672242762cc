package incident

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Page is one page of a listing.
type Page struct {
	Incidents     []*Incident
	NumberMatched int
	Next          *Cursor // nil on the last page
}

// Stats counts incidents and fatalities along five dimensions.
type Stats struct {
	Total      Bucket   `json:"total"`
	ByCountry  []Bucket `json:"by_country"`
	ByRegion   []Bucket `json:"by_region"`
	ByMonth    []Bucket `json:"by_month"`
	ByType     []Bucket `json:"by_event_type"`
	ByBorderKM []Bucket `json:"by_border_band"`
}

// Bucket is one group of a Stats dimension.
type Bucket struct {
	Key        string `json:"key"`
	Name       string `json:"name,omitempty"`
	Incidents  int    `json:"incidents"`
	Fatalities int    `json:"fatalities"`
}

// Extent is the bounding box of the stored incidents' points and the first
// and last of their event dates (YYYY-MM-DD).
type Extent struct {
	BBox        orb.Bound
	First, Last string
}

// BorderBands are the distance bands of Stats.ByBorderKM, in km to the
// nearest border (an incident with none within 300 km is in the last).
var BorderBands = []struct {
	Key      string
	Min, Max float64
}{{"0-10", 0, 10}, {"10-25", 10, 25}, {"25-50", 25, 50}, {"50+", 50, 1e9}}

// Store keeps incidents. Every method is atomic: it either fully happens or
// not at all, and a write that returns nil is durable.
type Store interface {
	// Create stores a new incident; ECONFLICT if its id is taken.
	Create(ctx context.Context, in *Incident) error
	// CreateMany stores all of them or none.
	CreateMany(ctx context.Context, ins []*Incident) error
	// Get returns an incident; ENOTFOUND if there is none (or it is deleted).
	Get(ctx context.Context, id string) (*Incident, error)
	// Existing says which of ids are stored incidents (not deleted ones).
	Existing(ctx context.Context, ids []string) (map[string]bool, error)
	// GetMany returns the stored incidents among ids, deleted ones too
	// (with Deleted set), by id.
	GetMany(ctx context.Context, ids []string) (map[string]*Incident, error)
	// Apply makes the changes of an import in one transaction, recording
	// each in the history as a create, an update or a delete.
	Apply(ctx context.Context, ch Changes) error
	// ApplyBatches makes the changes next returns, as Apply does, a batch
	// at each call until nil: each batch in a transaction of its own, or
	// all in one as opts say (or as the store chooses for a bulk load). An
	// error from next rolls back what is not committed.
	ApplyBatches(ctx context.Context, opts ApplyOptions, next func() (*Changes, error)) error
	// Replace overwrites an existing incident; ENOTFOUND if there is none.
	Replace(ctx context.Context, in *Incident) error
	// Delete removes an incident (softly, where the store keeps history);
	// ENOTFOUND if there is none.
	Delete(ctx context.Context, id string) error
	// List returns the page of incidents the filter selects, newest first.
	List(ctx context.Context, f Filter) (*Page, error)
	// Each calls fn for every incident the filter selects, newest first, up
	// to Limit when it is above zero, ignoring Cursor, without holding them
	// all in memory. With JSONOnly, the incident fn gets is valid only
	// until fn returns: a store may reuse it and its StoredJSON for the next.
	Each(ctx context.Context, f Filter, fn func(*Incident) error) error
	// Stats counts what the filter selects.
	Stats(ctx context.Context, f Filter) (*Stats, error)
	// Count returns how many incidents are stored.
	Count(ctx context.Context) (int, error)
	// Extent returns where and when the stored incidents are, or nil when
	// there are none. It is asked for by every OGC collection document, so
	// it must not read the incidents one by one.
	Extent(ctx context.Context) (*Extent, error)
	// Ping checks that the store can answer.
	Ping(ctx context.Context) error
}

// CheapStats is a Store that answers some stats by adding up rollups it
// keeps as incidents are written (a row per day, region, event type and
// border band: a few thousand rows a month however many incidents there
// are) instead of reading the incidents they select. The server lets those
// through its limit on heavy requests: the map asks for stats on every
// change of filter, and an analyst makes more than 30 a minute.
type CheapStats interface {
	Store
	// StatsFromRollups says whether Stats(ctx, f) would add up the kept
	// rollups. It reads nothing and does not check f.
	StatsFromRollups(f Filter) bool
}

// Coverage is where the stored incidents are: the countries they are in
// and the box around them (nil when there are none), for a map to show
// those countries' units and borders and open fitted to the data.
type Coverage struct {
	Incidents int         `json:"incidents"`
	Countries []string    `json:"countries"`
	BBox      *[4]float64 `json:"bbox"` // minLon, minLat, maxLon, maxLat
}

// Roles, in increasing power.
const (
	RoleViewer = "viewer"
	RoleEditor = "editor"
	RoleAdmin  = "admin"
)

// RoleAtLeast reports whether role has at least the power of want.
func RoleAtLeast(role, want string) bool {
	rank := map[string]int{RoleViewer: 1, RoleEditor: 2, RoleAdmin: 3}
	return rank[role] >= rank[want] && rank[role] > 0
}

// Token is an API token. Only the SHA-256 of the secret is stored, and it
// is never shown.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"` // nil: never
}

// TokenStore keeps API tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash finds a token by its secret's hash; EUNAUTHORIZED if
	// there is none.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// Tokens lists every token, oldest first, without their hashes.
	Tokens(ctx context.Context) ([]*Token, error)
	// RevokeToken deletes a token: requests with it fail from then on.
	// ENOTFOUND if there is none.
	RevokeToken(ctx context.Context, id string) error
}
