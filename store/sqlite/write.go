// Writes of one incident at a time: Create, Replace and Delete, each in its
// own transaction (inTx), with the columns, search text and document an
// incident is stored as. Bulk loads (bulk.go) share columns.

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// CreateManyWithMeta stores incidents and sets a meta key in one transaction:
// the seed loader uses it so seeding happens exactly once.
func (db *DB) CreateManyWithMeta(ctx context.Context, ins []*incident.Incident, key, value string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, in := range ins {
			if err := db.insert(ctx, tx, in); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
		return err
	})
}

// Create implements incident.Store.
func (db *DB) Create(ctx context.Context, in *incident.Incident) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.insert(ctx, tx, in) })
}

// columns are the incidents table's values for an incident, then its search
// text and its stored Feature, which live in tables of their own.
func columns(in *incident.Incident) (args []any, search string, doc []byte) {
	doc, _ = in.MarshalJSON()
	var region any
	if in.Region != nil {
		region = in.Region.Code
	}
	args = []any{in.ID, in.EventDate, in.EventType, in.SubEventType, region, in.Lon, in.Lat, in.Fatalities}
	if d, ok := in.BorderKM("any"); ok {
		args = append(args, d)
	} else {
		args = append(args, nil)
	}
	// The words are split here, by incident.SearchWords, so the index
	// holds the words Filter.Match compares: FTS5's own tokenizer keeps
	// private-use characters inside words ("abc\uE000def" was one word,
	// and q=def missed it).
	search = strings.Join(incident.SearchWords(incident.SearchText(in)), " ")
	args = append(args, in.CreatedAt.UTC().Format(time.RFC3339Nano), in.UpdatedAt.UTC().Format(time.RFC3339Nano), geo.CellKey(orb.Point{in.Lon, in.Lat}))
	var country any
	if in.Country != nil {
		country = *in.Country
	}
	args = append(args, geo.NameKey(in.Admin1), geo.NameKey(in.Admin2), flagBits(in), country)
	return args, search, doc
}

const insertSQL = `INSERT INTO incidents (id, event_date, event_type, sub_event_type, region_code, lon, lat, fatalities,
	d_any, created_at, updated_at, cell, admin1_key, admin2_key, flags, country)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

func (db *DB) insert(ctx context.Context, tx *sql.Tx, in *incident.Incident) error {
	args, search, doc := columns(in)
	res, err := tx.ExecContext(ctx, insertSQL, args...)
	if err != nil {
		if isConstraint(err) {
			var deleted sql.NullString
			tx.QueryRowContext(ctx, "SELECT deleted_at FROM incidents WHERE id = ?", in.ID).Scan(&deleted)
			if deleted.Valid {
				return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("incident %q was deleted; an admin can bring it back with POST /api/v1/incidents/%s/restore, or use another id", in.ID, in.ID)}
			}
			return &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: fmt.Sprintf("an incident with id %q exists; PUT /api/v1/incidents/%s to replace it", in.ID, in.ID)}
		}
		return fmt.Errorf("sqlite: insert %s: %w", in.ID, err)
	}
	seq, _ := res.LastInsertId()
	if _, err = tx.ExecContext(ctx, "INSERT INTO incident_docs (seq, doc) VALUES (?, ?)", seq, doc); err != nil {
		return err
	}
	if err := insertBorders(ctx, tx, []int64{seq}, []*incident.Incident{in}, true); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "INSERT INTO incident_search (seq, search) VALUES (?, ?)", seq, search); err != nil {
		return err
	}
	// A create's "after" is the next revision's "before" (or the current
	// document): History fills it in, so bulk loads do not store every
	// document twice.
	return db.revise(ctx, tx, in.ID, "create", nil, nil)
}

// Replace implements incident.Store.
func (db *DB) Replace(ctx context.Context, in *incident.Incident) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.update(ctx, tx, in) })
}

// update overwrites the live incident in.ID in tx, recording the revision.
func (db *DB) update(ctx context.Context, tx *sql.Tx, in *incident.Incident) error {
	var seq int64
	var before []byte
	if err := tx.QueryRowContext(ctx, "SELECT i.seq, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ? AND i.deleted_at IS NULL", in.ID).Scan(&seq, &before); errors.Is(err, sql.ErrNoRows) {
		return notFound(in.ID)
	} else if err != nil {
		return err
	}
	args, search, doc := columns(in)
	_, err := tx.ExecContext(ctx, updateSQL, append(args, seq)...)
	if err != nil {
		return fmt.Errorf("sqlite: update %s: %w", in.ID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE incident_docs SET doc = ? WHERE seq = ?", doc, seq); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE incident_search SET search = ? WHERE seq = ?", search, seq); err != nil {
		return err
	}
	if err := replaceBorders(ctx, tx, seq, in, true); err != nil {
		return err
	}
	return db.revise(ctx, tx, in.ID, "update", before, doc)
}

const updateSQL = `UPDATE incidents SET id=?, event_date=?, event_type=?, sub_event_type=?, region_code=?, lon=?, lat=?, fatalities=?,
	d_any=?, created_at=?, updated_at=?, cell=?, admin1_key=?, admin2_key=?, flags=?, country=? WHERE seq=?`

// Delete implements incident.Store. Deletes are soft: the incident leaves
// every listing but stays in the history, and an admin can restore it.
func (db *DB) Delete(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.remove(ctx, tx, id) })
}

// remove deletes the live incident id in tx, recording the revision.
func (db *DB) remove(ctx context.Context, tx *sql.Tx, id string) error {
	var before []byte
	var seq int64
	if err := tx.QueryRowContext(ctx, "SELECT i.seq, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ? AND i.deleted_at IS NULL", id).Scan(&seq, &before); errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	} else if err != nil {
		return err
	}
	now := db.Now().UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, "UPDATE incidents SET deleted_at = ?, updated_at = ? WHERE seq = ?", now, now, seq); err != nil {
		return err
	}
	if err := setBordersLive(ctx, tx, seq, false); err != nil {
		return err
	}
	return db.revise(ctx, tx, id, "delete", before, nil)
}
