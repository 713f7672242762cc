package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

var _ incident.AreaStore = (*DB)(nil)

// Zones editors draw and sites: rows of the areas table (migration 0004),
// one kind each, the geometry kept as GeoJSON, as the SQLite store keeps
// them. Filters carry the resolved zones and sites (incident.Filter), so
// queries never read this table.

const (
	kindZone = "zone"
	kindSite = "site"
)

// area is a row of the areas table.
type area struct {
	id, name, owner      string
	geometry             orb.Geometry
	createdAt, updatedAt time.Time
}

func (db *DB) putArea(ctx context.Context, kind string, a area, create bool) error {
	g, err := geojson.NewGeometry(a.geometry).MarshalJSON()
	if err != nil {
		return err
	}
	key := geo.ZoneID(a.name)
	return db.inTx(ctx, func(tx pgx.Tx) error {
		sql, args := "UPDATE areas SET name = $1, name_key = $2, geometry = $3, updated_ns = $4 WHERE id = $5 AND kind = $6",
			[]any{a.name, key, string(g), a.updatedAt.UnixNano(), a.id, kind}
		if create {
			sql, args = "INSERT INTO areas (id, kind, name, name_key, geometry, owner, created_ns, updated_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
				[]any{a.id, kind, a.name, key, string(g), a.owner, a.createdAt.UnixNano(), a.updatedAt.UnixNano()}
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if isUniqueViolation(err) {
			return &incident.Error{Code: incident.ECONFLICT, Field: "name", Message: fmt.Sprintf("a %s named %q exists; zone= finds a zone by name, so each name is one zone's", kind, a.name)}
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return areaNotFound(kind, a.id)
		}
		return nil
	})
}

func areaNotFound(kind, id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no %s with id %q; /api/v1/%ss lists them", kind, id, kind)
}

func (db *DB) deleteArea(ctx context.Context, kind, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM areas WHERE id = $1 AND kind = $2", id, kind)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return areaNotFound(kind, id)
		}
		return nil
	})
}

func (db *DB) areas(ctx context.Context, kind string) ([]area, error) {
	rows, err := db.pool.Query(ctx, "SELECT id, name, owner, geometry, created_ns, updated_ns FROM areas WHERE kind = $1 ORDER BY created_ns, id", kind)
	if err != nil {
		return nil, db.fail(kind+"s", err)
	}
	defer rows.Close()
	var out []area
	for rows.Next() {
		var a area
		var g string
		var created, updated int64
		if err := rows.Scan(&a.id, &a.name, &a.owner, &g, &created, &updated); err != nil {
			return nil, db.fail(kind+"s", err)
		}
		gj, err := geojson.UnmarshalGeometry([]byte(g))
		if err != nil {
			return nil, fmt.Errorf("postgis: %s %s: %w", kind, a.id, err)
		}
		a.geometry = gj.Geometry()
		a.createdAt, a.updatedAt = unixTime(created), unixTime(updated)
		out = append(out, a)
	}
	return out, db.fail(kind+"s", rows.Err())
}

func zoneArea(z *incident.Zone) area {
	return area{id: z.ID, name: z.Name, owner: z.Owner, geometry: z.Geometry, createdAt: z.CreatedAt, updatedAt: z.UpdatedAt}
}

func siteArea(s *incident.Site) area {
	return area{id: s.ID, name: s.Name, owner: s.Owner, geometry: s.Geometry, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt}
}

// CreateZone implements incident.AreaStore.
func (db *DB) CreateZone(ctx context.Context, z *incident.Zone) error {
	return db.putArea(ctx, kindZone, zoneArea(z), true)
}

// ReplaceZone implements incident.AreaStore.
func (db *DB) ReplaceZone(ctx context.Context, z *incident.Zone) error {
	return db.putArea(ctx, kindZone, zoneArea(z), false)
}

// DeleteZone implements incident.AreaStore.
func (db *DB) DeleteZone(ctx context.Context, id string) error {
	return db.deleteArea(ctx, kindZone, id)
}

// Zones implements incident.AreaStore.
func (db *DB) Zones(ctx context.Context) ([]*incident.Zone, error) {
	as, err := db.areas(ctx, kindZone)
	if err != nil {
		return nil, err
	}
	out := make([]*incident.Zone, 0, len(as))
	for _, a := range as {
		mp, ok := a.geometry.(orb.MultiPolygon)
		if p, isPoly := a.geometry.(orb.Polygon); isPoly {
			mp, ok = orb.MultiPolygon{p}, true
		}
		if !ok {
			return nil, fmt.Errorf("postgis: zone %s is a %s", a.id, a.geometry.GeoJSONType())
		}
		z := incident.NewDrawnZone(a.id, a.name, mp)
		z.Owner, z.CreatedAt, z.UpdatedAt = a.owner, a.createdAt, a.updatedAt
		out = append(out, z)
	}
	return out, nil
}

// CreateSite implements incident.AreaStore.
func (db *DB) CreateSite(ctx context.Context, s *incident.Site) error {
	return db.putArea(ctx, kindSite, siteArea(s), true)
}

// ReplaceSite implements incident.AreaStore.
func (db *DB) ReplaceSite(ctx context.Context, s *incident.Site) error {
	return db.putArea(ctx, kindSite, siteArea(s), false)
}

// DeleteSite implements incident.AreaStore.
func (db *DB) DeleteSite(ctx context.Context, id string) error {
	return db.deleteArea(ctx, kindSite, id)
}

// Sites implements incident.AreaStore.
func (db *DB) Sites(ctx context.Context) ([]*incident.Site, error) {
	as, err := db.areas(ctx, kindSite)
	if err != nil {
		return nil, err
	}
	out := make([]*incident.Site, 0, len(as))
	for _, a := range as {
		s := incident.NewSite(a.id, a.name, a.geometry)
		s.Owner, s.CreatedAt, s.UpdatedAt = a.owner, a.createdAt, a.updatedAt
		out = append(out, s)
	}
	return out, nil
}

// AreasVersion changes whenever a zone or a site is created, replaced or
// deleted (by any server): a server compares it every few seconds and
// reads the zones and sites again only when it moved, so zone= and
// near_site= name on each server what another drew.
func (db *DB) AreasVersion(ctx context.Context) (string, error) {
	var n, sum int64
	err := db.pool.QueryRow(ctx, "SELECT count(*), coalesce(sum(hashtextextended(id || '/' || updated_ns::text, 0)), 0)::bigint FROM areas").Scan(&n, &sum)
	if err != nil {
		return "", db.fail("areas version", err)
	}
	return fmt.Sprintf("%d/%d", n, sum), nil
}
