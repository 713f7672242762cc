// Package geo is incidentmap's reference geography: the admin-1 units of
// every country (admin-2 where a country's Natural Earth units are the
// second level), every international land border and tripoint, named zones
// and a gazetteer of towns. It answers reverse geocoding (point → country,
// admin units, border distances, zones) and forward geocoding (place phrase
// → point and precision).
//
// Distances are great-circle distances in kilometres computed with s2;
// containment is tested on the lon/lat polygons as published.
package geo

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/incidentmap/incidentmap/data"
	"github.com/paulmach/orb"
)

// Niger is the ISO 3166-1 alpha-3 code of the country incidentmap grew up
// around: forward geocoding prefers its places, and the API's default views
// show it and its neighbours.
const Niger = "NER"

// Options sets zone widths and extra gazetteer files. The zero value is not
// useful; start from DefaultOptions.
type Options struct {
	BorderZoneKM float64 // every "<A>–<B> border zone": within this distance of the border, either side
	TriBorderKM  float64 // the Liptako-Gourma tri-border area's radius
	LakeChadKM   float64 // the Lake Chad area's radius
	// Places are extra gazetteer files (any format ReadPlaces reads),
	// added as the program starts.
	Places []string
	// World replaces the embedded atlas, and NoGazetteer leaves the
	// embedded places out: cmd/datagen places its places with the atlas it
	// has just built.
	World       []byte
	NoGazetteer bool
}

// DefaultOptions are the zone widths of data/zones.json.
func DefaultOptions() Options {
	zf, err := parseZoneFile(data.Zones)
	if err != nil {
		return Options{BorderZoneKM: 50, TriBorderKM: 100, LakeChadKM: 100}
	}
	o := Options{BorderZoneKM: zf.BorderZoneKM}
	for _, z := range zf.Zones {
		switch z.Name {
		case TriBorderZone:
			o.TriBorderKM = z.RadiusKM
		case LakeChadZone:
			o.LakeChadKM = z.RadiusKM
		}
	}
	return o
}

// Country is a country with its admin-1 units.
type Country struct {
	ISO3    string
	Name    string
	Regions []*Region // admin-1, by code
}

// Region is an administrative unit with its polygons: admin-1 (Level 1) or
// admin-2 (Level 2, with Parent its admin-1 unit).
type Region struct {
	Code   string // ISO 3166-2 where Natural Earth has one
	Name   string
	NameFR string
	// Alt are the other names exports give it (AtlasUnit.Alt); only a
	// reported admin1 is compared with them (SameAdmin1), never a query:
	// Natural Earth's lists hold historical names of neighbouring areas.
	Alt      []string
	Country  string // ISO3
	Level    int
	Parent   *Region
	Label    orb.Point
	Geometry orb.MultiPolygon
	Bound    orb.Bound

	polyBounds []orb.Bound
	ringStart  []int32
	hasAdmin2  bool
}

// Border is the land border between two countries.
type Border struct {
	Key       string    // "MLI-NER"
	Countries [2]string // sorted ISO3 codes
	Name      string    // "Mali–Niger border"
	Geometry  orb.MultiLineString
	LengthKM  float64

	g *Geography
	i int
}

// Other is the country on the other side from iso3.
func (b *Border) Other(iso3 string) string {
	if b.Countries[0] == iso3 {
		return b.Countries[1]
	}
	return b.Countries[0]
}

// DistanceKM is the great-circle distance from p to the border.
func (b *Border) DistanceKM(p orb.Point) float64 {
	return b.g.borderKM(b.i, p)
}

// Tripoint is where three (rarely more) countries meet.
type Tripoint struct {
	Key       string // "BFA-MLI-NER"
	Countries []string
	Point     orb.Point
}

// Geography holds the reference layers and answers geocoding questions. It is
// safe for concurrent use.
type Geography struct {
	opts      Options
	Countries []*Country // by ISO3
	Regions   []*Region  // admin-1 units of the world, by country then code
	Admin2    []*Region  // admin-2 units where known
	Borders   []*Border  // by key
	Tripoints []*Tripoint
	Zones     []*Zone
	Places    *Gazetteer

	countries map[string]*Country
	borders   map[string]*Border
	byName    map[string][]*Region // normalized code, name and French name
	version   string               // see Version
	// regionByCode finds an admin-1 unit by its code.
	regionByCode map[string]*Region
	admin1       *polyIndex
	admin2       *polyIndex
	bidx         *borderIndex

	borderZones map[string]*Zone // by border key
	areaZones   []*Zone

	countryWords map[string]string // folded country names and adjectives → ISO3
	admin2Once   sync.Once
	admin2Names  map[string]*Region

	geocodeMu      sync.Mutex
	geocodeCache   map[string]geocodeResult
	geocodeVersion uint64

	countryLookup // lookup.go
}

