package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// zoneCellDeg is the resolution of border zone outlines drawn for maps.
const zoneCellDeg = 0.05

// Geometry returns an outline of the zone for drawing: a 128-gon for a
// tripoint zone; for a border zone, the 0.05° cells of Niger whose centres are
// within the zone's width of the border, merged row by row. Membership itself
// (Reverse, queries) is always decided by exact distance, not by this outline.
func (g *Geography) ZoneGeometry(z *Zone) orb.Geometry {
	if z.Border == "" {
		ring := make(orb.Ring, 0, 129)
		for i := 0; i < 128; i++ {
			ring = append(ring, Destination(z.Center, float64(i)*360/128, z.WidthKM))
		}
		ring = append(ring, ring[0])
		return orb.Polygon{ring}
	}
	b, _ := g.Border(z.Border)
	bound := b.Geometry.Bound()
	lo := CircleBound(bound.Min, z.WidthKM)
	hi := CircleBound(bound.Max, z.WidthKM)
	var niger []*Region
	for _, r := range g.Regions {
		if r.Country == Niger {
			niger = append(niger, r)
		}
	}
	var mp orb.MultiPolygon
	snap := func(v float64) float64 { return math.Floor(v/zoneCellDeg) * zoneCellDeg }
	for lat := snap(lo.Min[1]); lat < hi.Max[1]; lat += zoneCellDeg {
		runStart := math.NaN()
		flush := func(end float64) {
			if !math.IsNaN(runStart) {
				mp = append(mp, orb.Polygon{{{runStart, lat}, {end, lat}, {end, lat + zoneCellDeg}, {runStart, lat + zoneCellDeg}, {runStart, lat}}})
				runStart = math.NaN()
			}
		}
		for lon := snap(lo.Min[0]); lon < hi.Max[0]; lon += zoneCellDeg {
			c := orb.Point{lon + zoneCellDeg/2, lat + zoneCellDeg/2}
			in := false
			if b.DistanceKM(c) <= z.WidthKM {
				for _, r := range niger {
					if r.contains(c) {
						in = true
						break
					}
				}
			}
			if in && math.IsNaN(runStart) {
				runStart = lon
			} else if !in {
				flush(lon)
			}
		}
		flush(snap(hi.Max[0]) + zoneCellDeg)
	}
	return mp
}
