package geo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// reading is a run of words the structural parsers left — a name — and
// what it names: places (exactly, as PlaceKey folds), an admin unit, a
// country. The first run is the place asked for; the others are context
// ("X, Say, Tillaberi").
type reading struct {
	i, j    int // the name's words, fillers around it dropped
	near    bool
	context bool // a trailing admin or country name split from the run
	places  []Place
	region  *Region
	admin2  *Region
	country string
}

// readRuns cuts the words not yet understood into runs (one segment each,
// split at "near" words) and reads each as one name: a run either is a
// name, or contains an unknown one. Its longest known part does not match
// on its own ("Libye Koira" is not Libya), except a trailing admin-1 or
// country name in a phrase without commas or brackets, which is read as
// context ("Tin Gara Tillaberi"; in "Boni Kwara (Tillaberi)" Kwara is
// part of the name, not Nigeria's Kwara State).
func (g *Geography) readRuns(ph *phrase) []reading {
	var out []reading
	near := false
	for i := 0; i < len(ph.words); {
		if ph.used[i] {
			i++
			continue
		}
		if nearWords[ph.words[i]] {
			near = true
			i++
			continue
		}
		j := i
		for j < len(ph.words) && !ph.used[j] && ph.seg[j] == ph.seg[i] && !nearWords[ph.words[j]] {
			j++
		}
		ci, cj := i, j
		for ci < cj && fillerWords[ph.words[ci]] {
			ci++
		}
		for cj > ci && fillerWords[ph.words[cj-1]] {
			cj--
		}
		if ci < cj {
			out = append(out, g.readRun(ph, i, j, ci, cj, near)...)
		}
		if j < len(ph.words) && ph.seg[j] != ph.seg[i] {
			near = false
		}
		i = j
	}
	return out
}

func (g *Geography) readRun(ph *phrase, i, j, ci, cj int, near bool) []reading {
	r := reading{i: ci, j: cj, near: near}
	if ps := g.Places.lookupKey(keyOfWords(ph.words[i:j])); len(ps) > 0 && (i != ci || j != cj) {
		r.i, r.j, r.places = i, j, ps
	} else {
		r.places = g.Places.lookupKey(keyOfWords(ph.words[ci:cj]))
	}
	name := ph.seq(r.i, r.j-r.i)
	if rs := g.byName[name]; len(rs) > 0 && len(name) > 3 {
		r.region = rs[0]
	}
	r.admin2 = g.admin2ByName(name)
	r.country = g.countryWords[name]
	if len(r.places) > 0 || r.region != nil || r.admin2 != nil || r.country != "" || ph.seg[len(ph.seg)-1] != 0 {
		// A phrase with commas or brackets says where its context is.
		return []reading{r}
	}
	home := append(g.Neighbours(Niger), Niger)
	for k := ci + 1; k < cj; k++ {
		tail := ph.seq(k, cj-k)
		rs, iso := g.byName[tail], g.countryWords[tail]
		if _, dir := directions[tail]; dir || len(rs) > 0 && !slices.Contains(home, rs[0].Country) {
			// "Tinkar Kobadjou Sud" is a village's name, not Haiti's Sud.
			rs = nil
		}
		if len(rs) == 0 && (iso == "" || !slices.Contains(home, iso)) {
			continue
		}
		head := g.readRun(ph, ci, k, ci, k, near)
		ctx := reading{i: k, j: cj, context: true, country: iso}
		if len(rs) > 0 {
			ctx.region = rs[0]
		}
		return append(head, ctx)
	}
	return []reading{r}
}

// admin2ByName finds an admin-2 unit by name (Burkina Faso's provinces).
func (g *Geography) admin2ByName(name string) *Region {
	g.admin2Once.Do(func() {
		g.admin2Names = map[string]*Region{}
		for _, r := range g.Admin2 {
			for _, n := range []string{r.Name, r.NameFR} {
				if k := normalize(n); k != "" && g.admin2Names[k] == nil {
					g.admin2Names[k] = r
				}
			}
		}
	})
	return g.admin2Names[name]
}

// geoContext is where the phrase or the report says the place is.
type geoContext struct {
	admin1    []*Region
	admin2    *Region
	country   string
	towns     []Place // seats named as context, best first
	townAt    int
	border    *Border // "X near the Mali border": X within twice the border zone
	zone      *Zone
	fromHint  bool
	unmatched []string
}

