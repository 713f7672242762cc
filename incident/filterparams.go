package incident

import "strings"

// Bounds of the filter parameters, shared by the parser and the published
// descriptions of it.
const (
	maxQ       = 200  // bytes of q=
	maxKM      = 5000 // km for border_km and radius_km: Niger is 1,900 km across
	defaultBKM = 50   // border_km without a value: ACLED's "border area"
	defaultRKM = 25   // radius_km without a value
)

// FilterParam is one query parameter ParseFilter reads: its name, what its
// value is (a JSON Schema type and constraints, which the OpenAPI documents
// and the OGC queryables publish as they are) and what it means.
type FilterParam struct {
	Name        string
	Description string
	// Type is the JSON Schema type of the value, or of each item when List
	// is set: "string", "number" or "integer".
	Type string
	// List: the value is a comma-separated list of Type, MinItems to
	// MaxItems long (0: no bound).
	List               bool
	MinItems, MaxItems int
	// LonLat: the items are longitude, latitude pairs in WGS84 degrees.
	LonLat bool
	Format string   // JSON Schema format: "date", "date-time"
	Enum   []string // the values (of each item) it takes
	// CaseInsensitive: the values are taken in any case (mli for MLI).
	CaseInsensitive bool
	// Minimum and Maximum bound a number; ExclusiveMinimum makes Minimum
	// itself refused.
	Minimum, Maximum *float64
	ExclusiveMinimum bool
	MaxLength        int
	Default          any
	// Examples are valid values as written in a URL. Together, one example
	// of every parameter is a valid request (start's examples are before
	// end's), so tests can combine them freely.
	Examples []string
	// Needs names a parameter that must come with this one.
	Needs string
	// Paging: the parameter pages a listing (limit, cursor); counts and
	// tiles take every filter but these.
	Paging bool
	// OGC names the OGC API – Features parameter that stands for this one
	// there (bbox, datetime); the others are the incidents' queryables.
	OGC string
}

func bound(v float64) *float64 { return &v }

