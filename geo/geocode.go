package geo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// ACLED's geo_precision codes.
const (
	PrecisionTown   = 1 // the named town itself
	PrecisionNear   = 2 // near a town, or a small part of a region
	PrecisionRegion = 3 // a region, a border area or another large area
)

// Uncertainty radii for point answers.
const (
	townRadiusKM = 5
	nearRadiusKM = 15
)

type geocodeResult struct {
	candidates []incident.Candidate
	reason     string
}

// Geocode places a phrase as reports and analysts write it — "Torodi",
// "near Ayorou", "20 km north of Tillia", "western Tahoua region near the
// Mali border", "southwest Niger", "the tri-border area" — and returns the
// candidates best first. With no candidate, reason says why; it never guesses.
func (g *Geography) Geocode(text string) ([]incident.Candidate, string) {
	key := normalize(text)
	g.geocodeMu.Lock()
	r, ok := g.geocodeCache[key]
	g.geocodeMu.Unlock()
	if ok {
		return append([]incident.Candidate(nil), r.candidates...), r.reason
	}
	r.candidates, r.reason = g.geocode(key, text)
	g.geocodeMu.Lock()
	if len(g.geocodeCache) > 10000 {
		g.geocodeCache = map[string]geocodeResult{}
	}
	g.geocodeCache[key] = r
	g.geocodeMu.Unlock()
	return append([]incident.Candidate(nil), r.candidates...), r.reason
}

// direction is a compass direction as a unit vector (east, north), or the
// centre when zero.
type direction struct {
	word   string
	dx, dy float64
}

var directions = map[string]direction{}

func init() {
	add := func(word string, dx, dy float64, forms ...string) {
		n := math.Hypot(dx, dy)
		if n > 0 {
			dx, dy = dx/n, dy/n
		}
		for _, f := range forms {
			directions[f] = direction{word: word, dx: dx, dy: dy}
		}
	}
	add("northern", 0, 1, "north", "northern", "n")
	add("southern", 0, -1, "south", "southern", "s")
	add("eastern", 1, 0, "east", "eastern", "e")
	add("western", -1, 0, "west", "western", "w")
	add("northeastern", 1, 1, "northeast", "northeastern", "north east", "north eastern", "ne")
	add("northwestern", -1, 1, "northwest", "northwestern", "north west", "north western", "nw")
	add("southeastern", 1, -1, "southeast", "southeastern", "south east", "south eastern", "se")
	add("southwestern", -1, -1, "southwest", "southwestern", "south west", "south western", "sw")
	add("central", 0, 0, "central", "centre", "center", "centrale")
}

// bearings of directions for "N km <direction> of <place>".
var bearings = map[string]float64{
	"northern": 0, "northeastern": 45, "eastern": 90, "southeastern": 135,
	"southern": 180, "southwestern": 225, "western": 270, "northwestern": 315,
}

// geocodeNames names the countries of countryWords, the vocabulary of the
// forward geocoder, which reads phrases about Niger and its neighbours.
var geocodeNames = map[string]string{
	"NER": "Niger", "MLI": "Mali", "BFA": "Burkina Faso", "BEN": "Benin",
	"NGA": "Nigeria", "TCD": "Chad", "LBY": "Libya", "DZA": "Algeria",
}

var countryWords = map[string]string{
	"mali": "MLI", "malian": "MLI",
	"burkina faso": "BFA", "burkina": "BFA", "burkinabe": "BFA", "faso": "BFA",
	"benin": "BEN", "beninese": "BEN", "beninois": "BEN",
	"nigeria": "NGA", "nigerian": "NGA",
	"chad": "TCD", "chadian": "TCD", "tchad": "TCD",
	"libya": "LBY", "libyan": "LBY", "libye": "LBY",
	"algeria": "DZA", "algerian": "DZA", "algerie": "DZA",
	"niger": "NER", "nigerien": "NER",
}

// phrase is what the parser understood of the text.
type phrase struct {
	words     []string
	used      []bool
	matched   []understood
	regions   []*Region // an admin-1 region, or the regions of a country
	area      string    // "Tahoua region", "Niger"
	dir       *direction
	border    *Border
	borderISO string
	zone      *Zone
	places    []*Place
	near      bool
	offsetKM  float64
	bearing   float64
	offset    bool
}

