package postgis

import (
	"context"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
)

// The outbox: notices are made from the change log (the revisions) and
// stored with the position read up to, in one transaction holding the
// cursor's row, so a change becomes its notices once however many servers
// make them; each watch's notices are then posted (or mailed) by one
// server at a time, the one that claimed the watch, oldest first, until
// delivered or given up.

var _ incident.Outbox = (*DB)(nil)

// NoticeCursor implements incident.WatchStore.
func (db *DB) NoticeCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, "SELECT seq FROM notice_cursor").Scan(&seq)
	return seq, db.fail("notice cursor", err)
}

// AddNotices implements incident.WatchStore. A notice for a watch deleted
// meanwhile is dropped.
func (db *DB) AddNotices(ctx context.Context, ns []incident.Notice, seq, version int64) error {
	return db.outboxTx(ctx, func(tx pgx.Tx) error {
		var cursor, v int64
		if err := tx.QueryRow(ctx, "SELECT seq, watches_version FROM notice_cursor FOR UPDATE").Scan(&cursor, &v); err != nil {
			return err
		}
		if v != version {
			return stored.StaleWatches(version, v)
		}
		if cursor >= seq {
			return nil // another server made them
		}
		var b pgx.Batch
		for _, n := range ns {
			if n.Seq <= cursor {
				continue
			}
			b.Queue(`INSERT INTO notices (watch_id, seq, incident_id, kind, at, body, state)
				SELECT id, $1, $2, $3, $4, $5, CASE WHEN webhook = '' AND email = '' THEN 'kept' ELSE 'pending' END FROM watches WHERE id = $6`,
				n.Seq, n.IncidentID, n.Kind, n.At, string(n.Body), n.WatchID)
		}
		b.Queue("UPDATE notice_cursor SET seq = $1", seq)
		return tx.SendBatch(ctx, &b).Close()
	})
}

const noticeCols = "id, watch_id, seq, incident_id, kind, at, body, state, attempts, last_error"

func (db *DB) notices(ctx context.Context, query string, args ...any) ([]incident.Notice, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, db.fail("notices", err)
	}
	defer rows.Close()
	out := []incident.Notice{}
	for rows.Next() {
		var n incident.Notice
		var body string
		if err := rows.Scan(&n.ID, &n.WatchID, &n.Seq, &n.IncidentID, &n.Kind, &n.At, &body, &n.State, &n.Attempts, &n.LastError); err != nil {
			return nil, db.fail("notices", err)
		}
		n.At, n.Body = n.At.UTC(), []byte(body)
		out = append(out, n)
	}
	return out, db.fail("notices", rows.Err())
}

// Notices implements incident.WatchStore.
func (db *DB) Notices(ctx context.Context, watchID, state string, limit int) ([]incident.Notice, error) {
	return db.notices(ctx, "SELECT "+noticeCols+" FROM notices WHERE watch_id = $1 AND ($2 = '' OR state = $2) ORDER BY id DESC LIMIT $3", watchID, state, limit)
}

// DueWebhooks implements incident.Outbox: it claims the due watches until
// now+incident.DeliveryLease, skipping those another server is claiming
// at the same moment (SKIP LOCKED) or holds. NO KEY UPDATE: notices being
// stored for a watch (their foreign key's lock) do not make it skipped.
func (db *DB) DueWebhooks(ctx context.Context, now time.Time) ([]*incident.Watch, error) {
	ws, err := scanWatches(db.pool.Query(ctx, `UPDATE watches w SET claimed_until = $2
		WHERE w.id IN (SELECT d.id FROM watches d WHERE (d.webhook <> '' OR d.email <> '') AND d.next_at <= $1
			AND (d.claimed_until IS NULL OR d.claimed_until <= $1)
			AND EXISTS (SELECT 1 FROM notices n WHERE n.watch_id = d.id AND n.state = 'pending')
			FOR NO KEY UPDATE SKIP LOCKED)
		RETURNING `+watchCols, now, now.Add(incident.DeliveryLease)))
	return ws, db.fail("due webhooks", err)
}

// PendingNotices implements incident.Outbox.
func (db *DB) PendingNotices(ctx context.Context, watchID string, limit int) ([]incident.Notice, error) {
	return db.notices(ctx, "SELECT "+noticeCols+" FROM notices WHERE watch_id = $1 AND state = 'pending' ORDER BY id LIMIT $2", watchID, limit)
}

// RecordDeliveries implements incident.Outbox: a failure, or nothing
// delivered, ends the watch's claim.
func (db *DB) RecordDeliveries(ctx context.Context, watchID string, delivered []int64, at time.Time, fail *incident.DeliveryFailure) error {
	return db.outboxTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		if fail != nil || len(delivered) == 0 {
			b.Queue("UPDATE watches SET claimed_until = NULL WHERE id = $1", watchID)
		}
		if len(delivered) > 0 {
			b.Queue("UPDATE notices SET state = 'delivered', attempts = attempts + 1 WHERE id = ANY($1) AND state = 'pending'", delivered)
			b.Queue("UPDATE watches SET failures = 0, last_error = '', next_at = '-infinity', last_success = $1 WHERE id = $2", at, watchID)
		}
		if fail != nil {
			b.Queue(`UPDATE notices SET attempts = attempts + 1, last_error = $1, first_try = coalesce(first_try, $2)
				WHERE id = $3 AND state = 'pending'`, fail.Err, at, fail.NoticeID)
			b.Queue("UPDATE notices SET state = 'dead' WHERE id = $1 AND first_try <= $2", fail.NoticeID, fail.GiveUp)
			b.Queue("UPDATE watches SET failures = failures + 1, last_error = $1, next_at = $2 WHERE id = $3", fail.Err, fail.NextAt, watchID)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
}

// ResendDead implements incident.Outbox. A claim stays: the server posting
// the watch's notices goes on to these.
func (db *DB) ResendDead(ctx context.Context, watchID string) (int, error) {
	var n int64
	err := db.outboxTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM watches WHERE id = $1)", watchID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return stored.WatchNotFound(watchID)
		}
		tag, err := tx.Exec(ctx, "UPDATE notices SET state = 'pending', attempts = 0, first_try = NULL, last_error = '' WHERE watch_id = $1 AND state = 'dead'", watchID)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "UPDATE watches SET failures = 0, next_at = '-infinity' WHERE id = $1", watchID)
		return err
	})
	return int(n), err
}
