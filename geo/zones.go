package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Zone names of the two tripoint areas data/zones.json defines, which forward
// geocoding knows by other names ("the tri-border area", "lac Tchad").
const (
	TriBorderZone = "Liptako-Gourma tri-border area"
	LakeChadZone  = "Lake Chad area"
)

// Zone is a named area defined by distance: to a border (either side of
// it) or to a centre.
type Zone struct {
	Name      string
	Border    string    // the border key of a border zone, "" for an area
	Center    orb.Point // an area's centre
	WidthKM   float64
	Countries []string // a border zone's two countries; an area's tripoint countries

	center s2.Point
}

type zoneFile struct {
	BorderZoneKM float64 `json:"border_zone_km"`
	Zones        []struct {
		Name     string   `json:"name"`
		Around   []string `json:"around"`
		RadiusKM float64  `json:"radius_km"`
	} `json:"zones"`
}

func parseZoneFile(raw []byte) (*zoneFile, error) {
	var zf zoneFile
	if err := json.Unmarshal(raw, &zf); err != nil {
		return nil, fmt.Errorf("geo: zones: %w", err)
	}
	return &zf, nil
}

// loadZones makes a border zone of every border, then the areas of the
// zone file, whose widths Options may override.
func (g *Geography) loadZones(raw []byte) error {
	zf, err := parseZoneFile(raw)
	if err != nil {
		return err
	}
	g.borderZones = map[string]*Zone{}
	for _, b := range g.Borders {
		z := &Zone{
			Name: g.CountryName(b.Countries[0]) + "–" + g.CountryName(b.Countries[1]) + " border zone", Border: b.Key,
			WidthKM: g.opts.BorderZoneKM, Countries: b.Countries[:],
		}
		g.Zones = append(g.Zones, z)
		g.borderZones[b.Key] = z
	}
	for _, z := range zf.Zones {
		var sum r3.Vector
		var countries []string
		for _, k := range z.Around {
			t, ok := g.Tripoint(k)
			if !ok {
				return fmt.Errorf("geo: zones: %s: no tripoint %s", z.Name, k)
			}
			sum = sum.Add(toS2(t.Point).Vector)
			for _, c := range t.Countries {
				if !strings.Contains(strings.Join(countries, " "), c) {
					countries = append(countries, c)
				}
			}
		}
		if len(z.Around) == 0 {
			return fmt.Errorf("geo: zones: %s names no tripoint", z.Name)
		}
		width := z.RadiusKM
		switch z.Name {
		case TriBorderZone:
			width = g.opts.TriBorderKM
		case LakeChadZone:
			width = g.opts.LakeChadKM
		}
		c := s2.Point{Vector: sum.Normalize()}
		az := &Zone{Name: z.Name, Center: fromS2(c), WidthKM: width, Countries: countries, center: c}
		g.Zones = append(g.Zones, az)
		g.areaZones = append(g.areaZones, az)
	}
	return nil
}

// Zone returns the zone with this name (case and accents ignored). The
// names of Niger's border zones before they covered both sides ("Mali
// border zone") still find them.
func (g *Geography) Zone(name string) (*Zone, bool) {
	n := normalize(name)
	for _, z := range g.Zones {
		if normalize(z.Name) == n {
			return z, true
		}
	}
	if c, ok := strings.CutSuffix(n, " border zone"); ok {
		for _, other := range g.Neighbours(Niger) {
			if normalize(g.CountryName(other)) == c {
				for _, z := range g.Zones {
					if z.Border == BorderKey(Niger, other) {
						return z, true
					}
				}
			}
		}
	}
	return nil, false
}

// ZonesOf lists the zones touching a country: its border zones and the
// areas around its tripoints.
func (g *Geography) ZonesOf(iso3 string) []*Zone {
	var out []*Zone
	for _, z := range g.Zones {
		for _, c := range z.Countries {
			if c == iso3 {
				out = append(out, z)
				break
			}
		}
	}
	return out
}

// zonesOf adds the zones containing p: the border zones of the listed
// borders (found by key, not by scanning the ~320 of them), then the areas.
func (g *Geography) zonesOf(loc *incident.Location, p orb.Point) {
	if loc.Country != nil {
		for _, b := range loc.Borders {
			z := g.borderZones[b.Border]
			if z != nil && b.DistanceKM <= z.WidthKM && (z.Countries[0] == *loc.Country || z.Countries[1] == *loc.Country) {
				loc.Zones = append(loc.Zones, z.Name)
			}
		}
	}
	var sp s2.Point
	for _, z := range g.areaZones {
		if sp == (s2.Point{}) {
			sp = toS2(p)
		}
		if angleToKM(sp.Distance(z.center)) <= z.WidthKM {
			loc.Zones = append(loc.Zones, z.Name)
		}
	}
}

// zoneCellDeg is the resolution of border zone outlines drawn for maps.
const zoneCellDeg = 0.05

// ZoneGeometry returns an outline of the zone for drawing: a 128-gon for an
// area; for a border zone, the 0.05° cells of its two countries whose
// centres are within the zone's width of the border, merged row by row.
// Membership itself (Reverse, queries) is always decided by exact distance,
// not by this outline.
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
				r := g.RegionAt(c)
				in = r != nil && (r.Country == z.Countries[0] || r.Country == z.Countries[1])
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
