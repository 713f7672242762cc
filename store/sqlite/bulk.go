// Bulk loads: CreateMany and CreateBatches put rows in 100 to a
// statement through prepared statements, and a load large enough drops the
// secondary indexes and insert triggers, then rebuilds them and the rollups
// by sorting (bulkLoad): bulk loads are dominated by per-statement
// overhead, and a B-tree built by sorting beats one grown row by row.

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/parallel"
)

// CreateMany implements incident.Store. Rows go in 100 to a statement, with
// row ids assigned here so the documents can follow in the same way: bulk
// loads are dominated by per-statement overhead.
//
// A load of at least bulkMin incidents, and at least as many as are stored
// already, is a bulk load: in the same transaction, the secondary indexes and
// the insert triggers are dropped, the rows go in, the indexes are built
// again by sorting, and the rollup, the counts and the full-text index are
// brought up to date by one grouped statement each (bulkLoad).
func (db *DB) CreateMany(ctx context.Context, ins []*incident.Incident) error {
	done := false
	return db.CreateBatches(ctx, len(ins), func() ([]*incident.Incident, error) {
		if done {
			return nil, nil
		}
		done = true
		return ins, nil
	})
}

// CreateBatches stores the incidents that next returns, a batch at each call
// until an empty one, all or none, in one transaction; so a load of any size
// needs memory for one batch. total is how many there will be (a bulk load
// when large, as for CreateMany). The transaction holds the write lock:
// other writers wait for it, or give up after the busy timeout.
func (db *DB) CreateBatches(ctx context.Context, total int, next func() ([]*incident.Incident, error)) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.createBatches(ctx, tx, total, next) })
}

func (db *DB) createBatches(ctx context.Context, tx *sql.Tx, total int, next func() ([]*incident.Incident, error)) error {
	var first int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) + 1 FROM incidents").Scan(&first); err != nil {
		return err
	}
	finish := func() error { return nil }
	borders := "incident_borders"
	var counts tally
	if total >= bulkMin && int64(total) >= first-1 {
		var err error
		counts = tally{}
		if finish, err = bulkLoad(ctx, tx, first, counts); err != nil {
			return err
		}
		borders = bordersLoadTable
	}
	seq := first
	ex := newStmtCache(tx)
	defer ex.close()
	for {
		ins, err := next()
		if err != nil {
			return err
		}
		if len(ins) == 0 {
			return finish()
		}
		if err := db.insertMany(ctx, tx, ex, encode(ins), seq, borders, counts); err != nil {
			return err
		}
		seq += int64(len(ins))
	}
}

// encoded is an incident with its columns, search text and document, made
// before the writer needs them (on another core, during a bulk load).
type encoded struct {
	in     *incident.Incident
	args   []any
	search string
	doc    []byte
}

// encode computes the columns of incidents on every core, in date order:
// inserts into the date-led indexes then touch neighbouring pages instead
// of pages all over the index.
func encode(ins []*incident.Incident) []encoded {
	ins = slices.Clone(ins)
	slices.SortStableFunc(ins, func(a, b *incident.Incident) int { return strings.Compare(a.EventDate, b.EventDate) })
	out := make([]encoded, len(ins))
	parallel.For(len(ins), 256, func(i int) {
		e := &out[i]
		e.in = ins[i]
		e.args, e.search, e.doc = columns(ins[i])
	})
	return out
}

// insertMany inserts incidents with row ids from next on, their border
// rows into the table borders (counted in counts, for a bulk load). ex runs
// the statements (prepared once per transaction, when it caches them).
func (db *DB) insertMany(ctx context.Context, tx *sql.Tx, ex execer, rows []encoded, next int64, borders string, counts tally) error {
	actor, at := incident.ActorFrom(ctx), db.Now().UTC().Format(time.RFC3339Nano)
	const chunk = 100
	part := make([]*incident.Incident, 0, chunk)
	for lo := 0; lo < len(rows); lo += chunk {
		enc := rows[lo:min(lo+chunk, len(rows))]
		part = part[:0]
		vals := make([]any, 0, len(enc)*18)
		revs := make([]any, 0, len(enc)*3)
		docs := make([]any, 0, len(enc)*2)
		texts := make([]any, 0, len(enc)*2)
		seqs := make([]int64, len(enc))
		for i, e := range enc {
			seq := next + int64(lo+i)
			seqs[i] = seq
			part = append(part, e.in)
			vals = append(append(vals, seq), e.args...)
			revs = append(revs, e.in.ID, actor, at)
			docs = append(docs, seq, e.doc)
			texts = append(texts, seq, e.search)
		}
		if _, err := ex.ExecContext(ctx, insertManySQL(len(enc)), vals...); err != nil {
			if isConstraint(err) {
				for _, in := range part { // find the one, for its explanatory error
					if err := db.insert(ctx, tx, in); err != nil {
						return err
					}
				}
			}
			return fmt.Errorf("sqlite: insert: %w", err)
		}
		if _, err := ex.ExecContext(ctx, "INSERT INTO incident_docs (seq, doc) VALUES "+valueRows(len(enc), 2), docs...); err != nil {
			return err
		}
		if _, err := ex.ExecContext(ctx, "INSERT INTO incident_search (seq, search) VALUES "+valueRows(len(enc), 2), texts...); err != nil {
			return err
		}
		if err := insertBordersInto(ctx, ex, borders, seqs, part, true, counts); err != nil {
			return err
		}
		if _, err := ex.ExecContext(ctx, "INSERT INTO revisions (incident_id, action, actor, at) VALUES "+strings.TrimSuffix(strings.Repeat("(?, 'create', ?, ?),", len(enc)), ","), revs...); err != nil {
			return err
		}
	}
	return nil
}

