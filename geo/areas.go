package geo

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Areas is the geography with the zones editors drew and the sites they
// keep: what the incident filters resolve zone= and near_site= against
// (incident.Areas), and the rest of incident.Places through the
// Geography. One per store: the Geography is shared, the drawn zones and
// sites are the store's.
type Areas struct {
	*Geography

	builtinOnce sync.Once
	builtin     []*incident.Zone

	mu    sync.RWMutex
	zones []*incident.Zone // drawn, oldest first
	sites map[string]*incident.Site
}

var (
	_ incident.Places = (*Areas)(nil)
	_ incident.Areas  = (*Areas)(nil)
)

// NewAreas is g with no drawn zones or sites yet.
func NewAreas(g *Geography) *Areas {
	return &Areas{Geography: g, sites: map[string]*incident.Site{}}
}

// Load reads the drawn zones and the sites of a store.
func (a *Areas) Load(ctx context.Context, s incident.AreaStore) error {
	zs, err := s.Zones(ctx)
	if err != nil {
		return err
	}
	ss, err := s.Sites(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.zones = zs
	a.sites = map[string]*incident.Site{}
	for _, s := range ss {
		a.sites[s.ID] = s
	}
	return nil
}

// ZoneID is a built-in zone's id: its name in lower case, words joined by
// hyphens ("mali-niger-border-zone").
func ZoneID(name string) string { return strings.ReplaceAll(normalize(name), " ", "-") }

// BuiltinZones are the geography's zones as filters use them, in the
// Geography's order.
func (a *Areas) BuiltinZones() []*incident.Zone {
	a.builtinOnce.Do(func() {
		for _, z := range a.Geography.Zones {
			iz := &incident.Zone{ID: ZoneID(z.Name), Name: z.Name, WidthKM: z.WidthKM, Countries: z.Countries}
			if z.Border != "" {
				iz.Border = z.Border
				b, _ := a.Border(z.Border)
				bd := b.Geometry.Bound()
				iz.Bound = CircleBound(bd.Min, z.WidthKM).Union(CircleBound(bd.Max, z.WidthKM)).
					Union(CircleBound(orb.Point{bd.Min[0], bd.Max[1]}, z.WidthKM)).Union(CircleBound(orb.Point{bd.Max[0], bd.Min[1]}, z.WidthKM))
			} else {
				c := z.Center
				iz.Center, iz.Bound = &c, CircleBound(c, z.WidthKM)
			}
			a.builtin = append(a.builtin, iz)
		}
	})
	return a.builtin
}

// ZoneNamed finds a zone by id or name, case, accents and punctuation
// aside: the geography's first (a Niger border zone's old name, "Mali
// border zone", still finds it), then the drawn ones.
func (a *Areas) ZoneNamed(idOrName string) (*incident.Zone, bool) {
	if z, ok := a.Geography.Zone(idOrName); ok {
		for _, iz := range a.BuiltinZones() {
			if iz.Name == z.Name {
				return iz, true
			}
		}
	}
	k := normalize(idOrName)
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, z := range a.zones {
		if z.ID == idOrName || normalize(z.Name) == k {
			return z, true
		}
	}
	return nil, false
}

// DrawnZones lists the zones editors drew, oldest first.
func (a *Areas) DrawnZones() []*incident.Zone {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return slices.Clone(a.zones)
}

// PutZone adds a drawn zone, or replaces the one with its id.
func (a *Areas) PutZone(z *incident.Zone) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i := slices.IndexFunc(a.zones, func(o *incident.Zone) bool { return o.ID == z.ID }); i >= 0 {
		a.zones[i] = z
		return
	}
	a.zones = append(a.zones, z)
}

// RemoveZone forgets a drawn zone.
func (a *Areas) RemoveZone(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.zones = slices.DeleteFunc(a.zones, func(z *incident.Zone) bool { return z.ID == id })
}

// SiteByID finds a site.
func (a *Areas) SiteByID(id string) (*incident.Site, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	s, ok := a.sites[id]
	return s, ok
}

// Sites lists the sites, oldest first.
func (a *Areas) Sites() []*incident.Site {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]*incident.Site, 0, len(a.sites))
	for _, s := range a.sites {
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y *incident.Site) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// PutSite adds or replaces a site.
func (a *Areas) PutSite(s *incident.Site) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sites[s.ID] = s
}

// RemoveSite forgets a site.
func (a *Areas) RemoveSite(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sites, id)
}