func (c *geoContext) empty() bool {
	return len(c.admin1) == 0 && c.admin2 == nil && c.country == "" && len(c.towns) == 0
}

// areas are the admin-1 codes fuzzy matching searches: only an admin
// unit or a seat narrows a spelling a letter off to one place (with
// Niger's 15,000 names, "Tabatol" is one letter from a hamlet 500 km away).
func (c *geoContext) areas() []string {
	switch {
	case c.admin2 != nil:
		return []string{c.admin2.Parent.Code}
	case len(c.admin1) > 0:
		var out []string
		for _, r := range c.admin1 {
			out = append(out, r.Code)
		}
		return out
	case len(c.towns) > 0:
		return []string{c.towns[0].Region}
	}
	return nil
}

func (c *geoContext) describe() string {
	switch {
	case c.admin2 != nil:
		return c.admin2.Name
	case len(c.admin1) > 0:
		return c.admin1[0].Name
	case c.country != "":
		return c.country
	case len(c.towns) > 0:
		return "the " + c.towns[0].Name + " area"
	}
	return "the gazetteer"
}

// filter keeps the places inside the context.
func (c *geoContext) filter(g *Geography, ps []Place) []Place {
	var out []Place
	for _, p := range ps {
		switch {
		case c.admin2 != nil && !c.admin2.contains(p.Point):
		case len(c.admin1) > 0 && !slices.ContainsFunc(c.admin1, func(r *Region) bool { return r.Code == p.Region }):
		case c.country != "" && p.Country != c.country:
		case len(c.towns) > 0 && !slices.ContainsFunc(c.towns, func(t Place) bool { return DistanceKM(t.Point, p.Point) <= 2*seatAreaKM }):
		case c.border != nil && c.border.DistanceKM(p.Point) > 2*g.opts.BorderZoneKM:
		case c.zone != nil && DistanceKM(c.zone.Center, p.Point) > c.zone.WidthKM:
		default:
			out = append(out, p)
		}
	}
	return out
}

// contextOf gathers the context: admin units and countries the phrase
// names (after the place, or with "region"), towns named after the place
// (department seats), and, when the phrase names no area, the report's
// hint. Context names the gazetteer does not know go to unmatched.
func (g *Geography) contextOf(ph *phrase, reads []reading, hint incident.PlaceHint) *geoContext {
	c := &geoContext{}
	switch ph.areaKind {
	case "admin1":
		c.admin1 = ph.regions
	case "country":
		c.country = ph.regions[0].Country
	}
	if ph.borderISO != "" {
		home := c.country
		if home == "" {
			home = Niger
		}
		c.border, _ = g.Border(BorderKey(home, ph.borderISO))
	}
	c.zone = ph.zone
	var towns []reading
	for k := range reads {
		r := &reads[k]
		if k == 0 && !r.context {
			continue
		}
		switch {
		case r.region != nil && (c.country == "" || r.region.Country == c.country):
			c.admin1 = append(c.admin1, g.byName[ph.seq(r.i, r.j-r.i)]...)
			ph.match(r.i, r.region.Name+" region")
		case r.admin2 != nil:
			c.admin2 = r.admin2
			ph.match(r.i, r.admin2.Name)
		case r.country != "":
			c.country = r.country
			ph.match(r.i, g.CountryName(r.country))
		case len(r.places) > 0:
			towns = append(towns, *r)
		default:
			c.unmatched = append(c.unmatched, ph.original(r.i, r.j))
		}
	}
	if len(c.admin1) > 1 {
		// "Centre" names regions of several countries: the country, or
		// Niger and its neighbours first (byName's order), decides.
		c.admin1 = c.admin1[:1]
	}
	if c.empty() && (hint.Admin1 != "" || hint.Country != "" || hint.Admin2 != "") {
		c.fromHint = true
		c.country = g.countryOf(hint.Country)
		if hint.Admin1 != "" {
			for _, r := range g.byName[normalize(hint.Admin1)] {
				if c.country == "" || r.Country == c.country {
					c.admin1 = []*Region{r}
					break
				}
			}
			if len(c.admin1) == 0 {
				for _, r := range g.Regions {
					if (c.country == "" || r.Country == c.country) && NameKey(r.Name) == NameKey(hint.Admin1) {
						c.admin1 = []*Region{r}
						break
					}
				}
			}
		}
		if hint.Admin2 != "" {
			if a2 := g.admin2ByName(normalize(hint.Admin2)); a2 != nil && (len(c.admin1) == 0 || a2.Parent == c.admin1[0]) {
				c.admin2 = a2
			}
		}
	}
	for _, t := range towns {
		seats := c.filter(g, t.places)
		seats = slices.DeleteFunc(seats, func(p Place) bool { return p.Kind != "city" && p.Kind != "town" })
		if len(seats) == 0 {
			seats = c.filter(g, t.places)
		}
		if len(seats) == 0 {
			c.unmatched = append(c.unmatched, ph.original(t.i, t.j))
			continue
		}
		seats, _ = g.rankPlaces(seats, ph.seq(t.i, t.j-t.i), c)
		c.towns, c.townAt = seats, t.i
		ph.match(t.i, seats[0].Name+" area")
		break
	}
	return c
}

