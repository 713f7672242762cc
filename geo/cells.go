package geo

import (
	"math"
	"sync/atomic"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/paulmach/orb"
)

// cellIndex makes reverse geocoding cheap enough to tag millions of points.
// The covered area is cut into cells of cellDeg degrees. Each cell learns,
// the first time a point falls in it:
//   - its region, when no region boundary crosses it (most cells), or the few
//     regions whose boundaries do;
//   - for each border, the only segments that can be nearest to a point in
//     the cell: those within (distance from the cell's centre + the cell's
//     diameter). Distances are then exact, from a handful of segments.
//
// Cells are built lazily and published atomically, so concurrent readers never
// lock; two goroutines may build the same cell, with the same result.
type cellIndex struct {
	minLon, minLat float64
	w, h           int
	cells          []atomic.Pointer[cell]
	boundary       map[int32][]*Region // regions whose edges touch the cell
	regions        regionGrid
	borders        []borderSegments
}

const cellDeg = 0.1

type cell struct {
	region     *Region   // the region filling the cell, when pure
	candidates []*Region // regions whose boundary crosses the cell
	pure       bool
	segs       [][]int32 // per border: indices of candidate segments
}

type borderSegments struct {
	a, b []s2.Point
	// Per segment, precomputed for distance tests: the unit normal n of its
	// great circle, and the tangents at a and b pointing into the segment.
	// Zero for a degenerate segment (a == b).
	n, ta, tb []r3.Vector
}

// add appends segment ab.
func (bs *borderSegments) add(a, b s2.Point) {
	n := a.Cross(b.Vector)
	if n.Norm2() < 1e-30 {
		n = r3.Vector{}
	} else {
		n = n.Normalize()
	}
	bs.a, bs.b = append(bs.a, a), append(bs.b, b)
	bs.n, bs.ta, bs.tb = append(bs.n, n), append(bs.ta, n.Cross(a.Vector)), append(bs.tb, b.Cross(n))
}

// chord2 is the squared chord distance from p to segment i: the same
// measure as s2.UpdateMinDistance, from three dot products when p lies
// beside the segment (the usual case) instead of cross products each call.
func (bs *borderSegments) chord2(p s2.Point, i int32) float64 {
	if n := bs.n[i]; n != (r3.Vector{}) && bs.ta[i].Dot(p.Vector) >= 0 && bs.tb[i].Dot(p.Vector) >= 0 {
		// Beside the segment: the nearest point is on its great circle,
		// at angle asin(|n·p|); the chord to it is 2·sin(angle/2).
		s := math.Abs(n.Dot(p.Vector))
		return 2 - 2*math.Sqrt(max(0, 1-s*s))
	}
	return min(p.Sub(bs.a[i].Vector).Norm2(), p.Sub(bs.b[i].Vector).Norm2())
}

func newCellIndex(regions []*Region, borders []*Border, grid regionGrid) *cellIndex {
	ci := &cellIndex{
		minLon:   grid.minLon,
		minLat:   grid.minLat,
		w:        int(math.Ceil(float64(grid.w) * gridStep / cellDeg)),
		h:        int(math.Ceil(float64(grid.h) * gridStep / cellDeg)),
		boundary: map[int32][]*Region{},
		regions:  grid,
	}
	ci.cells = make([]atomic.Pointer[cell], ci.w*ci.h)
	for _, r := range regions {
		for _, poly := range r.Geometry {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					ci.markEdge(ring[i], ring[i+1], r)
				}
			}
		}
	}
	for _, b := range borders {
		var bs borderSegments
		for _, l := range b.Geometry {
			for i := 0; i+1 < len(l); i++ {
				bs.add(toS2(l[i]), toS2(l[i+1]))
			}
		}
		ci.borders = append(ci.borders, bs)
	}
	return ci
}

func (ci *cellIndex) xy(p orb.Point) (int, int, bool) {
	x := int(math.Floor((p[0] - ci.minLon) / cellDeg))
	y := int(math.Floor((p[1] - ci.minLat) / cellDeg))
	return x, y, x >= 0 && y >= 0 && x < ci.w && y < ci.h
}

// markEdge records r on every cell the edge touches. Natural Earth has
// straight edges several degrees long, so cells in the edge's bounding box are
// tested one by one rather than all marked.
func (ci *cellIndex) markEdge(a, b orb.Point, r *Region) {
	x0, y0, _ := ci.xy(orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])})
	x1, y1, _ := ci.xy(orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])})
	for x := max(x0, 0); x <= min(x1, ci.w-1); x++ {
		for y := max(y0, 0); y <= min(y1, ci.h-1); y++ {
			// A small margin keeps float rounding from missing a touch.
			const eps = 1e-9
			lon0, lat0 := ci.minLon+float64(x)*cellDeg-eps, ci.minLat+float64(y)*cellDeg-eps
			if !segmentTouchesBox(a, b, lon0, lat0, lon0+cellDeg+2*eps, lat0+cellDeg+2*eps) {
				continue
			}
			k := int32(y*ci.w + x)
			rs := ci.boundary[k]
			if len(rs) == 0 || rs[len(rs)-1] != r {
				ci.boundary[k] = append(rs, r)
			}
		}
	}
}

