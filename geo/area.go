package geo

import (
	"fmt"
	"math"
	"sort"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// sample is a point of the grid laid over an area to answer area phrases.
type sample struct {
	p     orb.Point
	x, y  float64 // local east/north position, for ranking by direction only
	score float64
}

const samplesPerArea = 4000

// areaCandidate answers phrases that name an area rather than a point. It lays
// a grid of sample points over the area, keeps those that meet every part of
// the phrase (in the region, in its western third, within the border zone...),
// and answers with the kept sample nearest their centre, so the point is
// always inside the area, with the radius that covers most of it.
func (g *Geography) areaCandidate(ph *phrase) ([]incident.Candidate, string) {
	regions := ph.regions
	if regions == nil {
		c, _ := g.Country(Niger)
		regions = c.Regions
	}
	home := regions[0].Country
	if ph.borderISO != "" {
		b, ok := g.Border(BorderKey(home, ph.borderISO))
		if !ok {
			return nil, fmt.Sprintf("%s does not border %s", g.CountryName(ph.borderISO), g.CountryName(home))
		}
		ph.border = b
	}
	bound := regions[0].Bound
	for _, r := range regions[1:] {
		bound = bound.Union(r.Bound)
	}
	if ph.zone != nil {
		cb := CircleBound(ph.zone.Center, ph.zone.WidthKM)
		bound = orb.Bound{Min: orb.Point{math.Max(bound.Min[0], cb.Min[0]), math.Max(bound.Min[1], cb.Min[1])}, Max: orb.Point{math.Min(bound.Max[0], cb.Max[0]), math.Min(bound.Max[1], cb.Max[1])}}
		if bound.Min[0] > bound.Max[0] || bound.Min[1] > bound.Max[1] {
			return nil, fmt.Sprintf("%s does not reach %s", ph.zone.Name, ph.area)
		}
	}
	step := math.Sqrt((bound.Max[0] - bound.Min[0]) * (bound.Max[1] - bound.Min[1]) / samplesPerArea)
	lat0 := (bound.Min[1] + bound.Max[1]) / 2
	lon0 := (bound.Min[0] + bound.Max[0]) / 2
	kx := math.Cos(lat0*math.Pi/180) * math.Pi / 180 * EarthRadiusKM
	ky := math.Pi / 180 * EarthRadiusKM
	var in []sample
	for lat := bound.Min[1] + step/2; lat < bound.Max[1]; lat += step {
		for lon := bound.Min[0] + step/2; lon < bound.Max[0]; lon += step {
			p := orb.Point{lon, lat}
			inside := false
			for _, r := range regions {
				if r.contains(p) {
					inside = true
					break
				}
			}
			if inside && (ph.zone == nil || DistanceKM(p, ph.zone.Center) <= ph.zone.WidthKM) {
				in = append(in, sample{p: p, x: (lon - lon0) * kx, y: (lat - lat0) * ky})
			}
		}
	}
	if len(in) == 0 {
		return nil, fmt.Sprintf("%s has no area large enough to place", ph.described())
	}
	var note []string
	kept := in
	if ph.dir != nil {
		kept = directionalPart(in, *ph.dir)
	}
	if ph.border != nil {
		zoneKM := g.opts.BorderZoneKM
		near := withinBorder(kept, ph.border, zoneKM)
		if len(near) == 0 && ph.dir != nil {
			near = withinBorder(in, ph.border, zoneKM)
			note = append(note, fmt.Sprintf("(no part of %s %s is within %g km of the %s border; used all of %s)", ph.dir.word, ph.area, zoneKM, g.CountryName(ph.border.Other(home)), ph.area))
		}
		if len(near) == 0 {
			return nil, fmt.Sprintf("no part of %s lies within %g km of the %s border", ph.area, zoneKM, g.CountryName(ph.border.Other(home)))
		}
		kept = near
	}
	// The kept sample nearest the mean of all kept samples.
	var mx, my float64
	for _, s := range kept {
		mx += s.x
		my += s.y
	}
	mx, my = mx/float64(len(kept)), my/float64(len(kept))
	best := kept[0]
	bestD := math.Inf(1)
	for _, s := range kept {
		if d := math.Hypot(s.x-mx, s.y-my); d < bestD {
			best, bestD = s, d
		}
	}
	dists := make([]float64, len(kept))
	for i, s := range kept {
		dists[i] = DistanceKM(best.p, s.p)
	}
	sort.Float64s(dists)
	cell := DistanceKM(best.p, orb.Point{best.p[0] + step, best.p[1] + step})
	radius := math.Ceil(dists[len(dists)*9/10] + cell/2)
	c := incident.Candidate{
		Lon: roundCoord(best.p[0]), Lat: roundCoord(best.p[1]),
		GeoPrecision: PrecisionRegion,
		RadiusKM:     radius,
		Matched:      ph.described(note...),
		Kind:         ph.areaKind,
	}
	switch {
	case ph.zone != nil:
		c.Kind = "zone"
	case ph.border != nil:
		c.Kind = "border"
	case c.Kind == "":
		c.Kind = "country"
	}
	g.describePoint(&c)
	return []incident.Candidate{c}, ""
}

// directionalPart keeps the samples in the third of the area's extent that
// lies furthest in the direction (or, for "central", the third of the
// samples nearest the middle).
func directionalPart(in []sample, d direction) []sample {
	var mx, my float64
	for _, s := range in {
		mx += s.x
		my += s.y
	}
	mx, my = mx/float64(len(in)), my/float64(len(in))
	out := make([]sample, len(in))
	copy(out, in)
	for i := range out {
		if d.dx == 0 && d.dy == 0 {
			out[i].score = -math.Hypot(out[i].x-mx, out[i].y-my)
		} else {
			out[i].score = (out[i].x-mx)*d.dx + (out[i].y-my)*d.dy
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score > out[j].score })
	if d.dx == 0 && d.dy == 0 {
		return out[:max(1, len(out)/3)]
	}
	hi, lo := out[0].score, out[len(out)-1].score
	cut := hi - (hi-lo)/3
	n := sort.Search(len(out), func(i int) bool { return out[i].score < cut })
	return out[:max(1, n)]
}

func withinBorder(in []sample, b *Border, km float64) []sample {
	var out []sample
	for _, s := range in {
		if b.DistanceKM(s.p) <= km {
			out = append(out, s)
		}
	}
	return out
}
