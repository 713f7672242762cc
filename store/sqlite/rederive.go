package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Deriving stored incidents again, after the geography changed: migration
// 0015 marks every incident (the world's borders and admin-1 units replaced
// Niger's), `incidentmap rederive` does the same on demand. The meta key
// holds the last row id done, so an interrupted run resumes where it
// stopped; when it is absent, nothing waits.
const rederiveKey = "rederive_after"

// rederiveBatch is how many incidents one transaction derives again: each
// batch commits on its own, so a reader or a writer waits at most one
// batch (about 0.2 s here), and a stop loses at most one.
var rederiveBatch = 2000 // a variable for tests

// RederivePending says how many stored incidents wait to be derived again,
// of how many in all (0, n when none wait).
func (db *DB) RederivePending(ctx context.Context) (left, total int, err error) {
	after, pending, err := db.rederiveAfter(ctx, db.read)
	if err != nil {
		return 0, 0, err
	}
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM incidents").Scan(&total); err != nil {
		return 0, 0, err
	}
	if !pending {
		return 0, total, nil
	}
	err = db.read.QueryRowContext(ctx, "SELECT count(*) FROM incidents WHERE seq > ?", after).Scan(&left)
	return left, total, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (db *DB) rederiveAfter(ctx context.Context, q queryer) (after int64, pending bool, err error) {
	var v string
	err = q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", rederiveKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	after, err = strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: meta %s is %q, not a row id", rederiveKey, v)
	}
	return after, true, nil
}

// derivedWithKey is the meta key of the geography version (geo.Version)
// the stored incidents were derived with, and this store's own revision.
const derivedWithKey = "derived_with"

// storeRevision is what this store derives from an incident besides the
// geography's fields: its search words and index columns. Bump it when
// they change, and every stored incident is derived again at the next
// start. 2: the search index holds exactly the words Filter.Match
// compares (before, a private-use character kept two words together).
const storeRevision = "sqlite-2"

// DerivedWith records that the stored incidents are derived with geography
// version v. When they were derived with another (or an unrecorded one,
// before versions were kept) and there are incidents, every one is marked
// to be derived again, in the same transaction, and stale says so.
func (db *DB) DerivedWith(ctx context.Context, v string) (stale bool, err error) {
	v += "/" + storeRevision
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var was string
		err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", derivedWithKey).Scan(&was)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if was == v {
			return nil
		}
		// From the first incident again, even if a run was under way: the
		// ones it did were derived with a geography now also old.
		res, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) SELECT ?, '0' WHERE EXISTS (SELECT 1 FROM incidents) ON CONFLICT (key) DO UPDATE SET value = '0'", rederiveKey)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		stale = n > 0
		_, err = tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", derivedWithKey, v)
		return err
	})
	return stale, err
}

// StartRederive marks every stored incident to be derived again (Rederive
// does it), unless a run is under way: then it resumes.
func (db *DB) StartRederive(ctx context.Context) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", rederiveKey)
		return err
	})
}

// Rederive derives again, with redo (incident.Service.Rederive), every
// incident waiting to be: deleted ones too, so a restore brings back an
// incident placed with today's geography. Documents, columns, border rows,
// rollups and counts change; the history does not (no revision is written
// and updated_at stays: the incident did not change, its reference layers
// did). progress, when set, hears after each batch how many of how many
// are done. It stops between batches when ctx ends; call it again to
// resume.
func (db *DB) Rederive(ctx context.Context, redo func(*incident.Incident), progress func(done, total int)) error {
	left, total, err := db.RederivePending(ctx)
	if err != nil {
		return err
	}
	return stored.Rederive(ctx, total-left, total, func() (n int, more bool, err error) {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			n, more, err = db.rederiveBatch(ctx, tx, redo)
			return err
		})
		return n, more, err
	}, progress)
}

// rederiveBatch derives the next batch again in tx, and says whether more
// may follow.
func (db *DB) rederiveBatch(ctx context.Context, tx *sql.Tx, redo func(*incident.Incident)) (n int, more bool, err error) {
	after, pending, err := db.rederiveAfter(ctx, tx)
	if err != nil || !pending {
		return 0, false, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT i.seq, i.deleted_at IS NULL, i.country, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.seq > ? ORDER BY i.seq LIMIT ?", after, rederiveBatch)
	if err != nil {
		return 0, false, err
	}
	type stored struct {
		seq     int64
		live    bool
		country sql.NullString
		doc     []byte
		in      *incident.Incident
	}
	var batch []stored
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.seq, &s.live, &s.country, &s.doc); err != nil {
			rows.Close()
			return 0, false, err
		}
		if s.in, err = decode(s.doc); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("sqlite: rederive row %d: %w", s.seq, err)
		}
		batch = append(batch, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	if len(batch) == 0 {
		_, err := tx.ExecContext(ctx, "DELETE FROM meta WHERE key = ?", rederiveKey)
		return 0, false, err
	}
	for _, s := range batch {
		redo(s.in)
		_, search, doc := columns(s.in)
		if bytes.Equal(doc, s.doc) && s.in.Country != nil && s.country.String == *s.in.Country {
			// Derived as before (the geography did not change for it), and
			// its rows made since migration 0015 (they carry the country).
			continue
		}
		if _, err := tx.ExecContext(ctx, rederiveSQL, derivedColumns(s.in, s.seq)...); err != nil {
			return 0, false, fmt.Errorf("sqlite: rederive %s: %w", s.in.ID, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE incident_docs SET doc = ? WHERE seq = ?", doc, s.seq); err != nil {
			return 0, false, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE incident_search SET search = ? WHERE seq = ?", search, s.seq); err != nil {
			return 0, false, err
		}
		if err := replaceBorders(ctx, tx, s.seq, s.in, s.live); err != nil {
			return 0, false, err
		}
	}
	last := batch[len(batch)-1].seq
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = ? WHERE key = ?", strconv.FormatInt(last, 10), rederiveKey); err != nil {
		return 0, false, err
	}
	return len(batch), true, nil
}

// rederiveSQL sets the columns derived from the point alone: updated_at
// stays (a delete or a restore stamped it, not the document).
const rederiveSQL = "UPDATE incidents SET region_code = ?, d_any = ?, country = ?, admin1_key = ?, admin2_key = ?, flags = ? WHERE seq = ?"

func derivedColumns(in *incident.Incident, seq int64) []any {
	var region, nearest, country any
	if in.Region != nil {
		region = in.Region.Code
	}
	if n, ok := in.NearestBorder(); ok {
		nearest = n.DistanceKM
	}
	if in.Country != nil {
		country = *in.Country
	}
	return []any{region, nearest, country, geo.NameKey(in.Admin1), geo.NameKey(in.Admin2), flagBits(in), seq}
}
