// Package geo is incidentmap's reference geography: the regions of Niger and
// its neighbours, Niger's international borders, named zones and a gazetteer
// of towns. It answers reverse geocoding (point → region, border distances,
// zones) and forward geocoding (place phrase → point and precision).
//
// Distances are great-circle distances in kilometres computed with s2;
// region containment is tested on the lon/lat polygons as published.
package geo

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"github.com/incidentmap/incidentmap/data"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Country is the ISO 3166-1 alpha-3 code Niger's data uses.
const Niger = "NER"

// CountryNames names the covered countries by ISO3 code.
var CountryNames = map[string]string{
	"NER": "Niger", "MLI": "Mali", "BFA": "Burkina Faso", "BEN": "Benin",
	"NGA": "Nigeria", "TCD": "Chad", "LBY": "Libya", "DZA": "Algeria",
}

// Zone names of the two tripoint areas.
const (
	TriBorderZone = "Liptako-Gourma tri-border area"
	LakeChadZone  = "Lake Chad area"
)

// Options sets zone widths and extra gazetteer files. The zero value is not
// useful; start from DefaultOptions.
type Options struct {
	BorderZoneKM float64 // "<Country> border zone": inside Niger within this distance of the border
	TriBorderKM  float64 // Liptako-Gourma: within this distance of the Niger–Mali–Burkina Faso tripoint
	LakeChadKM   float64 // Lake Chad area: within this distance of the Niger–Nigeria–Chad tripoint
	Places       []string
}

// DefaultOptions are the zone widths analysts use by default.
func DefaultOptions() Options {
	return Options{BorderZoneKM: 50, TriBorderKM: 100, LakeChadKM: 100}
}

// Region is an admin-1 unit with its polygon.
type Region struct {
	Code     string // ISO 3166-2
	Name     string
	NameFR   string
	Country  string // ISO3
	Label    orb.Point
	Geometry orb.MultiPolygon
	Bound    orb.Bound

	polyBounds []orb.Bound
}

// Border is Niger's border with one neighbour.
type Border struct {
	Country  string // the neighbour's ISO3 code
	Name     string // "Niger–Mali border"
	Geometry orb.MultiLineString
	LengthKM float64
	index    *polylineIndex
	cells    *cellIndex
	i        int // the border's place in cells
}

// DistanceKM is the great-circle distance from p to the border.
func (b *Border) DistanceKM(p orb.Point) float64 {
	if b.cells != nil {
		if c := b.cells.at(p); c != nil {
			return b.cells.borderKM(c, toS2(p), b.i)
		}
	}
	return b.index.distanceKM(p)
}

// Zone is a named area defined by distance: to a border (inside Niger) or to
// a tripoint.
type Zone struct {
	Name      string
	Border    string    // neighbour ISO3 for a border zone, "" for a tripoint zone
	Center    orb.Point // the tripoint, for a tripoint zone
	WidthKM   float64
	Countries []string // for a tripoint zone: the three countries that meet there
}

// Geography holds the reference layers and answers geocoding questions. It is
// safe for concurrent use.
type Geography struct {
	opts    Options
	Regions []*Region
	Borders []*Border
	Zones   []*Zone
	Places  *Gazetteer

	grid  regionGrid
	cells *cellIndex

	geocodeMu    sync.Mutex
	geocodeCache map[string]geocodeResult
}

