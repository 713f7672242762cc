package incident

import (
	"encoding/base64"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Page sizes.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// Filter selects incidents. Zero fields do not filter; all set fields must
// hold.
type Filter struct {
	BBox          *orb.Bound
	Start, End    string // YYYY-MM-DD, inclusive
	EventTypes    []string
	SubEventTypes []string
	Regions       []string // ISO 3166-2 codes, of the region the point is in
	Countries     []string // ISO3 codes, of the country the incident is in
	// Admin1 and Admin2 are names as the source reported them; they match
	// however an export spells them (Tillabery, Tillaberi, Tillabéri).
	Admin1, Admin2 []string
	// Flags are derived flags an incident must carry (FlagAdmin1Mismatch).
	Flags []string
	// Border is a border's key ("MLI-NER": that border, from either
	// side), a country's ISO3 code ("MLI": the nearest of its land
	// borders) or "any" (the nearest border); BorderKM the distance.
	Border   string
	BorderKM float64
	Near     *orb.Point
	// Zones: the incident lies in one of them (zone=).
	Zones []*Zone
	// Site: the incident lies within RadiusKM of it (near_site=).
	Site          *Site
	RadiusKM      float64 // with Near or Site
	MinFatalities int
	Q             string
	UpdatedSince  *time.Time

	Limit  int
	Cursor *Cursor

	// JSONOnly says the caller only writes the results out as GeoJSON: a
	// store may then return incidents with just ID, EventDate, StoredJSON
	// and DistanceKM set.
	JSONOnly bool
}

// Cursor is the position after the last incident of a page: incidents are
// ordered newest event_date first, then by id.
type Cursor struct {
	EventDate string
	ID        string
}

// Encode returns the cursor as an opaque URL-safe string.
func (c Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.EventDate + "|" + c.ID))
}

// DecodeCursor parses a cursor from Encode.
func DecodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if d, id, ok := strings.Cut(string(b), "|"); ok {
			if _, err := time.Parse(DateLayout, d); err == nil && idPattern.MatchString(id) {
				return &Cursor{EventDate: d, ID: id}, nil
			}
		}
	}
	return nil, FieldErrorf("cursor", "not a cursor this server issued; follow the \"next\" link of the previous page")
}

// Places is what ParseFilter asks of the reference geography about the
// places a filter names; geo.Geography is the real one.
type Places interface {
	// LandBorders lists the keys of a country's land borders ("MLI-NER"),
	// and says whether the geography knows the country (ISO3) at all.
	LandBorders(iso3 string) (keys []string, ok bool)
	// RegionsNamed lists the admin-1 units a code or a name may mean,
	// within countries (ISO3) when there are any: a code names one, a
	// name may name several ("Centre").
	RegionsNamed(codeOrName string, countries []string) []Region
}

