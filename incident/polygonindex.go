package incident

import (
	"math"

	"github.com/paulmach/orb"
)

// polygonIndex answers point-in-polygon for a MultiPolygon by ray casting
// (even-odd over a polygon's rings: inside the outer ring and in no hole),
// a point on an edge (a hole's too) inside, as a box's edge and a radius
// are (PostGIS's ST_Covers, not ST_Contains: the ray cast alone kept a
// point on a square's left edge and dropped one on its right),
// with each polygon's edges filed in horizontal strips so that a point is
// tested against the edges of its strip only. A 100,000-position zone
// tested edge by edge takes 100,000 tests a point (minutes for a million
// incidents); in 4,096 strips, 0.75 µs a point (BenchmarkZoneContains).
//
// Edges are straight in lon/lat, as RFC 7946 §3.1.1 defines GeoJSON's and
// as the map draws them, not great-circle arcs: the two part by L²·tanφ/8R
// at the middle of an east–west edge of length L at latitude φ, 49 m for
// 100 km at 14°N, 4.9 km for 1,000 km. A zone answers for the outline its
// editor drew and sees. Distances (sites, near=) are on the sphere.
type polygonIndex struct {
	polys []stripIndex
}

type stripIndex struct {
	bound  orb.Bound
	minLat float64
	height float64
	strips [][]edge
}

type edge struct{ a, b orb.Point }

// maxStripEntries bounds the copies of edges across strips, as a multiple
// of the edges: long edges spanning many strips mean fewer strips.
const maxStripEntries = 16

func newPolygonIndex(mp orb.MultiPolygon) *polygonIndex {
	x := &polygonIndex{}
	for _, p := range mp {
		var es []edge
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				// Horizontal edges never cross a ray, but a point may lie on one.
				es = append(es, edge{r[i-1], r[i]})
			}
		}
		if len(p) == 0 {
			continue
		}
		b := orb.LineString(p[0]).Bound()
		s := stripIndex{bound: b, minLat: b.Min[1]}
		n := max(1, min(4096, len(es)/8))
		for ; ; n /= 2 {
			s.height = (b.Max[1] - b.Min[1]) / float64(n)
			total := 0
			for _, e := range es {
				lo, hi := s.strip(math.Min(e.a[1], e.b[1]), n), s.strip(math.Max(e.a[1], e.b[1]), n)
				total += hi - lo + 1
			}
			if n == 1 || total <= maxStripEntries*len(es) {
				break
			}
		}
		s.strips = make([][]edge, n)
		for _, e := range es {
			lo, hi := s.strip(math.Min(e.a[1], e.b[1]), n), s.strip(math.Max(e.a[1], e.b[1]), n)
			for i := lo; i <= hi; i++ {
				s.strips[i] = append(s.strips[i], e)
			}
		}
		x.polys = append(x.polys, s)
	}
	return x
}

func (s *stripIndex) strip(lat float64, n int) int {
	if s.height == 0 {
		return 0
	}
	return min(n-1, max(0, int((lat-s.minLat)/s.height)))
}

func (x *polygonIndex) contains(p orb.Point) bool {
	for i := range x.polys {
		s := &x.polys[i]
		if !s.bound.Contains(p) {
			continue
		}
		in := false
		for _, e := range s.strips[s.strip(p[1], len(s.strips))] {
			if e.has(p) {
				return true
			}
			if (e.a[1] > p[1]) != (e.b[1] > p[1]) &&
				p[0] < e.a[0]+(p[1]-e.a[1])*(e.b[0]-e.a[0])/(e.b[1]-e.a[1]) {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

// has says p lies on the edge: collinear with its ends (exactly, in
// float64: a vertex, a point of a horizontal or vertical edge, one of a
// slanted edge whose coordinates are exact) and between them.
func (e edge) has(p orb.Point) bool {
	return (e.b[0]-e.a[0])*(p[1]-e.a[1]) == (e.b[1]-e.a[1])*(p[0]-e.a[0]) &&
		math.Min(e.a[0], e.b[0]) <= p[0] && p[0] <= math.Max(e.a[0], e.b[0]) &&
		math.Min(e.a[1], e.b[1]) <= p[1] && p[1] <= math.Max(e.a[1], e.b[1])
}