// at returns the cell containing p, building it on first use, or nil outside
// the indexed area.
func (ci *cellIndex) at(p orb.Point) *cell {
	x, y, ok := ci.xy(p)
	if !ok {
		return nil
	}
	slot := &ci.cells[y*ci.w+x]
	if c := slot.Load(); c != nil {
		return c
	}
	c := ci.build(x, y)
	slot.Store(c)
	return c
}

func (ci *cellIndex) build(x, y int) *cell {
	c := &cell{}
	lon0, lat0 := ci.minLon+float64(x)*cellDeg, ci.minLat+float64(y)*cellDeg
	center := orb.Point{lon0 + cellDeg/2, lat0 + cellDeg/2}
	if rs, ok := ci.boundary[int32(y*ci.w+x)]; ok {
		c.candidates = rs
	} else {
		c.pure = true
		c.region = ci.regionSlow(center)
	}
	// Every point of the cell lies within `radius` of the centre.
	radius := toS2(center).Distance(toS2(orb.Point{lon0, lat0}))
	for _, r := range []orb.Point{{lon0 + cellDeg, lat0}, {lon0, lat0 + cellDeg}, {lon0 + cellDeg, lat0 + cellDeg}} {
		radius = max(radius, toS2(center).Distance(toS2(r)))
	}
	cp := toS2(center)
	corners := [4]s2.Point{toS2(orb.Point{lon0, lat0}), toS2(orb.Point{lon0 + cellDeg, lat0}), toS2(orb.Point{lon0, lat0 + cellDeg}), toS2(orb.Point{lon0 + cellDeg, lat0 + cellDeg})}
	c.segs = make([][]int32, len(ci.borders))
	for bi, bs := range ci.borders {
		// upper: no point of the cell is farther than this from the border:
		// the smallest, over segments, of the largest corner distance (the
		// distance to a segment is convex, so its maximum over the cell is
		// at a corner; the cell is small enough to treat as flat, and a
		// margin below covers the difference).
		upper := s1.InfChordAngle()
		for i := range bs.a {
			var worst s1.ChordAngle
			for _, q := range corners {
				worst = max(worst, s1.ChordAngle(min(bs.chord2(q, int32(i)), 4)))
			}
			upper = min(upper, worst)
		}
		// A segment can be nearest to some point of the cell only if its
		// distance from the centre, less the cell's radius, is within upper.
		limit := s1.ChordAngleFromAngle(upper.Angle() + radius + kmToAngle(0.05))
		for i := range bs.a {
			if bs.chord2(cp, int32(i)) < float64(limit) {
				c.segs[bi] = append(c.segs[bi], int32(i))
			}
		}
	}
	return c
}

func (ci *cellIndex) regionSlow(p orb.Point) *Region {
	for _, r := range ci.regions.candidates(p) {
		if r.contains(p) {
			return r
		}
	}
	return nil
}

func (ci *cellIndex) region(p orb.Point) *Region {
	c := ci.at(p)
	if c == nil {
		return ci.regionSlow(p)
	}
	if c.pure {
		return c.region
	}
	for _, r := range c.candidates {
		if r.contains(p) {
			return r
		}
	}
	return nil
}

// borderKM returns the distance from p to border bi, exactly, using the cell's
// candidate segments.
func (ci *cellIndex) borderKM(c *cell, p s2.Point, bi int) float64 {
	bs := &ci.borders[bi]
	best := math.Inf(1)
	for _, i := range c.segs[bi] {
		best = min(best, bs.chord2(p, i))
	}
	return angleToKM(s1.ChordAngle(min(best, 4)).Angle())
}

// segmentTouchesBox clips segment ab to the box (Liang–Barsky) and reports
// whether anything is left.
func segmentTouchesBox(a, b orb.Point, minX, minY, maxX, maxY float64) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	for _, pq := range [4][2]float64{{-dx, a[0] - minX}, {dx, maxX - a[0]}, {-dy, a[1] - minY}, {dy, maxY - a[1]}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// contains is an even-odd ray-casting test over all rings of the region
// (holes included), checking each polygon's bound first. planar's version
// recomputes every ring's bound on each call, which dominated reverse
// geocoding.
func (r *Region) contains(p orb.Point) bool {
	if !r.Bound.Contains(p) {
		return false
	}
	for i, poly := range r.Geometry {
		if !r.polyBounds[i].Contains(p) {
			continue
		}
		in := false
		for _, ring := range poly {
			n := len(ring)
			for a, b := 0, n-1; a < n; b, a = a, a+1 {
				pa, pb := ring[a], ring[b]
				if (pa[1] > p[1]) != (pb[1] > p[1]) && p[0] < (pb[0]-pa[0])*(p[1]-pa[1])/(pb[1]-pa[1])+pa[0] {
					in = !in
				}
			}
		}
		if in {
			return true
		}
	}
	return false
}
