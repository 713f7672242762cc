package geo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Place is a named point of the gazetteer: a village, town or city from
// OpenStreetMap or GeoNames (embedded), or a place a user added, imported
// or the data taught (ID > 0).
type Place struct {
	ID         int64 // database id of an added place; 0 for embedded ones
	Name       string
	Variants   []string
	Kind       string // city, town, village, suburb, hamlet, locality, isolated_dwelling
	Region     string // ISO 3166-2 code of the admin-1 unit containing it
	Country    string // ISO3
	Point      orb.Point
	Population int
	Source     string // "OpenStreetMap", "GeoNames", "OpenStreetMap; GeoNames", "learned", or the file or user that added it
}

// Gazetteer finds places by name, spelled any way PlaceKey folds together.
// The embedded places are read-only and compact (about 300,000 names in
// some 40 MB); added places live beside them and may change while it is
// in use. It is safe for concurrent use.
type Gazetteer struct {
	g    *Geography
	cols *placeColumns
	// keys[i] is the PlaceKey of name entry i; entries of place p are
	// entryFrom[p]..entryFrom[p+1] (its name, then its variants).
	keys      []string
	entryFrom []uint32
	hashes    []keyHash // sorted by hash
	// ranges is the run of (sorted) places of each admin-1 code and of
	// each country.
	ranges   map[string][2]uint32
	grid     nearGrid
	maxWords int

	mu      sync.RWMutex
	added   []Place
	byKey   map[string][]int // into added
	version atomic.Uint64
}

type keyHash struct {
	h     uint64
	entry uint32
}

