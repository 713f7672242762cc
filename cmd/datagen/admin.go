package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/paulmach/orb"
)

// neFeature is the part of a Natural Earth admin-1 feature datagen reads.
type neFeature struct {
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		Adm0A3    string  `json:"adm0_a3"`
		Admin     string  `json:"admin"`
		GuA3      string  `json:"gu_a3"`
		ISOA2     string  `json:"iso_a2"`
		ISO31662  string  `json:"iso_3166_2"`
		Adm1Code  string  `json:"adm1_code"`
		Name      string  `json:"name"`
		NameEN    string  `json:"name_en"`
		NameFR    string  `json:"name_fr"`
		NameAlt   string  `json:"name_alt"`
		Region    string  `json:"region"`
		RegionCod string  `json:"region_cod"`
		GnA1Code  string  `json:"gn_a1_code"`
		Longitude float64 `json:"longitude"`
		Latitude  float64 `json:"latitude"`
	} `json:"properties"`
}

// iso3Of maps Natural Earth's adm0_a3 codes that are not ISO 3166-1 alpha-3
// to the code a report about the place would use. Disputed or unrecognised
// areas go to the country that administers them, as ACLED codes events
// there; areas with no such country keep a user-assigned X.. code.
var iso3Of = map[string]string{
	"ALD": "ALA", // Åland
	"ATC": "AUS", // Ashmore and Cartier Islands
	"CLP": "FRA", // Clipperton Island
	"CSI": "AUS", // Coral Sea Islands
	"CYN": "CYP", // Northern Cyprus: Cyprus as recognised
	"ESB": "GBR", // Dhekelia sovereign base area
	"WSB": "GBR", // Akrotiri sovereign base area
	"KAB": "KAZ", // Baikonur: Kazakh territory leased to Russia
	"KAS": "IND", // Siachen Glacier: administered by India
	"KOS": "XKX", // Kosovo: the user-assigned code in common use
	"PGA": "XSP", // Spratly Islands: claimed by several, held by none whole
	"PSX": "PSE", // Palestine (Gaza Strip, West Bank)
	"SAH": "ESH", // Western Sahara
	"SDS": "SSD", // South Sudan
	"SOL": "SOM", // Somaliland: Somalia as recognised (ACLED's coding)
	"USG": "CUB", // Guantánamo Bay: Cuban territory leased to the USA
}

// countryNames overrides Natural Earth's short admin names where they are
// not what reports say.
var countryNames = map[string]string{
	"CIV": "Côte d'Ivoire", "CYP": "Cyprus", "XKX": "Kosovo", "XSP": "Spratly Islands", "SOM": "Somalia",
	"PSE": "Palestine", "SSD": "South Sudan", "SRB": "Serbia", "TZA": "Tanzania", "SWZ": "Eswatini",
	"GBR": "United Kingdom", "USA": "United States", "CUB": "Cuba", "IND": "India", "KAZ": "Kazakhstan",
	"AUS": "Australia", "FRA": "France", "ALA": "Åland", "ESH": "Western Sahara", "GNB": "Guinea-Bissau",
	"BHS": "Bahamas", "TLS": "Timor-Leste", "MKD": "North Macedonia", "CZE": "Czechia",
}

// unitNames overrides Natural Earth's English name of a unit where it is
// wrong: NE's name_en for Mali's Sikasso region (ML-3) is "Wassoulou", a
// cultural area, which showed every Sikasso incident under that name.
var unitNames = map[string]string{
	"ML-3": "Sikasso",
}

// altNames are the other names of a unit: Natural Earth's local name and
// English name (one of them is the display name, dropped by the caller) and the |-separated name_alt, without damaged entries (NE has
// "Timbuct\x9d").
func altNames(names ...string) []string {
	var out []string
	for _, n := range names {
		for _, a := range strings.Split(n, "|") {
			a = strings.TrimSpace(a)
			if a == "" || !utf8.ValidString(a) || strings.ContainsFunc(a, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError || (r >= 0x80 && r < 0xA0) }) || slices.Contains(out, a) {
				continue
			}
			out = append(out, a)
		}
	}
	return out
}

