package storetest

import (
	"context"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// zone= and near_site= name areas: the geography's border zones and
// tri-border areas, and the zones editors draw and the sites they keep,
// which a store keeps (incident.AreaStore). A filter carries the zones and
// the site themselves, as ParseFilter resolves them through geo.Areas, so
// a store can answer from the filter alone (the SQLite store tests each row
// with Zone.ContainsPoint and Site.DistanceKM) or from its stored copies
// by id (a PostGIS store joining its areas table). A store that implements
// incident.AreaStore is given the drawn zones and sites before any query,
// must read them back as stored, and the filters are resolved against what
// it reads back, as a server resolves them.

// drawnZones are the zones of every run: a square around Niamey's
// incidents (incidents on its edges and corners), a MultiPolygon of a
// square with a hole around Lake Chad and a triangle (slanted edge) near
// Ouagadougou, and a zone drawn to the antimeridian from both sides around
// Fiji (its parts meet at lon ±180; the edges list of randomPoint puts
// incidents there).
var drawnZones = []*incident.Zone{
	incident.NewDrawnZone("zone-niamey", "Niamey square", orb.MultiPolygon{
		{{{1.75, 13.25}, {2.5, 13.25}, {2.5, 13.75}, {1.75, 13.75}, {1.75, 13.25}}},
	}),
	incident.NewDrawnZone("zone-chad-ouaga", "Lac Tchad et Kadiogo", orb.MultiPolygon{
		{{{12.75, 13}, {13.5, 13}, {13.5, 13.5}, {12.75, 13.5}, {12.75, 13}}, {{13, 13.25}, {13.25, 13.25}, {13.25, 13.375}, {13, 13.375}, {13, 13.25}}},
		{{{-2, 12}, {-1, 12}, {-1.5, 12.5}, {-2, 12}}},
	}),
	incident.NewDrawnZone("zone-fiji", "Fidji à l'antiméridien", orb.MultiPolygon{
		{{{170, -20}, {180, -20}, {180, 0}, {170, 0}, {170, -20}}},
		{{{-180, -20}, {-170, -20}, {-170, 0}, {-180, 0}, {-180, -20}}},
	}),
}

// sites are the sites of every run: a base (Point), a road (LineString),
// a camp (Polygon), and a cable across the antimeridian (the short great
// circle from 179°E to 179°W).
var sites = []*incident.Site{
	incident.NewSite("site-base", "Base Niamey", orb.Point{2.1098, 13.51366}),
	incident.NewSite("site-road", "Route nationale 1", orb.LineString{{2.1098, 13.51366}, {1.4528, 14.2126}, {-1.5197, 12.3714}}),
	incident.NewSite("site-camp", "Camp de Diffa", orb.Polygon{{{13.0, 13.25}, {13.375, 13.25}, {13.375, 13.5}, {13.0, 13.5}, {13.0, 13.25}}}),
	incident.NewSite("site-cable", "Câble Fidji", orb.LineString{{179, -17}, {-179, -16.5}}),
}

func init() {
	at := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	for i, z := range drawnZones {
		z.Owner, z.CreatedAt, z.UpdatedAt = "tok-storetest", at.Add(time.Duration(i)*time.Minute), at.Add(time.Duration(i)*time.Hour)
	}
	for i, s := range sites {
		s.Owner, s.CreatedAt, s.UpdatedAt = "tok-storetest", at.Add(time.Duration(i)*time.Minute), at.Add(time.Duration(i)*time.Hour)
	}
}

// newAreas is the geography with the drawn zones and sites, as a server
// holds them.
func newAreas(g *geo.Geography) *geo.Areas {
	a := geo.NewAreas(g)
	for _, z := range drawnZones {
		a.PutZone(z)
	}
	for _, s := range sites {
		a.PutSite(s)
	}
	return a
}

// areaPoint is a point on, just inside or just outside a drawn zone's
// edge (a vertex, a point along an edge, or that moved by a millionth of a
// degree), or near a site: on it, or at a random distance from it.
func areaPoint(r *rand.Rand) orb.Point {
	if r.Intn(3) == 0 {
		s := sites[r.Intn(len(sites))]
		var p orb.Point
		switch g := s.Geometry.(type) {
		case orb.Point:
			p = g
		case orb.LineString:
			p = g[r.Intn(len(g))]
		case orb.Polygon:
			p = g[0][r.Intn(len(g[0]))]
		}
		if r.Intn(4) == 0 {
			return p
		}
		q := geo.Destination(p, r.Float64()*360, r.ExpFloat64()*30)
		return orb.Point{clamp(q[0], 180), clamp(q[1], 90)}
	}
	z := drawnZones[r.Intn(len(drawnZones))]
	poly := z.Geometry[r.Intn(len(z.Geometry))]
	ring := poly[r.Intn(len(poly))]
	i := r.Intn(len(ring) - 1)
	a, b := ring[i], ring[i+1]
	// Quarters of an edge are exact in float64 for these coordinates: the
	// point is on the edge, not a rounding away from it.
	t := float64(r.Intn(5)) / 4
	p := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	switch r.Intn(3) {
	case 0:
		p[0] += 1e-6
	case 1:
		p[1] -= 1e-6
	}
	return orb.Point{clamp(p[0], 180), clamp(p[1], 90)}
}

// zoneField draws one to three zones: a border zone of a border some
// incident is near, a tri-border area, a drawn zone; by id or by name as
// a client spells it, resolved through the Areas as ParseFilter does.
func zoneField(r *rand.Rand, d *Data, f *incident.Filter) {
	builtin := d.Areas.BuiltinZones()
	for range 1 + r.Intn(2) {
		var z *incident.Zone
		switch k := r.Intn(6); {
		case k < 2:
			in := d.Pick(r)
			for _, b := range in.Borders {
				if i := slices.IndexFunc(builtin, func(z *incident.Zone) bool { return z.Border == b.Border }); i >= 0 {
					z = builtin[i]
					break
				}
			}
		case k < 3:
			areas := slices.DeleteFunc(slices.Clone(builtin), func(z *incident.Zone) bool { return z.Center == nil })
			if len(areas) > 0 {
				z = areas[r.Intn(len(areas))]
			}
		default:
			zs := d.Areas.DrawnZones()
			z = zs[r.Intn(len(zs))]
		}
		if z == nil {
			z = builtin[r.Intn(len(builtin))]
		}
		ref := z.ID
		switch r.Intn(3) {
		case 0:
			ref = z.Name
		case 1:
			ref = strings.ToUpper(geo.Fold(z.Name))
		}
		resolved, ok := d.Areas.ZoneNamed(ref)
		if !ok {
			panic("storetest: zone " + ref + " is not found by its id or name")
		}
		if !slices.Contains(f.Zones, resolved) {
			f.Zones = append(f.Zones, resolved)
		}
	}
}

// nearSiteField draws a site and a radius: a round one, or the distance
// of some incident a ten-thousandth of a metre more or less (just in or
// just out; a store's arithmetic may differ from Site.DistanceKM by far
// less, never by that), or 0 (the incidents on it or inside a camp).
func nearSiteField(r *rand.Rand, d *Data, f *incident.Filter) {
	ss := d.Areas.Sites()
	s, ok := d.Areas.SiteByID(ss[r.Intn(len(ss))].ID)
	if !ok {
		panic("storetest: a site is not found by its id")
	}
	f.Site = s
	in := d.Pick(r)
	dist := s.DistanceKM(orb.Point{in.Lon, in.Lat})
	switch k := r.Intn(6); {
	case k == 0:
		f.RadiusKM = 0
	case k < 3 && dist < 5000:
		f.RadiusKM = max(0, dist+[]float64{1e-7, -1e-7}[r.Intn(2)])
	default:
		f.RadiusKM = []float64{0.5, 10, 25, 80, 300, 1500}[r.Intn(6)] * (0.5 + r.Float64())
	}
}

// storeAreas gives the drawn zones and sites to the reference and, if it
// keeps them, to the store, checks that the store reads them back as the
// reference does, and resolves the data's filters against what the store
// reads back, as a server loads its geo.Areas from its store.
func (p *pair) storeAreas() {
	p.t.Helper()
	ctx := context.Background()
	as, ok := p.store.(incident.AreaStore)
	for _, z := range drawnZones {
		if err := p.ref.CreateZone(ctx, z); err != nil {
			p.t.Fatalf("reference: %v", err)
		}
		if ok {
			if err := as.CreateZone(ctx, z); err != nil {
				p.t.Fatalf("CreateZone %s: %v", z.ID, err)
			}
		}
	}
	for _, s := range sites {
		if err := p.ref.CreateSite(ctx, s); err != nil {
			p.t.Fatalf("reference: %v", err)
		}
		if ok {
			if err := as.CreateSite(ctx, s); err != nil {
				p.t.Fatalf("CreateSite %s: %v", s.ID, err)
			}
		}
	}
	if !ok {
		return
	}
	p.sameAreas(as)
	a := geo.NewAreas(p.data.Geo)
	if err := a.Load(ctx, as); err != nil {
		p.t.Fatalf("loading the zones and sites: %v", err)
	}
	p.data.Areas = a
}

// sameAreas compares the zones and sites a store lists with the
// reference's: the same ids in the same order, names, owners, times and
// geometries (a MultiPolygon stays one, every position as sent).
func (p *pair) sameAreas(as incident.AreaStore) {
	p.t.Helper()
	ctx := context.Background()
	gz, err := as.Zones(ctx)
	if err != nil {
		p.t.Fatalf("Zones: %v", err)
	}
	wz, _ := p.ref.Zones(ctx)
	gs, err := as.Sites(ctx)
	if err != nil {
		p.t.Fatalf("Sites: %v", err)
	}
	ws, _ := p.ref.Sites(ctx)
	p.sameAreaRows("Zones", zoneRows(gz), zoneRows(wz))
	p.sameAreaRows("Sites", siteRows(gs), siteRows(ws))
}

// areaRow is what a store keeps of a zone or site.
type areaRow struct {
	ID, Name, Owner      string
	CreatedAt, UpdatedAt time.Time
	Geometry             orb.Geometry
}

func zoneRows(zs []*incident.Zone) []areaRow {
	out := make([]areaRow, len(zs))
	for i, z := range zs {
		out[i] = areaRow{z.ID, z.Name, z.Owner, z.CreatedAt, z.UpdatedAt, z.Geometry}
	}
	return out
}

func siteRows(ss []*incident.Site) []areaRow {
	out := make([]areaRow, len(ss))
	for i, s := range ss {
		out[i] = areaRow{s.ID, s.Name, s.Owner, s.CreatedAt, s.UpdatedAt, s.Geometry}
	}
	return out
}

func (p *pair) sameAreaRows(what string, got, want []areaRow) {
	p.t.Helper()
	if len(got) != len(want) {
		p.errorf("%s: %d, want %d", what, len(got), len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Name != w.Name || g.Owner != w.Owner || !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) || !reflect.DeepEqual(g.Geometry, w.Geometry) {
			p.errorf("%s: %d is %+v, want %+v", what, i, g, w)
		}
	}
}
