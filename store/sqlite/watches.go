package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

var _ incident.WatchStore = (*DB)(nil)

// Watches: saved filters with a delivery. The store keeps what was sent
// (the filter as a query, the area as GeoJSON); parsing them needs the
// geography, so readers call incident.ParseWatch.

const watchCols = `w.id, w.name, w.owner, w.query, w.within, w.webhook, w.email, w.secret, w.created_at, w.from_seq,
	w.failures, w.last_error, w.last_success, ` + stored.WatchCounts

type scanner interface{ Scan(...any) error }

func scanWatch(r scanner) (*incident.Watch, error) {
	var w incident.Watch
	var created string
	var within []byte
	var success sql.NullString
	st := &incident.DeliveryStatus{}
	if err := r.Scan(&w.ID, &w.Name, &w.Owner, &w.Query, &within, &w.Webhook, &w.Email, &w.Secret, &created, &w.FromSeq,
		&st.Failures, &st.LastError, &success, &st.Pending, &st.Dead); err != nil {
		return nil, err
	}
	w.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	if within != nil {
		w.Within = within
	}
	if success.Valid {
		t, _ := time.Parse(time.RFC3339Nano, success.String)
		st.LastSuccess = &t
	}
	if w.Webhook != "" || w.Email != "" {
		w.Delivery = st
	}
	return &w, nil
}

// CreateWatch implements incident.WatchStore: the watch hears of changes
// after the last one stored now.
func (db *DB) CreateWatch(ctx context.Context, w *incident.Watch) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM revisions").Scan(&w.FromSeq); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO watches (id, name, owner, query, within, webhook, email, secret, created_at, from_seq) VALUES (?,?,?,?,?,?,?,?,?,?)",
			w.ID, w.Name, w.Owner, w.Query, nullBytes(w.Within), w.Webhook, w.Email, w.Secret, w.CreatedAt.UTC().Format(time.RFC3339Nano), w.FromSeq)
		if isConstraint(err) {
			return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("a watch with id %q exists", w.ID)}
		}
		if err != nil {
			return err
		}
		return bumpWatches(ctx, tx)
	})
}

// Watch implements incident.WatchStore.
func (db *DB) Watch(ctx context.Context, id string) (*incident.Watch, error) {
	w, err := scanWatch(db.read.QueryRowContext(ctx, "SELECT "+watchCols+" FROM watches w WHERE w.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, stored.WatchNotFound(id)
	}
	return w, err
}

// Watches implements incident.WatchStore.
func (db *DB) Watches(ctx context.Context) ([]*incident.Watch, error) {
	return scanWatches(db.read.QueryContext(ctx, "SELECT "+watchCols+" FROM watches w ORDER BY w.created_at, w.id"))
}

func scanWatches(rows *sql.Rows, err error) ([]*incident.Watch, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*incident.Watch{}
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// ReplaceWatch implements incident.WatchStore: name, filter, area and
// delivery change; the notices made stay as they were made.
func (db *DB) ReplaceWatch(ctx context.Context, w *incident.Watch) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE watches SET name = ?, query = ?, within = ?, webhook = ?, email = ?, secret = ? WHERE id = ?",
			w.Name, w.Query, nullBytes(w.Within), w.Webhook, w.Email, w.Secret, w.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stored.WatchNotFound(w.ID)
		}
		return bumpWatches(ctx, tx)
	})
}

// DeleteWatch implements incident.WatchStore, with its notices.
func (db *DB) DeleteWatch(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM watches WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stored.WatchNotFound(id)
		}
		return bumpWatches(ctx, tx)
	})
}

// watchesVersionKey counts the changes to the watches (in meta).
const watchesVersionKey = "watches_version"

// bumpWatches moves WatchesVersion, in the transaction that changes a
// watch.
func bumpWatches(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", watchesVersionKey)
	return err
}

// WatchesVersion implements incident.WatchStore.
func (db *DB) WatchesVersion(ctx context.Context) (int64, error) {
	return metaInt(ctx, db.read, watchesVersionKey)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// metaInt reads a number kept in meta (0 when there is none).
func metaInt(ctx context.Context, q queryRower, key string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}
