package postgis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/paulmach/orb"
)

// incidentCols are the incidents table's columns a write sets, in the
// order of row's values (geog is generated from lon and lat).
var incidentCols = []string{"seq", "id", "event_date", "event_type", "sub_event_type", "region_code", "country",
	"admin1_key", "admin2_key", "admin1_mismatch", "fatalities", "lon", "lat", "cell", "d_any", "search",
	"created_ns", "updated_ns"}

// cellOf is the cell of the incident whose document row doc is, among
// rows (row's values) numbered from rows[0]'s seq on.
func cellOf(rows [][]any, doc []any) int64 {
	return rows[doc[0].(int64)-rows[0][0].(int64)][cellCol].(int64)
}

// cellCol is the index of cell in incidentCols.
var cellCol = slices.Index(incidentCols, "cell")

// row is the incidents table's values for an incident stored as seq, and
// its stored document.
func row(seq int64, in *incident.Incident) (vals []any, doc string) {
	b, _ := in.MarshalJSON()
	doc = string(b)
	region, country, dAny := derived(in)
	return []any{seq, in.ID, in.EventDate, in.EventType, in.SubEventType, region, country,
		geo.NameKey(in.Admin1), geo.NameKey(in.Admin2), in.Admin1Mismatch, in.Fatalities, in.Lon, in.Lat,
		geo.CellKey(orb.Point{in.Lon, in.Lat}), dAny, searchVector(in),
		in.CreatedAt.UnixNano(), in.UpdatedAt.UnixNano()}, doc
}

// derived is the columns of the geography's that may be absent: the
// region's code, the country, the distance to the nearest border.
func derived(in *incident.Incident) (region, country, dAny any) {
	if in.Region != nil {
		region = in.Region.Code
	}
	if in.Country != nil {
		country = *in.Country
	}
	if d, ok := in.BorderKM("any"); ok {
		dAny = d
	}
	return region, country, dAny
}

// maxLexeme is the longest word a tsvector holds (bytes); longer ones are
// cut, so a query word up to that length still finds them as a prefix.
const maxLexeme = 2046

// clipWord cuts a word to maxLexeme bytes, at a character's start.
func clipWord(w string) string {
	if len(w) <= maxLexeme {
		return w
	}
	cut := maxLexeme
	for cut > 0 && w[cut]&0xC0 == 0x80 { // w[cut] continues a character
		cut--
	}
	return w[:cut]
}

// searchVector is the incident's search words (incident.SearchWords, the
// words Filter.Match compares) as a tsvector of plain lexemes, sorted and
// unique as PostgreSQL keeps them: no text-search parser or dictionary
// sits between them and a query.
func searchVector(in *incident.Incident) pgtype.TSVector {
	words := incident.SearchWords(incident.SearchText(in))
	for i, w := range words {
		words[i] = clipWord(w)
	}
	slices.Sort(words)
	words = slices.Compact(words)
	v := pgtype.TSVector{Valid: true, Lexemes: make([]pgtype.TSVectorLexeme, len(words))}
	for i, w := range words {
		v.Lexemes[i].Word = w
	}
	return v
}

// Create implements incident.Store.
func (db *DB) Create(ctx context.Context, in *incident.Incident) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.insert(ctx, tx, []*incident.Incident{in}) })
}

// CreateManyWithMeta stores incidents and sets a meta key in one
// transaction: the seed loader uses it so seeding happens exactly once,
// however many servers start together.
func (db *DB) CreateManyWithMeta(ctx context.Context, ins []*incident.Incident, key, value string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var set bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM meta WHERE key = $1)", key).Scan(&set); err != nil || set {
			return err // another server did it first
		}
		if err := db.createBatches(ctx, tx, once(ins)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2)", key, value)
		return err
	})
}

// Meta returns a value of the meta table ("" when unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, db.fail("meta", err)
}

