package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/paulmach/orb/geojson"
)

var _ incident.AreaStore = (*DB)(nil)

// Zones editors draw and sites: rows of the areas table (migration 0020),
// one kind each, the geometry kept as GeoJSON.

func (db *DB) putArea(ctx context.Context, kind string, a stored.Area, create bool) error {
	g, err := geojson.NewGeometry(a.Geometry).MarshalJSON()
	if err != nil {
		return err
	}
	key := geo.ZoneID(a.Name)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		if create {
			res, err = tx.ExecContext(ctx, "INSERT INTO areas (id, kind, name, name_key, geometry, owner, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
				a.ID, kind, a.Name, key, g, a.Owner, a.CreatedAt.UTC().Format(time.RFC3339Nano), a.UpdatedAt.UTC().Format(time.RFC3339Nano))
		} else {
			res, err = tx.ExecContext(ctx, "UPDATE areas SET name = ?, name_key = ?, geometry = ?, updated_at = ? WHERE id = ? AND kind = ?",
				a.Name, key, g, a.UpdatedAt.UTC().Format(time.RFC3339Nano), a.ID, kind)
		}
		if isConstraint(err) {
			return stored.AreaNameTaken(kind, a.Name)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stored.AreaNotFound(kind, a.ID)
		}
		// Watches may name it (zone=, near_site=).
		return bumpWatches(ctx, tx)
	})
}

func (db *DB) deleteArea(ctx context.Context, kind, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM areas WHERE id = ? AND kind = ?", id, kind)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stored.AreaNotFound(kind, id)
		}
		// Watches may name it (zone=, near_site=).
		return bumpWatches(ctx, tx)
	})
}

func (db *DB) areas(ctx context.Context, kind string) ([]stored.Area, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, owner, geometry, created_at, updated_at FROM areas WHERE kind = ? ORDER BY created_at, id", kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stored.Area
	for rows.Next() {
		var a stored.Area
		var g []byte
		var created, updated string
		if err := rows.Scan(&a.ID, &a.Name, &a.Owner, &g, &created, &updated); err != nil {
			return nil, err
		}
		gj, err := geojson.UnmarshalGeometry(g)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s %s: %w", kind, a.ID, err)
		}
		a.Geometry = gj.Geometry()
		a.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		a.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, a)
	}
	return out, rows.Err()
}

// areaRows gives stored.AreaStore this store's area rows.
type areaRows struct{ db *DB }

func (r areaRows) PutArea(ctx context.Context, kind string, a stored.Area, create bool) error {
	return r.db.putArea(ctx, kind, a, create)
}
func (r areaRows) DeleteArea(ctx context.Context, kind, id string) error {
	return r.db.deleteArea(ctx, kind, id)
}
func (r areaRows) Areas(ctx context.Context, kind string) ([]stored.Area, error) {
	return r.db.areas(ctx, kind)
}
