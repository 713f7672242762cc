package incident

import (
	"cmp"
	"slices"
	"strings"
)

// Region is an admin-1 unit (a region of Niger, a state or region of a
// neighbour), named by its ISO 3166-2 code.
type Region struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// BorderDistance is the great-circle distance from a point to Niger's border
// with one neighbour, named by ISO 3166-1 alpha-3 code.
type BorderDistance struct {
	Country    string  `json:"country"`
	DistanceKM float64 `json:"distance_km"`
}

// Location is what reverse geocoding tells about a point: the country and
// region it falls in, how far it is from each of Niger's borders (nearest
// first), and the named zones that contain it. Country and Region are nil
// outside the covered countries.
type Location struct {
	Country *string          `json:"country"`
	Region  *Region          `json:"region"`
	Borders []BorderDistance `json:"borders"`
	Zones   []string         `json:"zones"`
}

// Nearest returns the nearest border, or false when there is none.
func (l Location) Nearest() (BorderDistance, bool) {
	if len(l.Borders) == 0 {
		return BorderDistance{}, false
	}
	return l.Borders[0], true
}

// Locator reverse-geocodes points; geo.Geography is the real one.
type Locator interface {
	Reverse(lon, lat float64) Location
}

// Candidate is one answer of forward geocoding: where a place phrase puts an
// incident, how precisely (ACLED's geo_precision), and why.
type Candidate struct {
	Lon          float64 `json:"lon"`
	Lat          float64 `json:"lat"`
	GeoPrecision int     `json:"geo_precision"`
	RadiusKM     float64 `json:"radius_km"`
	Region       *Region `json:"region"`
	Matched      string  `json:"matched"`
}

// Geocoder turns a place phrase into candidates, best first. With no
// candidate, reason says why the phrase could not be placed.
type Geocoder interface {
	Geocode(text string) (candidates []Candidate, reason string)
}

// SortBorders puts borders nearest first, and equally near ones (distances
// are rounded to metres) by country code, so that the same point always
// gives the same document: a re-import compares documents to tell an
// unchanged row, and ties put back in map order made 1 in 50,000 rows of
// a re-imported export "updated".
func SortBorders(b []BorderDistance) {
	slices.SortFunc(b, func(x, y BorderDistance) int {
		if c := cmp.Compare(x.DistanceKM, y.DistanceKM); c != 0 {
			return c
		}
		return strings.Compare(x.Country, y.Country)
	})
}