// insert stores incidents in tx with their border rows and revisions:
// three COPYs, whatever their number (a statement per row made a load of
// a million take minutes).
func (db *DB) insert(ctx context.Context, tx pgx.Tx, ins []*incident.Incident) error {
	// Row numbers come first, so border rows can name their incident: a
	// run of them taken at once (a nextval a row was 7 µs of the ~100 µs
	// a bulk load spends on an incident). Every insert holds the write
	// lock (inTx), so no other takes numbers from the sequence meanwhile.
	var last int64
	if err := tx.QueryRow(ctx, "SELECT setval(s, nextval(s) + $1 - 1) FROM pg_get_serial_sequence('incidents', 'seq') AS s", len(ins)).Scan(&last); err != nil {
		return err
	}
	seqs := make([]int64, len(ins))
	for i := range seqs {
		seqs[i] = last - int64(len(ins)) + 1 + int64(i)
	}
	actor, at := incident.ActorFrom(ctx), db.Now().UTC()
	inc := make([][]any, len(ins))
	docs := make([][]any, len(ins))
	revs := make([][]any, len(ins))
	var borders [][]any
	for i, in := range ins {
		var doc string
		inc[i], doc = row(seqs[i], in)
		docs[i] = []any{seqs[i], doc}
		revs[i] = []any{in.ID, "create", actor, at}
		for _, b := range stored.BorderRows(in) {
			borders = append(borders, []any{seqs[i], b.Key, b.KM})
		}
	}
	// A savepoint, to read after a taken id which one it was: in the
	// transaction, which may hold the tables locked (a bulk load).
	if _, err := tx.Exec(ctx, "SAVEPOINT copy_incidents"); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incidents"}, incidentCols, pgx.CopyFromRows(inc)); err != nil {
		if isUniqueViolation(err) {
			if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT copy_incidents"); rerr != nil {
				return rerr
			}
			return conflict(ctx, tx, ins)
		}
		return err
	}
	// Documents are written in cell order: a box's page fetches its
	// documents by seq, and neighbours in one batch then share heap pages
	// (a batch of 20,000 in a million puts about twenty of a page of 1,000
	// together, where in the batch's order each was a page of its own).
	slices.SortFunc(docs, func(a, b []any) int { return cmp.Compare(cellOf(inc, a), cellOf(inc, b)) })
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incident_docs"}, []string{"seq", "doc"}, pgx.CopyFromRows(docs)); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incident_borders"}, []string{"seq", "key", "km"}, pgx.CopyFromRows(borders)); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"revisions"}, []string{"incident_id", "action", "actor", "at"}, pgx.CopyFromRows(revs))
	return err
}

// conflict explains which of ins could not be stored for its id: it is
// taken (by a live or a deleted incident), or given twice.
func conflict(ctx context.Context, tx pgx.Tx, ins []*incident.Incident) error {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	var id string
	var deleted bool
	err := tx.QueryRow(ctx, "SELECT id, deleted_ns IS NOT NULL FROM incidents WHERE id = ANY($1) ORDER BY id LIMIT 1", ids).Scan(&id, &deleted)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		seen := map[string]bool{}
		for _, i := range ids {
			if seen[i] {
				id = i
				break
			}
			seen[i] = true
		}
		return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("id %q is given to two incidents; ids must be unique", id)}
	case err != nil:
		return err
	case deleted:
		return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("incident %q was deleted; an admin can bring it back with POST /api/v1/incidents/%s/restore, or use another id", id, id)}
	}
	return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("an incident with id %q exists; PUT /api/v1/incidents/%s to replace it", id, id)}
}

// revise records a change in the history, in the change's transaction.
func (db *DB) revise(ctx context.Context, tx pgx.Tx, id, action string, before, after *string) error {
	_, err := tx.Exec(ctx, "INSERT INTO revisions (incident_id, action, actor, at, before, after) VALUES ($1, $2, $3, $4, $5, $6)",
		id, action, incident.ActorFrom(ctx), db.Now().UTC(), before, after)
	return err
}

