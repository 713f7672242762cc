// History: every write records a revision (revise) in its transaction;
// History reads them back, and Restore brings back a soft-deleted incident
// from them.

package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// revise records a change in the history, in the change's transaction.
func (db *DB) revise(ctx context.Context, tx *sql.Tx, id, action string, before, after []byte) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO revisions (incident_id, action, actor, at, before, after) VALUES (?,?,?,?,?,?)",
		id, action, incident.ActorFrom(ctx), db.Now().UTC().Format(time.RFC3339Nano), nullBytes(before), nullBytes(after))
	return err
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// Restore implements incident.History: it brings back a deleted incident.
func (db *DB) Restore(ctx context.Context, id string) (*incident.Incident, error) {
	var doc []byte
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var deleted sql.NullString
		var seq int64
		if err := tx.QueryRowContext(ctx, "SELECT i.seq, i.deleted_at, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ?", id).Scan(&seq, &deleted, &doc); errors.Is(err, sql.ErrNoRows) {
			return notFound(id)
		} else if err != nil {
			return err
		}
		if !deleted.Valid {
			return incident.Errorf(incident.ECONFLICT, "incident %q is not deleted", id)
		}
		// Coming back is a write, in the document too: a sync listing
		// (updated_since) brings the incident again, and its updated_at
		// says so. With the old time kept in the document, the listing
		// returned an incident updated before the time it asked from.
		in, err := decode(doc)
		if err != nil {
			return err
		}
		in.UpdatedAt = db.Now().UTC()
		now := in.UpdatedAt.Format(time.RFC3339Nano)
		doc, _ = in.MarshalJSON()
		if _, err := tx.ExecContext(ctx, "UPDATE incidents SET deleted_at = NULL, updated_at = ? WHERE seq = ?", now, seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE incident_docs SET doc = ? WHERE seq = ?", doc, seq); err != nil {
			return err
		}
		if err := setBordersLive(ctx, tx, seq, true); err != nil {
			return err
		}
		return db.revise(ctx, tx, id, "restore", nil, doc)
	})
	if err != nil {
		return nil, err
	}
	return decode(doc)
}

// History implements incident.History: every revision, oldest first.
func (db *DB) History(ctx context.Context, id string) ([]incident.Revision, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT seq, action, actor, at, before, after, coalesce(note, '') FROM revisions WHERE incident_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []incident.Revision{}
	for rows.Next() {
		var r incident.Revision
		var at string
		var before, after []byte
		if err := rows.Scan(&r.Seq, &r.Action, &r.Actor, &at, &before, &after, &r.Note); err != nil {
			return nil, err
		}
		r.At, _ = time.Parse(time.RFC3339Nano, at)
		r.Before, r.After = jsonOrNull(before), jsonOrNull(after)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound(id)
	}
	for i := range out {
		if out[i].Action != "create" {
			continue
		}
		if i+1 < len(out) {
			out[i].After = out[i+1].Before
			if out[i+1].Action == "restore" {
				out[i].After = out[i+1].After
			}
		} else {
			var doc []byte
			if err := db.read.QueryRowContext(ctx, "SELECT d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ?", id).Scan(&doc); err == nil {
				out[i].After = doc
			}
		}
	}
	return out, nil
}

func jsonOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}
