package sqlite

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
)

// What an import needs of the store: the stored versions of the ids it
// brings, and its creates, updates and deletes in one transaction.

// flag bits of the flags column (migration 0012).
var flagBit = map[string]int64{incident.FlagAdmin1Mismatch: 1}

func flagBits(in *incident.Incident) int64 {
	var b int64
	if in.Admin1Mismatch {
		b |= flagBit[incident.FlagAdmin1Mismatch]
	}
	return b
}

func flagMask(flags []string) int64 {
	var m int64
	for _, f := range flags {
		m |= flagBit[f]
	}
	return m
}

func nameKeys(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, geo.NameKey(n))
	}
	return out
}

// adminIndexSQL index the reported admin names and the flags (migration
// 0012), live incidents only.
var adminIndexSQL = []string{
	"CREATE INDEX incidents_admin1 ON incidents (admin1_key, event_date) WHERE deleted_at IS NULL",
	"CREATE INDEX incidents_admin2 ON incidents (admin2_key, event_date) WHERE deleted_at IS NULL",
	"CREATE INDEX incidents_flags ON incidents (flags) WHERE flags != 0 AND deleted_at IS NULL",
}

// fillAdminNames sets the admin keys of stored incidents from their
// documents (flags start at 0: the mismatch is derived on the next write),
// then indexes them.
func fillAdminNames(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT i.seq, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq")
	if err != nil {
		return err
	}
	type keys struct {
		seq    int64
		a1, a2 string
	}
	var all []keys
	for rows.Next() {
		var k keys
		var doc []byte
		if err := rows.Scan(&k.seq, &doc); err != nil {
			rows.Close()
			return err
		}
		in, err := decode(doc)
		if err != nil {
			rows.Close()
			return err
		}
		k.a1, k.a2 = geo.NameKey(in.Admin1), geo.NameKey(in.Admin2)
		all = append(all, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(all) > 10000 {
		slog.Info("sqlite: one-time upgrade: indexing incidents by reported admin1 and admin2", "incidents", len(all))
	}
	st, err := tx.PrepareContext(ctx, "UPDATE incidents SET admin1_key = ?, admin2_key = ? WHERE seq = ?")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, k := range all {
		if _, err := st.ExecContext(ctx, k.a1, k.a2, k.seq); err != nil {
			return err
		}
	}
	for _, q := range adminIndexSQL {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// GetMany implements incident.Store, a few hundred ids to a query.
func (db *DB) GetMany(ctx context.Context, ids []string) (map[string]*incident.Incident, error) {
	out := map[string]*incident.Incident{}
	err := db.queryIDs(ctx, "get many", "SELECT i.id, i.deleted_at IS NOT NULL, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id IN (%s)", ids, func(rows *sql.Rows) error {
		var id string
		var deleted bool
		var doc []byte
		if err := rows.Scan(&id, &deleted, &doc); err != nil {
			return err
		}
		in, err := decode(doc)
		if err != nil {
			return err
		}
		in.Deleted = deleted
		out[id] = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Apply implements incident.Store: the creates go in as CreateMany's do
// (a bulk load when they outnumber what is stored), then each update and
// delete, with its revision, all in one transaction.
func (db *DB) Apply(ctx context.Context, ch incident.Changes) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if len(ch.Create) > 0 {
			done := false
			err := db.createBatches(ctx, tx, len(ch.Create), func() ([]*incident.Incident, error) {
				if done {
					return nil, nil
				}
				done = true
				return ch.Create, nil
			})
			if err != nil {
				return err
			}
		}
		return db.applyRest(ctx, tx, ch)
	})
}

// applyRest makes the updates and deletes of ch in tx.
func (db *DB) applyRest(ctx context.Context, tx *sql.Tx, ch incident.Changes) error {
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

// fetched is a batch of changes with its creates encoded.
type fetched struct {
	ch   *incident.Changes
	rows []encoded
	err  error
}

// ApplyBatches implements incident.Store. A load of many new incidents into
// few (opts.Total at least bulkMin and at least as many as are stored, and
// the first batch mostly new) is a bulk load: one transaction, the indexes
// dropped and built again at the end (bulkLoad), which took 13 s for 100,000
// rows where inserting them with the indexes in place took 31 s. Otherwise
// each batch is a transaction of its own, unless opts.Whole, with its
// statements prepared once. While a batch is written, the next is fetched
// and its documents encoded on another goroutine.
func (db *DB) ApplyBatches(ctx context.Context, opts incident.ApplyOptions, next func() (*incident.Changes, error)) error {
	ctx, cancel := context.WithCancel(ctx)
	feed := make(chan fetched)
	go func() {
		defer close(feed)
		for {
			ch, err := next()
			f := fetched{ch: ch, err: err}
			if ch != nil {
				f.rows = encode(ch.Create)
			}
			select {
			case feed <- f:
			case <-ctx.Done():
				return
			}
			if ch == nil || err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range feed { // the fetcher has stopped once feed is closed
		}
	}()
	first := <-feed
	if first.err != nil || first.ch == nil {
		return first.err
	}
	var stored int64
	if err := db.read.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM incidents").Scan(&stored); err != nil {
		return err
	}
	bulk := opts.Total >= bulkMin && int64(opts.Total) >= stored && 2*len(first.ch.Create) >= first.ch.Records
	if !bulk && !opts.Whole {
		for f, n := first, 1; ; f, n = <-feed, n+1 {
			if f.err != nil || f.ch == nil {
				return f.err
			}
			err := db.inTx(ctx, func(tx *sql.Tx) error {
				ex := newStmtCache(tx)
				defer ex.close()
				return db.applyBatch(ctx, tx, ex, f, "incident_borders", nil)
			})
			if err != nil {
				return err
			}
			if opts.Committed != nil {
				opts.Committed(n)
			}
		}
	}
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ex := newStmtCache(tx)
		defer ex.close()
		finish, borders, counts := func() error { return nil }, "incident_borders", tally(nil)
		if bulk {
			var seq int64
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) + 1 FROM incidents").Scan(&seq); err != nil {
				return err
			}
			counts = tally{}
			var err error
			if finish, err = bulkLoad(ctx, tx, seq, counts); err != nil {
				return err
			}
			borders = bordersLoadTable
		}
		for f := first; ; f = <-feed {
			if f.err != nil {
				return f.err
			}
			if f.ch == nil {
				break
			}
			if err := db.applyBatch(ctx, tx, ex, f, borders, counts); err != nil {
				return err
			}
			n++
		}
		if bulk && opts.Phase != nil {
			opts.Phase("building indexes")
		}
		return finish()
	})
	if err == nil && opts.Committed != nil {
		opts.Committed(n)
	}
	return err
}

// applyBatch makes one batch's changes in tx: its creates with row ids
// after the highest stored, border rows into borders.
func (db *DB) applyBatch(ctx context.Context, tx *sql.Tx, ex execer, f fetched, borders string, counts tally) error {
	if len(f.rows) > 0 {
		var seq int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) + 1 FROM incidents").Scan(&seq); err != nil {
			return err
		}
		if err := db.insertMany(ctx, tx, ex, f.rows, seq, borders, counts); err != nil {
			return err
		}
	}
	return db.applyRest(ctx, tx, *f.ch)
}