// dissolved are the countries whose Natural Earth units are the second
// level of their administration, with the first level in the `region`
// field. Each is dissolved into its regions (admin-1) and keeps the units as
// admin-2. The reason for each is in data/README.md.
var dissolved = map[string]bool{
	"BFA": true, // 45 provinces → 13 regions (ACLED's admin1)
	"FRA": true, // 101 départements → 18 régions
	"ITA": true, // 110 provinces → 20 regions
	"ESP": true, // 52 provinces → 19 autonomous communities and cities
	"GIN": true, // 34 prefectures → 8 regions
	"PHL": true, // 118 provinces and cities → 17 regions
	"LKA": true, // 25 districts → 9 provinces
}

// burkinaRegions are ISO 3166-2:BF's codes of Burkina Faso's 13 regions;
// Natural Earth names the region of each province but gives no code.
var burkinaRegions = map[string]string{
	"Boucle du Mouhoun": "BF-01", "Cascades": "BF-02", "Centre": "BF-03", "Centre-Est": "BF-04",
	"Centre-Nord": "BF-05", "Centre-Ouest": "BF-06", "Centre-Sud": "BF-07", "Est": "BF-08",
	"Hauts-Bassins": "BF-09", "Nord": "BF-10", "Plateau-Central": "BF-11", "Sahel": "BF-12",
	"Sud-Ouest": "BF-13",
}

type unit struct {
	geo.AtlasUnit
	region, regionCode string // for dissolving
	area               float64
}

// buildUnits reads Natural Earth, maps country codes, gives every unit a
// unique code, and dissolves the countries listed in dissolved.
func buildUnits(raw []byte) ([]geo.AtlasCountry, []*unit, map[string]string, error) {
	var src struct {
		Features []neFeature `json:"features"`
	}
	if err := json.Unmarshal(raw, &src); err != nil {
		return nil, nil, nil, fmt.Errorf("natural earth: %w", err)
	}
	names := map[string]string{}
	gnToISO := map[string]string{}
	var units []*unit
	codes := map[string]int{}
	for _, f := range src.Features {
		p := f.Properties
		iso3 := p.Adm0A3
		if p.Adm0A3 == "IOA" {
			iso3 = p.GuA3 // Christmas Island and the Cocos Islands have ISO codes of their own
		} else if m, ok := iso3Of[iso3]; ok {
			iso3 = m
		}
		if names[iso3] == "" {
			names[iso3] = cmp.Or(countryNames[iso3], p.Admin)
		}
		mp, err := decodePolys(f.Geometry.Type, f.Geometry.Coordinates)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("natural earth %s: %w", p.Adm1Code, err)
		}
		u := &unit{AtlasUnit: geo.AtlasUnit{
			Level: 1, Country: iso3, Code: strings.TrimSpace(p.ISO31662),
			Name: strings.TrimSpace(cmp.Or(unitNames[strings.TrimSpace(p.ISO31662)], p.NameEN, p.Name)), NameFR: strings.TrimSpace(p.NameFR),
			Alt:   altNames(p.Name, p.NameEN, p.NameAlt),
			Label: round(orb.Point{p.Longitude, p.Latitude}), Polys: mp,
		}, region: strings.TrimSpace(p.Region), regionCode: strings.TrimSpace(p.RegionCod)}
		u.Alt = slices.DeleteFunc(u.Alt, func(a string) bool { return a == u.Name || a == u.NameFR })
		u.area = planarArea(mp)
		if p.GnA1Code != "" && iso3 == "NER" {
			gnToISO[p.GnA1Code] = u.Code
		}
		codes[u.Code]++
		units = append(units, u)
		if iso3 == "NER" && u.Code == "" {
			return nil, nil, nil, fmt.Errorf("natural earth: a Niger region without a code")
		}
	}
	// Placeholder ("XK-X01~", "-99-…") and repeated ISO codes (Madagascar's
	// 22 regions carry its 6 former provinces' codes) become Natural
	// Earth's own stable adm1_code, so that a code names one unit.
	for i, f := range src.Features {
		u := units[i]
		if c := u.Code; c == "" || strings.Contains(c, "~") || strings.HasPrefix(c, "-99") || codes[c] > 1 {
			u.Code = f.Properties.Adm1Code
		}
	}
	var out []*unit
	byCountry := map[string][]*unit{}
	for _, u := range units {
		// A unit of such a country with no region (Clipperton Island,
		// placed in France) stays a first-level unit of its own.
		if dissolved[u.Country] && u.region != "" {
			byCountry[u.Country] = append(byCountry[u.Country], u)
		} else {
			out = append(out, u)
		}
	}
	for iso3, members := range byCountry {
		regions, err := dissolve(iso3, members)
		if err != nil {
			return nil, nil, nil, err
		}
		out = append(out, regions...)
		for _, m := range members {
			m.Level = 2
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *unit) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Level, b.Level), cmp.Compare(a.Code, b.Code))
	})
	var countries []geo.AtlasCountry
	for iso3, name := range names {
		countries = append(countries, geo.AtlasCountry{ISO3: iso3, Name: name})
	}
	slices.SortFunc(countries, func(a, b geo.AtlasCountry) int { return cmp.Compare(a.ISO3, b.ISO3) })
	n := 0
	for _, u := range out {
		if u.Country == "NER" {
			n++
		}
	}
	if n != 8 {
		return nil, nil, nil, fmt.Errorf("natural earth: expected Niger's 8 regions, found %d", n)
	}
	return countries, out, gnToISO, nil
}

