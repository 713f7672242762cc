package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

var _ incident.AreaStore = (*DB)(nil)

// Zones editors draw and sites: rows of the areas table (migration 0020),
// one kind each, the geometry kept as GeoJSON.

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
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		if create {
			res, err = tx.ExecContext(ctx, "INSERT INTO areas (id, kind, name, name_key, geometry, owner, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
				a.id, kind, a.name, key, g, a.owner, a.createdAt.UTC().Format(time.RFC3339Nano), a.updatedAt.UTC().Format(time.RFC3339Nano))
		} else {
			res, err = tx.ExecContext(ctx, "UPDATE areas SET name = ?, name_key = ?, geometry = ?, updated_at = ? WHERE id = ? AND kind = ?",
				a.name, key, g, a.updatedAt.UTC().Format(time.RFC3339Nano), a.id, kind)
		}
		if isConstraint(err) {
			return &incident.Error{Code: incident.ECONFLICT, Field: "name", Message: fmt.Sprintf("a %s named %q exists; zone= finds a zone by name, so each name is one zone's", kind, a.name)}
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return areaNotFound(kind, a.id)
		}
		return nil
	})
}

func areaNotFound(kind, id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no %s with id %q; /api/v1/%ss lists them", kind, id, kind)
}

func (db *DB) deleteArea(ctx context.Context, kind, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM areas WHERE id = ? AND kind = ?", id, kind)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return areaNotFound(kind, id)
		}
		return nil
	})
}

func (db *DB) areas(ctx context.Context, kind string) ([]area, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, owner, geometry, created_at, updated_at FROM areas WHERE kind = ? ORDER BY created_at, id", kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []area
	for rows.Next() {
		var a area
		var g []byte
		var created, updated string
		if err := rows.Scan(&a.id, &a.name, &a.owner, &g, &created, &updated); err != nil {
			return nil, err
		}
		gj, err := geojson.UnmarshalGeometry(g)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s %s: %w", kind, a.id, err)
		}
		a.geometry = gj.Geometry()
		a.createdAt, _ = time.Parse(time.RFC3339Nano, created)
		a.updatedAt, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, a)
	}
	return out, rows.Err()
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
			return nil, fmt.Errorf("sqlite: zone %s is a %s", a.id, a.geometry.GeoJSONType())
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
