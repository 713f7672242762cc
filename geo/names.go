package geo

import (
	"strings"
	"unicode"

	"github.com/incidentmap/incidentmap/incident"
)

// adminSuffixes are the words exports add to an admin name ("Tillaberi
// region", UCDP's "Tahoua province"), which do not tell regions apart.
var adminSuffixes = map[string]bool{"region": true, "province": true, "state": true, "department": true, "departement": true, "governorate": true, "prefecture": true, "wilaya": true, "district": true}

// NameKey is an admin name reduced to what every export's spelling of it
// shares: folded (no accents, lower case), letters and digits only, y as i,
// doubled letters single, words such as "region" dropped. "Tillabéri",
// "Tillaberi", "Tillabery" and "TILLABERI Region" all give "tilaberi".
func NameKey(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if adminSuffixes[w] {
			continue
		}
		var prev rune
		for _, r := range w {
			if r == 'y' {
				r = 'i'
			}
			if r != prev {
				b.WriteRune(r)
			}
			prev = r
		}
	}
	return b.String()
}

// SameAdmin1 says reported names region r: its name or its ISO 3166-2 code,
// spelled any way NameKey folds together. It makes Geography an
// incident.AdminMatcher.
func (g *Geography) SameAdmin1(reported string, r incident.Region) bool {
	k := NameKey(reported)
	return k == NameKey(r.Name) || strings.EqualFold(strings.TrimSpace(reported), r.Code)
}
