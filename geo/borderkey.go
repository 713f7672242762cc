package geo

import (
	"fmt"
	"strings"
)

// BorderKey names the border between two countries by their ISO3 codes in
// sorted order: BorderKey("NER", "MLI") is "MLI-NER".
func BorderKey(a, b string) string {
	a, b = strings.ToUpper(a), strings.ToUpper(b)
	if b < a {
		a, b = b, a
	}
	return a + "-" + b
}

// ParseBorder reads a border key in either order ("MLI-NER" or "NER-MLI",
// any case) and returns the two codes sorted.
func ParseBorder(s string) (a, b string, err error) {
	x, y, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok || !isISO3(x) || !isISO3(y) || strings.EqualFold(x, y) {
		return "", "", fmt.Errorf("geo: %q is not a border: use two ISO3 codes joined by a hyphen, such as MLI-NER", s)
	}
	k := BorderKey(x, y)
	return k[:3], k[4:], nil
}

func isISO3(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}
