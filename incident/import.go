package incident

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/internal/parallel"
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
	// Expected, when set, is asked after the first chunk how many records
	// the whole input holds (an estimate; 0 when it cannot say): a large
	// import into a small database is then a bulk load.
	Expected func() int
	// Phase, when set, is told of each long step after the rows are read
	// ("building indexes"), so a progress bar can name it.
	Phase func(what string)
}

// ImportChunk is part of an import's input, in the input's order.
type ImportChunk struct {
	Incidents []*Incident
	Deletions []Deletion
	// Rejected are the records the decoder could not read.
	Rejected []Rejected
}

// Changes are the writes of one import chunk, made in one transaction.
type Changes struct {
	Create  []*Incident
	Update  []*Incident
	Deletes []string
	// Records is how many input records the changes stand for, those
	// that change nothing included: a store tells a load of new incidents
	// from a re-import by it.
	Records int
}

// ApplyOptions say how Store.ApplyBatches writes.
type ApplyOptions struct {
	// Total is about how many records will come (0: unknown); a store may
	// load many into few as a bulk load, in one transaction.
	Total int
	// Whole makes every batch one transaction: all or none. Otherwise each
	// batch commits on its own (unless the store chose a bulk load).
	Whole bool
	// Phase, when set, is told of the store's long steps.
	Phase func(what string)
	// Committed, when set, is told after each commit how many batches
	// are committed so far.
	Committed func(batches int)
}

// Import prepares every incident under the import rules and accounts for
// each record, as ImportStream does, for an input held whole.
func (s *Service) Import(ctx context.Context, ins []*Incident, dels []Deletion, rejected []Rejected, opts ImportOptions) (*ImportResult, error) {
	done := false
	return s.ImportStream(ctx, func() (*ImportChunk, error) {
		if done {
			return nil, nil
		}
		done = true
		return &ImportChunk{Incidents: ins, Deletions: dels, Rejected: rejected}, nil
	}, opts)
}

// ImportStream imports what next returns, a chunk at each call until nil.
// Every incident is prepared under the import rules and each record
// accounted for: an id not stored is new; a stored one is updated when the
// source changed it, left alone when not, and never overwritten by an
// older version (the source's timestamp); deletions remove what they name.
//
// It is a pipeline: while the store writes one chunk, the next is read and
// prepared (on every core: reverse geocoding is most of it), so memory is
// a few chunks whatever the size of the input. Each chunk is one
// transaction, so an import cut short leaves whole chunks, and running it
// again finishes it (what is in is then unchanged). Strict imports are one
// transaction for the whole input, rolled back at its end when any record
// was rejected: only then is it known, and reading the input twice is not
// possible for an upload. A large import into a small database may be one
// transaction too (the store's bulk load). An error of the input itself
// (an unclosed quote) ends the import; it says what was imported before.
func (s *Service) ImportStream(ctx context.Context, next func() (*ImportChunk, error), opts ImportOptions) (*ImportResult, error) {
	first, err := next()
	if err != nil {
		if ErrorCode(err) == EINVALID { // the input's fault, before any of it was stored
			err = withNote(err, "nothing was imported")
		}
		return nil, err
	}
	run := &importRun{s: s, ctx: context.WithoutCancel(ctx), opts: opts, now: s.now(), res: &ImportResult{Rejected: []Rejected{}}, seen: map[uint64]int32{}, seed: maphash.MakeSeed()}
	total := 0
	if first != nil {
		total = len(first.Incidents) + len(first.Deletions)
		if opts.Expected != nil {
			total = max(total, opts.Expected())
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	steps := make(chan importStep)
	go run.produce(ctx, first, next, steps)
	err = s.Store.ApplyBatches(ctx, ApplyOptions{Total: total, Whole: opts.Strict, Phase: opts.Phase, Committed: run.committed}, func() (*Changes, error) {
		st, ok := <-steps
		switch {
		case !ok:
			return nil, run.strictErr()
		case st.err != nil:
			return nil, st.err
		}
		return st.changes, nil
	})
	cancel()
	for range steps { // the producer has stopped once steps is closed
	}
	res := run.res
	sort.SliceStable(res.Rejected, func(i, j int) bool { return res.Rejected[i].Record < res.Rejected[j].Record })
	if err != nil {
		if opts.Strict || run.stored == 0 {
			res.New, res.Updated, res.Deleted, res.Admin1Mismatch = 0, 0, 0, 0
			if _, strict := err.(strictError); strict {
				return res, err.(strictError).err
			}
			return res, withNote(err, "nothing was imported")
		}
		res.New, res.Updated, res.Deleted, res.Admin1Mismatch = run.storedRes.New, run.storedRes.Updated, run.storedRes.Deleted, run.storedRes.Admin1Mismatch
		return res, withNote(err, fmt.Sprintf("the records before it were imported (new %d, updated %d, deleted %d) and stay: fix the input and import it again, which leaves them alone and imports the rest", res.New, res.Updated, res.Deleted))
	}
	return res, nil
}

// withNote adds what happened to the import to err's message.
func withNote(err error, note string) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Message += "; " + note
		return &c
	}
	return fmt.Errorf("%w; %s", err, note)
}

