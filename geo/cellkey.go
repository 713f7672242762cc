package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/golang/geo/r1"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/paulmach/orb"
)

// A cell key is a point's s2 leaf cell as an int64 that sorts like the cell
// id: a B-tree on it is a spatial index. Points close on the sphere mostly
// share long key prefixes, and any s2 cell is one contiguous range of keys,
// so a region becomes a few hundred range scans. (Leaf cell ids are odd;
// dropping that last bit keeps their order and makes them fit a signed
// 64-bit column on every face.)

// CellKey is the key of the leaf cell holding p (lon, lat).
func CellKey(p orb.Point) int64 {
	return int64(uint64(s2.CellIDFromLatLng(s2.LatLngFromDegrees(p[1], p[0]))) >> 1)
}

// KeyRange is a closed range of cell keys. When Inside, every point whose
// key falls in the range is in the region; otherwise points in it must be
// tested.
type KeyRange struct {
	Lo, Hi int64
	Inside bool
}

// CoverCap is the key ranges of the points within km of center, on the
// sphere of radius EarthRadiusKM.
func CoverCap(center orb.Point, km float64, budget int) []KeyRange {
	c := s2.CapFromCenterAngle(s2.PointFromLatLng(s2.LatLngFromDegrees(center[1], center[0])), s1.Angle(km/EarthRadiusKM))
	return cover(c, budget)
}

// CoverBound is the key ranges of the points in a lon/lat bounding box
// (min ≤ lon ≤ max, min ≤ lat ≤ max, in degrees).
func CoverBound(b orb.Bound, budget int) []KeyRange {
	const rad = math.Pi / 180
	r := s2.Rect{Lat: r1.Interval{Lo: b.Min[1] * rad, Hi: b.Max[1] * rad}, Lng: s1.Interval{Lo: b.Min[0] * rad, Hi: b.Max[0] * rad}}
	return cover(r, budget)
}

// cover refines a coarse covering of the region, largest cells first,
// keeping cells wholly inside and splitting cells on its edge, until about
// budget cells. The cells on the edge then hold a small fraction of the
// region's points: a 25 km circle at budget 256 leaves about 8% of its area
// in edge cells.
func cover(region s2.Region, budget int) []KeyRange {
	start := (&s2.RegionCoverer{MaxLevel: s2.MaxLevel, MaxCells: 8}).Covering(region)
	var inside []s2.CellID
	edge := make([]s2.CellID, 0, budget)
	for _, id := range start {
		if region.ContainsCell(s2.CellFromCellID(id)) {
			inside = append(inside, id)
		} else {
			edge = append(edge, id)
		}
	}
	// Breadth first: the queue is in level order, so the largest edge cells
	// are split first.
	slices.SortFunc(edge, func(a, b s2.CellID) int { return a.Level() - b.Level() })
	for i := 0; i < len(edge); {
		id := edge[i]
		if id.IsLeaf() || len(inside)+len(edge)-i+3 > budget {
			break
		}
		edge[i] = 0
		i++
		for _, child := range id.Children() {
			cell := s2.CellFromCellID(child)
			switch {
			case region.ContainsCell(cell):
				inside = append(inside, child)
			case region.IntersectsCell(cell):
				edge = append(edge, child)
			}
		}
	}
	out := make([]KeyRange, 0, len(inside)+len(edge))
	for _, id := range inside {
		out = append(out, keyRange(id, true))
	}
	for _, id := range edge {
		if id != 0 {
			out = append(out, keyRange(id, false))
		}
	}
	slices.SortFunc(out, func(a, b KeyRange) int { return cmp.Compare(a.Lo, b.Lo) })
	// Neighbouring ranges of the same kind become one.
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && merged[n-1].Inside == r.Inside && merged[n-1].Hi+1 == r.Lo {
			merged[n-1].Hi = r.Hi
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

func keyRange(id s2.CellID, inside bool) KeyRange {
	return KeyRange{Lo: int64(uint64(id.RangeMin()) >> 1), Hi: int64(uint64(id.RangeMax()) >> 1), Inside: inside}
}