// ParseFilter reads the query parameters of the incident API. It rejects
// anything it cannot read with an error that names the parameter and says
// what to send.
func ParseFilter(q url.Values, places Places) (Filter, error) {
	f := Filter{Limit: DefaultLimit}
	for k, vs := range q {
		if _, ok := filterParam(k); !ok {
			return f, unknownFilterParam(k)
		}
		// An empty value is a mistake (bbox=$BBOX with the variable unset),
		// and reading it as "no filter" would answer with everything.
		for _, v := range vs {
			if strings.TrimSpace(v) == "" {
				return f, FieldErrorf(k, "is empty; give a value or leave the parameter out")
			}
		}
	}
	if s := q.Get("bbox"); s != "" {
		b, err := ParseBBox(s)
		if err != nil {
			return f, err
		}
		f.BBox = &b
	}
	for _, p := range []struct {
		k   string
		dst *string
	}{{"start", &f.Start}, {"end", &f.End}} {
		if s := q.Get(p.k); s != "" {
			if _, err := time.Parse(DateLayout, s); err != nil {
				return f, FieldErrorf(p.k, "%q is not a date; use YYYY-MM-DD", clip(s))
			}
			*p.dst = s
		}
	}
	if f.Start != "" && f.End != "" && f.End < f.Start {
		return f, FieldErrorf("end", "%s is before start %s", f.End, f.Start)
	}
	events, err := splitParam(q, "event_type")
	if err != nil {
		return f, err
	}
	subEvents, err := splitParam(q, "sub_event_type")
	if err != nil {
		return f, err
	}
	regionNames, err := splitParam(q, "region")
	if err != nil {
		return f, err
	}
	countries, err := splitParam(q, "country")
	if err != nil {
		return f, err
	}
	for _, s := range events {
		if !IsEventType(s) {
			return f, FieldErrorf("event_type", "%q is not an ACLED event type; use one of: %s", clip(s), strings.Join(EventTypeNames(), ", "))
		}
		f.EventTypes = append(f.EventTypes, s)
	}
	for _, s := range subEvents {
		if _, ok := EventTypeOf(s); !ok {
			return f, FieldErrorf("sub_event_type", "%q is not an ACLED sub-event type", clip(s))
		}
		f.SubEventTypes = append(f.SubEventTypes, s)
	}
	for _, s := range countries {
		iso := strings.ToUpper(s)
		if _, ok := places.LandBorders(iso); !ok || len(iso) != 3 {
			return f, FieldErrorf("country", "%q is not a country's ISO 3166-1 alpha-3 code (NER, MLI, BFA...); /api/v1/borders?country=all names every country with a land border", clip(s))
		}
		f.Countries = append(f.Countries, iso)
	}
	for _, s := range regionNames {
		code, err := resolveRegion(places, s, f.Countries)
		if err != nil {
			return f, err
		}
		f.Regions = append(f.Regions, code)
	}
	if f.Admin1, err = splitParam(q, "admin1"); err != nil {
		return f, err
	}
	if f.Admin2, err = splitParam(q, "admin2"); err != nil {
		return f, err
	}
	flags, err := splitParam(q, "flag")
	if err != nil {
		return f, err
	}
	for _, s := range flags {
		if !contains(FlagNames, s) {
			return f, FieldErrorf("flag", "%q is not a flag; use one of: %s", clip(s), strings.Join(FlagNames, ", "))
		}
		f.Flags = append(f.Flags, s)
	}
	if s := q.Get("border"); s != "" {
		b, err := parseBorder(places, s)
		if err != nil {
			return f, err
		}
		f.Border, f.BorderKM = b, defaultBKM
	}
	if s := q.Get("border_km"); s != "" {
		if f.Border == "" {
			return f, FieldErrorf("border_km", "needs border= (a border such as MLI-NER, a country such as MLI, or any)")
		}
		v, err := parseKM("border_km", s)
		if err != nil {
			return f, err
		}
		f.BorderKM = v
	}
	if s := q.Get("near"); s != "" {
		p, err := ParsePoint("near", s)
		if err != nil {
			return f, err
		}
		f.Near = &p
		f.RadiusKM = defaultRKM
	}
	if err := parseAreas(q, places, &f); err != nil {
		return f, err
	}
	if s := q.Get("radius_km"); s != "" {
		if f.Near == nil && f.Site == nil {
			return f, FieldErrorf("radius_km", "needs near=lon,lat or near_site=ID")
		}
		v, err := parseKM("radius_km", s)
		if err != nil {
			return f, err
		}
		f.RadiusKM = v
	}
	if s := q.Get("min_fatalities"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return f, FieldErrorf("min_fatalities", "%q is not a whole number of 0 or more", clip(s))
		}
		f.MinFatalities = v
	}
	if s := q.Get("q"); s != "" {
		if n := utf8.RuneCountInString(s); n > maxQ {
			return f, FieldErrorf("q", "is %d characters; at most %d", n, maxQ)
		}
		f.Q = s
	}
	if s := q.Get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return f, FieldErrorf("updated_since", "%q is not an RFC 3339 time like 2023-10-03T00:00:00Z", clip(s))
		}
		f.UpdatedSince = &t
	}
	if s := q.Get("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > MaxLimit {
			return f, FieldErrorf("limit", "%q is out of range: use a whole number from 1 to %d", clip(s), MaxLimit)
		}
		f.Limit = v
	}
	if s := q.Get("cursor"); s != "" {
		c, err := DecodeCursor(s)
		if err != nil {
			return f, err
		}
		f.Cursor = c
	}
	return f, nil
}

