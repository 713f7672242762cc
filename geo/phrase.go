package geo

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

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
	add("northern", 0, 1, "north", "northern", "n", "nord")
	add("southern", 0, -1, "south", "southern", "s", "sud")
	add("eastern", 1, 0, "east", "eastern", "e", "est")
	add("western", -1, 0, "west", "western", "w", "ouest")
	add("northeastern", 1, 1, "northeast", "northeastern", "north east", "north eastern", "ne", "nord est")
	add("northwestern", -1, 1, "northwest", "northwestern", "north west", "north western", "nw", "nord ouest")
	add("southeastern", 1, -1, "southeast", "southeastern", "south east", "south eastern", "se", "sud est")
	add("southwestern", -1, -1, "southwest", "southwestern", "south west", "south western", "sw", "sud ouest")
	add("central", 0, 0, "central", "centre", "center", "centrale")
}

// bearings of directions for "N km <direction> of <place>".
var bearings = map[string]float64{
	"northern": 0, "northeastern": 45, "eastern": 90, "southeastern": 135,
	"southern": 180, "southwestern": 225, "western": 270, "northwestern": 315,
}

// countryWords are the adjectives and French names of Niger and its
// neighbours; every country's English name is added at load
// (Geography.countryWords).
var countryWords = map[string]string{
	"malian": "MLI", "burkina": "BFA", "burkinabe": "BFA", "faso": "BFA",
	"beninese": "BEN", "beninois": "BEN", "nigerian": "NGA", "chadian": "TCD", "tchad": "TCD",
	"libyan": "LBY", "libye": "LBY", "algerian": "DZA", "algerie": "DZA", "nigerien": "NER",
}

// nearWords put the place named after them at precision 2.
var nearWords = map[string]bool{"along": true, "toward": true, "towards": true, "vers": true, "near": true, "outside": true, "around": true, "close": true, "nearby": true, "vicinity": true, "pres": true, "environs": true, "outskirts": true, "proximite": true}

// fillerWords may stand beside a name without being part of it: "the
// village of X", "X commune", "localité de X".
var fillerWords = map[string]bool{
	"the": true, "of": true, "in": true, "at": true, "a": true, "an": true, "to": true, "from": true, "on": true, "and": true,
	"de": true, "du": true, "des": true, "la": true, "le": true, "les": true, "l": true, "d": true, "en": true, "dans": true, "et": true, "a la": true,
	"village": true, "town": true, "city": true, "commune": true, "hamlet": true, "locality": true, "localite": true, "area": true, "site": true,
	"region": true, "province": true, "state": true, "department": true, "departement": true, "district": true, "prefecture": true, "rural": true, "urban": true, "urbaine": true,
	"by": true, "with": true, "to the": true, "of the": true,
}

// phrase is what the parser understood of the text: its words (folded),
// where each came from in the text, which segment (between commas and
// brackets) each is in, and what parts were recognised.
type phrase struct {
	text      string
	words     []string
	start     []int // byte offset in text of word i
	end       []int
	seg       []int
	used      []bool
	matched   []understood
	regions   []*Region // an admin-1 region, or the regions of a country
	area      string    // "Tahoua region", "Niger"
	areaKind  string    // admin1, country
	dir       *direction
	border    *Border
	borderISO string
	zone      *Zone
	places    []Place // the offset's place
	offsetKM  float64
	bearing   float64
	offset    bool
}

type understood struct {
	at   int
	text string
}

// segmentBreaks end a segment: "X, Tillaberi", "X (Say, Tillaberi)".
func segmentBreak(r rune) bool { return strings.ContainsRune(",;()[]{}/|:\n", r) }

// tokenize splits text into folded words as normalize does, remembering
// where each came from and which segment it is in. A hyphen with spaces
// around it (" - ") breaks a segment; inside a word (In-Ates) it does not.
func tokenize(text string) *phrase {
	ph := &phrase{text: text}
	seg := 0
	wordStart := -1
	flush := func(end int) {
		if wordStart < 0 {
			return
		}
		for _, w := range strings.Fields(normalize(text[wordStart:end])) {
			ph.words = append(ph.words, w)
			ph.start = append(ph.start, wordStart)
			ph.end = append(ph.end, end)
			ph.seg = append(ph.seg, seg)
		}
		wordStart = -1
	}
	var prev rune = ' '
	for i, r := range text {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '.' && unicode.IsDigit(prev) && wordStart >= 0
		switch {
		case isWord && wordStart >= 0 && unicode.IsDigit(r) != unicode.IsDigit(prev) && r != '.' && prev != '.' && !unicode.Is(unicode.Mn, r):
			flush(i)
			wordStart = i
		case isWord && wordStart < 0:
			wordStart = i
		case !isWord:
			flush(i)
			if segmentBreak(r) || (r == '-' || r == '–' || r == '—') && unicode.IsSpace(prev) {
				seg++
			}
		}
		prev = r
	}
	flush(len(text))
	ph.used = make([]bool, len(ph.words))
	return ph
}

