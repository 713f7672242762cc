package extract

import (
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// place is what a report says about where an incident happened, slot by
// slot, in the geocoder's English vocabulary whatever the report's language
// ("dans le sud-ouest du Niger" is country Niger, direction southwestern).
// An incident's sentences fill the slots between them: the seed report
// gives "close to the Mali border" in one sentence and "the western Tahoua
// region" in another.
type place struct {
	town, townDir     string // townDir: "north" in "20 km north of Tillia"
	near              bool
	offsetKM          string
	region, regionDir string
	country, ctryDir  string
	border            string
	spans             [][2]int // bytes
}

func (p *place) empty() bool {
	return p.town == "" && p.region == "" && p.country == "" && p.border == ""
}

// conflicts says whether two places cannot be the same place: different
// towns, regions or borders.
func (p *place) conflicts(o *place) bool {
	return p.town != "" && o.town != "" && !strings.EqualFold(p.town, o.town) ||
		p.region != "" && o.region != "" && !strings.EqualFold(p.region, o.region) ||
		p.border != "" && o.border != "" && p.border != o.border
}

// merge fills p's empty slots from o.
func (p *place) merge(o *place) {
	if p.town == "" && o.town != "" {
		p.town, p.townDir, p.near, p.offsetKM = o.town, o.townDir, o.near, o.offsetKM
	}
	if p.region == "" && o.region != "" {
		p.region, p.regionDir = o.region, o.regionDir
	}
	if p.country == "" && o.country != "" || p.ctryDir == "" && o.ctryDir != "" && (p.country == "" || p.country == o.country) {
		p.country, p.ctryDir = o.country, o.ctryDir
	}
	if p.border == "" {
		p.border = o.border
	}
	p.spans = append(p.spans, o.spans...)
}

// phrases are the place phrases to try with the geocoder, most precise
// first: a town, then a region (with the border when there is one), then a
// part of a country, then the border alone, then the country.
func (p *place) phrases() []string {
	var out []string
	if p.town != "" {
		switch {
		case p.offsetKM != "" && p.townDir != "":
			out = append(out, p.offsetKM+" km "+p.townDir+" of "+p.town)
		case p.near:
			out = append(out, "near "+p.town)
		default:
			out = append(out, p.town)
		}
	}
	border := ""
	if p.border != "" {
		border = "near the " + p.border + " border"
	}
	if p.region != "" {
		r := strings.TrimSpace(p.regionDir + " " + p.region + " region")
		if border != "" {
			out = append(out, r+" "+border)
		}
		out = append(out, r)
	}
	if p.ctryDir != "" {
		out = append(out, p.ctryDir+" "+p.country)
	}
	if border != "" {
		out = append(out, border)
	}
	if p.country != "" && p.ctryDir == "" {
		out = append(out, p.country)
	}
	return out
}

// places reads the place phrases of a sentence's tokens that skip allows.
func (lx *lexicon) places(text string, toks []token, skip []bool) *place {
	p := &place{}
	free := func(i, n int) bool {
		if i < 0 || i+n > len(toks) {
			return false
		}
		for k := i; k < i+n; k++ {
			if skip[k] {
				return false
			}
		}
		return true
	}
	original := func(i, j int) string { return text[toks[i].start:toks[j-1].end] }
	span := func(i, j int) {
		// Take in the preposition and article before the phrase.
		for k := 0; k < 4 && i > 0 && (lx.articles[toks[i-1].w] || lx.placePrep.matchLen(toks, i-1) == 1 || lx.nearPrep.matchLen(toks, i-1) > 0 || toks[i-1].w == "close" || toks[i-1].w == "pres"); k++ {
			i--
		}
		p.spans = append(p.spans, [2]int{toks[i].start, toks[j-1].end})
	}
	for i := 0; i < len(toks); i++ {
		if skip[i] {
			continue
		}
		w := toks[i].w
		switch {
		case lx.borderWord[w]:
			if c, j, ok := lx.borderCountry(toks, i); ok && free(min(i, j), max(i, j)-min(i, j)+1) {
				p.border = c
				span(min(i, j), max(i, j)+1)
			}
		case lx.regionWord[w] && lx.lang == "en":
			// "the western Tahoua region"
			s := i
			for s > 0 && i-s < 3 && toks[s-1].upper && !lx.stopNames[toks[s-1].w] && free(s-1, 1) {
				s--
			}
			if s < i {
				p.region = original(s, i)
				if d, ok := lx.directionEnding(toks, s); ok {
					p.regionDir = d
					s -= len(strings.Fields(d)) // one word in practice
				}
				span(s, i+1)
			}
		}
		if n := lx.regionOf.matchLen(toks, i); n > 0 && lx.lang == "fr" && free(i, n) {
			// "la région de Tahoua", "l'ouest de la région de Tillabéri"
			j := i + n
			e := j
			for e < len(toks) && e-j < 3 && toks[e].upper && free(e, 1) {
				e++
			}
			if e > j {
				p.region = original(j, e)
				s := i
				if lx.countryOf[at(toks, i-1)] {
					if d, ok := lx.directionEnding(toks, i-1); ok {
						p.regionDir = d
						s = i - 2
					}
				}
				span(s, e)
				i = e - 1
				continue
			}
		}
		if d, n := lx.directions.match(toks, i); n > 0 && free(i, n) {
			// "southwest Niger", "le sud-ouest du Niger"
			j := i + n
			if lx.lang == "fr" && lx.countryOf[at(toks, j)] {
				j++
			}
			if c, m := lx.countries.match(toks, j); m > 0 && toks[j].upper && at(toks, j+m) != "border" && !lx.borderWord[at(toks, j+m)] {
				p.country, p.ctryDir = c, d
				span(i, j+m)
				i = j + m - 1
				continue
			}
		}
		if km, ok := numberValue(w); ok && km > 0 && lx.kmWords[at(toks, i+1)] {
			// "20 km north of Tillia", "à 20 km au nord de Tillia"
			if dir, n := lx.kmOf.match(toks, i+2); n > 0 && dir != "" {
				j := i + 2 + n
				if e := lx.nameEnd(toks, j, skip); e > j {
					p.town, p.townDir, p.offsetKM, p.near = original(j, e), dir, w, false
					span(i, e)
					i = e - 1
					continue
				}
			}
		}
		n := lx.placePrep.matchLen(toks, i)
		if n == 0 {
			n = lx.placeIntro.matchLen(toks, i)
		}
		if n > 0 && free(i, n) {
			near := lx.nearPrep.matchLen(toks, i) > 0
			j := i + n
			if m := lx.placeIntro.matchLen(toks, j); m > 0 {
				j += m
			} else if lx.articles[at(toks, j)] && lx.lang == "fr" {
				j++
			}
			if c, m := lx.countries.match(toks, j); m > 0 && toks[j].upper {
				if !lx.borderWord[at(toks, j+m)] && at(toks, j+m) != "border" {
					if p.country == "" {
						p.country = c
					}
					span(j, j+m)
				}
				i = j + m - 1
				continue
			}
			if e := lx.nameEnd(toks, j, skip); e > j {
				if lx.regionWord[at(toks, e)] {
					continue // "in the Tahoua region": read as a region
				}
				p.town, p.near = original(j, e), near
				span(j, e)
				i = e - 1
			}
		}
	}
	return p
}

// nameEnd reads a proper name starting at token j (up to three capitalised
// words that are not months, weekdays, countries or known non-places) and
// returns where it ends (j when there is none).
func (lx *lexicon) nameEnd(toks []token, j int, skip []bool) int {
	e := j
	for e < len(toks) && e-j < 3 && toks[e].upper && !skip[e] && !lx.stopNames[toks[e].w] {
		if _, ok := lx.months[toks[e].w]; ok {
			break
		}
		if _, ok := lx.weekdays[toks[e].w]; ok {
			break
		}
		if _, n := lx.countries.match(toks, e); n > 0 {
			break
		}
		if _, n := lx.actors.match(toks, e); n > 0 {
			break
		}
		e++
	}
	return e
}

// directionEnding reads a direction word just before token i.
func (lx *lexicon) directionEnding(toks []token, i int) (string, bool) {
	for n := 1; n <= 2 && i-n >= 0; n++ {
		if d, m := lx.directions.match(toks, i-n); m == n {
			return d, true
		}
	}
	return "", false
}

// borderCountry reads which country's border the border word at i is:
// "the Burkina Faso border", "the border with Mali", "la frontière
// malienne", "la frontière avec le Burkina Faso". It returns the country
// and the token where the phrase's other end is.
func (lx *lexicon) borderCountry(toks []token, i int) (string, int, bool) {
	if n := lx.borderWith.matchLen(toks, i); n > 0 {
		if c, m := lx.countries.match(toks, i+n); m > 0 {
			return c, i + n + m - 1, true
		}
	}
	if lx.lang == "fr" {
		if c, m := lx.countries.match(toks, i+1); m > 0 {
			return c, i + m, true
		}
		return "", 0, false
	}
	for n := 2; n >= 1; n-- {
		if c, m := lx.countries.match(toks, i-n); m == n {
			return c, i - n, true
		}
	}
	return "", 0, false
}

// geocode places p with the geocoder: the first of its phrases the
// geocoder can place, with the phrase used.
func geocode(g incident.Geocoder, p *place) (incident.Candidate, string, bool) {
	if g == nil {
		return incident.Candidate{}, "", false
	}
	for _, ph := range p.phrases() {
		if cs, _ := g.Geocode(ph); len(cs) > 0 {
			return cs[0], ph, true
		}
	}
	return incident.Candidate{}, "", false
}
