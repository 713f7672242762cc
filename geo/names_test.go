package geo

import "testing"

// A reported admin1 that names the region the point is in, however an
// export writes it, is no mismatch: the French name, Natural Earth's other
// names, and regions created since Natural Earth drew its map (an incident
// in Ménaka lies in Gao on it). Another region's name still is.
func TestSameAdmin1(t *testing.T) {
	g := mustDefault(t)
	for _, c := range []struct {
		reported string
		lon, lat float64
		want     bool
	}{
		{"Timbuktu", -3.0, 16.77, true},    // NE's local name of Tombouctou
		{"Tombouctou", -3.0, 16.77, true},  // its English name, as NE gives it
		{"Taoudeni", -3.98, 22.68, true},   // carved from Tombouctou in 2016
		{"Menaka", 2.4, 15.92, true},       // carved from Gao
		{"Sikasso", -5.67, 11.32, true},    // NE calls it Wassoulou in English
		{"Extreme-Nord", 14.3, 10.6, true}, // Cameroon's Far North, in French
		{"Savannah", -1.8, 9.1, true},      // Ghana's 2018 regions
		{"Biltine", 20.9, 14.5, true},      // Wadi Fira's old name
		{"Ennedi-Est", 22.5, 16.5, true},   // Chad's Ennedi, split in 2012
		{"Tillabery", 1.45, 14.21, true},   // a spelling
		{"Kidal", 2.4, 15.92, false},       // a neighbour: a real mismatch
		{"Menaka", -3.0, 16.77, false},     // Ménaka is not out of Tombouctou
		{"Savannah", 0.4, 8.0, false},      // nor Savannah out of Volta
		{"", 2.4, 15.92, false},
	} {
		loc := g.Reverse(c.lon, c.lat)
		if loc.Admin1 == nil {
			t.Fatalf("%v, %v: no region", c.lon, c.lat)
		}
		if got := g.SameAdmin1(c.reported, *loc.Admin1); got != c.want {
			t.Errorf("SameAdmin1(%q, %s %s) = %v, want %v", c.reported, loc.Admin1.Code, loc.Admin1.Name, got, c.want)
		}
	}
	if r := g.Reverse(-5.67, 11.32).Admin1; r.Name != "Sikasso" {
		t.Errorf("Mali's ML-3 is named %q; want Sikasso", r.Name)
	}
}
