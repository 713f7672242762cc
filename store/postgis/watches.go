package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
)

var _ incident.WatchStore = (*DB)(nil)

// Watches are kept as the SQLite store keeps them (see there). Every
// change to a watch moves watches_version (notice_cursor), which each
// server's notifier compares before it matches: a watch made through one
// server is matched by all.

const watchCols = `w.id, w.name, w.owner, w.query, w.within, w.webhook, w.email, w.secret, w.created_ns, w.from_seq,
	w.failures, w.last_error, w.last_success, ` + stored.WatchCounts

func scanWatch(r pgx.Row) (*incident.Watch, error) {
	var w incident.Watch
	var created int64
	var within *string
	var success *time.Time
	st := &incident.DeliveryStatus{}
	if err := r.Scan(&w.ID, &w.Name, &w.Owner, &w.Query, &within, &w.Webhook, &w.Email, &w.Secret, &created, &w.FromSeq,
		&st.Failures, &st.LastError, &success, &st.Pending, &st.Dead); err != nil {
		return nil, err
	}
	w.CreatedAt = time.Unix(0, created).UTC()
	if within != nil {
		w.Within = []byte(*within)
	}
	if success != nil {
		t := success.UTC()
		st.LastSuccess = &t
	}
	if w.Webhook != "" || w.Email != "" {
		w.Delivery = st
	}
	return &w, nil
}

func scanWatches(rows pgx.Rows, err error) ([]*incident.Watch, error) {
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

// nullText is GeoJSON as sent, or NULL.
func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// bumpWatches moves watches_version in the transaction that changes a
// watch, zone or site, before the change: it waits, on the cursor's row,
// for notices being stored, which hold that row first and then the
// watches' rows (their foreign key): taken in the other order, a watch
// deleted while its notices were stored deadlocked.
func bumpWatches(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "UPDATE notice_cursor SET watches_version = watches_version + 1")
	return err
}

// CreateWatch implements incident.WatchStore: the watch hears of changes
// after the last one stored now. It takes the write lock, so no write in
// flight commits a change numbered before it afterwards.
func (db *DB) CreateWatch(ctx context.Context, w *incident.Watch) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := bumpWatches(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM revisions").Scan(&w.FromSeq); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO watches (id, name, owner, query, within, webhook, email, secret, created_ns, from_seq) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
			w.ID, w.Name, w.Owner, w.Query, nullText(w.Within), w.Webhook, w.Email, w.Secret, w.CreatedAt.UnixNano(), w.FromSeq)
		if isUniqueViolation(err) {
			return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("a watch with id %q exists", w.ID)}
		}
		return err
	})
}

// Watch implements incident.WatchStore.
func (db *DB) Watch(ctx context.Context, id string) (*incident.Watch, error) {
	w, err := scanWatch(db.pool.QueryRow(ctx, "SELECT "+watchCols+" FROM watches w WHERE w.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, stored.WatchNotFound(id)
	}
	return w, db.fail("watch", err)
}

// Watches implements incident.WatchStore.
func (db *DB) Watches(ctx context.Context) ([]*incident.Watch, error) {
	ws, err := scanWatches(db.pool.Query(ctx, "SELECT "+watchCols+" FROM watches w ORDER BY w.created_ns, w.id"))
	return ws, db.fail("watches", err)
}

// ReplaceWatch implements incident.WatchStore: name, filter, area and
// delivery change; the notices made stay as they were made.
func (db *DB) ReplaceWatch(ctx context.Context, w *incident.Watch) error {
	return db.outboxTx(ctx, func(tx pgx.Tx) error {
		if err := bumpWatches(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "UPDATE watches SET name = $1, query = $2, within = $3, webhook = $4, email = $5, secret = $6 WHERE id = $7",
			w.Name, w.Query, nullText(w.Within), w.Webhook, w.Email, w.Secret, w.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stored.WatchNotFound(w.ID)
		}
		return nil
	})
}

// DeleteWatch implements incident.WatchStore, with its notices.
func (db *DB) DeleteWatch(ctx context.Context, id string) error {
	return db.outboxTx(ctx, func(tx pgx.Tx) error {
		if err := bumpWatches(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM watches WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stored.WatchNotFound(id)
		}
		return nil
	})
}

// WatchesVersion implements incident.WatchStore.
func (db *DB) WatchesVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.pool.QueryRow(ctx, "SELECT watches_version FROM notice_cursor").Scan(&v)
	return v, db.fail("watches version", err)
}