// original is the text of words i..j-1 as written.
func (ph *phrase) original(i, j int) string {
	if i >= j {
		return ""
	}
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || strings.ContainsRune("-'’. ", r) {
			return r
		}
		return ' '
	}, ph.text[ph.start[i]:ph.end[j-1]])), " ")
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

// free says words i..i+n-1 exist, are not yet understood, and lie in one
// segment.
func (ph *phrase) free(i, n int) bool {
	if i < 0 || i+n > len(ph.words) || n <= 0 {
		return false
	}
	for k := i; k < i+n; k++ {
		if ph.used[k] || ph.seg[k] != ph.seg[i] {
			return false
		}
	}
	return true
}

// insideName says the words i..j-1 stand beside a word of their segment
// that is not understood and is no filler, direction or near word: they
// are then part of a longer name ("Libye Koira", "Sokoto river") and do
// not match on their own.
func (ph *phrase) insideName(i, j int) bool {
	content := func(k int) bool {
		if k < 0 || k >= len(ph.words) || ph.used[k] {
			return false
		}
		w := ph.words[k]
		_, dir := directions[w]
		return !fillerWords[w] && !nearWords[w] && !dir
	}
	return (i > 0 && ph.seg[i-1] == ph.seg[i] && content(i-1)) || (j < len(ph.words) && ph.seg[j] == ph.seg[j-1] && content(j))
}

// directionBefore reads a direction word (one or two words) that ends just
// before word i, and returns it with its start.
func (ph *phrase) directionBefore(i int) (*direction, int) {
	for n := 2; n >= 1; n-- {
		if ph.free(i-n, n) && ph.seg[i-1] == ph.seg[min(i, len(ph.seg)-1)] {
			if d, ok := directions[ph.seq(i-n, n)]; ok {
				return &d, i - n
			}
		}
	}
	return nil, i
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
			if iso, ok := g.countryWords[ph.seq(i-n, n)]; ok && iso != Niger && ph.free(i-n, n+1) {
				ph.setBorder(g, iso, i-n, i+1)
				return
			}
			if ph.seq(i+1, 1) == "with" || ph.seq(i+1, 1) == "avec" || ph.seq(i+1, 1) == "du" {
				if iso, ok := g.countryWords[ph.seq(i+2, n)]; ok && iso != Niger && ph.free(i, n+2) {
					ph.setBorder(g, iso, i, i+2+n)
					return
				}
			}
		}
	}
}

func (ph *phrase) setBorder(g *Geography, iso string, i, j int) {
	ph.take(i, j)
	ph.match(i, "near the "+g.CountryName(iso)+" border")
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
		if !found || (ph.seq(j, 1) != "of" && ph.seq(j, 1) != "from" && ph.seq(j, 1) != "de" && ph.seq(j, 1) != "du") {
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

// maxNameWords bounds the names tried in a phrase: longer OSM names exist
// but reports do not write them.
const maxNameWords = 6

// placeAt finds the longest gazetteer name starting at word i, in one
// segment, that is not part of a longer name.
func (g *Geography) placeAt(ph *phrase, i int) ([]Place, int) {
	for n := min(maxNameWords, len(ph.words)-i); n >= 1; n-- {
		if !ph.free(i, n) || ph.insideName(i, i+n) && n < len(ph.words)-i {
			continue
		}
		if ps := g.Places.lookupKey(keyOfWords(ph.words[i : i+n])); len(ps) > 0 {
			return ps, i + n
		}
	}
	return nil, i
}

func (g *Geography) parseRegion(ph *phrase) {
	for i, w := range ph.words {
		if w != "region" && w != "province" && w != "state" && w != "department" && w != "departement" {
			continue
		}
		// "<name> region", name of up to three words.
		for n := 3; n >= 1; n-- {
			if !ph.free(i-n, n+1) || ph.insideName(i-n, i+1) {
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
				if ph.free(i, n+2) && !ph.insideName(i, i+2+n) {
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
	ph.areaKind = "admin1"
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
		for n := 3; n >= 1; n-- {
			iso, ok := g.countryWords[ph.seq(i, n)]
			if !ok || !ph.free(i, n) || ph.insideName(i, i+n) {
				continue
			}
			d, start := ph.directionBefore(i)
			ph.take(start, i+n)
			ph.area = g.CountryName(iso)
			ph.areaKind = "country"
			ph.dir = d
			if c, ok := g.Country(iso); ok {
				ph.regions = append(ph.regions, c.Regions...)
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
