package incident

import (
	"context"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
)

// Zone is a named area a filter refers to (zone=). The geography defines
// the built-in ones by distance: a border zone holds the points of the
// border's two countries within WidthKM of it (either side), an area those
// within WidthKM of Center (a tripoint). Editors draw their own: Geometry,
// a MultiPolygon, holds their points.
type Zone struct {
	ID   string
	Name string
	// Border zones: the border's key, its two countries (ISO3).
	Border    string
	Countries []string
	// Areas around a centre.
	Center *orb.Point
	// WidthKM is a border zone's width or an area's radius.
	WidthKM float64
	// Geometry is a drawn zone's area (planar in lon/lat, as GeoJSON's
	// polygons are drawn); nil for the built-in ones.
	Geometry orb.MultiPolygon
	// Bound holds every point of the zone; built-in zones have it from the
	// geography, drawn ones from NewDrawnZone.
	Bound orb.Bound

	Owner     string // the id of the token that drew it
	CreatedAt time.Time
	UpdatedAt time.Time

	// index is built by NewDrawnZone, or on first use for a zone made
	// otherwise (atomic: stores test rows from several goroutines).
	index atomic.Pointer[polygonIndex]
}

// Drawn says the zone is an editor's, stored, rather than the geography's.
func (z *Zone) Drawn() bool { return z.Geometry != nil }

// NewDrawnZone is a zone of an editor's area, indexed for Contains.
func NewDrawnZone(id, name string, mp orb.MultiPolygon) *Zone {
	z := &Zone{ID: id, Name: name, Geometry: mp, Bound: mp.Bound()}
	z.index.Store(newPolygonIndex(mp))
	return z
}

// Contains says whether the incident lies in the zone: what zone= means.
func (z *Zone) Contains(in *Incident) bool {
	if z.Border != "" && z.Geometry == nil && z.Center == nil {
		d, ok := in.BorderKM(z.Border)
		return ok && d <= z.WidthKM && in.Country != nil && slices.Contains(z.Countries, *in.Country)
	}
	return z.ContainsPoint(orb.Point{in.Lon, in.Lat})
}

// ContainsPoint is Contains for a drawn zone or an area, which need only
// the point (a border zone needs the incident's borders: false).
func (z *Zone) ContainsPoint(p orb.Point) bool {
	switch {
	case z.Geometry != nil:
		x := z.index.Load()
		if x == nil {
			x = newPolygonIndex(z.Geometry)
			z.index.Store(x)
		}
		return x.contains(p)
	case z.Center != nil:
		return DistanceKM(*z.Center, p) <= z.WidthKM
	}
	return false
}

// Site is a place an organisation cares about: a base (Point), a road
// (LineString), a camp (Polygon). near_site= selects the incidents within
// a distance of it.
type Site struct {
	ID        string
	Name      string
	Geometry  orb.Geometry
	Owner     string
	CreatedAt time.Time
	UpdatedAt time.Time

	index atomic.Pointer[polygonIndex] // a Polygon's, for the inside test
}

// NewSite is a site, indexed for DistanceKM.
func NewSite(id, name string, g orb.Geometry) *Site {
	s := &Site{ID: id, Name: name, Geometry: g}
	if p, ok := g.(orb.Polygon); ok {
		s.index.Store(newPolygonIndex(orb.MultiPolygon{p}))
	}
	return s
}

// DistanceKM is how far p is from the site on the sphere: to the point, to
// the nearest segment of a line (along great circles), 0 inside a polygon
// and else to its nearest edge.
func (s *Site) DistanceKM(p orb.Point) float64 {
	switch g := s.Geometry.(type) {
	case orb.Point:
		return DistanceKM(g, p)
	case orb.LineString:
		return lineDistanceKM(g, p)
	case orb.Polygon:
		x := s.index.Load()
		if x == nil {
			x = newPolygonIndex(orb.MultiPolygon{g})
			s.index.Store(x)
		}
		if x.contains(p) {
			return 0
		}
		d := math.Inf(1)
		for _, r := range g {
			d = math.Min(d, lineDistanceKM(orb.LineString(r), p))
		}
		return d
	}
	return math.Inf(1)
}

// Bound is a lon/lat box holding every point within km of the site, false
// when it reaches a pole or the antimeridian (no box then: test every
// point). A line's segments are great-circle arcs, which bow poleward of
// their ends (to 67.8°N, 870 km, between 0° and 90°E at 60°N) and may cross the
// antimeridian between ends on either side of it: the box of the ends
// alone missed the incidents near the middle of such a road or cable.
func (s *Site) Bound(km float64) (orb.Bound, bool) {
	b, ok := arcsBound(s.Geometry)
	if !ok {
		return orb.Bound{}, false
	}
	out := orb.Bound{}
	for i, c := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		cb, cok := circleBound(c, km)
		if !cok {
			return orb.Bound{}, false
		}
		if i == 0 {
			out = cb
		} else {
			out = out.Union(cb)
		}
	}
	return out, true
}

// arcsBound is a lon/lat box holding a site's geometry, its lines' and
// rings' segments taken as the great-circle arcs DistanceKM measures to;
// false for a segment across the antimeridian or through a pole (180° or
// more of longitude between its ends).
func arcsBound(g orb.Geometry) (orb.Bound, bool) {
	var lines []orb.LineString
	switch g := g.(type) {
	case orb.Point:
		return g.Bound(), true
	case orb.LineString:
		lines = []orb.LineString{g}
	case orb.Polygon:
		for _, r := range g {
			lines = append(lines, orb.LineString(r))
		}
	default:
		return orb.Bound{}, false
	}
	b := g.Bound()
	for _, l := range lines {
		for i := 1; i < len(l); i++ {
			if math.Abs(l[i][0]-l[i-1][0]) >= 180 {
				return orb.Bound{}, false
			}
			lo, hi := arcLatRange(unit(l[i-1]), unit(l[i]))
			b.Min[1], b.Max[1] = math.Min(b.Min[1], lo), math.Max(b.Max[1], hi)
		}
	}
	return b, true
}

