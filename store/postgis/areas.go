package postgis

import (
	"context"
	"fmt"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/geojson"
)

var _ incident.AreaStore = (*DB)(nil)

// Zones editors draw and sites: rows of the areas table (migration 0004),
// one kind each, the geometry kept as GeoJSON, as the SQLite store keeps
// them. Filters carry the resolved zones and sites (incident.Filter), so
// queries never read this table.

func (db *DB) putArea(ctx context.Context, kind string, a stored.Area, create bool) error {
	g, err := geojson.NewGeometry(a.Geometry).MarshalJSON()
	if err != nil {
		return err
	}
	key := geo.ZoneID(a.Name)
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// Watches may name it (zone=, near_site=).
		if err := bumpWatches(ctx, tx); err != nil {
			return err
		}
		sql, args := "UPDATE areas SET name = $1, name_key = $2, geometry = $3, updated_ns = $4 WHERE id = $5 AND kind = $6",
			[]any{a.Name, key, string(g), a.UpdatedAt.UnixNano(), a.ID, kind}
		if create {
			sql, args = "INSERT INTO areas (id, kind, name, name_key, geometry, owner, created_ns, updated_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				[]any{a.ID, kind, a.Name, key, string(g), a.Owner, a.CreatedAt.UnixNano(), a.UpdatedAt.UnixNano()}
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if isUniqueViolation(err) {
			return stored.AreaNameTaken(kind, a.Name)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stored.AreaNotFound(kind, a.ID)
		}
		return nil
	})
}

func (db *DB) deleteArea(ctx context.Context, kind, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// Watches may name it (zone=, near_site=).
		if err := bumpWatches(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM areas WHERE id = $1 AND kind = $2", id, kind)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stored.AreaNotFound(kind, id)
		}
		return nil
	})
}

func (db *DB) areas(ctx context.Context, kind string) ([]stored.Area, error) {
	rows, err := db.pool.Query(ctx, "SELECT id, name, owner, geometry, created_ns, updated_ns FROM areas WHERE kind = $1 ORDER BY created_ns, id", kind)
	if err != nil {
		return nil, db.fail(kind+"s", err)
	}
	defer rows.Close()
	var out []stored.Area
	for rows.Next() {
		var a stored.Area
		var g string
		var created, updated int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Owner, &g, &created, &updated); err != nil {
			return nil, db.fail(kind+"s", err)
		}
		gj, err := geojson.UnmarshalGeometry([]byte(g))
		if err != nil {
			return nil, fmt.Errorf("postgis: %s %s: %w", kind, a.ID, err)
		}
		a.Geometry = gj.Geometry()
		a.CreatedAt, a.UpdatedAt = unixTime(created), unixTime(updated)
		out = append(out, a)
	}
	return out, db.fail(kind+"s", rows.Err())
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

// AreasVersion changes whenever a zone or a site is created, replaced or
// deleted (by any server): a server compares it every few seconds and
// reads the zones and sites again only when it moved, so zone= and
// near_site= name on each server what another drew.
func (db *DB) AreasVersion(ctx context.Context) (string, error) {
	// The sum of 64-bit hashes is a numeric (a bigint would overflow).
	var n int64
	var sum string
	err := db.pool.QueryRow(ctx, "SELECT count(*), coalesce(sum(hashtextextended(id || '/' || updated_ns::text, 0)), 0)::text FROM areas").Scan(&n, &sum)
	if err != nil {
		return "", db.fail("areas version", err)
	}
	return fmt.Sprintf("%d/%s", n, sum), nil
}
