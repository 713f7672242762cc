package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/paulmach/orb"
)

// ReportKM is how far from a point its border distances are reported:
// every border within this distance, plus the nearest one wherever it is.
const ReportKM = 300

// borderIndex finds, for a 0.1° leaf, the few border segments that can be
// nearest to some point of it. The world's ~320 borders are cut into chunks
// of chunkSegs consecutive segments, each with a bounding cap; a leaf visits
// borders and then chunks by their lower bound of distance and stops as soon
// as nothing further can matter. Distances are then exact, from a handful of
// segments per border.
type borderIndex struct {
	segs      borderSegments
	segBorder []int32
	chunks    []chunk
	byBorder  [][]int32 // chunk indices of each border
	caps      []s2.Cap  // one per border
}

const chunkSegs = 32

type chunk struct {
	border int32
	lo, hi int32 // segment range
	cap    s2.Cap
}

// leafBorders is what a leaf keeps: per border that can matter to a point
// of the leaf, the segments that can be nearest.
type leafBorders struct {
	borders []leafBorder
}

type leafBorder struct {
	border int32
	segs   []int32
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
// beside the segment (the usual case).
func (bs *borderSegments) chord2(p s2.Point, i int32) float64 {
	if n := bs.n[i]; n != (r3.Vector{}) && bs.ta[i].Dot(p.Vector) >= 0 && bs.tb[i].Dot(p.Vector) >= 0 {
		s := math.Abs(n.Dot(p.Vector))
		return 2 - 2*math.Sqrt(max(0, 1-s*s))
	}
	return min(p.Sub(bs.a[i].Vector).Norm2(), p.Sub(bs.b[i].Vector).Norm2())
}

func chordKM(c2 float64) float64 { return angleToKM(s1.ChordAngle(min(c2, 4)).Angle()) }

func newBorderIndex(borders []*Border) *borderIndex {
	bi := &borderIndex{byBorder: make([][]int32, len(borders))}
	for b, br := range borders {
		bcap := s2.EmptyCap()
		for _, l := range br.Geometry {
			pts := make([]s2.Point, len(l))
			for i, p := range l {
				pts[i] = toS2(p)
				bcap = bcap.AddPoint(pts[i])
			}
			for lo := 0; lo+1 < len(pts); lo += chunkSegs {
				hi := min(lo+chunkSegs, len(pts)-1)
				c := chunk{border: int32(b), lo: int32(len(bi.segs.a))}
				var sum r3.Vector
				for i := lo; i <= hi; i++ {
					sum = sum.Add(pts[i].Vector)
				}
				c.cap = s2.CapFromPoint(s2.Point{Vector: sum.Normalize()})
				for i := lo; i <= hi; i++ {
					c.cap = c.cap.AddPoint(pts[i])
				}
				for i := lo; i < hi; i++ {
					bi.segs.add(pts[i], pts[i+1])
					bi.segBorder = append(bi.segBorder, int32(b))
				}
				c.hi = int32(len(bi.segs.a))
				bi.byBorder[b] = append(bi.byBorder[b], int32(len(bi.chunks)))
				bi.chunks = append(bi.chunks, c)
			}
		}
		bi.caps = append(bi.caps, bcap)
	}
	return bi
}

// capLowerKM is a lower bound of the distance from p to anything in c.
func capLowerKM(c s2.Cap, p s2.Point) float64 {
	return angleToKM(c.Center().Distance(p) - c.Radius())
}

// forLeaf finds the segments that matter to the leaf n. A segment matters
// if it can be the nearest of its border to some point of the leaf; a border
// matters if some point of the leaf can be within ReportKM of it, or it can
// be the nearest border of some point.
func (bi *borderIndex) forLeaf(n *node) *leafBorders {
	center := toS2(orb.Point{n.x0 + n.size/2, n.y0 + n.size/2})
	corners := [4]s2.Point{
		toS2(orb.Point{n.x0, n.y0}), toS2(orb.Point{n.x0 + n.size, n.y0}),
		toS2(orb.Point{n.x0, n.y0 + n.size}), toS2(orb.Point{n.x0 + n.size, n.y0 + n.size}),
	}
	var radiusKM float64
	for _, q := range corners {
		radiusKM = max(radiusKM, angleToKM(center.Distance(q)))
	}
	// The distance to a segment is convex on a leaf small enough to treat
	// as flat; the margin covers the difference.
	const marginKM = 0.05
	type cand struct {
		border int32
		lower  float64
	}
	order := make([]cand, len(bi.caps))
	for b, c := range bi.caps {
		order[b] = cand{int32(b), capLowerKM(c, center)}
	}
	slices.SortFunc(order, func(x, y cand) int { return cmp.Compare(x.lower, y.lower) })
	best := math.Inf(1) // no point of the leaf is farther than this from its nearest border
	out := &leafBorders{}
	type segD struct {
		seg int32
		km  float64
	}
	var found []segD
	for _, o := range order {
		if o.lower-radiusKM > max(ReportKM, best)+marginKM {
			break
		}
		chunks := bi.byBorder[o.border]
		lows := make([]cand, len(chunks))
		for i, ci := range chunks {
			lows[i] = cand{ci, capLowerKM(bi.chunks[ci].cap, center)}
		}
		slices.SortFunc(lows, func(x, y cand) int { return cmp.Compare(x.lower, y.lower) })
		upper := math.Inf(1) // no point of the leaf is farther than this from the border
		found = found[:0]
		for _, l := range lows {
			if l.lower > upper+radiusKM+marginKM || l.lower-radiusKM > max(ReportKM, best)+marginKM {
				break
			}
			c := bi.chunks[l.border]
			for s := c.lo; s < c.hi; s++ {
				d := chordKM(bi.segs.chord2(center, s))
				var worst float64
				for _, q := range corners {
					worst = max(worst, bi.segs.chord2(q, s))
				}
				upper = min(upper, chordKM(worst))
				found = append(found, segD{s, d})
			}
		}
		lb := leafBorder{border: o.border}
		nearest := math.Inf(1)
		for _, f := range found {
			if f.km <= upper+radiusKM+marginKM {
				lb.segs = append(lb.segs, f.seg)
				nearest = min(nearest, f.km)
			}
		}
		best = min(best, upper)
		if len(lb.segs) > 0 && nearest-radiusKM <= max(ReportKM, best)+marginKM {
			out.borders = append(out.borders, lb)
		}
	}
	return out
}

// leafBordersOf returns the leaf's border segments, finding them on first use.
func (bi *borderIndex) leafBordersOf(n *node) *leafBorders {
	if lb := n.borders.Load(); lb != nil {
		return lb
	}
	lb := bi.forLeaf(n)
	n.borders.Store(lb)
	return lb
}

// distanceKM is the exact distance from p to border lb.border.
func (bi *borderIndex) distanceKM(lb *leafBorder, p s2.Point) float64 {
	best := math.Inf(1)
	for _, s := range lb.segs {
		best = min(best, bi.segs.chord2(p, s))
	}
	return chordKM(best)
}

// exactKM is the distance from p to border b from all of its segments, for
// points that have no leaf (tests, zone outlines).
func (bi *borderIndex) exactKM(b int, p s2.Point) float64 {
	best := math.Inf(1)
	for _, ci := range bi.byBorder[b] {
		c := bi.chunks[ci]
		for s := c.lo; s < c.hi; s++ {
			best = min(best, bi.segs.chord2(p, s))
		}
	}
	return chordKM(best)
}