// live locks the live incident id in tx and returns its row number and
// document; ENOTFOUND when there is none.
func live(ctx context.Context, tx pgx.Tx, id string) (seq int64, doc string, err error) {
	err = tx.QueryRow(ctx, "SELECT i.seq, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = $1 AND i.deleted_ns IS NULL FOR UPDATE OF i", id).Scan(&seq, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", notFound(id)
	}
	return seq, doc, err
}

func notFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no incident with id %q", id)
}

// Replace implements incident.Store.
func (db *DB) Replace(ctx context.Context, in *incident.Incident) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.update(ctx, tx, in) })
}

// update overwrites the live incident in.ID in tx, with its border rows,
// recording the revision.
func (db *DB) update(ctx context.Context, tx pgx.Tx, in *incident.Incident) error {
	seq, before, err := live(ctx, tx, in.ID)
	if err != nil {
		return err
	}
	vals, doc := row(seq, in)
	set := ""
	for i, c := range incidentCols[1:] {
		if i > 0 {
			set += ", "
		}
		set += fmt.Sprintf("%s = $%d", c, i+2)
	}
	if _, err := tx.Exec(ctx, "UPDATE incidents SET "+set+" WHERE seq = $1", vals...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE incident_docs SET doc = $1 WHERE seq = $2", doc, seq); err != nil {
		return err
	}
	if err := replaceBorders(ctx, tx, seq, in, true); err != nil {
		return err
	}
	return db.revise(ctx, tx, in.ID, "update", &before, &doc)
}

// replaceBorders writes the border rows of the incident stored as seq
// anew; live is false for a deleted one's.
func replaceBorders(ctx context.Context, tx pgx.Tx, seq int64, in *incident.Incident, live bool) error {
	if _, err := tx.Exec(ctx, "DELETE FROM incident_borders WHERE seq = $1", seq); err != nil {
		return err
	}
	var keys []string
	var kms []float64
	for _, b := range stored.BorderRows(in) {
		keys, kms = append(keys, b.Key), append(kms, b.KM)
	}
	_, err := tx.Exec(ctx, "INSERT INTO incident_borders (seq, key, km, live) SELECT $1, unnest($2::text[]), unnest($3::float8[]), $4", seq, keys, kms, live)
	return err
}

// Delete implements incident.Store. Deletes are soft: the incident leaves
// every listing (but a sync listing's deletion markers) and stays in the
// history, and an admin can restore it.
func (db *DB) Delete(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.remove(ctx, tx, id) })
}

func (db *DB) remove(ctx context.Context, tx pgx.Tx, id string) error {
	seq, before, err := live(ctx, tx, id)
	if err != nil {
		return err
	}
	now := db.Now().UnixNano()
	if _, err := tx.Exec(ctx, "UPDATE incidents SET deleted_ns = $1, updated_ns = $1 WHERE seq = $2", now, seq); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE incident_borders SET live = false WHERE seq = $1", seq); err != nil {
		return err
	}
	return db.revise(ctx, tx, id, "delete", &before, nil)
}

// Restore implements incident.History: it brings back a deleted incident.
func (db *DB) Restore(ctx context.Context, id string) (*incident.Incident, error) {
	var doc string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		var deleted *int64
		err := tx.QueryRow(ctx, "SELECT i.seq, i.deleted_ns, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = $1 FOR UPDATE OF i", id).Scan(&seq, &deleted, &doc)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		if deleted == nil {
			return incident.Errorf(incident.ECONFLICT, "incident %q is not deleted", id)
		}
		// Coming back is a write, in the document too: a sync listing
		// brings the incident again, and its updated_at says when.
		in, err := stored.Decode([]byte(doc))
		if err != nil {
			return err
		}
		in.UpdatedAt = db.Now().UTC()
		b, _ := in.MarshalJSON()
		doc = string(b)
		if _, err := tx.Exec(ctx, "UPDATE incidents SET deleted_ns = NULL, updated_ns = $1 WHERE seq = $2", in.UpdatedAt.UnixNano(), seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE incident_docs SET doc = $1 WHERE seq = $2", doc, seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE incident_borders SET live = true WHERE seq = $1", seq); err != nil {
			return err
		}
		return db.revise(ctx, tx, id, "restore", nil, &doc)
	})
	if err != nil {
		return nil, err
	}
	return stored.Decode([]byte(doc))
}