func decodePolys(typ string, raw json.RawMessage) (orb.MultiPolygon, error) {
	var mp [][][][2]float64
	switch typ {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		mp = [][][][2]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(raw, &mp); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("geometry is %s, want a polygon", typ)
	}
	var out orb.MultiPolygon
	for _, poly := range mp {
		var np orb.Polygon
		for _, ring := range poly {
			var nr orb.Ring
			for _, c := range ring {
				q := round(orb.Point{c[0], c[1]})
				if len(nr) > 0 && nr[len(nr)-1] == q {
					continue
				}
				nr = append(nr, q)
			}
			if len(nr) >= 4 {
				np = append(np, nr)
			}
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	return out, nil
}

// dissolve merges a country's units into their regions: the edges two
// members share cancel, and what is left is chained into rings.
func dissolve(iso3 string, members []*unit) ([]*unit, error) {
	groups := map[string][]*unit{}
	for _, m := range members {
		groups[m.region] = append(groups[m.region], m)
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	slices.Sort(names)
	used := map[string]bool{}
	var out []*unit
	for i, name := range names {
		ms := groups[name]
		code := regionCode(iso3, name, ms, used, i)
		used[code] = true
		largest := ms[0]
		var rings []orb.Ring
		for _, m := range ms {
			if m.area > largest.area {
				largest = m
			}
			for _, poly := range m.Polys {
				rings = append(rings, poly...)
			}
			m.Parent = code
		}
		polys := assemble(chainRings(rings))
		r := &unit{AtlasUnit: geo.AtlasUnit{Level: 1, Country: iso3, Code: code, Name: name, Label: largest.Label, Polys: polys}}
		if iso3 == "BFA" || iso3 == "FRA" || iso3 == "GIN" {
			r.NameFR = name // these countries' region names are French already
		}
		r.area = planarArea(polys)
		out = append(out, r)
	}
	if iso3 == "BFA" && len(out) != 13 {
		return nil, fmt.Errorf("natural earth: Burkina Faso's provinces fall in %d regions, want 13", len(out))
	}
	return out, nil
}

// regionCode is ISO 3166-2 where it can be derived: Burkina Faso's from the
// ISO table above, others from Natural Earth's region_cod ("ES.GA" is
// ES-GA). A region whose code is missing or already taken (Ceuta and
// Melilla share ES.CE) takes its single member's ISO code, else a stable
// "<ISO2>-R<n>" by the region's place in alphabetical order.
func regionCode(iso3, name string, ms []*unit, used map[string]bool, i int) string {
	if iso3 == "BFA" {
		return burkinaRegions[name]
	}
	c := strings.ReplaceAll(strings.TrimSpace(ms[0].regionCode), ".", "-")
	if c != "" && !used[c] {
		return c
	}
	if len(ms) == 1 {
		return ms[0].Code
	}
	return fmt.Sprintf("%s-R%02d", strings.SplitN(ms[0].Code, "-", 2)[0], i+1)
}

type ekey struct{ ax, ay, bx, by int32 }

func fixed(p orb.Point) (int32, int32) {
	return int32(math.Round(p[0] * 1e6)), int32(math.Round(p[1] * 1e6))
}

func edgeKey(a, b orb.Point) ekey {
	ax, ay := fixed(a)
	bx, by := fixed(b)
	if ax > bx || (ax == bx && ay > by) {
		ax, ay, bx, by = bx, by, ax, ay
	}
	return ekey{ax, ay, bx, by}
}

// chainRings keeps the edges that appear an odd number of times (an edge
// two members share appears twice) and walks them into closed rings.
func chainRings(rings []orb.Ring) []orb.Ring {
	count := map[ekey]int{}
	for _, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			count[edgeKey(r[i], r[i+1])]++
		}
	}
	adj := map[orb.Point][]orb.Point{}
	var order []orb.Point
	for _, r := range rings { // deterministic order: the source's
		for i := 0; i+1 < len(r); i++ {
			if count[edgeKey(r[i], r[i+1])]%2 == 1 {
				if len(adj[r[i]]) == 0 {
					order = append(order, r[i])
				}
				adj[r[i]] = append(adj[r[i]], r[i+1])
				adj[r[i+1]] = append(adj[r[i+1]], r[i])
			}
		}
	}
	used := map[ekey]bool{}
	var out []orb.Ring
	for _, start := range order {
		for {
			ring := orb.Ring{start}
			p := start
			for {
				next := false
				for _, q := range adj[p] {
					if k := edgeKey(p, q); !used[k] {
						used[k] = true
						ring = append(ring, q)
						p = q
						next = true
						break
					}
				}
				if !next || p == start {
					break
				}
			}
			if len(ring) < 2 {
				break
			}
			if len(ring) >= 4 && ring[len(ring)-1] == start {
				out = append(out, ring)
			}
		}
	}
	return out
}

// assemble makes polygons of rings: a ring inside an odd number of others
// is a hole of the smallest ring around it.
func assemble(rings []orb.Ring) orb.MultiPolygon {
	type rr struct {
		ring  orb.Ring
		bound orb.Bound
		area  float64
	}
	rs := make([]rr, len(rings))
	for i, r := range rings {
		rs[i] = rr{r, r.Bound(), math.Abs(ringArea(r))}
	}
	slices.SortStableFunc(rs, func(a, b rr) int { return cmp.Compare(b.area, a.area) })
	var polys orb.MultiPolygon
	owner := make([]int, len(rs)) // polygon index of an outer ring, -1 for a hole
	for i := range rs {
		probe := rs[i].ring[0]
		depth, inner := 0, -1
		for j := 0; j < i; j++ {
			if rs[j].bound.Contains(probe) && ringContains(rs[j].ring, probe) {
				depth++
				inner = j // later j are smaller
			}
		}
		if depth%2 == 0 {
			owner[i] = len(polys)
			polys = append(polys, orb.Polygon{rs[i].ring})
			continue
		}
		owner[i] = -1
		if o := owner[inner]; o >= 0 {
			polys[o] = append(polys[o], rs[i].ring)
		}
	}
	return polys
}

func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for a, b := 0, len(r)-1; a < len(r); b, a = a, a+1 {
		pa, pb := r[a], r[b]
		if (pa[1] > p[1]) != (pb[1] > p[1]) && p[0] < (pb[0]-pa[0])*(p[1]-pa[1])/(pb[1]-pa[1])+pa[0] {
			in = !in
		}
	}
	return in
}

func ringArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

func planarArea(mp orb.MultiPolygon) float64 {
	var s float64
	for _, poly := range mp {
		for i, r := range poly {
			if i == 0 {
				s += math.Abs(ringArea(r))
			} else {
				s -= math.Abs(ringArea(r))
			}
		}
	}
	return s
}
