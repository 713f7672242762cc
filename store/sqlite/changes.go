package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

var _ incident.ChangeLog = (*DB)(nil)

// The change log is the revisions table: every write records its revision
// in its own transaction, so a change that committed is in the log even if
// the process died right after. Watches and the live stream read it from a
// position they saved (see notify).

// changesSQL reads revisions with their documents. A create stores no
// document of its own (bulk loads would store every incident twice): its
// "after" is the next revision's "before", or the current document.
const changesSQL = `SELECT r.seq, r.incident_id, r.action, r.actor, r.at, r.before,
	CASE WHEN r.action = 'create' THEN coalesce(
		(SELECT n.before FROM revisions n WHERE n.incident_id = r.incident_id AND n.seq > r.seq ORDER BY n.seq LIMIT 1),
		(SELECT d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = r.incident_id))
	ELSE r.after END
	FROM revisions r WHERE r.seq > ? ORDER BY r.seq LIMIT ?`

// ChangesSince implements incident.ChangeLog.
func (db *DB) ChangesSince(ctx context.Context, seq int64, limit int) ([]incident.Change, error) {
	rows, err := db.read.QueryContext(ctx, changesSQL, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: changes: %w", err)
	}
	defer rows.Close()
	var out []incident.Change
	for rows.Next() {
		var c incident.Change
		var at string
		var before, after []byte
		if err := rows.Scan(&c.Seq, &c.ID, &c.Action, &c.Actor, &at, &before, &after); err != nil {
			return nil, err
		}
		c.At, _ = time.Parse(time.RFC3339Nano, at)
		for _, d := range []struct {
			doc []byte
			dst **incident.Incident
		}{{before, &c.Before}, {after, &c.After}} {
			if d.doc == nil {
				continue
			}
			in, err := decode(d.doc)
			if err != nil {
				return nil, err
			}
			*d.dst = in
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LastChange implements incident.ChangeLog.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := db.read.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM revisions").Scan(&seq)
	return seq, err
}
