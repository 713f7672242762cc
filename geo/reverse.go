package geo

import (
	"math"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// SnapKM is how far a point may lie outside a country and still be put in
// it: Natural Earth's 1:10m coastlines and borders are drawn to about a
// kilometre, so a town on the shore can fall in the sea and an incident on a
// border river in the neighbour.
const SnapKM = 5

// Reverse tells which country and admin units p is in, how far it is from
// every land border within ReportKM (nearest first, on either side), which
// border is nearest wherever it is, and which zones contain it. At sea or on
// no polygon, the country is the one within SnapKM if any (its nearest
// region, with BoundarySnapKM set), else nil.
func (g *Geography) Reverse(lon, lat float64) incident.Location {
	p := orb.Point{lon, lat}
	leaf := g.admin1.leaf(p)
	loc := incident.Location{Borders: []incident.BorderDistance{}, Zones: []string{}}
	if u := g.admin1.unitIn(leaf, p); u >= 0 {
		g.place(&loc, g.Regions[u], p)
	} else if r, km := g.nearestRegion(p, SnapKM, ""); r != nil {
		g.place(&loc, r, p)
		loc.BoundarySnapKM = roundKM(km)
	}
	g.borderDistances(&loc, leaf, toS2(p))
	g.zonesOf(&loc, p)
	loc.Near = g.Places.Nearest(p)
	return loc
}

// ReverseReported is Reverse for an incident whose report names its country
// (ISO3, or a name such as ACLED's "Niger"; one the geography does not know
// is ignored): near a border the report wins. A point outside that country
// but within SnapKM of it is put in the reported country's nearest region,
// with BoundarySnapKM how far it lies outside; farther out the point's own
// country stands and CountryMismatch is set.
func (g *Geography) ReverseReported(lon, lat float64, reported string) incident.Location {
	loc := g.Reverse(lon, lat)
	reported, known := g.CountryCode(reported)
	if !known || (loc.Country != nil && *loc.Country == reported) {
		return loc
	}
	p := orb.Point{lon, lat}
	r, km := g.nearestRegion(p, SnapKM, reported)
	if r == nil {
		loc.CountryMismatch = true
		return loc
	}
	loc.Admin2 = nil
	g.place(&loc, r, p)
	loc.BoundarySnapKM = roundKM(km)
	loc.Zones = loc.Zones[:0]
	g.zonesOf(&loc, p)
	return loc
}

func roundKM(km float64) *float64 {
	v := math.Round(km*1000) / 1000
	return &v
}

func (g *Geography) place(loc *incident.Location, r *Region, p orb.Point) {
	country := r.Country
	loc.Country = &country
	loc.CountryName = g.CountryName(country)
	loc.Admin1 = &incident.Region{Code: r.Code, Name: r.Name, NameFR: r.NameFR}
	if !r.hasAdmin2 {
		return
	}
	if a2 := g.Admin2At(p); a2 != nil && a2.Parent == r {
		loc.Admin2 = &incident.Region{Code: a2.Code, Name: a2.Name, NameFR: a2.NameFR}
	}
}

func (g *Geography) borderDistances(loc *incident.Location, leaf *node, sp s2.Point) {
	lbs := g.bidx.leafBordersOf(leaf)
	loc.Borders = make([]incident.BorderDistance, 0, len(lbs.borders))
	nearest := math.Inf(1)
	var nb incident.BorderDistance
	for i := range lbs.borders {
		lb := &lbs.borders[i]
		b := g.Borders[lb.border]
		d := math.Round(g.bidx.distanceKM(lb, sp)*1000) / 1000
		bd := incident.BorderDistance{Border: b.Key, Countries: b.Countries, DistanceKM: d}
		if d < nearest {
			nearest, nb = d, bd
		}
		if d <= ReportKM {
			loc.Borders = append(loc.Borders, bd)
		}
	}
	// Insertion sort: a few items, no allocation.
	for i := 1; i < len(loc.Borders); i++ {
		for j := i; j > 0 && loc.Borders[j].DistanceKM < loc.Borders[j-1].DistanceKM; j-- {
			loc.Borders[j], loc.Borders[j-1] = loc.Borders[j-1], loc.Borders[j]
		}
	}
	if !math.IsInf(nearest, 1) {
		loc.NearestBorder = &nb
	}
}

// borderKM is the distance from p to border i, from the leaf's few segments
// when the leaf knows the border, else from all of the border's.
func (g *Geography) borderKM(i int, p orb.Point) float64 {
	sp := toS2(p)
	lbs := g.bidx.leafBordersOf(g.admin1.leaf(p))
	for j := range lbs.borders {
		if int(lbs.borders[j].border) == i {
			return g.bidx.distanceKM(&lbs.borders[j], sp)
		}
	}
	return g.bidx.exactKM(i, sp)
}

// nearestRegion is the admin-1 unit (of country iso3, or any when "")
// whose boundary is nearest p within km, and how far it is. Only edges can
// be that near to a point outside every unit, so only the edges of the
// leaves around p are measured.
func (g *Geography) nearestRegion(p orb.Point, km float64, iso3 string) (*Region, float64) {
	box := CircleBound(p, km)
	ix := g.admin1
	sp := toS2(p)
	// A cheap planar prefilter in degrees, generous by half again.
	kx := math.Cos(p[1] * math.Pi / 180)
	limDeg := km / (EarthRadiusKM * math.Pi / 180) * 1.5
	best, bestKM := int32(-1), math.Inf(1)
	seen := map[*node]bool{}
	step := tileDeg / (fanout * fanout)
	for y := math.Floor(box.Min[1]/step) * step; y <= box.Max[1]; y += step {
		for x := math.Floor(box.Min[0]/step) * step; x <= box.Max[0]; x += step {
			n := ix.leaf(orb.Point{x + step/2, y + step/2})
			if seen[n] {
				continue
			}
			seen[n] = true
			for _, gr := range n.groups {
				if iso3 != "" && ix.units[gr.unit].Country != iso3 {
					continue
				}
				for _, e := range gr.edges {
					a, b := ix.pts[e], ix.pts[e+1]
					if planarSegDeg(p, a, b, kx) > limDeg {
						continue
					}
					d := angleToKM(s2.DistanceFromSegment(sp, toS2(a), toS2(b)))
					if d < bestKM {
						best, bestKM = gr.unit, d
					}
				}
			}
		}
	}
	if best < 0 || bestKM > km {
		return nil, 0
	}
	return ix.units[best], bestKM
}

// planarSegDeg is the distance from p to segment ab in degrees of latitude,
// longitudes scaled by kx (the cosine of p's latitude).
func planarSegDeg(p, a, b orb.Point, kx float64) float64 {
	ax, ay := (a[0]-p[0])*kx, a[1]-p[1]
	bx, by := (b[0]-p[0])*kx, b[1]-p[1]
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(1, max(0, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}