type understood struct {
	at   int
	text string
}

// match records what words starting at word i were understood as.
func (ph *phrase) match(i int, text string) {
	ph.matched = append(ph.matched, understood{i, text})
}

// described lists what was understood, in the order the text says it.
func (ph *phrase) described(extra ...string) string {
	sort.SliceStable(ph.matched, func(a, b int) bool { return ph.matched[a].at < ph.matched[b].at })
	var parts []string
	for _, m := range ph.matched {
		parts = append(parts, m.text)
	}
	return strings.Join(append(parts, extra...), "; ")
}

func (ph *phrase) take(i, j int) {
	for k := i; k < j && k < len(ph.words); k++ {
		ph.used[k] = true
	}
}

func (ph *phrase) seq(i, n int) string {
	if i < 0 || i+n > len(ph.words) {
		return ""
	}
	return strings.Join(ph.words[i:i+n], " ")
}

func (ph *phrase) free(i, n int) bool {
	if i < 0 || i+n > len(ph.words) {
		return false
	}
	for k := i; k < i+n; k++ {
		if ph.used[k] {
			return false
		}
	}
	return true
}

// directionBefore reads a direction word (one or two words) that ends just
// before word i, and returns it with its start.
func (ph *phrase) directionBefore(i int) (*direction, int) {
	for n := 2; n >= 1; n-- {
		if ph.free(i-n, n) {
			if d, ok := directions[ph.seq(i-n, n)]; ok {
				return &d, i - n
			}
		}
	}
	return nil, i
}

func (g *Geography) geocode(norm, original string) ([]incident.Candidate, string) {
	words := strings.Fields(norm)
	if len(words) == 0 {
		return nil, "empty place text: give a town (\"Torodi\"), a region (\"Tahoua region\") or a border (\"near the Mali border\")"
	}
	ph := &phrase{words: words, used: make([]bool, len(words))}
	g.parseZones(ph)
	g.parseBorder(ph)
	g.parseOffset(ph)
	g.parseRegion(ph)
	g.parseCountry(ph)
	if !ph.offset {
		g.parsePlace(ph)
	}
	if ph.offset && len(ph.places) == 0 {
		return nil, fmt.Sprintf("%q: the place after \"of\" is not in the gazetteer; add it with a places file", original)
	}
	switch {
	case len(ph.places) > 0:
		return g.pointCandidates(ph), ""
	case ph.regions != nil || ph.borderISO != "" || ph.zone != nil:
		return g.areaCandidate(ph)
	}
	return nil, fmt.Sprintf("no known town, region, border or zone in %q; try a town from the gazetteer (\"Torodi\"), \"<region> region\", \"near the <country> border\" or \"the tri-border area\"", original)
}

func (g *Geography) parseZones(ph *phrase) {
	for i := range ph.words {
		var z *Zone
		n := 0
		switch {
		case ph.seq(i, 2) == "tri border", ph.seq(i, 2) == "three borders", ph.seq(i, 2) == "trois frontieres":
			z, n = g.zoneByName(TriBorderZone), 2
		case ph.seq(i, 1) == "triborder", ph.seq(i, 1) == "liptako":
			z, n = g.zoneByName(TriBorderZone), 1
		case ph.seq(i, 2) == "lake chad", ph.seq(i, 2) == "lac tchad":
			z, n = g.zoneByName(LakeChadZone), 2
		}
		if z == nil || !ph.free(i, n) {
			continue
		}
		ph.zone = z
		j := i + n
		for j < len(ph.words) && (ph.words[j] == "gourma" || ph.words[j] == "area" || ph.words[j] == "zone" || ph.words[j] == "region" || ph.words[j] == "basin") {
			j++
		}
		ph.take(i, j)
		ph.match(i, z.Name)
		return
	}
}

func (g *Geography) zoneByName(name string) *Zone {
	z, _ := g.Zone(name)
	return z
}

