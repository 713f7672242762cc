package incident

import (
	"cmp"
	"slices"
	"strings"
)

// Region is an administrative unit named by its ISO 3166-2 code where one
// exists: an admin-1 region, state or province, or an admin-2 unit (Burkina
// Faso's provinces under its regions).
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameFR string `json:"name_fr,omitempty"`
}

// BorderDistance is the great-circle distance from a point to the land
// border between two countries. Border is the key "AAA-BBB" (the two ISO
// 3166-1 alpha-3 codes in sorted order), Countries the same two codes.
type BorderDistance struct {
	Border     string    `json:"border"`
	Countries  [2]string `json:"countries"`
	DistanceKM float64   `json:"distance_km"`
}

// Touches reports whether the border is one of country iso3's.
func (b BorderDistance) Touches(iso3 string) bool {
	return strings.EqualFold(b.Countries[0], iso3) || strings.EqualFold(b.Countries[1], iso3)
}

// Location is what reverse geocoding tells about a point: the country,
// admin-1 and admin-2 units it falls in, how far it is from every land
// border within 300 km (nearest first, on either side of each), the nearest
// border wherever it is, and the named zones that contain it. Country and
// Admin1 are nil at sea and on no polygon, unless a country lies within a
// few km (then BoundarySnapKM says how far the point was moved to reach
// it). CountryMismatch is set when a reported country was given and the
// point lies well outside it.
type Location struct {
	Country         *string          `json:"country"`
	CountryName     string           `json:"country_name,omitempty"`
	Admin1          *Region          `json:"admin1"`
	Admin2          *Region          `json:"admin2"`
	Borders         []BorderDistance `json:"borders"`
	NearestBorder   *BorderDistance  `json:"nearest_border"`
	BoundarySnapKM  *float64         `json:"boundary_snap_km"`
	CountryMismatch bool             `json:"country_mismatch"`
	Zones           []string         `json:"zones"`
	Near            *NearPlace       `json:"near,omitempty"`
}

// NearPlace is the named city, town or village nearest a point, how far
// it is and the direction from it to the point: {"name": "Makalondi",
// "distance_km": 12.3, "bearing": "NE"} reads "12 km NE of Makalondi".
type NearPlace struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind,omitempty"`
	DistanceKM float64 `json:"distance_km"`
	Bearing    string  `json:"bearing"` // 8-point compass, from the place to the point
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
}

// Nearest returns the nearest border, or false when there is none.
func (l Location) Nearest() (BorderDistance, bool) {
	if l.NearestBorder == nil {
		return BorderDistance{}, false
	}
	return *l.NearestBorder, true
}

// Locator reverse-geocodes points; geo.Geography is the real one.
type Locator interface {
	Reverse(lon, lat float64) Location
}

// ReportedLocator is a Locator that lets the country an incident's report
// names win near a border (geo.Geography): a point outside that country
// but within a few km of it is put in it (BoundarySnapKM says how far);
// farther out the point's own country stands, with CountryMismatch.
// reported is an ISO3 code or a country's name; unknown ones are ignored.
type ReportedLocator interface {
	ReverseReported(lon, lat float64, reported string) Location
}

// Candidate is one answer of forward geocoding: where a place phrase puts an
// incident, how precisely (ACLED's geo_precision), and why. Ambiguous says
// several places fit equally well (all are candidates, best first);
// Unmatched lists the names of the phrase the gazetteer does not know (the
// answer is then the area around them, never a guess).
type Candidate struct {
	Lon          float64    `json:"lon"`
	Lat          float64    `json:"lat"`
	GeoPrecision int        `json:"geo_precision"`
	RadiusKM     float64    `json:"radius_km"`
	Region       *Region    `json:"region"`
	Country      string     `json:"country,omitempty"`
	Name         string     `json:"name,omitempty"` // the gazetteer's place, for a point answer
	Kind         string     `json:"kind,omitempty"` // city, town, village...; or admin1, admin2, country, border, zone for an area
	Matched      string     `json:"matched"`
	Ambiguous    bool       `json:"ambiguous,omitempty"`
	Unmatched    []string   `json:"unmatched,omitempty"`
	Near         *NearPlace `json:"near,omitempty"`
}

// Geocoder turns a place phrase into candidates, best first. With no
// candidate, reason says why the phrase could not be placed.
type Geocoder interface {
	Geocode(text string) (candidates []Candidate, reason string)
}

// PlaceHint is what a report says beside the place name: its country (ISO3
// or name) and admin units, as ACLED's country, admin1 and admin2 columns.
// It picks among places of one name and bounds an unknown one.
type PlaceHint struct {
	Country string
	Admin1  string
	Admin2  string
}

// HintGeocoder is a Geocoder that also takes a report's PlaceHint;
// geo.Geography is one.
type HintGeocoder interface {
	GeocodeHint(text string, hint PlaceHint) (candidates []Candidate, reason string)
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
		return strings.Compare(x.Border, y.Border)
	})
}
