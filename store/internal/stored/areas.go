package stored

import (
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