// strictError ends a strict import that had rejections.
type strictError struct{ err error }

func (e strictError) Error() string { return e.err.Error() }

// importStep is a chunk ready to store, or the error that ended the input.
type importStep struct {
	changes *Changes
	err     error
}

// importRun is one import's state: the result, the ids seen so far (by a
// 64-bit hash, 16 bytes a record: a duplicate's first line is named), and
// the changes told to OnChange once committed.
type importRun struct {
	s       *Service
	ctx     context.Context // for OnChange: who imports
	opts    ImportOptions
	now     time.Time
	records int

	mu        sync.Mutex
	res       *ImportResult
	seen      map[uint64]int32
	seed      maphash.Seed
	pending   [][]Change     // per batch, until committed (only with OnChange)
	counts    []ImportResult // new/updated/deleted per batch, until committed
	storedRes ImportResult   // new/updated/deleted of the committed batches
	stored    int            // batches committed
}

// produce prepares each chunk and sends its changes, then closes steps.
func (r *importRun) produce(ctx context.Context, chunk *ImportChunk, next func() (*ImportChunk, error), steps chan<- importStep) {
	defer close(steps)
	for chunk != nil {
		ch, err := r.chunk(ctx, chunk)
		select {
		case steps <- importStep{ch, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		if chunk, err = next(); err != nil {
			select {
			case steps <- importStep{err: err}:
			case <-ctx.Done():
			}
			return
		}
	}
}

// chunk prepares a chunk's incidents and decides what each record does.
func (r *importRun) chunk(ctx context.Context, c *ImportChunk) (*Changes, error) {
	s, res := r.s, r.res
	errs := r.prepare(c.Incidents)
	r.mu.Lock()
	res.Rejected = append(res.Rejected, c.Rejected...)
	r.mu.Unlock()
	ok := make([]*Incident, 0, len(c.Incidents))
	ids := make([]string, 0, len(c.Incidents)+len(c.Deletions))
	var rejected []Rejected
	for i, in := range c.Incidents {
		record := r.records + i + 1
		if in.Line > 0 {
			record = in.Line
		}
		if errs[i] != nil {
			rejected = append(rejected, RejectErr(record, in.ID, errs[i]))
			continue
		}
		h := maphash.String(r.seed, in.ID)
		if at, dup := r.seen[h]; dup {
			rejected = append(rejected, Rejected{Record: record, ID: in.ID, Field: "id", Reason: fmt.Sprintf("the id appears twice in the input (first at record %d)", at)})
			continue
		}
		r.seen[h] = int32(record)
		ok = append(ok, in)
		ids = append(ids, in.ID)
	}
	r.records += len(c.Incidents) + len(c.Deletions) + len(c.Rejected)
	for _, d := range c.Deletions {
		ids = append(ids, d.ID)
	}
	stored, err := s.Store.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	ch := Changes{Records: len(c.Incidents) + len(c.Deletions)}
	var n ImportResult
	for _, in := range ok {
		old := stored[in.ID]
		switch {
		case old == nil:
			if in.CreatedAt.IsZero() {
				in.CreatedAt = r.now
			}
			in.UpdatedAt = r.now
			ch.Create = append(ch.Create, in)
			n.New++
		case old.Deleted:
			rejected = append(rejected, Rejected{Record: in.Line, ID: in.ID, Field: "id",
				Reason: fmt.Sprintf("incident %q was deleted here; an admin can bring it back with POST /api/v1/incidents/%s/restore and import again", in.ID, in.ID)})
			continue
		case SourceTimestamp(in) < SourceTimestamp(old):
			n.Stale++
			continue
		case SameContent(in, old):
			n.Unchanged++
			continue
		default:
			in.CreatedAt, in.UpdatedAt = old.CreatedAt, r.now
			ch.Update = append(ch.Update, in)
			n.Updated++
		}
		if in.Admin1Mismatch {
			n.Admin1Mismatch++
		}
	}
	for _, d := range c.Deletions {
		old := stored[d.ID]
		switch {
		case old == nil || old.Deleted:
			n.Unchanged++
		case d.Timestamp < SourceTimestamp(old):
			n.Stale++ // re-published after the deletion
		default:
			ch.Deletes = append(ch.Deletes, d.ID)
			n.Deleted++
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Rejected = append(res.Rejected, rejected...)
	res.New, res.Updated, res.Unchanged, res.Stale, res.Deleted = res.New+n.New, res.Updated+n.Updated, res.Unchanged+n.Unchanged, res.Stale+n.Stale, res.Deleted+n.Deleted
	res.Admin1Mismatch += n.Admin1Mismatch
	r.counts = append(r.counts, n)
	if s.OnChange != nil {
		r.pending = append(r.pending, ch.changes(stored))
	}
	if r.opts.Progress != nil {
		r.opts.Progress(r.records)
	}
	if r.opts.Strict && len(res.Rejected) > 0 {
		return &Changes{}, nil // nothing more is written: the transaction will be rolled back
	}
	return &ch, nil
}

// prepare prepares incidents on every core and returns each one's error:
// reverse geocoding is most of an import's work outside the store.
func (r *importRun) prepare(ins []*Incident) []error {
	errs := make([]error, len(ins))
	parallel.For(len(ins), 64, func(i int) { errs[i] = r.s.prepare(ins[i], imported) })
	return errs
}

// committed tells OnChange of the batches committed since it was last told.
func (r *importRun) committed(batches int) {
	r.mu.Lock()
	var chs []Change
	for ; r.stored < batches && len(r.counts) > 0; r.stored++ {
		n := r.counts[0]
		r.counts = r.counts[1:]
		r.storedRes.New += n.New
		r.storedRes.Updated += n.Updated
		r.storedRes.Deleted += n.Deleted
		r.storedRes.Admin1Mismatch += n.Admin1Mismatch
		if len(r.pending) > 0 {
			chs = append(chs, r.pending[0]...)
			r.pending = r.pending[1:]
		}
	}
	r.mu.Unlock()
	r.s.changed(r.ctx, chs...)
}

// strictErr is the error that ends a strict import with rejections (the
// store then rolls back), nil otherwise.
func (r *importRun) strictErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.res
	if !r.opts.Strict || len(res.Rejected) == 0 {
		return nil
	}
	sort.SliceStable(res.Rejected, func(i, j int) bool { return res.Rejected[i].Record < res.Rejected[j].Record })
	f := res.Rejected[0]
	return strictError{Errorf(EINVALID, "%d of %d records rejected (first: record %d%s: %s); nothing was imported (strict)", len(res.Rejected), r.records, f.Record, idNote(f.ID), fieldReason(f))}
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
