package geo

import (
	"fmt"
	"math"
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
	nearRadiusKM = 15
	// seatAreaKM is the radius of the area a town given as context stands
	// for: Niger's departments are named after their seats and are some
	// 100 km across, so "X (Say, Tillaberi)" puts X within about 50 km of Say.
	seatAreaKM = 50
	// maxCandidates bounds the namesakes offered.
	maxCandidates = 10
)

// pointRadiusKM is the uncertainty of a place's own point: a city's
// centre is kilometres from its edge, a village's a few hundred metres.
func pointRadiusKM(kind string) float64 {
	switch kind {
	case "city":
		return 10
	case "town":
		return 5
	}
	return 2
}

type geocodeResult struct {
	candidates []incident.Candidate
	reason     string
}

// Geocode places a phrase as reports and analysts write it — "Torodi",
// "near Ayorou", "20 km north of Tillia", "Tin Gara, Tillaberi", "western
// Tahoua region near the Mali border", "southwest Niger", "the tri-border
// area" — and returns the candidates best first. With no candidate, reason
// says why; it never guesses: a name it does not know, in an area it
// knows, is that area at precision 3 with the name in Unmatched.
func (g *Geography) Geocode(text string) ([]incident.Candidate, string) {
	return g.GeocodeHint(text, incident.PlaceHint{})
}

// GeocodeHint is Geocode with what the report says beside the place name
// (country, admin1, admin2): it picks among places of one name, and a name
// found only outside the hinted area is not the answer. Names in the
// phrase itself ("X, Tillaberi") win over the hint.
func (g *Geography) GeocodeHint(text string, hint incident.PlaceHint) ([]incident.Candidate, string) {
	key := text + "\x00" + hint.Country + "\x00" + hint.Admin1 + "\x00" + hint.Admin2
	v := g.Places.Version()
	g.geocodeMu.Lock()
	if g.geocodeVersion != v {
		// Places were added or removed: answers may have changed.
		g.geocodeCache, g.geocodeVersion = map[string]geocodeResult{}, v
	}
	r, ok := g.geocodeCache[key]
	g.geocodeMu.Unlock()
	if ok {
		return cloneCandidates(r.candidates), r.reason
	}
	r.candidates, r.reason = g.geocode(text, hint)
	g.geocodeMu.Lock()
	if len(g.geocodeCache) > 10000 {
		g.geocodeCache = map[string]geocodeResult{}
	}
	g.geocodeCache[key] = r
	g.geocodeMu.Unlock()
	return cloneCandidates(r.candidates), r.reason
}

func cloneCandidates(cs []incident.Candidate) []incident.Candidate {
	if cs == nil {
		return nil
	}
	out := make([]incident.Candidate, len(cs))
	copy(out, cs)
	for i := range out {
		out[i].Unmatched = append([]string(nil), out[i].Unmatched...)
	}
	return out
}

