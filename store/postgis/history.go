package postgis

import (
	"context"
	"encoding/json"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// The revisions table is the history and the change log: every write
// records its revision in its own transaction, numbered in commit order
// (inTx), so a change that committed is in the log even if its server died
// right after, and a reader on another server sees it too.

// afterSQL is a revision r's document after it: a create's is the next
// revision's "before" (or, after a restore, its "after"), or the
// incident's document when it is the last.
const afterSQL = `CASE WHEN r.action = 'create' THEN coalesce(
		(SELECT CASE WHEN n.action = 'restore' THEN n.after ELSE n.before END FROM revisions n WHERE n.incident_id = r.incident_id AND n.seq > r.seq ORDER BY n.seq LIMIT 1),
		(SELECT d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = r.incident_id))
	ELSE r.after END`

// History implements incident.History: every revision, oldest first.
func (db *DB) History(ctx context.Context, id string) ([]incident.Revision, error) {
	rows, err := db.pool.Query(ctx, "SELECT r.seq, r.action, r.actor, r.at, r.before, "+afterSQL+", coalesce(r.note, '') FROM revisions r WHERE r.incident_id = $1 ORDER BY r.seq", id)
	if err != nil {
		return nil, db.fail("history", err)
	}
	defer rows.Close()
	out := []incident.Revision{}
	for rows.Next() {
		var r incident.Revision
		var before, after *string
		if err := rows.Scan(&r.Seq, &r.Action, &r.Actor, &r.At, &before, &after, &r.Note); err != nil {
			return nil, db.fail("history", err)
		}
		r.At = r.At.UTC()
		r.Before, r.After = jsonOrNull(before), jsonOrNull(after)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("history", err)
	}
	if len(out) == 0 {
		return nil, notFound(id)
	}
	return out, nil
}

func jsonOrNull(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(*s)
}

// ChangesSince implements incident.ChangeLog.
func (db *DB) ChangesSince(ctx context.Context, seq int64, limit int) ([]incident.Change, error) {
	rows, err := db.pool.Query(ctx, "SELECT r.seq, r.incident_id, r.action, r.actor, r.at, r.before, "+afterSQL+" FROM revisions r WHERE r.seq > $1 ORDER BY r.seq LIMIT $2", seq, limit)
	if err != nil {
		return nil, db.fail("changes", err)
	}
	defer rows.Close()
	var out []incident.Change
	for rows.Next() {
		var c incident.Change
		var before, after *string
		if err := rows.Scan(&c.Seq, &c.ID, &c.Action, &c.Actor, &c.At, &before, &after); err != nil {
			return nil, db.fail("changes", err)
		}
		c.At = c.At.UTC()
		for _, d := range []struct {
			doc *string
			dst **incident.Incident
		}{{before, &c.Before}, {after, &c.After}} {
			if d.doc == nil {
				continue
			}
			in, err := stored.Decode([]byte(*d.doc))
			if err != nil {
				return nil, err
			}
			*d.dst = in
		}
		out = append(out, c)
	}
	return out, db.fail("changes", rows.Err())
}

// LastChange implements incident.ChangeLog.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM revisions").Scan(&seq)
	return seq, db.fail("last change", err)
}
