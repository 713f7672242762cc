package stored

import (
	"context"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Area is a stored drawn zone or site (incident.AreaStore), as both
// stores keep it: one row of an areas table, the kind apart.
type Area struct {
	ID, Name, Owner      string
	Geometry             orb.Geometry
	CreatedAt, UpdatedAt time.Time
}

// ZoneArea is the row of a drawn zone.
func ZoneArea(z *incident.Zone) Area {
	return Area{ID: z.ID, Name: z.Name, Owner: z.Owner, Geometry: z.Geometry, CreatedAt: z.CreatedAt, UpdatedAt: z.UpdatedAt}
}

// SiteArea is the row of a site.
func SiteArea(s *incident.Site) Area {
	return Area{ID: s.ID, Name: s.Name, Owner: s.Owner, Geometry: s.Geometry, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// Zones are the drawn zones of rows, indexed; an error names a row whose
// geometry is not a polygon (store names the store).
func Zones(store string, as []Area) ([]*incident.Zone, error) {
	out := make([]*incident.Zone, 0, len(as))
	for _, a := range as {
		mp, ok := a.Geometry.(orb.MultiPolygon)
		if p, isPoly := a.Geometry.(orb.Polygon); isPoly {
			mp, ok = orb.MultiPolygon{p}, true
		}
		if !ok {
			return nil, fmt.Errorf("%s: zone %s is a %s", store, a.ID, a.Geometry.GeoJSONType())
		}
		z := incident.NewDrawnZone(a.ID, a.Name, mp)
		z.Owner, z.CreatedAt, z.UpdatedAt = a.Owner, a.CreatedAt, a.UpdatedAt
		out = append(out, z)
	}
	return out, nil
}

// Sites are the sites of rows, indexed.
func Sites(as []Area) []*incident.Site {
	out := make([]*incident.Site, 0, len(as))
	for _, a := range as {
		s := incident.NewSite(a.ID, a.Name, a.Geometry)
		s.Owner, s.CreatedAt, s.UpdatedAt = a.Owner, a.CreatedAt, a.UpdatedAt
		out = append(out, s)
	}
	return out
}

// AreaNotFound is the error for an id no zone or site (kind) has.
func AreaNotFound(kind, id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no %s with id %q; /api/v1/%ss lists them", kind, id, kind)
}

// AreaNameTaken is the error for a zone's name another has.
func AreaNameTaken(kind, name string) error {
	return &incident.Error{Code: incident.ECONFLICT, Field: "name", Message: fmt.Sprintf("a %s named %q exists; zone= finds a zone by name, so each name is one zone's", kind, name)}
}

// Kinds of area row.
const (
	KindZone = "zone"
	KindSite = "site"
)

// AreaRows is what a store does with area rows: write one (create, or
// replace an existing one), delete one, list a kind oldest first.
type AreaRows interface {
	PutArea(ctx context.Context, kind string, a Area, create bool) error
	DeleteArea(ctx context.Context, kind, id string) error
	Areas(ctx context.Context, kind string) ([]Area, error)
}

// AreaStore is incident.AreaStore on a store's area rows, written once for
// both stores; Store names the store in errors.
type AreaStore struct {
	Rows  AreaRows
	Store string
}

var _ incident.AreaStore = AreaStore{}

// CreateZone implements incident.AreaStore.
func (s AreaStore) CreateZone(ctx context.Context, z *incident.Zone) error {
	return s.Rows.PutArea(ctx, KindZone, ZoneArea(z), true)
}

// ReplaceZone implements incident.AreaStore.
func (s AreaStore) ReplaceZone(ctx context.Context, z *incident.Zone) error {
	return s.Rows.PutArea(ctx, KindZone, ZoneArea(z), false)
}

// DeleteZone implements incident.AreaStore.
func (s AreaStore) DeleteZone(ctx context.Context, id string) error {
	return s.Rows.DeleteArea(ctx, KindZone, id)
}

// Zones implements incident.AreaStore.
func (s AreaStore) Zones(ctx context.Context) ([]*incident.Zone, error) {
	as, err := s.Rows.Areas(ctx, KindZone)
	if err != nil {
		return nil, err
	}
	return Zones(s.Store, as)
}

// CreateSite implements incident.AreaStore.
func (s AreaStore) CreateSite(ctx context.Context, st *incident.Site) error {
	return s.Rows.PutArea(ctx, KindSite, SiteArea(st), true)
}

// ReplaceSite implements incident.AreaStore.
func (s AreaStore) ReplaceSite(ctx context.Context, st *incident.Site) error {
	return s.Rows.PutArea(ctx, KindSite, SiteArea(st), false)
}

// DeleteSite implements incident.AreaStore.
func (s AreaStore) DeleteSite(ctx context.Context, id string) error {
	return s.Rows.DeleteArea(ctx, KindSite, id)
}

// Sites implements incident.AreaStore.
func (s AreaStore) Sites(ctx context.Context) ([]*incident.Site, error) {
	as, err := s.Rows.Areas(ctx, KindSite)
	if err != nil {
		return nil, err
	}
	return Sites(as), nil
}