func hashKey(s string) uint64 {
	// FNV-1a: 64 bits make a collision among 10^6 keys about one in 10^7.
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// newGazetteer indexes the embedded places (DecodePlaces' format).
func newGazetteer(g *Geography, raw []byte) (*Gazetteer, error) {
	gz := &Gazetteer{g: g, ranges: map[string][2]uint32{}, byKey: map[string][]int{}}
	if raw == nil {
		gz.cols = &placeColumns{varFrom: []uint32{0}}
		gz.entryFrom = []uint32{0}
		return gz, nil
	}
	c, err := decodePlaceColumns(raw)
	if err != nil {
		return nil, err
	}
	gz.cols = c
	n := len(c.name)
	gz.entryFrom = make([]uint32, n+1)
	gz.keys = make([]string, 0, n+len(c.vars))
	var blob strings.Builder
	var ends []int
	for i := range n {
		for _, s := range append([]uint32{c.name[i]}, c.vars[c.varFrom[i]:c.varFrom[i+1]]...) {
			words := strings.Fields(normalize(c.strs[s]))
			gz.maxWords = max(gz.maxWords, len(words))
			blob.WriteString(keyOfWords(words))
			ends = append(ends, blob.Len())
		}
		gz.entryFrom[i+1] = uint32(len(ends))
	}
	all, start := blob.String(), 0
	gz.hashes = make([]keyHash, len(ends))
	for e, end := range ends {
		k := all[start:end]
		start = end
		gz.keys = append(gz.keys, k)
		gz.hashes[e] = keyHash{hashKey(k), uint32(e)}
	}
	slices.SortFunc(gz.hashes, func(a, b keyHash) int { return cmp.Compare(a.h, b.h) })
	for i := range n {
		for _, code := range []string{c.strs[c.admin1[i]], c.strs[c.country[i]]} {
			r, ok := gz.ranges[code]
			if !ok {
				r[0] = uint32(i)
			}
			r[1] = uint32(i + 1)
			gz.ranges[code] = r
		}
	}
	gz.grid = newNearGrid(c)
	return gz, nil
}

// Len is the number of places, embedded and added.
func (gz *Gazetteer) Len() int {
	gz.mu.RLock()
	defer gz.mu.RUnlock()
	return len(gz.cols.name) + len(gz.added)
}

// Towns returns the embedded cities and towns OpenStreetMap maps as such
// (Africa's, about 4,000) and every added place: the places a map or an
// OGC client lists. The 250,000 villages and GeoNames' 170,000 cities of
// the world are for matching names, not for listing.
func (gz *Gazetteer) Towns() []Place {
	var out []Place
	for i, k := range gz.cols.kind {
		if k <= 1 && gz.cols.sources[i]&SourceOSM != 0 {
			out = append(out, gz.embedded(i))
		}
	}
	return append(out, gz.Added()...)
}

// Added returns the places added by users, imports and learning.
func (gz *Gazetteer) Added() []Place {
	gz.mu.RLock()
	defer gz.mu.RUnlock()
	return slices.Clone(gz.added)
}

// embedded materializes embedded place i.
func (gz *Gazetteer) embedded(i int) Place {
	c := gz.cols
	p := Place{
		Name: c.strs[c.name[i]], Kind: placeKinds[c.kind[i]],
		Region: c.strs[c.admin1[i]], Country: c.strs[c.country[i]],
		Point:      orb.Point{float64(c.lon[i]) / placesScale, float64(c.lat[i]) / placesScale},
		Population: int(c.pop[i]),
	}
	for _, v := range c.vars[c.varFrom[i]:c.varFrom[i+1]] {
		p.Variants = append(p.Variants, c.strs[v])
	}
	switch c.sources[i] {
	case SourceOSM:
		p.Source = "OpenStreetMap"
	case SourceGeoNames:
		p.Source = "GeoNames"
	default:
		p.Source = "OpenStreetMap; GeoNames"
	}
	return p
}

// Lookup returns the places with this name or variant, as PlaceKey folds
// it: added places first, then embedded ones in file order.
func (gz *Gazetteer) Lookup(name string) []Place {
	return gz.lookupKey(PlaceKey(name))
}

func (gz *Gazetteer) lookupKey(k string) []Place {
	if !hasLetter(k) {
		// "1", "2": numbers are not names, whatever a map labelled.
		return nil
	}
	gz.mu.RLock()
	var out []Place
	for _, i := range gz.byKey[k] {
		out = append(out, gz.added[i])
	}
	gz.mu.RUnlock()
	h := hashKey(k)
	i, _ := slices.BinarySearchFunc(gz.hashes, h, func(e keyHash, h uint64) int { return cmp.Compare(e.h, h) })
	last := -1
	for ; i < len(gz.hashes) && gz.hashes[i].h == h; i++ {
		e := int(gz.hashes[i].entry)
		if gz.keys[e] != k {
			continue
		}
		p := gz.placeOfEntry(e)
		if p != last {
			out = append(out, gz.embedded(p))
			last = p
		}
	}
	return out
}

func (gz *Gazetteer) placeOfEntry(e int) int {
	// Every place has at least its name, so entryFrom is increasing.
	p, found := slices.BinarySearch(gz.entryFrom, uint32(e))
	if !found {
		p--
	}
	return p
}

// fuzzy returns the places of area (an admin-1 code or a country; "" for
// added places only) with a name or variant within editBudget edits of key.
func (gz *Gazetteer) fuzzy(key string, areas []string) []Place {
	k := editBudget(len(key))
	if k == 0 {
		return nil
	}
	var out []Place
	gz.mu.RLock()
	for _, p := range gz.added {
		if !inAreas(p, areas) {
			continue
		}
		for _, n := range append([]string{p.Name}, p.Variants...) {
			if withinEdits(key, PlaceKey(n), k) {
				out = append(out, p)
				break
			}
		}
	}
	gz.mu.RUnlock()
	for _, a := range areas {
		r, ok := gz.ranges[a]
		if !ok {
			continue
		}
		for p := int(r[0]); p < int(r[1]); p++ {
			for e := gz.entryFrom[p]; e < gz.entryFrom[p+1]; e++ {
				if withinEdits(key, gz.keys[e], k) {
					out = append(out, gz.embedded(p))
					break
				}
			}
		}
	}
	return out
}

func inAreas(p Place, areas []string) bool {
	return slices.Contains(areas, p.Region) || slices.Contains(areas, p.Country)
}

// Version changes whenever added places change; the geocoder's cache keys
// on it.
func (gz *Gazetteer) Version() uint64 { return gz.version.Load() }

// Add puts a place in the gazetteer, with its country and admin-1 unit
// found from its point, and returns it so. A place with the ID of one
// already added replaces it.
func (gz *Gazetteer) Add(p Place) (Place, error) {
	if err := CheckPlace(p); err != nil {
		return Place{}, err
	}
	p.Name = strings.TrimSpace(p.Name)
	p.Region, p.Country = "", ""
	if r := gz.g.RegionAt(p.Point); r != nil {
		p.Region, p.Country = r.Code, r.Country
	}
	if p.Kind == "" {
		p.Kind = "village"
	}
	gz.mu.Lock()
	defer gz.mu.Unlock()
	if p.ID != 0 {
		gz.removeLocked(p.ID)
	}
	gz.added = append(gz.added, p)
	gz.indexLocked(len(gz.added)-1, p)
	gz.version.Add(1)
	return p, nil
}

// CheckPlace says what is wrong with a place: no name, a name too long to
// be one, or coordinates off the Earth.
func CheckPlace(p Place) error {
	name := strings.TrimSpace(p.Name)
	switch {
	case name == "" || PlaceKey(name) == "":
		return fmt.Errorf("a place needs a name with letters or digits (got %q)", p.Name)
	case len(name) > 200:
		return fmt.Errorf("name %.40q... is %d bytes; a place name is at most 200", name, len(name))
	case !(p.Point[0] >= -180 && p.Point[0] <= 180 && p.Point[1] >= -90 && p.Point[1] <= 90):
		return fmt.Errorf("%q: coordinates lon %v, lat %v are outside lon -180..180, lat -90..90", name, p.Point[0], p.Point[1])
	case p.Kind != "" && !slices.Contains(placeKinds, p.Kind):
		return fmt.Errorf("%q: kind %q; use one of %s", name, p.Kind, strings.Join(placeKinds, ", "))
	case len(p.Variants) > 100:
		return fmt.Errorf("%q has %d variants; at most 100", name, len(p.Variants))
	}
	for _, v := range p.Variants {
		if len(v) > 200 {
			return fmt.Errorf("%q: variant %.40q... is longer than 200 bytes", name, v)
		}
	}
	return nil
}

// Remove takes the added place with this id out; false if there is none.
func (gz *Gazetteer) Remove(id int64) bool {
	gz.mu.Lock()
	defer gz.mu.Unlock()
	ok := gz.removeLocked(id)
	if ok {
		gz.version.Add(1)
	}
	return ok
}

func (gz *Gazetteer) removeLocked(id int64) bool {
	i := slices.IndexFunc(gz.added, func(p Place) bool { return p.ID == id })
	if i < 0 {
		return false
	}
	gz.added = slices.Delete(gz.added, i, i+1)
	gz.byKey = map[string][]int{}
	for j, p := range gz.added {
		gz.indexLocked(j, p)
	}
	return true
}

func (gz *Gazetteer) indexLocked(i int, p Place) {
	for _, n := range append([]string{p.Name}, p.Variants...) {
		words := strings.Fields(normalize(n))
		k := keyOfWords(words)
		if k != "" && !slices.Contains(gz.byKey[k], i) {
			gz.byKey[k] = append(gz.byKey[k], i)
			gz.maxWords = max(gz.maxWords, len(words))
		}
	}
}

func hasLetter(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] >= 'a' && k[i] <= 'z' || k[i] >= 0x80 {
			return true
		}
	}
	return false
}