// FilterParams lists the parameters of the incident filter in the order
// the API documents them. ParseFilter takes these and no others.
var FilterParams = []FilterParam{
	{Name: "bbox", Type: "number", List: true, MinItems: 4, MaxItems: 4, LonLat: true, OGC: "bbox",
		Description: "minLon,minLat,maxLon,maxLat in WGS84 degrees: incidents inside the box, edges included",
		Examples:    []string{"0,12,4,16", "-1,11.5,16,24", "1.5,13,2.5,14"}},
	{Name: "start", Type: "string", Format: "date", OGC: "datetime",
		Description: "first event date, inclusive (YYYY-MM-DD)",
		Examples:    []string{"2015-01-01", "2023-07-01"}},
	{Name: "end", Type: "string", Format: "date", OGC: "datetime",
		Description: "last event date, inclusive (YYYY-MM-DD); not before start",
		Examples:    []string{"2023-10-31", "2025-12-31"}},
	{Name: "event_type", Type: "string", List: true, Enum: EventTypeNames(),
		Description: "ACLED event types, comma-separated for several",
		Examples:    []string{"Battles", "Violence against civilians,Explosions/Remote violence"}},
	{Name: "sub_event_type", Type: "string", List: true, Enum: subEventTypeNames(),
		Description: "ACLED sub-event types, comma-separated for several",
		Examples:    []string{"Armed clash", "Attack,Remote explosive/landmine/IED"}},
	{Name: "region", Type: "string", List: true,
		Description: "admin-1 regions of any country, by ISO 3166-2 code (NE-5, BF-03) or name (Tahoua, accents optional; a name several countries use, such as Centre, needs country=), comma-separated for several (see /api/v1/regions?country=)",
		Examples:    []string{"NE-6", "Tahoua", "Tillaberi,NE-5"}},
	{Name: "admin1", Type: "string", List: true,
		Description: "admin-1 names as the source reported them, however spelled (Tillabery, Tillabéri), comma-separated for several",
		Examples:    []string{"Tillaberi", "Tahoua,Tillabery"}},
	{Name: "admin2", Type: "string", List: true,
		Description: "admin-2 names as the source reported them, however spelled, comma-separated for several",
		Examples:    []string{"Torodi", "Say,Ouallam"}},
	{Name: "flag", Type: "string", List: true, Enum: FlagNames,
		Description: "derived flags the incidents carry: admin1_mismatch, the point lies outside the admin1 the source reported",
		Examples:    []string{FlagAdmin1Mismatch}},
	{Name: "country", Type: "string", List: true, CaseInsensitive: true,
		Description: "countries the incidents are in, by ISO 3166-1 alpha-3 code, comma-separated for several (with border: that side of it)",
		Examples:    []string{"NER", "MLI,BFA"}},
	{Name: "border", Type: "string", CaseInsensitive: true,
		Description: "incidents within border_km of a land border, from either side: a border's two ISO 3166-1 alpha-3 codes (MLI-NER, in either order), one country's (MLI: the nearest of its borders) or any (the nearest border); results carry distance_km to it (see /api/v1/borders?country=all)",
		Examples:    []string{"MLI-NER", "MLI", "any"}},
	{Name: "border_km", Type: "number", Minimum: bound(0), ExclusiveMinimum: true, Maximum: bound(maxKM), Default: defaultBKM, Needs: "border",
		Description: "with border: the distance from the border in km",
		Examples:    []string{"50", "10", "120.5"}},
	{Name: "zone", Type: "string", List: true, CaseInsensitive: true,
		Description: "zones by id or name, accents and case aside, comma-separated for several (in any of them): a border zone (both sides of a border, within its width), a tri-border area (within its radius of the tripoint), or a zone an editor drew (see /api/v1/zones)",
		Examples:    []string{"Liptako-Gourma tri-border area", "Mali–Niger border zone,Lake Chad area"}},
	{Name: "near", Type: "number", List: true, MinItems: 2, MaxItems: 2, LonLat: true,
		Description: "lon,lat of a point: incidents within radius_km of it on the sphere; results carry distance_km",
		Examples:    []string{"2.11,13.51", "1.7987,13.1192"}},
	{Name: "near_site", Type: "string",
		Description: "a site's id (see /api/v1/sites): incidents within radius_km of it on the sphere (of a road, its nearest segment; of a camp, 0 inside); results carry distance_km",
		Examples:    []string{ExampleSiteID}},
	{Name: "radius_km", Type: "number", Minimum: bound(0), ExclusiveMinimum: true, Maximum: bound(maxKM), Default: defaultRKM, Needs: "near",
		Description: "with near or near_site: the distance from the point or site in km",
		Examples:    []string{"25", "100"}},
	{Name: "min_fatalities", Type: "integer", Minimum: bound(0),
		Description: "incidents with at least this many fatalities (the best estimate)",
		Examples:    []string{"0", "10"}},
	{Name: "q", Type: "string", MaxLength: maxQ,
		Description: "words in the location, actors, admin names, notes, source or tags: every word must match the start of a word, case and accents aside",
		Examples:    []string{"ambush", "tahoua", "jnim tillaberi"}},
	{Name: "updated_since", Type: "string", Format: "date-time",
		Description: "incidents created, changed or deleted at or after this RFC 3339 time, deletions as markers (\"deleted\": true, no geometry): for keeping a copy in sync",
		Examples:    []string{"2020-01-01T00:00:00Z"}},
	{Name: "limit", Type: "integer", Minimum: bound(1), Maximum: bound(MaxLimit), Default: DefaultLimit, Paging: true,
		Description: "incidents per page",
		Examples:    []string{"1", "100", "10000"}},
	{Name: "cursor", Type: "string", Paging: true,
		Description: "where the page starts: copy it from the next link of the page before",
		Examples:    []string{Cursor{EventDate: "2023-10-02", ID: "torodi-1"}.Encode()}},
}

// FilterParamNames lists the names of the filter parameters, paging ones
// included or not.
func FilterParamNames(paging bool) []string {
	var out []string
	for _, p := range FilterParams {
		if paging || !p.Paging {
			out = append(out, p.Name)
		}
	}
	return out
}

func filterParam(name string) (FilterParam, bool) {
	for _, p := range FilterParams {
		if p.Name == name {
			return p, true
		}
	}
	return FilterParam{}, false
}

// unknownFilterParam is the error for a parameter that is not a filter.
func unknownFilterParam(name string) error {
	return FieldErrorf(name, "unknown parameter; the incident filters are %s", strings.Join(FilterParamNames(true), ", "))
}

func subEventTypeNames() []string {
	var out []string
	for _, et := range EventTypes {
		out = append(out, et.SubEvents...)
	}
	return out
}
