package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
)

// Deriving stored incidents again after the geography changed, as the
// SQLite store does (store/sqlite/rederive.go): DerivedWith records the
// geography version the incidents were derived with and marks them all
// when it changes; `incidentmap rederive` marks them on demand. The meta
// key holds the last seq done, so an interrupted run resumes where it
// stopped, from this server or another; absent, nothing waits.
const rederiveKey = "rederive_after"

// rederiveSize is how many incidents one transaction derives again: each
// commits on its own, so writers (which take the same advisory lock) wait
// at most one batch, and a stop loses at most one.
var rederiveSize = 2000 // a variable for tests

// derivedWithKey is the meta key of the geography version (geo.Version)
// the stored incidents were derived with, and this store's own revision.
const derivedWithKey = "derived_with"

// storeRevision is what this store derives from an incident besides the
// geography's fields (its search vector and index columns). Bump it when
// they change, and every stored incident is derived again at the next
// start.
const storeRevision = "postgis-1"

// RederivePending says how many stored incidents wait to be derived again,
// of how many in all (0, n when none wait).
func (db *DB) RederivePending(ctx context.Context) (left, total int, err error) {
	after, pending, err := rederiveAfter(ctx, db.pool)
	if err != nil {
		return 0, 0, db.fail("rederive", err)
	}
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM incidents").Scan(&total); err != nil {
		return 0, 0, db.fail("rederive", err)
	}
	if !pending {
		return 0, total, nil
	}
	err = db.pool.QueryRow(ctx, "SELECT count(*) FROM incidents WHERE seq > $1", after).Scan(&left)
	return left, total, db.fail("rederive", err)
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func rederiveAfter(ctx context.Context, q rowQuerier) (after int64, pending bool, err error) {
	var v string
	err = q.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", rederiveKey).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	after, err = strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("postgis: meta %s is %q, not a seq", rederiveKey, v)
	}
	return after, true, nil
}

// DerivedWith records that the stored incidents are derived with geography
// version v. When they were derived with another (or none was recorded)
// and there are incidents, every one is marked to be derived again, in the
// same transaction, and stale says so. Servers starting at once take
// turns (the write lock): the first marks, the others find v recorded.
func (db *DB) DerivedWith(ctx context.Context, v string) (stale bool, err error) {
	v += "/" + storeRevision
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var was string
		err := tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", derivedWithKey).Scan(&was)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if was == v {
			return nil
		}
		// From the first incident again, even if a run was under way: the
		// ones it did were derived with a geography now also old.
		tag, err := tx.Exec(ctx, "INSERT INTO meta (key, value) SELECT $1, '0' WHERE EXISTS (SELECT 1 FROM incidents) ON CONFLICT (key) DO UPDATE SET value = '0'", rederiveKey)
		if err != nil {
			return err
		}
		stale = tag.RowsAffected() > 0
		_, err = tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", derivedWithKey, v)
		return err
	})
	return stale, err
}

// StartRederive marks every stored incident to be derived again (Rederive
// does it), unless a run is under way: then it resumes.
func (db *DB) StartRederive(ctx context.Context) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, '0') ON CONFLICT (key) DO NOTHING", rederiveKey)
		return err
	})
}

// Rederive derives again, with redo (incident.Service.Rederive), every
// incident waiting to be, in batches of rederiveSize: deleted ones too,
// so a restore brings back an incident placed with today's geography.
// Documents, columns and border rows change; the history and updated_at
// do not (the incident did not change, its reference layers did).
// progress, when set, hears after each batch how many of how many are
// done. It stops between batches when ctx ends; call it again to resume.
func (db *DB) Rederive(ctx context.Context, redo func(*incident.Incident), progress func(done, total int)) error {
	left, total, err := db.RederivePending(ctx)
	if err != nil {
		return err
	}
	return stored.Rederive(ctx, total-left, total, func() (n int, more bool, err error) {
		err = db.inTx(ctx, func(tx pgx.Tx) error {
			var err error
			n, more, err = rederiveBatch(ctx, tx, redo)
			return err
		})
		return n, more, err
	}, progress)
}

// rederiveBatch derives the next batch again in tx, and says whether more
// may follow.
func rederiveBatch(ctx context.Context, tx pgx.Tx, redo func(*incident.Incident)) (n int, more bool, err error) {
	after, pending, err := rederiveAfter(ctx, tx)
	if err != nil || !pending {
		return 0, false, err
	}
	rows, err := tx.Query(ctx, "SELECT i.seq, i.deleted_ns IS NULL, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.seq > $1 ORDER BY i.seq LIMIT $2", after, rederiveSize)
	if err != nil {
		return 0, false, err
	}
	type row struct {
		seq  int64
		live bool
		doc  string
		in   *incident.Incident
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.live, &r.doc); err != nil {
			rows.Close()
			return 0, false, err
		}
		if r.in, err = stored.Decode([]byte(r.doc)); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("postgis: rederive seq %d: %w", r.seq, err)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	if len(batch) == 0 {
		_, err := tx.Exec(ctx, "DELETE FROM meta WHERE key = $1", rederiveKey)
		return 0, false, err
	}
	for _, r := range batch {
		redo(r.in)
		b, err := r.in.MarshalJSON()
		if err != nil {
			return 0, false, err
		}
		if string(b) == r.doc {
			continue // derived as before: the geography did not change for it
		}
		if _, err := tx.Exec(ctx, rederiveSQL, derivedColumns(r.in, r.seq)...); err != nil {
			return 0, false, fmt.Errorf("postgis: rederive %s: %w", r.in.ID, err)
		}
		if _, err := tx.Exec(ctx, "UPDATE incident_docs SET doc = $1 WHERE seq = $2", string(b), r.seq); err != nil {
			return 0, false, err
		}
		if err := replaceBorders(ctx, tx, r.seq, r.in, r.live); err != nil {
			return 0, false, err
		}
	}
	last := batch[len(batch)-1].seq
	if _, err := tx.Exec(ctx, "UPDATE meta SET value = $1 WHERE key = $2", strconv.FormatInt(last, 10), rederiveKey); err != nil {
		return 0, false, err
	}
	return len(batch), true, nil
}

// rederiveSQL sets the columns derived from the point and the texts:
// updated_ns stays (a write or a delete stamped it, not the geography).
const rederiveSQL = "UPDATE incidents SET region_code = $1, country = $2, admin1_key = $3, admin2_key = $4, admin1_mismatch = $5, d_any = $6, search = $7 WHERE seq = $8"

func derivedColumns(in *incident.Incident, seq int64) []any {
	region, country, dAny := derived(in)
	return []any{region, country, geo.NameKey(in.Admin1), geo.NameKey(in.Admin2), in.Admin1Mismatch, dAny, searchVector(in), seq}
}