// learnKM: a place the data teaches within this distance of a known place
// of the same name is that place; farther, it is a second place of the
// name, and the name is ambiguous.
const learnKM = 10

// Learnable says whether an incident's location name at p would teach the
// gazetteer something: false when it knows the name within learnKM.
func (gz *Gazetteer) Learnable(name string, p orb.Point) bool {
	if CheckPlace(Place{Name: name, Point: p}) != nil {
		return false
	}
	for _, q := range gz.Lookup(name) {
		if DistanceKM(q.Point, p) <= learnKM {
			return false
		}
	}
	return true
}

// asciiFold removes diacritics: "Tillabéri" → "Tillaberi".
func asciiFold(s string) string { return incident.StripAccents(s) }

// normalize folds a phrase for matching: no diacritics, lower case, words of
// letters and digits separated by single spaces, digits split from letters
// ("12km" → "12 km").
func normalize(s string) string {
	var b strings.Builder
	prev := ' '
	for _, r := range asciiFold(s) {
		r = unicode.ToLower(r)
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' && unicode.IsDigit(prev):
			if prev != ' ' && (unicode.IsDigit(r) != unicode.IsDigit(prev)) && r != '.' && prev != '.' {
				b.WriteRune(' ')
			}
			b.WriteRune(r)
			prev = r
		default:
			if prev != ' ' {
				b.WriteRune(' ')
			}
			prev = ' '
		}
	}
	return strings.TrimSpace(b.String())
}

// Fold lower-cases text and strips diacritics, so "Tillabéri" matches
// "tillaberi" in text search.
func Fold(s string) string { return incident.Fold(s) }
