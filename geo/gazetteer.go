package geo

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/unicode/norm"
)

// Place is a named point of the gazetteer: a town from GeoNames, or a place a
// user added.
type Place struct {
	Name      string
	ASCIIName string
	Variants  []string
	Region    string // ISO 3166-2 code of the admin-1 region containing it
	Country   string
	Point     orb.Point
	Source    string
}

// Gazetteer finds places by name, accents, case and punctuation ignored, and
// by their common variants.
type Gazetteer struct {
	places   []*Place
	byKey    map[string][]*Place
	maxWords int
}

// All returns every place, in the order loaded.
func (gz *Gazetteer) All() []*Place { return gz.places }

// Lookup returns the places with this name or variant.
func (gz *Gazetteer) Lookup(name string) []*Place {
	return gz.byKey[normalize(name)]
}

// add loads a GeoJSON FeatureCollection of points with at least a "name"
// property; "variants", "region" and "ascii_name" are optional (the region is
// found from the point when missing).
func (gz *Gazetteer) add(raw []byte, source string, g *Geography) error {
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return fmt.Errorf("geo: places %s: %w", source, err)
	}
	if gz.byKey == nil {
		gz.byKey = map[string][]*Place{}
	}
	for i, f := range fc.Features {
		pt, ok := f.Geometry.(orb.Point)
		if !ok {
			return fmt.Errorf("geo: places %s: feature %d is a %s; places must be Points", source, i, geomType(f.Geometry))
		}
		if pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
			return fmt.Errorf("geo: places %s: feature %d has coordinates %v outside lon -180..180, lat -90..90", source, i, pt)
		}
		name := f.Properties.MustString("name", "")
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("geo: places %s: feature %d has no \"name\" property", source, i)
		}
		p := &Place{
			Name:      name,
			ASCIIName: f.Properties.MustString("ascii_name", asciiFold(name)),
			Region:    f.Properties.MustString("region", ""),
			Country:   f.Properties.MustString("country", ""),
			Point:     pt,
			Source:    f.Properties.MustString("source", source),
		}
		if vs, ok := f.Properties["variants"].([]any); ok {
			for _, v := range vs {
				if s, ok := v.(string); ok {
					p.Variants = append(p.Variants, s)
				}
			}
		}
		if r := g.RegionAt(pt); r != nil {
			p.Region, p.Country = r.Code, r.Country
		}
		gz.places = append(gz.places, p)
		for _, n := range append([]string{p.Name, p.ASCIIName}, p.Variants...) {
			gz.index(n, p)
		}
	}
	return nil
}

func (gz *Gazetteer) index(name string, p *Place) {
	k := normalize(name)
	keys := []string{k}
	if nospace := strings.ReplaceAll(k, " ", ""); nospace != k {
		keys = append(keys, nospace)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		dup := false
		for _, q := range gz.byKey[k] {
			dup = dup || q == p
		}
		if !dup {
			gz.byKey[k] = append(gz.byKey[k], p)
		}
		gz.maxWords = max(gz.maxWords, len(strings.Fields(k)))
	}
}

func geomType(g orb.Geometry) string {
	if g == nil {
		return "feature without geometry"
	}
	return g.GeoJSONType()
}

// asciiFold removes diacritics: "Tillabéri" → "Tillaberi".
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

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
func Fold(s string) string { return strings.ToLower(asciiFold(s)) }
