package geo

import (
	"math"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// polyIndex answers "which unit contains this point" for the whole world
// without holding a 0.1° grid of 6.5 million cells. It is a three-level
// tree built lazily: 10° tiles, 1° blocks, 0.1° leaves. Each node keeps
//   - the edges of each unit that touch its box, cut from its parent's, and
//   - the units that contain a reference point near its centre (offset by
//     an irrational-looking amount so it never lies on the 1e-6° lattice of
//     vertices, nor on the straight meridian and parallel borders).
//
// A point p of a node is in unit u iff u contains the reference point and
// the segment from it to p crosses u's edges an even number of times, or
// the reverse. The segment lies in the node's box, so only the node's edges
// can cross it: a leaf answers from its own handful of edges, and a leaf no
// edge crosses (most of them) answers with no test at all. A child learns
// its reference point's units the same way from its parent's.
//
// Nodes are published atomically, so readers never lock; two goroutines may
// build the same node, with the same result.
type polyIndex struct {
	pts   []orb.Point
	units []*Region
	tiles [36 * 18]atomic.Pointer[node]
}

// Levels: a tile is 10°, a block 1°, a leaf 0.1°, each cut 10 × 10.
const (
	tileDeg = 10.0
	fanout  = 10
	levels  = 3
)

type node struct {
	x0, y0, size float64
	ref          orb.Point
	inside       []int32 // units containing ref
	groups       []edgeGroup
	kids         []atomic.Pointer[node] // nil for a leaf
	borders      atomic.Pointer[leafBorders]
}

// edgeGroup is one unit's edges touching a node; an edge is named by the
// index in pts of its first vertex.
type edgeGroup struct {
	unit  int32
	edges []int32
}

func newPolyIndex(pts []orb.Point, units []*Region) *polyIndex {
	return &polyIndex{pts: pts, units: units}
}

// leaf returns the 0.1° leaf holding p, building the path to it on first use.
func (ix *polyIndex) leaf(p orb.Point) *node {
	tx := clampIdx(int(math.Floor((p[0]+180)/tileDeg)), 36)
	ty := clampIdx(int(math.Floor((p[1]+90)/tileDeg)), 18)
	slot := &ix.tiles[ty*36+tx]
	n := slot.Load()
	if n == nil {
		n = ix.buildTile(tx, ty)
		slot.Store(n)
	}
	for n.kids != nil {
		step := n.size / fanout
		kx := clampIdx(int(math.Floor((p[0]-n.x0)/step)), fanout)
		ky := clampIdx(int(math.Floor((p[1]-n.y0)/step)), fanout)
		slot := &n.kids[ky*fanout+kx]
		k := slot.Load()
		if k == nil {
			k = ix.buildChild(n, kx, ky)
			slot.Store(k)
		}
		n = k
	}
	return n
}

func clampIdx(i, n int) int { return min(max(i, 0), n-1) }

// refOffset keeps reference points off the lattice and off straight borders.
const refOffsetX, refOffsetY = 3.14159265e-7, 2.71828183e-7

func newNode(x0, y0, size float64, leaf bool) *node {
	n := &node{x0: x0, y0: y0, size: size, ref: orb.Point{x0 + size/2 + refOffsetX, y0 + size/2 + refOffsetY}}
	if !leaf {
		n.kids = make([]atomic.Pointer[node], fanout*fanout)
	}
	return n
}

// touches is the box test for edges, with a margin so that rounding never
// drops an edge that touches the box at a corner.
func (n *node) touches(a, b orb.Point) bool {
	const eps = 1e-9
	return segmentTouchesBox(a, b, n.x0-eps, n.y0-eps, n.x0+n.size+eps, n.y0+n.size+eps)
}

func (ix *polyIndex) buildTile(tx, ty int) *node {
	n := newNode(-180+float64(tx)*tileDeg, -90+float64(ty)*tileDeg, tileDeg, false)
	box := orb.Bound{Min: orb.Point{n.x0, n.y0}, Max: orb.Point{n.x0 + n.size, n.y0 + n.size}}
	for ui, u := range ix.units {
		if !u.Bound.Intersects(box) {
			continue
		}
		var edges []int32
		ri := 0
		for pi, poly := range u.Geometry {
			if !u.polyBounds[pi].Intersects(box) {
				ri += len(poly)
				continue
			}
			for _, ring := range poly {
				start := u.ringStart[ri]
				for i := 0; i+1 < len(ring); i++ {
					if n.touches(ring[i], ring[i+1]) {
						edges = append(edges, start+int32(i))
					}
				}
				ri++
			}
		}
		if len(edges) > 0 {
			n.groups = append(n.groups, edgeGroup{int32(ui), edges})
		}
		if u.Bound.Contains(n.ref) && u.contains(n.ref) {
			n.inside = append(n.inside, int32(ui))
		}
	}
	return n
}

func (ix *polyIndex) buildChild(parent *node, kx, ky int) *node {
	step := parent.size / fanout
	n := newNode(parent.x0+float64(kx)*step, parent.y0+float64(ky)*step, step, parent.size/fanout <= tileDeg/(fanout*fanout)+1e-9)
	for _, g := range parent.groups {
		var edges []int32
		crossings := 0
		for _, e := range g.edges {
			a, b := ix.pts[e], ix.pts[e+1]
			if n.touches(a, b) {
				edges = append(edges, e)
			}
			if crosses(parent.ref, n.ref, a, b) {
				crossings++
			}
		}
		in := containsUnit(parent.inside, g.unit) != (crossings%2 == 1)
		if in {
			n.inside = append(n.inside, g.unit)
		}
		if len(edges) > 0 {
			n.groups = append(n.groups, edgeGroup{g.unit, edges})
		}
	}
	// Units containing the parent's reference point with no edge in the
	// parent contain all of it.
	for _, u := range parent.inside {
		if !hasGroup(parent.groups, u) {
			n.inside = append(n.inside, u)
		}
	}
	return n
}

func containsUnit(us []int32, u int32) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

func hasGroup(gs []edgeGroup, u int32) bool {
	for _, g := range gs {
		if g.unit == u {
			return true
		}
	}
	return false
}

// unitAt is the index of the unit containing p, or -1.
func (ix *polyIndex) unitAt(p orb.Point) int32 {
	return ix.unitIn(ix.leaf(p), p)
}

func (ix *polyIndex) unitIn(n *node, p orb.Point) int32 {
	for _, u := range n.inside {
		if !hasGroup(n.groups, u) {
			return u
		}
	}
	for _, g := range n.groups {
		crossings := 0
		for _, e := range g.edges {
			if crosses(n.ref, p, ix.pts[e], ix.pts[e+1]) {
				crossings++
			}
		}
		if containsUnit(n.inside, g.unit) != (crossings%2 == 1) {
			return g.unit
		}
	}
	return -1
}

// crosses tells whether segment rp crosses edge ab, in the lon/lat plane
// (the plane the polygons are drawn and tested in). A vertex lying exactly
// on the line through r and p counts as on its left, for both edges that
// share it, so a boundary passing through such a vertex is counted once and
// one merely touching it twice or not at all: parity stays right.
func crosses(r, p, a, b orb.Point) bool {
	sa := orient(r, p, a) > 0
	sb := orient(r, p, b) > 0
	if sa == sb {
		return false
	}
	return (orient(a, b, r) > 0) != (orient(a, b, p) > 0)
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentTouchesBox clips segment ab to the box (Liang–Barsky) and reports
// whether anything is left.
func segmentTouchesBox(a, b orb.Point, minX, minY, maxX, maxY float64) bool {
	if max(a[0], b[0]) < minX || min(a[0], b[0]) > maxX || max(a[1], b[1]) < minY || min(a[1], b[1]) > maxY {
		return false
	}
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
// (holes included), checking each polygon's bound first.
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
