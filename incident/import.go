package incident

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rules are what a write must satisfy. They differ between a record an
// analyst types in and one a source exported; this file and nowhere else
// decides how.
type rules struct {
	// subEventOptional lets an incident have no sub-event type: ACLED's
	// pre-2019 typology ("Remote violence", "Strategic development") maps
	// onto today's event types, not always onto a sub-event type.
	subEventOptional bool
}

var (
	// handEntered is every write through the API: the full typology.
	handEntered = rules{}
	// imported is every record of an import: what the source knew.
	imported = rules{subEventOptional: true}
)

// AdminMatcher is implemented by Locators that can say whether a reported
// admin-1 name (as exports spell it: "Tillabery", "Tillabéri region")
// names a region. Service flags incidents whose point falls elsewhere.
type AdminMatcher interface {
	SameAdmin1(reported string, r Region) bool
}

// Rejected is an input record that was not imported, and why.
type Rejected struct {
	Record int    `json:"record"` // 1-based, or the line (row) number for CSV and Excel
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// RejectErr is the rejection of record for err, naming the field when err
// does.
func RejectErr(record int, id string, err error) Rejected {
	r := Rejected{Record: record, ID: id, Reason: ErrorMessage(err)}
	if e, ok := err.(*Error); ok {
		// A column's name, for CSV; the same word for GeoJSON.
		r.Field, r.Reason = strings.TrimPrefix(e.Field, "properties."), e.Message
	}
	return r
}

// Deletion is a source's word that an event it published is withdrawn
// (ACLED's deletion list), as of Timestamp (Unix seconds).
type Deletion struct {
	Record    int
	ID        string
	Timestamp int64
}

// ImportResult accounts for every record of an import.
type ImportResult struct {
	New       int `json:"new"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Stale are records older (by the source's timestamp) than what is
	// stored, which they never overwrite.
	Stale   int `json:"stale"`
	Deleted int `json:"deleted"`
	// Admin1Mismatch counts imported incidents whose point lies outside
	// the admin1 the source reported (flag=admin1_mismatch finds them).
	Admin1Mismatch int        `json:"admin1_mismatch"`
	Rejected       []Rejected `json:"rejected"`
}

// ImportOptions are the rules of one import.
type ImportOptions struct {
	// Strict stores nothing when any record is rejected.
	Strict bool
	// Progress, when set, is told how many records are done.
	Progress func(done int)
}

// Changes are the writes of one import, made in one transaction.
type Changes struct {
	Create  []*Incident
	Update  []*Incident
	Deletes []string
}

// Import prepares every incident under the import rules and accounts for
// each record: an id not stored is new; a stored one is updated when the
// source changed it, left alone when not, and never overwritten by an older
// version (the source's timestamp); deletions remove what they name. The
// writes are one transaction. rejected are the records the decoder could
// not read; they are reported with the rest.
func (s *Service) Import(ctx context.Context, ins []*Incident, dels []Deletion, rejected []Rejected, opts ImportOptions) (*ImportResult, error) {
	res := &ImportResult{Rejected: append([]Rejected{}, rejected...)}
	now := s.now()
	ok := make([]*Incident, 0, len(ins))
	first := map[string]int{}
	for i, in := range ins {
		if opts.Progress != nil && i%1000 == 0 {
			opts.Progress(i)
		}
		record := i + 1
		if in.Line > 0 {
			record = in.Line
		}
		if err := s.prepare(in, imported); err != nil {
			res.Rejected = append(res.Rejected, RejectErr(record, in.ID, err))
			continue
		}
		if at, dup := first[in.ID]; dup {
			res.Rejected = append(res.Rejected, Rejected{Record: record, ID: in.ID, Field: "id", Reason: fmt.Sprintf("the id appears twice in the input (first at record %d)", at)})
			continue
		}
		first[in.ID] = record
		ok = append(ok, in)
	}
	if opts.Progress != nil {
		opts.Progress(len(ins))
	}
	ids := make([]string, 0, len(ok)+len(dels))
	for _, in := range ok {
		ids = append(ids, in.ID)
	}
	for _, d := range dels {
		ids = append(ids, d.ID)
	}
	stored, err := s.Store.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	var ch Changes
	for _, in := range ok {
		old := stored[in.ID]
		switch {
		case old == nil:
			if in.CreatedAt.IsZero() {
				in.CreatedAt = now
			}
			in.UpdatedAt = now
			ch.Create = append(ch.Create, in)
			res.New++
		case old.Deleted:
			res.Rejected = append(res.Rejected, Rejected{Record: in.Line, ID: in.ID, Field: "id",
				Reason: fmt.Sprintf("incident %q was deleted here; an admin can bring it back with POST /api/v1/incidents/%s/restore and import again", in.ID, in.ID)})
			continue
		case SourceTimestamp(in) < SourceTimestamp(old):
			res.Stale++
			continue
		case SameContent(in, old):
			res.Unchanged++
			continue
		default:
			in.CreatedAt, in.UpdatedAt = old.CreatedAt, now
			ch.Update = append(ch.Update, in)
			res.Updated++
		}
		if in.Admin1Mismatch {
			res.Admin1Mismatch++
		}
	}
	for _, d := range dels {
		old := stored[d.ID]
		switch {
		case old == nil || old.Deleted:
			res.Unchanged++
		case d.Timestamp < SourceTimestamp(old):
			res.Stale++ // re-published after the deletion
		default:
			ch.Deletes = append(ch.Deletes, d.ID)
			res.Deleted++
		}
	}
	sort.SliceStable(res.Rejected, func(i, j int) bool { return res.Rejected[i].Record < res.Rejected[j].Record })
	if opts.Strict && len(res.Rejected) > 0 {
		r := res.Rejected[0]
		// Nothing is written: the counts say so.
		res.New, res.Updated, res.Deleted, res.Admin1Mismatch = 0, 0, 0, 0
		return res, Errorf(EINVALID, "%d of %d records rejected (first: record %d%s: %s); nothing was imported (strict)", len(res.Rejected), len(ins)+len(dels)+len(rejected), r.Record, idNote(r.ID), fieldReason(r))
	}
	if len(ch.Create)+len(ch.Update)+len(ch.Deletes) > 0 {
		if err := s.Store.Apply(ctx, ch); err != nil {
			return nil, err
		}
		s.changed(ctx, ch.changes(stored)...)
	}
	return res, nil
}

// changes are an import's writes as Changes, before taken from stored.
func (ch Changes) changes(stored map[string]*Incident) []Change {
	out := make([]Change, 0, len(ch.Create)+len(ch.Update)+len(ch.Deletes))
	for _, in := range ch.Create {
		out = append(out, Change{Action: "create", After: in})
	}
	for _, in := range ch.Update {
		out = append(out, Change{Action: "update", Before: stored[in.ID], After: in})
	}
	for _, id := range ch.Deletes {
		out = append(out, Change{Action: "delete", Before: stored[id]})
	}
	return out
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

func fieldReason(r Rejected) string {
	if r.Field == "" {
		return r.Reason
	}
	return r.Field + ": " + r.Reason
}

// SourceTimestamp is when the source last changed the incident: ACLED's
// timestamp column (Unix seconds), 0 when the source gives none.
func SourceTimestamp(in *Incident) int64 {
	switch v := in.Extra["timestamp"].(type) {
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// SameContent says a and b are the same incident, apart from when they
// were stored: a PUT, PATCH or re-import that would store the same content
// writes nothing. Derive and the stores put borders in one order
// (SortBorders), so equal incidents are equal documents. The nearest named
// place is left out: it follows the gazetteer, which grows as incidents
// teach it their places (the first import of a file makes each village a
// place, so importing the file again would find its incidents "updated" to
// lie 0 km from themselves).
func SameContent(a, b *Incident) bool {
	doc := func(in *Incident) []byte {
		c := *in
		c.CreatedAt, c.UpdatedAt, c.StoredJSON, c.DistanceKM, c.PossibleDuplicates = time.Time{}, time.Time{}, nil, nil, nil
		c.Near = nil
		var buf bytes.Buffer
		c.AppendFeature(&buf)
		return buf.Bytes()
	}
	return bytes.Equal(doc(a), doc(b))
}
