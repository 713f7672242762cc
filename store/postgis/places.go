package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/jackc/pgx/v5"
)

// sourceLearned marks places learned from incidents (as the SQLite store
// marks them).
const sourceLearned = "learned"

// AddPlaces stores places users add, all or none, and returns them with
// their ids. Each is checked first (geo.CheckPlace): the first bad one
// fails the call with its position, and nothing is stored.
func (db *DB) AddPlaces(ctx context.Context, ps []geo.Place) ([]geo.Place, error) {
	for i, p := range ps {
		if err := geo.CheckPlace(p); err != nil {
			return nil, &incident.Error{Code: incident.EINVALID, Field: fmt.Sprintf("places[%d]", i), Message: err.Error()}
		}
	}
	out := make([]geo.Place, len(ps))
	at, actor := db.Now().UTC(), incident.ActorFrom(ctx)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for i, p := range ps {
			if p.Kind == "" {
				p.Kind = "village"
			}
			p.Name = strings.TrimSpace(p.Name)
			var inc *string
			if id, ok := strings.CutPrefix(p.Source, sourceLearned+":"); ok {
				p.Source, inc = sourceLearned, &id
			}
			variants := p.Variants
			if variants == nil {
				variants = []string{}
			}
			err := tx.QueryRow(ctx, "INSERT INTO places (name, variants, kind, lon, lat, source, incident_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
				p.Name, variants, p.Kind, p.Point[0], p.Point[1], p.Source, inc, at, actor).Scan(&p.ID)
			if err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Places returns the added places, oldest first; source, when not "",
// keeps those of that source ("learned", "api", a file's name).
func (db *DB) Places(ctx context.Context, source string) ([]geo.Place, error) {
	return db.placesWhere(ctx, "$1 = '' OR source = $1", source)
}

// placesWhere reads the added places a condition keeps, oldest first.
func (db *DB) placesWhere(ctx context.Context, cond string, args ...any) ([]geo.Place, error) {
	rows, err := db.pool.Query(ctx, "SELECT id, name, variants, kind, lon, lat, source FROM places WHERE "+cond+" ORDER BY id", args...)
	if err != nil {
		return nil, db.fail("places", err)
	}
	defer rows.Close()
	out := []geo.Place{}
	for rows.Next() {
		var p geo.Place
		if err := rows.Scan(&p.ID, &p.Name, &p.Variants, &p.Kind, &p.Point[0], &p.Point[1], &p.Source); err != nil {
			return nil, db.fail("places", err)
		}
		out = append(out, p)
	}
	return out, db.fail("places", rows.Err())
}

// DeletePlace removes an added place; ENOTFOUND if there is none.
func (db *DB) DeletePlace(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM places WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return incident.Errorf(incident.ENOTFOUND, "no added place %d (embedded places cannot be deleted)", id)
		}
		return nil
	})
}

// LoadPlaces puts every added place into the gazetteer, as the program
// starts, and returns the highest id (for LoadPlacesAfter).
func (db *DB) LoadPlaces(ctx context.Context, gz *geo.Gazetteer) (int64, error) {
	return db.LoadPlacesAfter(ctx, gz, 0)
}

// LoadPlacesAfter puts the added places whose id is above after into the
// gazetteer and returns the highest id seen (after, when none): a server
// calls it now and then to pick up the places other servers and the
// import command stored.
func (db *DB) LoadPlacesAfter(ctx context.Context, gz *geo.Gazetteer, after int64) (int64, error) {
	ps, err := db.placesWhere(ctx, "id > $1", after)
	if err != nil {
		return after, err
	}
	for _, p := range ps {
		if _, err := gz.Add(p); err != nil {
			return after, fmt.Errorf("postgis: place %d: %w", p.ID, err)
		}
		after = max(after, p.ID)
	}
	return after, nil
}