// countryOf reads a report's country: an ISO3 code or a name.
func (g *Geography) countryOf(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return ""
	}
	if _, ok := g.countries[strings.ToUpper(s)]; ok {
		return strings.ToUpper(s)
	}
	return g.countryWords[normalize(s)]
}

// rankPlaces orders namesakes best first: towns and cities before
// villages, spelled as written (spaces aside) before spelled alike, in the
// context's (or Niger's, then its neighbours') country, most important
// kind, most populous. They are ambiguous when the second is as likely as
// the first on the first three.
func (g *Geography) rankPlaces(ps []Place, written string, c *geoContext) ([]Place, bool) {
	near := g.Neighbours(Niger)
	countryRank := func(p Place) int {
		switch {
		case c.country != "" && p.Country == c.country, c.country == "" && p.Country == Niger:
			return 0
		case c.country == "" && slices.Contains(near, p.Country):
			return 1
		}
		return 2
	}
	written = strings.ReplaceAll(written, " ", "")
	spelled := func(p Place) int {
		for _, n := range append([]string{p.Name}, p.Variants...) {
			if strings.ReplaceAll(normalize(n), " ", "") == written {
				return 0
			}
		}
		return 1
	}
	class := func(p Place) int {
		if p.Kind == "city" || p.Kind == "town" {
			return 0
		}
		return 1
	}
	// Without a country in context, the Sahel's namesakes (Niger's and its
	// neighbours') come before any elsewhere, whatever their kind: "Pama"
	// alone is the town of Burkina Faso's Kompienga, not the village of
	// Austria that GeoNames lists as a city.
	far := func(p Place) int {
		if c.country == "" && countryRank(p) == 2 {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(ps, func(a, b Place) int {
		return cmp.Or(cmp.Compare(far(a), far(b)), cmp.Compare(class(a), class(b)), cmp.Compare(spelled(a), spelled(b)), cmp.Compare(countryRank(a), countryRank(b)),
			cmp.Compare(kindIndex(a.Kind), kindIndex(b.Kind)), cmp.Compare(b.Population, a.Population))
	})
	ps = dedupPlaces(ps)
	if len(ps) > maxCandidates {
		ps = ps[:maxCandidates]
	}
	// Without a country in the phrase or the report, Niger's place comes
	// first (the Sahel's default), but a namesake in another country is
	// still a real answer: Koutougou is a village in Tillabéri and one in
	// Burkina Faso's Soum, both with attacks. Say so rather than let
	// precision 1 look certain.
	ambiguous := len(ps) > 1 && class(ps[1]) == class(ps[0]) && spelled(ps[1]) == spelled(ps[0]) &&
		(countryRank(ps[1]) == countryRank(ps[0]) || c.country == "")
	return ps, ambiguous
}

// dedupPlaces drops a place within dedupKM of one kept before it: one
// village mapped twice (OSM has Tibiri's centre twice, 3 km apart), or
// added by a user over the embedded one.
func dedupPlaces(ps []Place) []Place {
	const dedupKM = 5
	var out []Place
	for _, p := range ps {
		if !slices.ContainsFunc(out, func(q Place) bool { return DistanceKM(p.Point, q.Point) <= dedupKM }) {
			out = append(out, p)
		}
	}
	return out
}

// String describes a place for messages: "Torodi (town, NE-6, NER)".
func (p Place) String() string {
	return fmt.Sprintf("%s (%s, %s, %s)", p.Name, p.Kind, p.Region, p.Country)
}
