package geo

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// The place phrases of the seed report, and what an analyst expects of each.
func TestGeocodeSeedPhrases(t *testing.T) {
	g := mustDefault(t)
	tests := []struct {
		text      string
		regions   []string // any of these
		precision int
		zone      string // a zone the point must be in
	}{
		{"western Tahoua region near the Mali border", []string{"NE-5"}, 3, "Mali–Niger border zone"},
		{"close to the Mali border", []string{"NE-5", "NE-6"}, 3, "Mali–Niger border zone"},
		{"southwest Niger", []string{"NE-6", "NE-3", "NE-8"}, 3, ""},
		{"close to the Burkina Faso border", []string{"NE-6"}, 3, "Burkina Faso–Niger border zone"},
		{"the Burkina Faso border", []string{"NE-6"}, 3, "Burkina Faso–Niger border zone"},
		{"Niamey", []string{"NE-8"}, 1, ""},
		{"Tillabéri region, near the Burkina Faso border", []string{"NE-6"}, 3, "Burkina Faso–Niger border zone"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs, reason := g.Geocode(tt.text)
			if len(cs) == 0 {
				t.Fatalf("no candidate: %s", reason)
			}
			c := cs[0]
			if c.Region == nil || !slices.Contains(tt.regions, c.Region.Code) {
				t.Errorf("region = %+v, want one of %v", c.Region, tt.regions)
			}
			if c.GeoPrecision != tt.precision {
				t.Errorf("geo_precision = %d, want %d", c.GeoPrecision, tt.precision)
			}
			if c.RadiusKM <= 0 || c.Matched == "" {
				t.Errorf("radius %v, matched %q: want both set", c.RadiusKM, c.Matched)
			}
			loc := g.Reverse(c.Lon, c.Lat)
			if tt.zone != "" && !slices.Contains(loc.Zones, tt.zone) {
				t.Errorf("point %v,%v is in zones %v, want %q", c.Lon, c.Lat, loc.Zones, tt.zone)
			}
			if loc.Admin1 == nil || loc.Admin1.Code != c.Region.Code {
				t.Errorf("candidate region %v disagrees with reverse geocoding %v", c.Region, loc.Admin1)
			}
		})
	}
}

func TestGeocodeDirections(t *testing.T) {
	g := mustDefault(t)
	whole, _ := g.Geocode("Tahoua region")
	west, _ := g.Geocode("western Tahoua region")
	east, _ := g.Geocode("eastern Tahoua region")
	if len(whole) != 1 || len(west) != 1 || len(east) != 1 {
		t.Fatal("want one candidate each")
	}
	if !(west[0].Lon < whole[0].Lon && whole[0].Lon < east[0].Lon) {
		t.Errorf("west %v, whole %v, east %v: want increasing longitude", west[0].Lon, whole[0].Lon, east[0].Lon)
	}
	for _, c := range []incident.Candidate{west[0], east[0]} {
		if c.Region == nil || c.Region.Code != "NE-5" {
			t.Errorf("%+v is not in Tahoua", c)
		}
	}
	sw, _ := g.Geocode("south-west Niger")
	ne, _ := g.Geocode("northeastern Niger")
	if !(sw[0].Lon < ne[0].Lon && sw[0].Lat < ne[0].Lat) {
		t.Errorf("south-west %v,%v is not south-west of north-east %v,%v", sw[0].Lon, sw[0].Lat, ne[0].Lon, ne[0].Lat)
	}
}

func TestGeocodePoints(t *testing.T) {
	g := mustDefault(t)
	tests := []struct {
		text      string
		place     orb.Point
		km        float64 // expected distance from place
		precision int
		region    string
	}{
		{"Torodi", torodi, 0, 1, "NE-6"},
		{"Tillaberi", orb.Point{1.45418, 14.20711}, 0, 1, "NE-6"},
		{"near Ayorou", orb.Point{0.91739, 14.73075}, 0, 2, "NE-6"},
		{"outside Diffa", diffa, 0, 2, "NE-2"},
		{"20 km north of Tillia", tillia, 20, 2, "NE-5"},
		{"15km SW of Niamey", niamey, 15, 2, ""},
		{"Tibiri, Dosso region", orb.Point{3.99774, 13.10575}, 0, 1, "NE-3"},
		{"Tibiri (Maradi)", orb.Point{7.04848, 13.56271}, 0, 1, "NE-4"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs, reason := g.Geocode(tt.text)
			if len(cs) == 0 {
				t.Fatalf("no candidate: %s", reason)
			}
			c := cs[0]
			// OpenStreetMap's points of towns are within 2 km of GeoNames'.
			if d := DistanceKM(orb.Point{c.Lon, c.Lat}, tt.place); math.Abs(d-tt.km) > 2 {
				t.Errorf("candidate is %.2f km from the place, want %v", d, tt.km)
			}
			if c.GeoPrecision != tt.precision {
				t.Errorf("geo_precision = %d, want %d", c.GeoPrecision, tt.precision)
			}
			if tt.region != "" && (c.Region == nil || c.Region.Code != tt.region) {
				t.Errorf("region = %+v, want %s", c.Region, tt.region)
			}
		})
	}
}

func TestGeocodeZones(t *testing.T) {
	g := mustDefault(t)
	for text, zone := range map[string]string{
		"the tri-border area":       TriBorderZone,
		"Liptako-Gourma":            TriBorderZone,
		"Lake Chad area":            LakeChadZone,
		"near the border with Mali": "Mali–Niger border zone",
		"along the Nigerian border": "Niger–Nigeria border zone",
	} {
		cs, reason := g.Geocode(text)
		if len(cs) == 0 {
			t.Errorf("%q: no candidate: %s", text, reason)
			continue
		}
		if loc := g.Reverse(cs[0].Lon, cs[0].Lat); !slices.Contains(loc.Zones, zone) || cs[0].GeoPrecision != 3 {
			t.Errorf("%q → %+v in zones %v, want precision 3 in %q", text, cs[0], loc.Zones, zone)
		}
	}
}

// Text that cannot be placed gets no candidate and a reason: never (0,0).
func TestGeocodeNoGuess(t *testing.T) {
	g := mustDefault(t)
	for _, text := range []string{"", "   ", "Xqzville", "somewhere in the desert", "12 km north of Xqzville", "<script>alert(1)</script>", "near the border"} {
		cs, reason := g.Geocode(text)
		if len(cs) != 0 {
			t.Errorf("%q → %+v, want no candidate", text, cs)
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("%q: no reason given", text)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Tillabéri":           "tillaberi",
		"Birni N'Konni":       "birni n konni",
		"  South-West  NIGER": "south west niger",
		"12km N of Téra":      "12 km n of tera",
		"2.5 km":              "2.5 km",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzGeocode(f *testing.F) {
	for _, s := range []string{"western Tahoua region near the Mali border", "20 km north of Tillia", "Niamey", "", "1e308 km north of Niamey", "région de Tillabéri"} {
		f.Add(s)
	}
	g := mustDefault(f)
	f.Fuzz(func(t *testing.T, s string) {
		cs, reason := g.geocode(s, incident.PlaceHint{})
		if len(cs) == 0 && reason == "" {
			t.Fatalf("%q: no candidate and no reason", s)
		}
		for _, c := range cs {
			if math.IsNaN(c.Lon) || math.IsNaN(c.Lat) || c.Lon < -180 || c.Lon > 180 || c.Lat < -90 || c.Lat > 90 || (c.Lon == 0 && c.Lat == 0) {
				t.Fatalf("%q → bad point %v,%v", s, c.Lon, c.Lat)
			}
		}
	})
}
