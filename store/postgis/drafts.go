package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/jackc/pgx/v5"
)

var (
	_ incident.DraftStore = (*DB)(nil)
	_ incident.Merger     = (*DB)(nil)
)

// CreateReport implements incident.DraftStore.
func (db *DB) CreateReport(ctx context.Context, r *incident.Report, drafts []*incident.Draft) error {
	background, err := json.Marshal(r.Context)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO reports (id, text, lang, published, source, source_url, context, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			r.ID, r.Text, r.Lang, r.Published, r.Source, r.SourceURL, string(background), r.CreatedAt); err != nil {
			return fmt.Errorf("insert report %s: %w", r.ID, err)
		}
		for _, d := range drafts {
			doc, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO drafts (id, report_id, status, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
				d.ID, r.ID, d.Status, string(doc), d.CreatedAt, d.UpdatedAt); err != nil {
				return fmt.Errorf("insert draft %s: %w", d.ID, err)
			}
		}
		return nil
	})
}

// Report implements incident.DraftStore.
func (db *DB) Report(ctx context.Context, id string) (*incident.Report, error) {
	var r incident.Report
	var background string
	err := db.pool.QueryRow(ctx, "SELECT id, text, lang, published, source, source_url, context, created_at FROM reports WHERE id = $1", id).
		Scan(&r.ID, &r.Text, &r.Lang, &r.Published, &r.Source, &r.SourceURL, &background, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, incident.Errorf(incident.ENOTFOUND, "no report with id %q", id)
	}
	if err != nil {
		return nil, db.fail("report", err)
	}
	if err := json.Unmarshal([]byte(background), &r.Context); err != nil {
		return nil, fmt.Errorf("postgis: report %s: %w", id, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

const draftColumns = "id, report_id, status, doc, coalesce(incident_id, ''), coalesce(reviewer, ''), created_at, updated_at"

func scanDraft(row pgx.Row) (*incident.Draft, error) {
	var d incident.Draft
	var doc string
	if err := row.Scan(&d.ID, &d.ReportID, &d.Status, &doc, &d.IncidentID, &d.Reviewer, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("postgis: stored draft %s does not decode: %w", d.ID, err)
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// Drafts implements incident.DraftStore.
func (db *DB) Drafts(ctx context.Context, status string, limit int) ([]*incident.Draft, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+draftColumns+" FROM drafts WHERE $1 = '' OR status = $1 ORDER BY seq DESC LIMIT $2", status, limit)
	if err != nil {
		return nil, db.fail("drafts", err)
	}
	defer rows.Close()
	out := []*incident.Draft{}
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, db.fail("drafts", err)
		}
		out = append(out, d)
	}
	return out, db.fail("drafts", rows.Err())
}

// Draft implements incident.DraftStore.
func (db *DB) Draft(ctx context.Context, id string) (*incident.Draft, error) {
	d, err := scanDraft(db.pool.QueryRow(ctx, "SELECT "+draftColumns+" FROM drafts WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, draftNotFound(id)
	}
	return d, db.fail("draft", err)
}

func draftNotFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no draft with id %q", id)
}

// openDraft locks draft id in tx and checks that it is still open.
func openDraft(ctx context.Context, tx pgx.Tx, id string) error {
	var status string
	err := tx.QueryRow(ctx, "SELECT status FROM drafts WHERE id = $1 FOR UPDATE", id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := openDraft(ctx, tx, d.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE drafts SET doc = $1, updated_at = $2 WHERE id = $3", string(doc), d.UpdatedAt, d.ID)
		return err
	})
}

// AcceptDraft implements incident.DraftStore.
func (db *DB) AcceptDraft(ctx context.Context, draftID string, in *incident.Incident, note string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := openDraft(ctx, tx, draftID); err != nil {
			return err
		}
		if err := db.insert(ctx, tx, []*incident.Incident{in}); err != nil {
			return err
		}
		if err := noteLast(ctx, tx, in.ID, note); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE drafts SET status = $1, incident_id = $2, reviewer = $3, updated_at = $4 WHERE id = $5",
			incident.DraftAccepted, in.ID, incident.ActorFrom(ctx), db.Now(), draftID)
		return err
	})
}

// RejectDraft implements incident.DraftStore.
func (db *DB) RejectDraft(ctx context.Context, draftID string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if err := openDraft(ctx, tx, draftID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE drafts SET status = $1, reviewer = $2, updated_at = $3 WHERE id = $4",
			incident.DraftRejected, incident.ActorFrom(ctx), db.Now(), draftID)
		return err
	})
}