// Load reads the embedded reference layers, plus any gazetteer files named in
// opts.Places.
func Load(opts Options) (*Geography, error) {
	if opts.BorderZoneKM <= 0 || opts.TriBorderKM <= 0 || opts.LakeChadKM <= 0 {
		return nil, fmt.Errorf("geo: zone widths must be positive (border %v km, tri-border %v km, Lake Chad %v km)", opts.BorderZoneKM, opts.TriBorderKM, opts.LakeChadKM)
	}
	g := &Geography{opts: opts, geocodeCache: map[string]geocodeResult{}}
	if err := g.loadRegions(data.Regions); err != nil {
		return nil, err
	}
	if err := g.loadBorders(data.Borders); err != nil {
		return nil, err
	}
	g.buildZones()
	g.cells = newCellIndex(g.Regions, g.Borders, g.grid)
	for i, b := range g.Borders {
		b.cells, b.i = g.cells, i
	}
	g.Places = &Gazetteer{}
	if err := g.Places.add(data.Places, "GeoNames", g); err != nil {
		return nil, err
	}
	for _, path := range opts.Places {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("geo: places file: %w", err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("geo: places file %s: %w", path, err)
		}
		if err := g.Places.add(b, path, g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

var (
	defaultOnce sync.Once
	defaultGeo  *Geography
	defaultErr  error
)

// Default returns the Geography of the embedded layers with DefaultOptions,
// loaded once.
func Default() (*Geography, error) {
	defaultOnce.Do(func() { defaultGeo, defaultErr = Load(DefaultOptions()) })
	return defaultGeo, defaultErr
}

func (g *Geography) loadRegions(raw []byte) error {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return fmt.Errorf("geo: regions: %w", err)
	}
	for _, f := range fc.Features {
		r := &Region{
			Code:    f.Properties.MustString("code", ""),
			Name:    f.Properties.MustString("name", ""),
			NameFR:  f.Properties.MustString("name_fr", ""),
			Country: f.Properties.MustString("country", ""),
		}
		switch geom := f.Geometry.(type) {
		case orb.Polygon:
			r.Geometry = orb.MultiPolygon{geom}
		case orb.MultiPolygon:
			r.Geometry = geom
		default:
			return fmt.Errorf("geo: region %s: geometry is %s, want a polygon", r.Code, f.Geometry.GeoJSONType())
		}
		if l, ok := f.Properties["label"].([]any); ok && len(l) == 2 {
			r.Label = orb.Point{toFloat(l[0]), toFloat(l[1])}
		}
		r.Bound = r.Geometry.Bound()
		for _, poly := range r.Geometry {
			r.polyBounds = append(r.polyBounds, poly.Bound())
		}
		g.Regions = append(g.Regions, r)
	}
	g.grid = newRegionGrid(g.Regions)
	return nil
}

func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

func (g *Geography) loadBorders(raw []byte) error {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return fmt.Errorf("geo: borders: %w", err)
	}
	for _, f := range fc.Features {
		b := &Border{
			Country:  f.Properties.MustString("country", ""),
			Name:     f.Properties.MustString("name", ""),
			LengthKM: f.Properties.MustFloat64("length_km", 0),
		}
		switch geom := f.Geometry.(type) {
		case orb.LineString:
			b.Geometry = orb.MultiLineString{geom}
		case orb.MultiLineString:
			b.Geometry = geom
		default:
			return fmt.Errorf("geo: border %s: geometry is %s, want a line", b.Country, f.Geometry.GeoJSONType())
		}
		b.index = newPolylineIndex(b.Geometry)
		g.Borders = append(g.Borders, b)
	}
	return nil
}

// Border returns Niger's border with the neighbour with this ISO3 code.
func (g *Geography) Border(iso3 string) (*Border, bool) {
	for _, b := range g.Borders {
		if b.Country == iso3 {
			return b, true
		}
	}
	return nil, false
}

// tripoint is where the borders with two neighbours meet: the closest pair of
// their end points.
func (g *Geography) tripoint(a, b string) orb.Point {
	ba, _ := g.Border(a)
	bb, _ := g.Border(b)
	best, bestD := orb.Point{}, math.Inf(1)
	for _, la := range ba.Geometry {
		for _, pa := range []orb.Point{la[0], la[len(la)-1]} {
			for _, lb := range bb.Geometry {
				for _, pb := range []orb.Point{lb[0], lb[len(lb)-1]} {
					if d := DistanceKM(pa, pb); d < bestD {
						best, bestD = pa, d
					}
				}
			}
		}
	}
	return best
}

func (g *Geography) buildZones() {
	for _, b := range g.Borders {
		g.Zones = append(g.Zones, &Zone{Name: CountryNames[b.Country] + " border zone", Border: b.Country, WidthKM: g.opts.BorderZoneKM})
	}
	g.Zones = append(g.Zones,
		&Zone{Name: TriBorderZone, Center: g.tripoint("MLI", "BFA"), WidthKM: g.opts.TriBorderKM, Countries: []string{"NER", "MLI", "BFA"}},
		&Zone{Name: LakeChadZone, Center: g.tripoint("NGA", "TCD"), WidthKM: g.opts.LakeChadKM, Countries: []string{"NER", "NGA", "TCD"}},
	)
}

// Zone returns the zone with this name (case and accents ignored).
func (g *Geography) Zone(name string) (*Zone, bool) {
	n := normalize(name)
	for _, z := range g.Zones {
		if normalize(z.Name) == n {
			return z, true
		}
	}
	return nil, false
}

// RegionAt returns the admin-1 region containing p, or nil outside the
// covered countries.
func (g *Geography) RegionAt(p orb.Point) *Region {
	return g.cells.region(p)
}

// Region finds a region by ISO 3166-2 code or by English or French name,
// accents and case ignored. Niger's regions win over a neighbour's namesake.
func (g *Geography) Region(codeOrName string) (*Region, bool) {
	n := normalize(codeOrName)
	var found *Region
	for _, r := range g.Regions {
		if normalize(r.Code) == n || normalize(r.Name) == n || normalize(r.NameFR) == n {
			if r.Country == Niger {
				return r, true
			}
			if found == nil {
				found = r
			}
		}
	}
	return found, found != nil
}

// Reverse tells which country and region p is in, how far it is from each of
// Niger's borders (nearest first) and which zones contain it.
func (g *Geography) Reverse(lon, lat float64) incident.Location {
	p := orb.Point{lon, lat}
	loc := incident.Location{Borders: make([]incident.BorderDistance, len(g.Borders)), Zones: []string{}}
	c := g.cells.at(p)
	var r *Region
	if c != nil {
		r = g.cells.region(p)
	}
	if r != nil {
		country := r.Country
		loc.Country = &country
		loc.Region = &incident.Region{Code: r.Code, Name: r.Name}
	}
	sp := toS2(p)
	for i, b := range g.Borders {
		var d float64
		if c != nil {
			d = g.cells.borderKM(c, sp, i)
		} else {
			d = b.DistanceKM(p)
		}
		loc.Borders[i] = incident.BorderDistance{Country: b.Country, DistanceKM: math.Round(d*1000) / 1000}
	}
	// Insertion sort: seven items, no allocation.
	for i := 1; i < len(loc.Borders); i++ {
		for j := i; j > 0 && loc.Borders[j].DistanceKM < loc.Borders[j-1].DistanceKM; j-- {
			loc.Borders[j], loc.Borders[j-1] = loc.Borders[j-1], loc.Borders[j]
		}
	}
	for _, z := range g.Zones {
		if z.contains(p, r, loc.Borders) {
			loc.Zones = append(loc.Zones, z.Name)
		}
	}
	return loc
}

func (z *Zone) contains(p orb.Point, r *Region, borders []incident.BorderDistance) bool {
	if z.Border != "" {
		if r == nil || r.Country != Niger {
			return false
		}
		for _, b := range borders {
			if b.Country == z.Border {
				return b.DistanceKM <= z.WidthKM
			}
		}
		return false
	}
	return DistanceKM(p, z.Center) <= z.WidthKM
}

// regionGrid buckets regions by 1° cells so a lookup tests only the few
// polygons whose bounding box touches the point's cell.
type regionGrid struct {
	minLon, minLat float64
	w, h           int
	cells          [][]*Region
}

const gridStep = 1.0

func newRegionGrid(regions []*Region) regionGrid {
	var b orb.Bound
	for i, r := range regions {
		if i == 0 {
			b = r.Bound
		} else {
			b = b.Union(r.Bound)
		}
	}
	gr := regionGrid{minLon: math.Floor(b.Min[0]), minLat: math.Floor(b.Min[1])}
	gr.w = int(math.Ceil(b.Max[0])-gr.minLon)/int(gridStep) + 1
	gr.h = int(math.Ceil(b.Max[1])-gr.minLat)/int(gridStep) + 1
	gr.cells = make([][]*Region, gr.w*gr.h)
	for _, r := range regions {
		x0, y0 := gr.cell(r.Bound.Min)
		x1, y1 := gr.cell(r.Bound.Max)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				gr.cells[y*gr.w+x] = append(gr.cells[y*gr.w+x], r)
			}
		}
	}
	return gr
}

func (gr regionGrid) cell(p orb.Point) (int, int) {
	x := int((p[0] - gr.minLon) / gridStep)
	y := int((p[1] - gr.minLat) / gridStep)
	return min(max(x, 0), gr.w-1), min(max(y, 0), gr.h-1)
}

func (gr regionGrid) candidates(p orb.Point) []*Region {
	if p[0] < gr.minLon || p[1] < gr.minLat || p[0] > gr.minLon+float64(gr.w)*gridStep || p[1] > gr.minLat+float64(gr.h)*gridStep {
		return nil
	}
	x, y := gr.cell(p)
	return gr.cells[y*gr.w+x]
}
