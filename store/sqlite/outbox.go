package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// The outbox: notices are made from the change log (the revisions) and
// stored with the position read up to, in one transaction, so a change
// becomes its notices once, whatever crashes when; webhooks are then
// posted (or mailed) from here, oldest first per watch, until delivered or
// given up.

const noticeCursorKey = "notice_seq"

// NoticeCursor implements incident.WatchStore.
func (db *DB) NoticeCursor(ctx context.Context) (int64, error) {
	return metaInt(ctx, db.read, noticeCursorKey)
}

// AddNotices implements incident.WatchStore. A notice for a watch deleted
// meanwhile is dropped.
func (db *DB) AddNotices(ctx context.Context, ns []incident.Notice, seq, version int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := metaInt(ctx, tx, watchesVersionKey)
		if err != nil {
			return err
		}
		if v != version {
			return stored.StaleWatches(version, v)
		}
		cursor, err := metaInt(ctx, tx, noticeCursorKey)
		if err != nil || cursor >= seq {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO notices (watch_id, seq, incident_id, kind, at, body, state)
			SELECT id, ?, ?, ?, ?, ?, CASE WHEN webhook = '' AND email = '' THEN 'kept' ELSE 'pending' END FROM watches WHERE id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, n := range ns {
			if n.Seq <= cursor {
				continue
			}
			if _, err := st.ExecContext(ctx, n.Seq, n.IncidentID, n.Kind, n.At.UTC().Format(time.RFC3339Nano), n.Body, n.WatchID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", noticeCursorKey, strconv.FormatInt(seq, 10))
		return err
	})
}

const noticeCols = "id, watch_id, seq, incident_id, kind, at, body, state, attempts, last_error"

func scanNotices(rows *sql.Rows) ([]incident.Notice, error) {
	defer rows.Close()
	out := []incident.Notice{}
	for rows.Next() {
		var n incident.Notice
		var at string
		if err := rows.Scan(&n.ID, &n.WatchID, &n.Seq, &n.IncidentID, &n.Kind, &at, &n.Body, &n.State, &n.Attempts, &n.LastError); err != nil {
			return nil, err
		}
		n.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Notices implements incident.WatchStore.
func (db *DB) Notices(ctx context.Context, watchID, state string, limit int) ([]incident.Notice, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+noticeCols+" FROM notices WHERE watch_id = ? AND (? = '' OR state = ?) ORDER BY id DESC LIMIT ?", watchID, state, state, limit)
	if err != nil {
		return nil, err
	}
	return scanNotices(rows)
}

var _ incident.Outbox = (*DB)(nil)

// DueWebhooks implements incident.Outbox.
func (db *DB) DueWebhooks(ctx context.Context, now time.Time) ([]*incident.Watch, error) {
	return scanWatches(db.read.QueryContext(ctx, "SELECT "+watchCols+` FROM watches w WHERE (w.webhook != '' OR w.email != '') AND w.next_at <= ?
		AND EXISTS (SELECT 1 FROM notices n WHERE n.watch_id = w.id AND n.state = 'pending')`, now.UTC().Format(time.RFC3339Nano)))
}

// PendingNotices implements incident.Outbox.
func (db *DB) PendingNotices(ctx context.Context, watchID string, limit int) ([]incident.Notice, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+noticeCols+" FROM notices WHERE watch_id = ? AND state = 'pending' ORDER BY id LIMIT ?", watchID, limit)
	if err != nil {
		return nil, err
	}
	return scanNotices(rows)
}

// RecordDeliveries implements incident.Outbox.
func (db *DB) RecordDeliveries(ctx context.Context, watchID string, delivered []int64, at time.Time, fail *incident.DeliveryFailure) error {
	if len(delivered) == 0 && fail == nil {
		return nil // nothing to record: this store claims no watches
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range delivered {
			if _, err := tx.ExecContext(ctx, "UPDATE notices SET state = 'delivered', attempts = attempts + 1 WHERE id = ? AND state = 'pending'", id); err != nil {
				return err
			}
		}
		if len(delivered) > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE watches SET failures = 0, last_error = '', next_at = '', last_success = ? WHERE id = ?", at.UTC().Format(time.RFC3339Nano), watchID); err != nil {
				return err
			}
		}
		if fail == nil {
			return nil
		}
		now := at.UTC().Format(time.RFC3339Nano)
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET attempts = attempts + 1, last_error = ?,
			first_try = CASE WHEN first_try = '' THEN ? ELSE first_try END WHERE id = ? AND state = 'pending'`, fail.Err, now, fail.NoticeID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE notices SET state = 'dead' WHERE id = ? AND first_try <= ?", fail.NoticeID, fail.GiveUp.UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE watches SET failures = failures + 1, last_error = ?, next_at = ? WHERE id = ?", fail.Err, fail.NextAt.UTC().Format(time.RFC3339Nano), watchID)
		return err
	})
}

// ResendDead implements incident.Outbox.
func (db *DB) ResendDead(ctx context.Context, watchID string) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM watches WHERE id = ?", watchID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return stored.WatchNotFound(watchID)
		}
		res, err := tx.ExecContext(ctx, "UPDATE notices SET state = 'pending', attempts = 0, first_try = '', last_error = '' WHERE watch_id = ? AND state = 'dead'", watchID)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, "UPDATE watches SET failures = 0, next_at = '' WHERE id = ?", watchID)
		return err
	})
	return int(n), err
}