// arcLatRange is the lowest and highest latitude (degrees) on the arc a–b:
// its ends', or the great circle's northernmost (southernmost) point when
// the arc passes it.
func arcLatRange(a, b vec) (lo, hi float64) {
	lat := func(v vec) float64 { return math.Asin(math.Max(-1, math.Min(1, v[2]/v.norm()))) * 180 / math.Pi }
	lo, hi = math.Min(lat(a), lat(b)), math.Max(lat(a), lat(b))
	n := a.cross(b)
	nn := n.norm()
	if nn < 1e-15 {
		return lo, hi
	}
	// The northernmost point of the great circle is the pole's direction
	// less its part along the circle's normal.
	top := vec{-n[2] * n[0] / (nn * nn), -n[2] * n[1] / (nn * nn), 1 - n[2]*n[2]/(nn*nn)}
	if top.norm() < 1e-15 {
		return lo, hi // the equator
	}
	onArc := func(v vec) bool { return n.cross(a).dot(v) >= 0 && b.cross(n).dot(v) >= 0 }
	if onArc(top) {
		hi = math.Max(hi, lat(top))
	}
	if bottom := (vec{-top[0], -top[1], -top[2]}); onArc(bottom) {
		lo = math.Min(lo, lat(bottom))
	}
	return lo, hi
}

// Intersect is the box two boxes share; Min greater than Max in a
// coordinate when they do not meet.
func Intersect(a, b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{math.Max(a.Min[0], b.Min[0]), math.Max(a.Min[1], b.Min[1])},
		Max: orb.Point{math.Min(a.Max[0], b.Max[0]), math.Min(a.Max[1], b.Max[1])}}
}

// ZonesBound is a box holding every point of the zones, false when there
// is none to give (a border zone made without its Bound, an area reaching
// a pole).
func ZonesBound(zs []*Zone) (orb.Bound, bool) {
	var out orb.Bound
	for i, z := range zs {
		b := z.Bound
		if b == (orb.Bound{}) {
			var ok bool
			switch {
			case z.Geometry != nil:
				b, ok = z.Geometry.Bound(), true
			case z.Center != nil:
				b, ok = circleBound(*z.Center, z.WidthKM)
			}
			if !ok {
				return orb.Bound{}, false
			}
		}
		if i == 0 {
			out = b
		} else {
			out = out.Union(b)
		}
	}
	return out, len(zs) > 0
}

// lineDistanceKM is the distance from p to the nearest segment of a line,
// each segment the shorter great-circle arc between its ends.
func lineDistanceKM(l orb.LineString, p orb.Point) float64 {
	if len(l) == 1 {
		return DistanceKM(l[0], p)
	}
	q := unit(p)
	best := math.Inf(1)
	for i := 1; i < len(l); i++ {
		best = math.Min(best, arcDistance(unit(l[i-1]), unit(l[i]), q))
	}
	return best * EarthRadiusKM
}

type vec [3]float64

func unit(p orb.Point) vec {
	lon, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
	return vec{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
}

func (a vec) dot(b vec) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec) cross(b vec) vec {
	return vec{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
func (a vec) norm() float64 { return math.Sqrt(a.dot(a)) }

// angle between unit vectors, stable for small angles.
func angle(a, b vec) float64 { return math.Atan2(a.cross(b).norm(), a.dot(b)) }

// arcDistance is the angle from q to the arc a–b: to the arc's great circle
// when q's foot on it lies between a and b, else to the nearer end.
func arcDistance(a, b, q vec) float64 {
	n := a.cross(b)
	if nn := n.norm(); nn > 1e-15 {
		// The foot lies within the arc when q is on b's side of the plane
		// through a and n, and on a's side of the plane through b and n.
		if n.cross(a).dot(q) >= 0 && b.cross(n).dot(q) >= 0 {
			return math.Abs(math.Asin(math.Max(-1, math.Min(1, n.dot(q)/nn))))
		}
	}
	return math.Min(angle(a, q), angle(b, q))
}

// AreaStore keeps the zones editors draw and the sites they keep.
type AreaStore interface {
	// CreateZone stores a drawn zone; ECONFLICT when a zone has its name.
	CreateZone(ctx context.Context, z *Zone) error
	// ReplaceZone changes a zone's name and area; ENOTFOUND, ECONFLICT.
	ReplaceZone(ctx context.Context, z *Zone) error
	DeleteZone(ctx context.Context, id string) error
	// Zones lists the drawn zones, oldest first.
	Zones(ctx context.Context) ([]*Zone, error)

	CreateSite(ctx context.Context, s *Site) error
	ReplaceSite(ctx context.Context, s *Site) error
	DeleteSite(ctx context.Context, id string) error
	// Sites lists the sites, oldest first.
	Sites(ctx context.Context) ([]*Site, error)
}

// Areas is what ParseFilter asks of the places a filter names by zone= and
// near_site=: the geography with the zones and sites stored (geo.Geography).
// A Places without it refuses those parameters.
type Areas interface {
	// ZoneNamed finds a zone by id or by name, case and accents aside.
	ZoneNamed(idOrName string) (*Zone, bool)
	// SiteByID finds a site.
	SiteByID(id string) (*Site, bool)
}

// ExampleSiteID is the id of the site the API's documented examples of
// near_site= name; the test servers keep a site with it.
const ExampleSiteID = "site-example"