// execer runs statements: a transaction, or a cache of its prepared ones.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// stmtCache prepares each statement once per transaction: a bulk load runs
// the same few (100 rows to an INSERT) thousands of times, and parsing
// them again each time was 7% of an import's time.
type stmtCache struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

func newStmtCache(tx *sql.Tx) *stmtCache { return &stmtCache{tx: tx, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok := c.m[query]
	if !ok {
		var err error
		if st, err = c.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		c.m[query] = st
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) close() {
	for _, st := range c.m {
		st.Close()
	}
}

// bulkMin is the smallest load CreateMany treats as a bulk load (a variable
// for tests).
var bulkMin = 10000

// bulkLoad prepares tx, in which incidents with row ids from next on are
// about to be inserted, for a bulk load: it drops the secondary indexes of
// incidents and revisions and the triggers that fire on insert. finish, run
// after the inserts, builds the indexes again, adds the new rows to the daily
// rollup (migration 0005), the counts (0008, 0021) and the full-text index
// (0007) as the triggers would have, and puts the triggers back. It all happens in
// the load's transaction: a reader sees the schema before or after, and a
// failed load leaves both as they were.
func bulkLoad(ctx context.Context, tx *sql.Tx, next int64, counts tally) (finish func() error, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE sql IS NOT NULL AND (type = 'index' AND tbl_name IN ('incidents', 'revisions', 'incident_borders')
			OR type = 'trigger' AND tbl_name IN ('incidents', 'incident_search', 'incident_borders') AND sql LIKE '% AFTER INSERT ON %')`)
	if err != nil {
		return nil, err
	}
	var drop, create []string
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		drop = append(drop, "DROP "+strings.ToUpper(typ)+" "+name)
		create = append(create, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, q := range append(drop, bordersLoadCreate) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("sqlite: bulk load: %w", err)
		}
	}
	return func() error {
		// Before the triggers are back: the catch-up below counts them.
		for _, q := range []string{bordersLoadMove, bordersLoadDrop} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlite: bulk load: %w", err)
			}
		}
		for _, q := range create {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlite: bulk load: %w", err)
			}
		}
		// What the insert triggers do row by row, once for the load, each
		// from a narrow index just built rather than the rows.
		catchUp := []string{
			"INSERT INTO stats_daily SELECT event_date, coalesce(region_code, ''), event_type, " + bandSQL() + ", count(*), sum(fatalities) FROM incidents INDEXED BY incidents_stats WHERE seq >= ?1 AND deleted_at IS NULL GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET incidents = incidents + excluded.incidents, fatalities = fatalities + excluded.fatalities",
			"INSERT INTO counts SELECT 'cell', cell >> 34, count(*) FROM incidents INDEXED BY incidents_cell WHERE seq >= ?1 AND deleted_at IS NULL AND cell IS NOT NULL GROUP BY 2 ON CONFLICT DO UPDATE SET n = n + excluded.n",
			"INSERT INTO cell_type_counts SELECT cell >> 34, event_type, count(*), sum(fatalities) FROM incidents INDEXED BY incidents_cell WHERE seq >= ?1 AND deleted_at IS NULL AND cell IS NOT NULL GROUP BY 1, 2 ON CONFLICT DO UPDATE SET incidents = incidents + excluded.incidents, fatalities = fatalities + excluded.fatalities",
			"INSERT INTO incident_fts (rowid, search) SELECT seq, search FROM incident_search WHERE seq >= ?1",
		}
		for _, q := range catchUp {
			if _, err := tx.ExecContext(ctx, q, next); err != nil {
				return fmt.Errorf("sqlite: bulk load: %w", err)
			}
		}
		return counts.write(ctx, tx)
	}, nil
}

func valueRows(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func insertManySQL(n int) string {
	return `INSERT INTO incidents (seq, id, event_date, event_type, sub_event_type, region_code, lon, lat, fatalities,
	d_any, created_at, updated_at, cell, admin1_key, admin2_key, flags, country) VALUES ` + valueRows(n, 17)
}