// FlagAdmin1Mismatch marks incidents whose point lies outside the admin1
// their source reported (Derived.Admin1Mismatch).
const FlagAdmin1Mismatch = "admin1_mismatch"

// FlagNames are the values flag= takes.
var FlagNames = []string{FlagAdmin1Mismatch}

// resolveRegion turns region= into an ISO 3166-2 code: a code, or a name
// that means one unit (within countries, when country= is given).
func resolveRegion(places Places, s string, countries []string) (string, error) {
	rs := places.RegionsNamed(s, countries)
	switch {
	case len(rs) == 1:
		return rs[0].Code, nil
	case len(rs) == 0 && len(countries) > 0:
		return "", FieldErrorf("region", "%q is not a region of %s; use an ISO 3166-2 code like NE-5 or a name like Tahoua (/api/v1/regions?country=%s lists them)", clip(s), strings.Join(countries, ", "), strings.Join(countries, ","))
	case len(rs) == 0:
		return "", FieldErrorf("region", "%q is not a known region; use an ISO 3166-2 code like NE-5 or a name like Tahoua (/api/v1/regions?country=NER lists a country's)", clip(s))
	}
	var cands []string
	for _, r := range rs {
		cands = append(cands, r.Code+" ("+r.Name+")")
	}
	return "", FieldErrorf("region", "%q names regions of %d countries: %s; send the code, or the country too (country=BFA)", clip(s), len(rs), strings.Join(cands, ", "))
}

// parseBorder reads border=: a border's key in either order (NER-MLI is
// MLI-NER), a country's ISO3 code, or any.
func parseBorder(places Places, s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	const how = "use a border's two ISO3 codes such as MLI-NER, one country's code such as MLI (within the distance of any of its borders), or any (the nearest border); /api/v1/borders?country=all lists every border"
	if u == "ANY" {
		return "any", nil
	}
	if a, b, ok := strings.Cut(u, "-"); ok {
		if b < a {
			a, b = b, a
		}
		key := a + "-" + b
		if keys, _ := places.LandBorders(a); contains(keys, key) {
			return key, nil
		}
		return "", FieldErrorf("border", "%q is not a land border; %s", clip(s), how)
	}
	keys, ok := places.LandBorders(u)
	if !ok || len(u) != 3 {
		return "", FieldErrorf("border", "%q is not a border nor a country's ISO3 code; %s", clip(s), how)
	}
	if len(keys) == 0 {
		return "", FieldErrorf("border", "%s has no land border; %s", u, how)
	}
	return u, nil
}

