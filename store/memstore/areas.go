package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

var _ incident.AreaStore = (*Store)(nil)

// area is a stored zone or site: ids are one namespace for both, as in the
// SQLite store's areas table; names are unique among zones, as zone= reads
// them (geo.ZoneID: case, accents and spacing aside).
type area struct {
	kind string // "zone" or "site"
	zone *incident.Zone
	site *incident.Site
}

func (a area) id() string {
	if a.zone != nil {
		return a.zone.ID
	}
	return a.site.ID
}

// putArea stores a (create) or replaces the area of its id and kind.
func (s *Store) putArea(a area, create bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.areas, func(o area) bool { return o.id() == a.id() })
	switch {
	case create && i >= 0:
		return incident.Errorf(incident.ECONFLICT, "a zone or site with id %q exists", a.id())
	case !create && (i < 0 || s.areas[i].kind != a.kind):
		return areaNotFound(a.kind, a.id())
	}
	if a.zone != nil {
		key := geo.ZoneID(a.zone.Name)
		for _, o := range s.areas {
			if o.zone != nil && o.zone.ID != a.zone.ID && geo.ZoneID(o.zone.Name) == key {
				return &incident.Error{Code: incident.ECONFLICT, Field: "name", Message: fmt.Sprintf("a zone named %q exists; zone= finds a zone by name, so each name is one zone's", a.zone.Name)}
			}
		}
	}
	if create {
		s.areas = append(s.areas, a)
		return nil
	}
	// A replacement keeps the owner and creation time (what an update
	// changes is the name, the area and updated_at).
	if a.zone != nil {
		o := s.areas[i].zone
		a.zone.Owner, a.zone.CreatedAt = o.Owner, o.CreatedAt
	} else {
		o := s.areas[i].site
		a.site.Owner, a.site.CreatedAt = o.Owner, o.CreatedAt
	}
	s.areas[i] = a
	return nil
}

func areaNotFound(kind, id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no %s with id %q; /api/v1/%ss lists them", kind, id, kind)
}

func (s *Store) deleteArea(kind, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.areas)
	s.areas = slices.DeleteFunc(s.areas, func(a area) bool { return a.kind == kind && a.id() == id })
	if len(s.areas) == n {
		return areaNotFound(kind, id)
	}
	return nil
}

// listAreas are the areas of a kind, oldest first (ids break ties).
func (s *Store) listAreas(kind string) []area {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []area
	for _, a := range s.areas {
		if a.kind == kind {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b area) int {
		ta, tb := a.created(), b.created()
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		return strings.Compare(a.id(), b.id())
	})
	return out
}

func (a area) created() time.Time {
	if a.zone != nil {
		return a.zone.CreatedAt
	}
	return a.site.CreatedAt
}

// CreateZone implements incident.AreaStore.
func (s *Store) CreateZone(ctx context.Context, z *incident.Zone) error {
	return s.putArea(area{kind: "zone", zone: copyZone(z)}, true)
}

// ReplaceZone implements incident.AreaStore.
func (s *Store) ReplaceZone(ctx context.Context, z *incident.Zone) error {
	return s.putArea(area{kind: "zone", zone: copyZone(z)}, false)
}

// DeleteZone implements incident.AreaStore.
func (s *Store) DeleteZone(ctx context.Context, id string) error { return s.deleteArea("zone", id) }

// Zones implements incident.AreaStore.
func (s *Store) Zones(ctx context.Context) ([]*incident.Zone, error) {
	out := []*incident.Zone{}
	for _, a := range s.listAreas("zone") {
		out = append(out, copyZone(a.zone))
	}
	return out, nil
}

// CreateSite implements incident.AreaStore.
func (s *Store) CreateSite(ctx context.Context, site *incident.Site) error {
	return s.putArea(area{kind: "site", site: copySite(site)}, true)
}

// ReplaceSite implements incident.AreaStore.
func (s *Store) ReplaceSite(ctx context.Context, site *incident.Site) error {
	return s.putArea(area{kind: "site", site: copySite(site)}, false)
}

// DeleteSite implements incident.AreaStore.
func (s *Store) DeleteSite(ctx context.Context, id string) error { return s.deleteArea("site", id) }

// Sites implements incident.AreaStore.
func (s *Store) Sites(ctx context.Context) ([]*incident.Site, error) {
	out := []*incident.Site{}
	for _, a := range s.listAreas("site") {
		out = append(out, copySite(a.site))
	}
	return out, nil
}

// copyZone is a zone as a store reads it back: its own geometry, indexed,
// times in UTC.
func copyZone(z *incident.Zone) *incident.Zone {
	c := incident.NewDrawnZone(z.ID, z.Name, orb.Clone(z.Geometry).(orb.MultiPolygon))
	c.Owner, c.CreatedAt, c.UpdatedAt = z.Owner, z.CreatedAt.UTC(), z.UpdatedAt.UTC()
	return c
}

func copySite(s *incident.Site) *incident.Site {
	c := incident.NewSite(s.ID, s.Name, orb.Clone(s.Geometry))
	c.Owner, c.CreatedAt, c.UpdatedAt = s.Owner, s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return c
}
