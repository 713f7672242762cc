package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

var _ incident.DraftStore = (*DB)(nil)
var _ incident.Merger = (*DB)(nil)

// CreateReport implements incident.DraftStore.
func (db *DB) CreateReport(ctx context.Context, r *incident.Report, drafts []*incident.Draft) error {
	context, err := json.Marshal(r.Context)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO reports (id, text, lang, published, source, source_url, context, created_at) VALUES (?,?,?,?,?,?,?,?)",
			r.ID, r.Text, r.Lang, r.Published, r.Source, r.SourceURL, context, stamp(r.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: insert report %s: %w", r.ID, err)
		}
		for _, d := range drafts {
			doc, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO drafts (id, report_id, status, doc, created_at, updated_at) VALUES (?,?,?,?,?,?)",
				d.ID, r.ID, d.Status, doc, stamp(d.CreatedAt), stamp(d.UpdatedAt)); err != nil {
				return fmt.Errorf("sqlite: insert draft %s: %w", d.ID, err)
			}
		}
		return nil
	})
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Report implements incident.DraftStore.
func (db *DB) Report(ctx context.Context, id string) (*incident.Report, error) {
	var r incident.Report
	var context []byte
	var created string
	err := db.read.QueryRowContext(ctx, "SELECT id, text, lang, published, source, source_url, context, created_at FROM reports WHERE id = ?", id).
		Scan(&r.ID, &r.Text, &r.Lang, &r.Published, &r.Source, &r.SourceURL, &context, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, incident.Errorf(incident.ENOTFOUND, "no report with id %q", id)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(context, &r.Context); err != nil {
		return nil, fmt.Errorf("sqlite: report %s: %w", id, err)
	}
	r.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	return &r, nil
}

const draftColumns = "id, report_id, status, doc, coalesce(incident_id, ''), coalesce(reviewer, ''), created_at, updated_at"

func scanDraft(row interface{ Scan(...any) error }) (*incident.Draft, error) {
	var d incident.Draft
	var doc []byte
	var created, updated string
	if err := row.Scan(&d.ID, &d.ReportID, &d.Status, &doc, &d.IncidentID, &d.Reviewer, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("sqlite: stored draft %s does not decode: %w", d.ID, err)
	}
	d.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	d.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return &d, nil
}

// Drafts implements incident.DraftStore.
func (db *DB) Drafts(ctx context.Context, status string, limit int) ([]*incident.Draft, error) {
	q := "SELECT " + draftColumns + " FROM drafts"
	var args []any
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	q += " ORDER BY seq DESC LIMIT ?"
	rows, err := db.read.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*incident.Draft{}
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Draft implements incident.DraftStore.
func (db *DB) Draft(ctx context.Context, id string) (*incident.Draft, error) {
	d, err := scanDraft(db.read.QueryRowContext(ctx, "SELECT "+draftColumns+" FROM drafts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, draftNotFound(id)
	}
	return d, err
}

func draftNotFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no draft with id %q", id)
}

// openDraft checks, in tx, that draft id exists and is still open.
func openDraft(ctx context.Context, tx *sql.Tx, id string) error {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM drafts WHERE id = ?", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return draftNotFound(id)
	}
	if err != nil {
		return err
	}
	if status != incident.DraftOpen {
		return incident.Errorf(incident.ECONFLICT, "draft %q was %s already", id, status)
	}
	return nil
}

// UpdateDraft implements incident.DraftStore.
func (db *DB) UpdateDraft(ctx context.Context, d *incident.Draft) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := openDraft(ctx, tx, d.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE drafts SET doc = ?, updated_at = ? WHERE id = ?", doc, stamp(d.UpdatedAt), d.ID)
		return err
	})
}

// AcceptDraft implements incident.DraftStore.
func (db *DB) AcceptDraft(ctx context.Context, draftID string, in *incident.Incident, note string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := openDraft(ctx, tx, draftID); err != nil {
			return err
		}
		if err := db.insert(ctx, tx, in); err != nil {
			return err
		}
		if err := db.noteLast(ctx, tx, in.ID, note); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE drafts SET status = ?, incident_id = ?, reviewer = ?, updated_at = ? WHERE id = ?",
			incident.DraftAccepted, in.ID, incident.ActorFrom(ctx), stamp(db.Now()), draftID)
		return err
	})
}

// RejectDraft implements incident.DraftStore.
func (db *DB) RejectDraft(ctx context.Context, draftID string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := openDraft(ctx, tx, draftID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE drafts SET status = ?, reviewer = ?, updated_at = ? WHERE id = ?",
			incident.DraftRejected, incident.ActorFrom(ctx), stamp(db.Now()), draftID)
		return err
	})
}

// noteLast puts a note on the newest revision of incident id, the one the
// change just made in tx recorded.
func (db *DB) noteLast(ctx context.Context, tx *sql.Tx, id, note string) error {
	_, err := tx.ExecContext(ctx, "UPDATE revisions SET note = ? WHERE seq = (SELECT max(seq) FROM revisions WHERE incident_id = ?)", note, id)
	return err
}

// Merge implements incident.Merger: the survivor's update and the other
// incident's deletion in one transaction, both revisions noted.
func (db *DB) Merge(ctx context.Context, survivor *incident.Incident, goneID, note string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.update(ctx, tx, survivor); err != nil {
			return err
		}
		if err := db.noteLast(ctx, tx, survivor.ID, note); err != nil {
			return err
		}
		if err := db.remove(ctx, tx, goneID); err != nil {
			return err
		}
		return db.noteLast(ctx, tx, goneID, note)
	})
}