func (g *Geography) parseBorder(ph *phrase) {
	for i, w := range ph.words {
		if w != "border" && w != "borders" && w != "frontier" && w != "frontiere" && w != "boundary" || !ph.free(i, 1) {
			continue
		}
		// "<country> border" or "border with <country>".
		for n := 2; n >= 1; n-- {
			if iso, ok := countryWords[ph.seq(i-n, n)]; ok && iso != Niger && ph.free(i-n, n) {
				ph.setBorder(iso, i-n, i+1)
				return
			}
			if ph.seq(i+1, 1) == "with" || ph.seq(i+1, 1) == "avec" || ph.seq(i+1, 1) == "du" {
				if iso, ok := countryWords[ph.seq(i+2, n)]; ok && iso != Niger && ph.free(i+2, n) {
					ph.setBorder(iso, i, i+2+n)
					return
				}
			}
		}
	}
}

func (ph *phrase) setBorder(iso string, i, j int) {
	ph.take(i, j)
	ph.match(i, "near the "+geocodeNames[iso]+" border")
	ph.borderISO = iso
}

func (g *Geography) parseOffset(ph *phrase) {
	for i := 0; i+3 < len(ph.words); i++ {
		km, err := strconv.ParseFloat(ph.words[i], 64)
		if err != nil || km <= 0 || km > 2000 || !ph.free(i, 1) {
			continue
		}
		j := i + 1
		switch ph.words[j] {
		case "km", "kms", "kilometers", "kilometres", "kilometre", "kilometer":
		case "mi", "mile", "miles":
			km *= 1.609344
		default:
			continue
		}
		j++
		var d direction
		found := false
		for n := 2; n >= 1; n-- {
			if dd, ok := directions[ph.seq(j, n)]; ok && dd.word != "central" {
				d, found, j = dd, true, j+n
				break
			}
		}
		if !found || (ph.seq(j, 1) != "of" && ph.seq(j, 1) != "from") {
			continue
		}
		places, end := g.placeAt(ph, j+1)
		ph.offset = true
		if len(places) == 0 {
			return
		}
		ph.places, ph.offsetKM, ph.bearing = places, km, bearings[d.word]
		ph.take(i, end)
		ph.match(i, fmt.Sprintf("%g km %s of %s", math.Round(km*10)/10, strings.TrimSuffix(d.word, "ern"), places[0].Name))
		return
	}
}

// placeAt finds the longest gazetteer name starting at word i.
func (g *Geography) placeAt(ph *phrase, i int) ([]*Place, int) {
	for n := min(g.Places.maxWords, len(ph.words)-i); n >= 1; n-- {
		if !ph.free(i, n) {
			continue
		}
		if ps := g.Places.byKey[ph.seq(i, n)]; len(ps) > 0 {
			return ps, i + n
		}
	}
	return nil, i
}

func (g *Geography) parseRegion(ph *phrase) {
	for i, w := range ph.words {
		if w != "region" && w != "province" && w != "state" && w != "department" {
			continue
		}
		// "<name> region", name of up to three words.
		for n := 3; n >= 1; n-- {
			if !ph.free(i-n, n) {
				continue
			}
			if r, ok := g.Region(ph.seq(i-n, n)); ok {
				ph.setRegion(r, i-n, i+1)
				return
			}
		}
		// "region of <name>" / "region de <name>".
		if ph.seq(i+1, 1) == "of" || ph.seq(i+1, 1) == "de" {
			for n := 3; n >= 1; n-- {
				if ph.free(i+2, n) {
					if r, ok := g.Region(ph.seq(i+2, n)); ok {
						ph.setRegion(r, i, i+2+n)
						return
					}
				}
			}
		}
	}
}

func (ph *phrase) setRegion(r *Region, i, j int) {
	d, start := ph.directionBefore(i)
	ph.take(start, j)
	ph.regions = []*Region{r}
	ph.area = r.Name + " region"
	ph.dir = d
	m := ph.area
	if d != nil {
		m = d.word + " " + m
	}
	ph.match(start, m)
}