// Load reads the embedded reference layers, plus any gazetteer files named in
// opts.Places.
func Load(opts Options) (*Geography, error) {
	if opts.BorderZoneKM <= 0 || opts.TriBorderKM <= 0 || opts.LakeChadKM <= 0 {
		return nil, fmt.Errorf("geo: zone widths must be positive (border %v km, tri-border %v km, Lake Chad %v km)", opts.BorderZoneKM, opts.TriBorderKM, opts.LakeChadKM)
	}
	world := data.World
	if opts.World != nil {
		world = opts.World
	}
	a, err := DecodeAtlas(world)
	if err != nil {
		return nil, err
	}
	g := &Geography{opts: opts, geocodeCache: map[string]geocodeResult{}}
	if err := g.loadAtlas(a); err != nil {
		return nil, err
	}
	if err := g.loadZones(data.Zones); err != nil {
		return nil, err
	}
	raw := data.PlacesOSM
	if opts.NoGazetteer {
		raw = nil
	}
	if g.Places, err = newGazetteer(g, raw); err != nil {
		return nil, err
	}
	version := sha256.New()
	for _, b := range [][]byte{world, data.Zones, raw} {
		h := sha256.Sum256(b)
		version.Write(h[:])
	}
	fmt.Fprintf(version, "%g %g %g", opts.BorderZoneKM, opts.TriBorderKM, opts.LakeChadKM)
	var fileID int64
	for _, path := range opts.Places {
		ps, err := ReadPlacesFile(path)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			fmt.Fprintf(version, "|%s %s %v", p.Name, p.Kind, p.Point)
			// Negative ids: places of files, never the database's.
			fileID--
			p.ID = fileID
			if p.Source == "" {
				p.Source = path
			}
			if _, err := g.Places.Add(p); err != nil {
				return nil, fmt.Errorf("geo: places file %s: %w", path, err)
			}
		}
	}
	g.version = hex.EncodeToString(version.Sum(nil))[:16]
	return g, nil
}

// Version identifies what derivation depends on: the embedded layers, the
// zone widths and the places files. A store records the version its
// incidents were derived with; when the program's differs (new data, other
// zone widths), they are derived again, so no incident keeps a region name
// or a flag the program no longer gives.
func (g *Geography) Version() string { return g.version }

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

func (g *Geography) loadAtlas(a *Atlas) error {
	g.countries = map[string]*Country{}
	for _, c := range a.Countries {
		ct := &Country{ISO3: c.ISO3, Name: c.Name}
		g.Countries = append(g.Countries, ct)
		g.countries[c.ISO3] = ct
	}
	byCode := map[string]*Region{}
	g.regionByCode = byCode
	for i := range a.Units {
		u := &a.Units[i]
		r := &Region{Code: u.Code, Name: u.Name, NameFR: u.NameFR, Alt: u.Alt, Country: u.Country, Level: u.Level, Label: u.Label, Geometry: u.Polys, ringStart: u.ringStart}
		if len(r.Geometry) == 0 {
			return fmt.Errorf("geo: atlas: unit %s has no polygon", r.Code)
		}
		r.Bound = r.Geometry.Bound()
		for _, poly := range r.Geometry {
			r.polyBounds = append(r.polyBounds, poly.Bound())
		}
		c := g.countries[r.Country]
		if c == nil {
			return fmt.Errorf("geo: atlas: unit %s of unknown country %s", r.Code, r.Country)
		}
		if r.Level == 1 {
			byCode[r.Code] = r
			g.Regions = append(g.Regions, r)
			c.Regions = append(c.Regions, r)
		} else {
			if r.Parent = byCode[u.Parent]; r.Parent == nil {
				return fmt.Errorf("geo: atlas: admin-2 unit %s has no parent %s", r.Code, u.Parent)
			}
			r.Parent.hasAdmin2 = true
			g.Admin2 = append(g.Admin2, r)
		}
	}
	g.admin1 = newPolyIndex(a.pts, g.Regions)
	g.admin2 = newPolyIndex(a.pts, g.Admin2)
	g.byName = map[string][]*Region{}
	for _, r := range g.Regions {
		for _, n := range []string{r.Code, r.Name, r.NameFR} {
			if k := normalize(n); k != "" && !slices.Contains(g.byName[k], r) {
				g.byName[k] = append(g.byName[k], r)
			}
		}
	}
	g.borders = map[string]*Border{}
	for i, ab := range a.Borders {
		x, y, err := ParseBorder(ab.Key)
		if err != nil {
			return err
		}
		b := &Border{Key: ab.Key, Countries: [2]string{x, y}, Name: g.CountryName(x) + "–" + g.CountryName(y) + " border", Geometry: ab.Lines, LengthKM: ab.LengthKM, g: g, i: i}
		g.Borders = append(g.Borders, b)
		g.borders[b.Key] = b
	}
	g.bidx = newBorderIndex(g.Borders)
	for _, t := range a.Tripoints {
		g.Tripoints = append(g.Tripoints, &Tripoint{Key: t.Key, Countries: splitKey(t.Key), Point: t.Point})
	}
	// Niger's neighbours' units come right after Niger's when a name is
	// ambiguous ("Centre" is a region of Burkina Faso, Cameroon and Haiti).
	near := g.Neighbours(Niger)
	rank := func(r *Region) int {
		switch {
		case r.Country == Niger:
			return 0
		case slices.Contains(near, r.Country):
			return 1
		}
		return 2
	}
	g.countryWords = maps.Clone(countryWords)
	for _, c := range g.Countries {
		if k := normalize(c.Name); k != "" {
			g.countryWords[k] = c.ISO3
		}
	}
	for _, rs := range g.byName {
		slices.SortStableFunc(rs, func(x, y *Region) int { return cmp.Compare(rank(x), rank(y)) })
	}
	return nil
}