// Apply implements incident.Store: the creates go in as CreateMany's do,
// then each update and delete, with its revision, all in one transaction.
func (db *DB) Apply(ctx context.Context, ch incident.Changes) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return db.apply(ctx, tx, &ch) })
}

func (db *DB) apply(ctx context.Context, tx pgx.Tx, ch *incident.Changes) error {
	if len(ch.Create) > 0 {
		if err := db.insert(ctx, tx, ch.Create); err != nil {
			return err
		}
	}
	for _, in := range ch.Update {
		if err := db.update(ctx, tx, in); err != nil {
			return err
		}
	}
	for _, id := range ch.Deletes {
		if err := db.remove(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// ApplyBatches implements incident.Store: each batch in a transaction of
// its own, or all in one with opts.Whole or for a bulk load (opts.Total at
// least bulkMin and at least as many as are stored: indexes dropped and
// built again, as CreateBatches does).
func (db *DB) ApplyBatches(ctx context.Context, opts incident.ApplyOptions, next func() (*incident.Changes, error)) error {
	var stored int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM incidents").Scan(&stored); err != nil {
		return db.fail("apply", err)
	}
	bulk := opts.Total >= bulkMin && opts.Total >= stored
	if !bulk && !opts.Whole {
		for n := 1; ; n++ {
			ch, err := next()
			if err != nil || ch == nil {
				return err
			}
			if err := db.inTx(ctx, func(tx pgx.Tx) error { return db.apply(ctx, tx, ch) }); err != nil {
				return err
			}
			if opts.Committed != nil {
				opts.Committed(n)
			}
		}
	}
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		finish := func() error { return nil }
		if bulk {
			var err error
			if finish, err = bulkLoad(ctx, tx); err != nil {
				return err
			}
		}
		for {
			ch, err := next()
			if err != nil {
				return err
			}
			if ch == nil {
				break
			}
			if err := db.apply(ctx, tx, ch); err != nil {
				return err
			}
			n++
		}
		if bulk && opts.Phase != nil {
			opts.Phase("building indexes")
		}
		return finish()
	})
	if err != nil {
		return err
	}
	if bulk {
		if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE incidents, incident_borders"); err != nil {
			return db.fail("vacuum", err)
		}
	}
	if opts.Committed != nil {
		opts.Committed(n)
	}
	return nil
}

// unixTime reads nanoseconds since 1970 back as a time in UTC.
func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// Merge implements incident.Merger: the survivor's update and the other
// incident's deletion in one transaction, both revisions noted.
func (db *DB) Merge(ctx context.Context, survivor *incident.Incident, goneID, note string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := db.update(ctx, tx, survivor); err != nil {
			return err
		}
		if err := noteLast(ctx, tx, survivor.ID, note); err != nil {
			return err
		}
		if err := db.remove(ctx, tx, goneID); err != nil {
			return err
		}
		return noteLast(ctx, tx, goneID, note)
	})
}

// noteLast puts a note on the newest revision of incident id, the one the
// change just made in tx recorded.
func noteLast(ctx context.Context, tx pgx.Tx, id, note string) error {
	_, err := tx.Exec(ctx, "UPDATE revisions SET note = $1 WHERE seq = (SELECT max(seq) FROM revisions WHERE incident_id = $2)", note, id)
	return err
}
