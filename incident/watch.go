package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Watch is a saved filter someone is told about: every write that brings
// an incident into it, changes one in it, or takes one out of it (deleted,
// or moved, re-typed or revised out) becomes a Notice. Notices are kept
// (an Atom feed per watch), and posted to Webhook or mailed to Email when
// there is one (one delivery per watch: two are two watches).
type Watch struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"` // the id of the token that made it
	// Query is the incident filter as the API reads it
	// ("border=MLI&border_km=25&event_type=Battles").
	Query string `json:"filter"`
	// Within is an area drawn on a map, a GeoJSON Polygon or
	// MultiPolygon: incidents must also lie inside it.
	Within  json.RawMessage `json:"within,omitempty"`
	Webhook string          `json:"webhook,omitempty"` // an http(s) URL
	Email   string          `json:"email,omitempty"`   // an address, when the server has SMTP
	// Secret signs the webhook's posts (X-Incidentmap-Signature); shown
	// once, when the watch is made.
	Secret    string          `json:"secret,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Delivery  *DeliveryStatus `json:"delivery,omitempty"`

	// FromSeq: the watch hears of changes after this one (the last when
	// it was made).
	FromSeq int64 `json:"-"`
	// Filter is Query parsed and Area is Within; set by ParseWatch and by
	// stores on reading.
	Filter Filter           `json:"-"`
	Area   orb.MultiPolygon `json:"-"`

	slot int // its number in a WatchIndex
}

// DeliveryStatus is how a watch's webhook or e-mail is doing.
type DeliveryStatus struct {
	LastSuccess *time.Time `json:"last_success"`
	// Failures in a row (0 after a success); the next attempt waits
	// 2^failures seconds, at most an hour.
	Failures  int    `json:"failures"`
	LastError string `json:"last_error,omitempty"`
	Pending   int    `json:"pending"`
	Dead      int    `json:"dead"` // given up on after 24 h: see .../dead, resend with .../resend
}

// Notice is what a watch is told of one change.
type Notice struct {
	ID         int64    `json:"id"`
	WatchID    string   `json:"watch_id"`
	Seq        int64    `json:"change_seq"`
	Kind       string   `json:"kind"`
	Action     string   `json:"action"` // the write: create, update, delete, restore
	IncidentID string   `json:"incident_id"`
	Changed    []string `json:"changed,omitempty"`
	// Incident is the incident after the change, or before it for a
	// delete.
	Incident *Incident `json:"incident"`
	At       time.Time `json:"at"`
	// State: pending (a webhook to post to), delivered, dead (given up),
	// or kept (no webhook: feed only).
	State     string `json:"state,omitempty"`
	Attempts  int    `json:"attempts,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// Body is the notice as posted, fixed when it is made so that every
	// attempt sends the same bytes (and signature).
	Body []byte `json:"-"`
}

// Notice kinds.
const (
	NoticeMatch     = "match"     // a new (or restored) incident matches
	NoticeEntered   = "entered"   // an incident was changed into the match
	NoticeUpdated   = "updated"   // a matching incident changed and still matches
	NoticeRetracted = "retracted" // a matching incident was deleted or changed out of the match
)

// NoticeKind says what a change means to someone watching with match, ""
// when nothing (it neither matched before nor after).
func NoticeKind(c Change, match func(*Incident) bool) string {
	before, after := c.Before != nil && match(c.Before), c.After != nil && match(c.After)
	switch {
	case !before && after && c.Before == nil:
		return NoticeMatch
	case !before && after:
		return NoticeEntered
	case before && after:
		return NoticeUpdated
	case before:
		return NoticeRetracted
	}
	return ""
}

// Match says whether the watch selects the incident: its filter, and its
// drawn area when it has one (planar in lon/lat, as GeoJSON's polygons
// are drawn).
func (w *Watch) Match(in *Incident) bool { return w.match(in, nil) }

func (w *Watch) match(in *Incident, words *[]string) bool {
	if !w.Filter.match(in, words) {
		return false
	}
	return w.Area == nil || planar.MultiPolygonContains(w.Area, orb.Point{in.Lon, in.Lat})
}

// Limits of a watch.
const (
	maxWatchName   = 200
	maxWatchPoints = 100000 // vertices of a drawn area
)

// ParseWatch checks a watch as a person sends it and parses its filter and
// area, with what ParseFilter needs of the geography.
func ParseWatch(w *Watch, places Places) error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" || utf8.RuneCountInString(w.Name) > maxWatchName || !utf8.ValidString(w.Name) {
		return FieldErrorf("name", "required: a name of 1 to %d characters, to tell the watch's notices apart", maxWatchName)
	}
	q, err := url.ParseQuery(w.Query)
	if err != nil {
		return FieldErrorf("filter", "%q is not a URL query; write the filters as in /api/v1/incidents?..., e.g. border=MLI&border_km=25", clip(w.Query))
	}
	for _, k := range []string{"limit", "cursor", "updated_since"} {
		if q.Has(k) {
			return FieldErrorf("filter", "%s pages or syncs a listing; a watch hears of every change as it happens, so leave it out", k)
		}
	}
	f, err := ParseFilter(q, places)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return FieldErrorf("filter", "%s", e.Error())
		}
		return err
	}
	w.Filter = f
	w.Area = nil
	if len(w.Within) > 0 && string(w.Within) != "null" {
		if w.Area, err = ParseArea(w.Within); err != nil {
			return err
		}
	}
	if w.Email != "" {
		if w.Webhook != "" {
			return FieldErrorf("email", "a watch has one delivery, a webhook or an e-mail address; make a second watch for the other")
		}
		a, err := mail.ParseAddress(w.Email)
		if err != nil || a.Name != "" || len(w.Email) > 254 {
			return FieldErrorf("email", "%q is not one e-mail address (write it bare: analyst@example.org)", clip(w.Email))
		}
	}
	if w.Webhook != "" {
		u, err := url.Parse(w.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return FieldErrorf("webhook", "%q is not an http(s) URL without credentials", clip(w.Webhook))
		}
	}
	return nil
}