func splitKey(k string) []string {
	var out []string
	for len(k) >= 3 {
		out = append(out, k[:3])
		k = k[min(4, len(k)):]
	}
	return out
}

// CountryName is the name of the country with this ISO3 code, or the code.
func (g *Geography) CountryName(iso3 string) string {
	if c, ok := g.countries[iso3]; ok {
		return c.Name
	}
	return iso3
}

// Country returns the country with this ISO3 code.
func (g *Geography) Country(iso3 string) (*Country, bool) {
	c, ok := g.countries[iso3]
	return c, ok
}

// Border returns the border named by a key in either order ("MLI-NER",
// "NER-MLI").
func (g *Geography) Border(key string) (*Border, bool) {
	a, b, err := ParseBorder(key)
	if err != nil {
		return nil, false
	}
	br, ok := g.borders[a+"-"+b]
	return br, ok
}

// BordersOf lists the land borders of a country, by key.
func (g *Geography) BordersOf(iso3 string) []*Border {
	var out []*Border
	for _, b := range g.Borders {
		if b.Countries[0] == iso3 || b.Countries[1] == iso3 {
			out = append(out, b)
		}
	}
	return out
}

// Neighbours lists the countries sharing a land border with iso3, sorted.
func (g *Geography) Neighbours(iso3 string) []string {
	var out []string
	for _, b := range g.BordersOf(iso3) {
		out = append(out, b.Other(iso3))
	}
	slices.Sort(out)
	return out
}

// Tripoint returns the tripoint with this key (codes in any order).
func (g *Geography) Tripoint(key string) (*Tripoint, bool) {
	codes := splitKey(key)
	for i := range codes {
		codes[i] = upper(codes[i])
	}
	slices.Sort(codes)
	for _, t := range g.Tripoints {
		if slices.Equal(t.Countries, codes) {
			return t, true
		}
	}
	return nil, false
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// RegionAt returns the admin-1 unit containing p, or nil at sea and on no
// polygon.
func (g *Geography) RegionAt(p orb.Point) *Region {
	if u := g.admin1.unitAt(p); u >= 0 {
		return g.Regions[u]
	}
	return nil
}

// Admin2At returns the admin-2 unit containing p, where known.
func (g *Geography) Admin2At(p orb.Point) *Region {
	if u := g.admin2.unitAt(p); u >= 0 {
		return g.Admin2[u]
	}
	return nil
}

// Region finds an admin-1 unit by ISO 3166-2 code or by English or French
// name, accents and case ignored. Niger's units win over a neighbour's
// namesake, and a neighbour's over anyone else's.
func (g *Geography) Region(codeOrName string) (*Region, bool) {
	rs := g.byName[normalize(codeOrName)]
	if len(rs) == 0 {
		return nil, false
	}
	return rs[0], true
}