func (g *Geography) geocode(text string, hint incident.PlaceHint) ([]incident.Candidate, string) {
	ph := tokenize(text)
	if len(ph.words) == 0 {
		return nil, "empty place text: give a town (\"Torodi\"), a region (\"Tahoua region\") or a border (\"near the Mali border\")"
	}
	g.parseZones(ph)
	g.parseBorder(ph)
	g.parseOffset(ph)
	g.parseRegion(ph)
	g.parseCountry(ph)
	if ph.offset && len(ph.places) == 0 {
		return nil, fmt.Sprintf("%q: the place after \"of\" is not in the gazetteer; add it with `incidentmap places import` or POST /api/v1/places", text)
	}
	reads := g.readRuns(ph)
	ctx := g.contextOf(ph, reads, hint)
	var subject *reading
	if len(reads) > 0 && !reads[0].context {
		subject = &reads[0]
	}
	switch {
	case ph.offset:
		places := ctx.filter(g, ph.places)
		if len(places) == 0 {
			return g.unknown(ph, ctx, fmt.Sprintf("%q: %s is not in %s", text, ph.places[0].Name, ctx.describe()))
		}
		places, ambiguous := g.rankPlaces(places, normalize(places[0].Name), ctx)
		cs := g.pointCandidates(ph, ctx, places, false)
		for i := range cs {
			cs[i].Ambiguous, cs[i].Unmatched = ambiguous, ctx.unmatched
		}
		return cs, ""
	case subject == nil:
		if ph.regions != nil || ph.borderISO != "" || ph.zone != nil {
			return g.areaWith(ph, ctx.unmatched)
		}
		if len(ctx.unmatched) > 0 {
			return nil, fmt.Sprintf("%s: not in the gazetteer; add the place with `incidentmap places import` or POST /api/v1/places", strings.Join(quoteAll(ctx.unmatched), ", "))
		}
		return nil, fmt.Sprintf("no known town, region, border or zone in %q; try a town from the gazetteer (\"Torodi\"), \"<region> region\", \"near the <country> border\" or \"the tri-border area\"", text)
	}
	places := ctx.filter(g, subject.places)
	if len(places) == 0 && len(subject.places) == 0 {
		switch {
		case subject.region != nil && ctx.empty():
			ph.regions, ph.area, ph.areaKind = []*Region{subject.region}, subject.region.Name+" region", "admin1"
			ph.match(subject.i, ph.area)
			return g.areaCandidate(ph)
		case subject.admin2 != nil && ctx.empty():
			ph.regions, ph.area, ph.areaKind = []*Region{subject.admin2}, subject.admin2.Name, "admin2"
			ph.match(subject.i, ph.area)
			return g.areaCandidate(ph)
		}
	}
	spelled := ""
	if len(places) == 0 {
		places = ctx.filter(g, g.Places.fuzzy(keyOfWords(ph.words[subject.i:subject.j]), ctx.areas()))
		if places = dedupPlaces(places); len(places) != 1 {
			// A spelling a few letters off is only trusted when one
			// place in the area is that close.
			places = nil
		} else {
			spelled = fmt.Sprintf(" (read %q as %s)", ph.original(subject.i, subject.j), places[0].Name)
		}
	}
	if len(places) == 0 {
		ctx.unmatched = append([]string{ph.original(subject.i, subject.j)}, ctx.unmatched...)
		return g.unknown(ph, ctx, "")
	}
	places, ambiguous := g.rankPlaces(places, ph.seq(subject.i, subject.j-subject.i), ctx)
	m := places[0].Name + spelled
	if subject.near {
		m = "near " + m
	}
	ph.match(subject.i, m)
	// A spelling some letters off is probably that place, not surely: of
	// 758 made-up names ", Tillaberi", 22 were within the edit budget of a
	// real village. Precision 2 says so.
	cs := g.pointCandidates(ph, ctx, places, subject.near || spelled != "")
	for i := range cs {
		cs[i].Ambiguous = ambiguous
		cs[i].Unmatched = ctx.unmatched
	}
	return cs, ""
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// areaWith is areaCandidate, saying which names it could not match.
func (g *Geography) areaWith(ph *phrase, unmatched []string) ([]incident.Candidate, string) {
	cs, reason := g.areaCandidate(ph)
	for i := range cs {
		cs[i].Unmatched = unmatched
	}
	return cs, reason
}

// unknown answers a phrase whose place the gazetteer does not know with
// the area the context gives (a department seat's surroundings, an admin
// unit, a country, a border or zone) at precision 3, or with no candidate
// and the reason when there is no area.
func (g *Geography) unknown(ph *phrase, ctx *geoContext, reason string) ([]incident.Candidate, string) {
	if reason == "" {
		reason = fmt.Sprintf("%s: not in the gazetteer, and the phrase names no area it knows to place it in; add the place with `incidentmap places import` or POST /api/v1/places, or say its region (\"%s, Tillaberi\")", strings.Join(quoteAll(ctx.unmatched), ", "), ctx.unmatched[0])
	}
	switch {
	case len(ctx.towns) > 0:
		t := ctx.towns[0]
		c := incident.Candidate{Lon: roundCoord(t.Point[0]), Lat: roundCoord(t.Point[1]), GeoPrecision: PrecisionRegion, RadiusKM: seatAreaKM, Matched: ph.described(), Kind: "area", Unmatched: ctx.unmatched, Ambiguous: len(ctx.towns) > 1}
		g.describePoint(&c)
		return []incident.Candidate{c}, ""
	case ctx.admin2 != nil:
		ph.regions, ph.area, ph.areaKind = []*Region{ctx.admin2}, ctx.admin2.Name, "admin2"
	case len(ctx.admin1) > 0:
		ph.regions, ph.area, ph.areaKind = ctx.admin1, ctx.admin1[0].Name+" region", "admin1"
	case ctx.country != "":
		c, _ := g.Country(ctx.country)
		ph.regions, ph.area, ph.areaKind = c.Regions, c.Name, "country"
	case ph.borderISO == "" && ph.zone == nil:
		return nil, reason
	}
	if ctx.fromHint {
		ph.match(len(ph.words), ph.area+" (from the report's admin fields)")
	}
	return g.areaWith(ph, ctx.unmatched)
}

// describePoint fills a candidate's region, country and, for answers that
// are not a place itself, the nearest named place.
func (g *Geography) describePoint(c *incident.Candidate) {
	p := orb.Point{c.Lon, c.Lat}
	if r := g.RegionAt(p); r != nil {
		c.Region = &incident.Region{Code: r.Code, Name: r.Name}
		c.Country = r.Country
	}
	if c.GeoPrecision != PrecisionTown {
		c.Near = g.Places.Nearest(p)
	}
}

func (g *Geography) pointCandidates(ph *phrase, ctx *geoContext, places []Place, near bool) []incident.Candidate {
	out := make([]incident.Candidate, 0, len(places))
	for _, p := range places {
		c := incident.Candidate{Lon: p.Point[0], Lat: p.Point[1], GeoPrecision: PrecisionTown, RadiusKM: pointRadiusKM(p.Kind), Name: p.Name, Kind: p.Kind}
		switch {
		case ph.offset:
			pt := Destination(p.Point, ph.bearing, ph.offsetKM)
			c.Lon, c.Lat = pt[0], pt[1]
			c.GeoPrecision = PrecisionNear
			c.RadiusKM = math.Max(pointRadiusKM(p.Kind), math.Round(ph.offsetKM*0.2))
		case near:
			c.GeoPrecision, c.RadiusKM = PrecisionNear, nearRadiusKM
		}
		c.Lon, c.Lat = roundCoord(c.Lon), roundCoord(c.Lat)
		g.describePoint(&c)
		c.Matched = ph.described()
		out = append(out, c)
	}
	return out
}

func roundCoord(v float64) float64 { return math.Round(v*1e5) / 1e5 }