// ParseArea reads a GeoJSON Polygon or MultiPolygon (a bare geometry or a
// Feature holding one).
func ParseArea(b []byte) (orb.MultiPolygon, error) {
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		if f, ferr := geojson.UnmarshalFeature(b); ferr == nil && f.Geometry != nil {
			g = &geojson.Geometry{Coordinates: f.Geometry}
			err = nil
		}
	}
	if err != nil {
		return nil, FieldErrorf("within", "not a GeoJSON geometry: %s", jsonReason(err))
	}
	var mp orb.MultiPolygon
	switch v := g.Geometry().(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{v}
	case orb.MultiPolygon:
		mp = v
	default:
		return nil, FieldErrorf("within", "a %s; draw a Polygon or a MultiPolygon", g.Geometry().GeoJSONType())
	}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			if len(r) < 4 {
				return nil, FieldErrorf("within", "a ring has %d positions; a closed ring needs at least 4", len(r))
			}
			for _, pt := range r {
				if pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
					return nil, FieldErrorf("within", "[%v, %v] is out of range: longitude first, then latitude", pt[0], pt[1])
				}
			}
			n += len(r)
		}
	}
	if n > maxWatchPoints {
		return nil, &Error{Code: ETOOLARGE, Field: "within", Message: fmt.Sprintf("has %d positions; at most %d: simplify the area", n, maxWatchPoints)}
	}
	return mp, nil
}

// WatchStore keeps watches and their notices: an outbox, filled from the
// change log with the position read up to in one transaction, so every
// change becomes its notices exactly once, even when several servers (on
// one PostgreSQL database) make notices at once.
type WatchStore interface {
	CreateWatch(ctx context.Context, w *Watch) error
	// Watch returns a watch (Secret included); ENOTFOUND if there is none.
	Watch(ctx context.Context, id string) (*Watch, error)
	// Watches returns every watch, oldest first.
	Watches(ctx context.Context) ([]*Watch, error)
	ReplaceWatch(ctx context.Context, w *Watch) error
	DeleteWatch(ctx context.Context, id string) error
	// WatchesVersion changes whenever a watch, or a zone or site (which
	// a watch's filter may name), is created, replaced or deleted, by any
	// server: a notifier reads them again when it moved, and makes
	// notices with the watches of one version.
	WatchesVersion(ctx context.Context) (int64, error)

	// NoticeCursor is the change the notices were made up to.
	NoticeCursor(ctx context.Context) (int64, error)
	// AddNotices stores the notices made from the changes up to seq with
	// the watches of version, and moves the cursor to seq, at once. Those
	// of changes the cursor has passed already (another server made them)
	// are not stored again, and the cursor never moves back. When the
	// watches changed since version, it stores nothing and fails with
	// ECONFLICT: read them again and match again.
	AddNotices(ctx context.Context, ns []Notice, seq, version int64) error
	// Notices lists a watch's notices, newest first, in state ("" any).
	Notices(ctx context.Context, watchID, state string, limit int) ([]Notice, error)
}

// Outbox is what posting webhooks needs of a WatchStore.
type Outbox interface {
	// DueWebhooks lists the watches with notices to deliver (to a
	// webhook or by e-mail) whose next attempt is due at now. A store
	// several servers share claims them until now+DeliveryLease (or
	// RecordDeliveries): no other server's DueWebhooks lists them
	// meanwhile, so no two post a watch's notices at once.
	DueWebhooks(ctx context.Context, now time.Time) ([]*Watch, error)
	// PendingNotices returns a watch's notices to post, oldest first,
	// bodies included.
	PendingNotices(ctx context.Context, watchID string, limit int) ([]Notice, error)
	// RecordDeliveries records what posting a watch's notices did: those
	// delivered (at), and the failure that stopped it, if one did. A
	// record of a failure or of nothing delivered ends the watch's claim
	// (DueWebhooks); one of deliveries keeps it, for the next batch.
	RecordDeliveries(ctx context.Context, watchID string, delivered []int64, at time.Time, fail *DeliveryFailure) error
	// ResendDead puts a watch's dead notices back in line, to be posted
	// again now, and says how many.
	ResendDead(ctx context.Context, watchID string) (int, error)
}

// DeliveryLease is how long a watch DueWebhooks listed is its caller's to
// deliver: a server that dies while posting holds it no longer, and one
// that posts stops a batch after half of it (at 10 s a post at most, 100
// posts would take longer than the lease).
const DeliveryLease = 2 * time.Minute

// DeliveryFailure is a post that failed: the notice, why, when to try
// again, and the first try before which a notice is given up on (dead).
type DeliveryFailure struct {
	NoticeID int64
	Err      string
	NextAt   time.Time
	GiveUp   time.Time
}