func (g *Geography) parseCountry(ph *phrase) {
	if ph.regions != nil {
		return
	}
	for i := range ph.words {
		for n := 2; n >= 1; n-- {
			iso, ok := countryWords[ph.seq(i, n)]
			if !ok || !ph.free(i, n) || ph.seq(i+n, 1) == "river" || ph.seq(i+n, 1) == "state" {
				continue
			}
			d, start := ph.directionBefore(i)
			// A bare neighbour name is not a place: "Mali" alone says nothing
			// about where in Mali. Niger alone is the country as a whole.
			ph.take(start, i+n)
			ph.area = geocodeNames[iso]
			ph.dir = d
			for _, r := range g.Regions {
				if r.Country == iso {
					ph.regions = append(ph.regions, r)
				}
			}
			m := ph.area
			if d != nil {
				m = d.word + " " + m
			}
			ph.match(start, m)
			return
		}
	}
}

var nearWords = map[string]bool{"near": true, "outside": true, "around": true, "close": true, "nearby": true, "vicinity": true, "pres": true, "environs": true, "outskirts": true}

func (g *Geography) parsePlace(ph *phrase) {
	for i := range ph.words {
		ps, end := g.placeAt(ph, i)
		if len(ps) == 0 {
			continue
		}
		near := false
		for k := max(0, i-3); k < i; k++ {
			near = near || nearWords[ph.words[k]]
		}
		ph.take(i, end)
		ph.places, ph.near = ps, near
		m := ps[0].Name
		if near {
			m = "near " + m
		}
		ph.match(i, m)
		return
	}
	// A region named without the word "region" that is not also a town.
	for i := range ph.words {
		for n := 3; n >= 1; n-- {
			if ph.free(i, n) && ph.regions == nil {
				if r, ok := g.Region(ph.seq(i, n)); ok && len(ph.seq(i, n)) > 3 {
					ph.setRegion(r, i, i+n)
					return
				}
			}
		}
	}
}

func (g *Geography) regionRef(p orb.Point) *incident.Region {
	if r := g.RegionAt(p); r != nil {
		return &incident.Region{Code: r.Code, Name: r.Name}
	}
	return nil
}

func (g *Geography) pointCandidates(ph *phrase) []incident.Candidate {
	places := ph.places
	// A region in the phrase picks between namesakes: "Tibiri, Dosso region".
	if ph.regions != nil {
		var in []*Place
		for _, p := range places {
			for _, r := range ph.regions {
				if p.Region == r.Code {
					in = append(in, p)
				}
			}
		}
		if len(in) > 0 {
			places = in
		}
	}
	out := make([]incident.Candidate, 0, len(places))
	for _, p := range places {
		c := incident.Candidate{Lon: p.Point[0], Lat: p.Point[1], GeoPrecision: PrecisionTown, RadiusKM: townRadiusKM}
		switch {
		case ph.offset:
			pt := Destination(p.Point, ph.bearing, ph.offsetKM)
			c.Lon, c.Lat = pt[0], pt[1]
			c.GeoPrecision = PrecisionNear
			c.RadiusKM = math.Max(townRadiusKM, math.Round(ph.offsetKM*0.2))
		case ph.near:
			c.GeoPrecision, c.RadiusKM = PrecisionNear, nearRadiusKM
		}
		c.Lon, c.Lat = roundCoord(c.Lon), roundCoord(c.Lat)
		c.Region = g.regionRef(orb.Point{c.Lon, c.Lat})
		c.Matched = ph.described()
		out = append(out, c)
	}
	return out
}

func roundCoord(v float64) float64 { return math.Round(v*1e5) / 1e5 }

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
	if ph.borderISO != "" {
		b, ok := g.Border(BorderKey(Niger, ph.borderISO))
		if !ok {
			return nil, fmt.Sprintf("%s does not border Niger", geocodeNames[ph.borderISO])
		}
		ph.border = b
	}
	regions := ph.regions
	if regions == nil {
		for _, r := range g.Regions {
			if r.Country == Niger {
				regions = append(regions, r)
			}
		}
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
			note = append(note, fmt.Sprintf("(no part of %s %s is within %g km of the %s border; used all of %s)", ph.dir.word, ph.area, zoneKM, geocodeNames[ph.border.Other(Niger)], ph.area))
		}
		if len(near) == 0 {
			return nil, fmt.Sprintf("no part of %s lies within %g km of the %s border", ph.area, zoneKM, geocodeNames[ph.border.Other(Niger)])
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
	}
	c.Region = g.regionRef(orb.Point{c.Lon, c.Lat})
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