// ParseBBox reads minLon,minLat,maxLon,maxLat.
func ParseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, FieldErrorf("bbox", "%q: want four numbers minLon,minLat,maxLon,maxLat", clip(s))
	}
	var v [4]float64
	for i, p := range parts {
		f, ok := ParseNumber(strings.TrimSpace(p))
		if !ok {
			return orb.Bound{}, FieldErrorf("bbox", "%q is not a number", clip(p))
		}
		v[i] = f
	}
	names := [4]string{"minLon", "minLat", "maxLon", "maxLat"}
	for i, f := range v {
		lim := 180.0
		if i%2 == 1 {
			lim = 90
		}
		if f < -lim || f > lim {
			return orb.Bound{}, FieldErrorf("bbox", "%s %v is out of range -%v..%v", names[i], f, lim, lim)
		}
	}
	if v[0] > v[2] {
		return orb.Bound{}, FieldErrorf("bbox", "minLon %v is greater than maxLon %v; the order is minLon,minLat,maxLon,maxLat", v[0], v[2])
	}
	if v[1] > v[3] {
		return orb.Bound{}, FieldErrorf("bbox", "minLat %v is greater than maxLat %v; the order is minLon,minLat,maxLon,maxLat", v[1], v[3])
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// ParsePoint reads lon,lat.
func ParsePoint(param, s string) (orb.Point, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return orb.Point{}, FieldErrorf(param, "%q: want lon,lat", clip(s))
	}
	lon, ok1 := ParseNumber(strings.TrimSpace(parts[0]))
	lat, ok2 := ParseNumber(strings.TrimSpace(parts[1]))
	if !ok1 || !ok2 {
		return orb.Point{}, FieldErrorf(param, "%q: want two numbers lon,lat", clip(s))
	}
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return orb.Point{}, FieldErrorf(param, "%v,%v is out of range: longitude first (-180..180), then latitude (-90..90)", lon, lat)
	}
	return orb.Point{lon, lat}, nil
}

func parseKM(param, s string) (float64, error) {
	v, ok := ParseNumber(s)
	if !ok || v <= 0 || v > maxKM {
		return 0, FieldErrorf(param, "%q is out of range: use a distance in km above 0 and at most %d", clip(s), maxKM)
	}
	return v, nil
}

// splitParam reads a comma-separated list, refusing empty items ("a,,b",
// ","): like an empty value, they are mistakes that would otherwise widen
// the filter silently.
func splitParam(q url.Values, k string) ([]string, error) {
	var out []string
	for _, v := range q[k] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				return nil, FieldErrorf(k, "%q has an empty item; separate the values with single commas", clip(v))
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// ParseNumber reads a decimal number (12, -1.5, 2e3), finite. Unlike
// strconv.ParseFloat it refuses Go's other float literals (1_000, 0x1p4,
// Inf, NaN), which no client means as a coordinate or a distance.
func ParseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("+-.0123456789eE", r) }) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsInf(v, 0)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Distance says which distance a filter's results carry as distance_km: to
// the point for near=, to the site for near_site=, else to the border for
// border=.
func (f Filter) Distance() string {
	switch {
	case f.Near != nil:
		return "near"
	case f.Site != nil:
		return "site"
	case f.Border != "":
		return "border"
	}
	return ""
}

// parseAreas reads zone= (zones by id or name, comma-separated: the
// incident lies in one of them) and near_site= (a site's id, within
// radius_km of it), through places' Areas.
func parseAreas(q url.Values, places Places, f *Filter) error {
	names, err := splitParam(q, "zone")
	if err != nil {
		return err
	}
	site := q.Get("near_site")
	if len(names) == 0 && site == "" {
		return nil
	}
	areas, _ := places.(Areas)
	for _, n := range names {
		var z *Zone
		ok := false
		if areas != nil {
			z, ok = areas.ZoneNamed(n)
		}
		if !ok {
			return FieldErrorf("zone", "%q is not a zone; give a zone's id or name as /api/v1/zones lists them (\"Mali–Niger border zone\", \"Liptako-Gourma tri-border area\", or one an editor drew)", clip(n))
		}
		if !slices.Contains(f.Zones, z) {
			f.Zones = append(f.Zones, z)
		}
	}
	if site != "" {
		// With near= too, both hold, within the one radius_km.
		var s *Site
		ok := false
		if areas != nil {
			s, ok = areas.SiteByID(strings.TrimSpace(site))
		}
		if !ok {
			return FieldErrorf("near_site", "%q is not a site's id; /api/v1/sites lists them", clip(site))
		}
		f.Site, f.RadiusKM = s, defaultRKM
	}
	return nil
}
