package incident

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Text is folded here, once, for everyone who compares it: the stores'
// search text and admin-name keys, the geocoder's names, and Filter.Match.
// A second copy would drift, and then a watch and a listing would disagree
// about q=tillaberi.

// Fold lower-cases text and strips diacritics, so "Tillabéri" matches
// "tillaberi" in text search.
func Fold(s string) string { return strings.ToLower(StripAccents(s)) }

// StripAccents removes diacritics: "Tillabéri" → "Tillaberi".
func StripAccents(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] < 0x80
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SearchWords splits text into the words free-text search compares: folded,
// letters and digits only ("Tillabéri-Nord, 2023" → tillaberi, nord, 2023).
func SearchWords(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// SearchText is the text q= searches in an incident: its location, actors,
// reported admin names, notes, source and tags.
func SearchText(in *Incident) string {
	return strings.Join([]string{in.Location, in.Actor1, in.Actor2, in.Admin1, in.Admin2, in.Notes, in.Source, strings.Join(in.Tags, " ")}, " ")
}

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
