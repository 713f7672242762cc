// Package incident is incidentmap's domain: the Incident (ACLED's field names
// and typology, UCDP-style fatality ranges), its validation, the query Filter,
// the Store interface and the error codes. It depends on nothing but the
// standard library and orb.
package incident

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// DateLayout is how event_date is written: ACLED's YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Incident is one event, as ACLED describes events. Fields after Derived are
// computed from the point on every write and never taken from input.
type Incident struct {
	ID            string
	EventDate     string // YYYY-MM-DD
	TimePrecision int    // 1 day, 2 week, 3 month
	EventType     string
	SubEventType  string
	Actor1        string
	Actor2        string
	Admin1        string
	Admin2        string
	Location      string // the place as reported
	Lon, Lat      float64
	GeoPrecision  int // 1 town, 2 near a town / part of a region, 3 region or larger
	// UncertaintyKM is the radius around the point the event lies within,
	// when known (the geocoder sets it for the phrases it places).
	UncertaintyKM  *float64
	Fatalities     int // best estimate
	FatalitiesLow  *int
	FatalitiesHigh *int
	Source         string
	SourceURL      string
	Notes          string
	Tags           []string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Extra keeps properties incidentmap has no field for (an ACLED export's
	// other columns), so they round-trip.
	Extra map[string]any

	Derived

	// DistanceKM is set on results of distance queries (border, near).
	DistanceKM *float64
	// PossibleDuplicates is set on the answer to a write: the stored
	// incidents that may tell of the same event. Never stored: what is a
	// possible duplicate changes as incidents come and go.
	PossibleDuplicates []Duplicate
	// StoredJSON, when set by a store, is the Feature exactly as stored;
	// AppendFeature writes it unchanged (adding distance_km), which spares
	// listings a decode and an encode per incident. Stores set it only when a
	// Filter asks for JSONOnly, and then may leave other fields empty.
	StoredJSON []byte
	// Deleted marks a deletion in a sync listing.
	Deleted bool

	// ReportedCountry is the country the incident's report names (an ISO3
	// code or a name), read from input's "country" property: near a border
	// it wins over the point (Service.Prepare). Never written out as such:
	// "country" is always the derived one.
	ReportedCountry string

	// Line is the line (CSV, Excel row) or record the incident was read
	// from, for import reports; never stored.
	Line int

	hasPoint bool
}

// Derived is what reverse geocoding says about the incident's point.
type Derived struct {
	Country *string
	Region  *Region
	Borders []BorderDistance // within 300 km, nearest first
	Nearest *BorderDistance  // the nearest border, wherever it is
	// SnapKM is how far the point lay outside the country it was put in
	// (at sea, or across a border from the reported country); nil when
	// inside it. Mismatch: the point lies well outside the reported country.
	SnapKM   *float64
	Mismatch bool
	Zones    []string
	// Near is the named place nearest the point, with distance and
	// direction from it ("12 km NE of Makalondi"): how analysts say where a
	// village they do not know is.
	Near     *NearPlace
	Geocoded string // the matched phrase, when the point came from the location text
	// Admin1Mismatch says the region the point falls in is not the admin1
	// the source reported (names compared folded, spelling variants
	// allowed): a point or a name to check, never a reason to refuse.
	Admin1Mismatch bool
}

// Derive sets the derived fields from a Location.
func (in *Incident) Derive(loc Location) {
	in.Country, in.Borders, in.Nearest, in.Zones = loc.Country, slices.Clone(loc.Borders), loc.NearestBorder, loc.Zones
	SortBorders(in.Borders)
	in.SnapKM, in.Mismatch, in.Near = loc.BoundarySnapKM, loc.CountryMismatch, loc.Near
	in.Region = nil
	if loc.Admin1 != nil {
		in.Region = &Region{Code: loc.Admin1.Code, Name: loc.Admin1.Name}
		if in.Admin1 == "" {
			in.Admin1 = loc.Admin1.Name
		}
	}
	if in.Admin2 == "" && loc.Admin2 != nil {
		in.Admin2 = loc.Admin2.Name
	}
}

// BorderKM returns the distance to a border, or false when unknown (more
// than 300 km away). border is a key ("MLI-NER"), a country's ISO3 code
// ("MLI": the nearest of its borders) or "any" for the nearest border.
func (in *Incident) BorderKM(border string) (float64, bool) {
	if border == "any" {
		if n, ok := in.nearest(); ok {
			return n.DistanceKM, true
		}
		return 0, false
	}
	for _, b := range in.Borders { // nearest first
		if strings.EqualFold(b.Border, border) || len(border) == 3 && b.Touches(border) {
			return b.DistanceKM, true
		}
	}
	return 0, false
}

// MarshalJSON writes the incident as a GeoJSON Feature (RFC 7946) with
// ACLED's property names, derived properties included.
func (in *Incident) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	in.AppendFeature(&b)
	return b.Bytes(), nil
}

// AppendFeature writes the GeoJSON Feature to b without reflection: the
// export and list endpoints write millions of these.
func (in *Incident) AppendFeature(b *bytes.Buffer) {
	if n := len(in.StoredJSON); n > 2 && !in.Deleted && in.StoredJSON[n-2] == '}' && in.StoredJSON[n-1] == '}' {
		if in.DistanceKM == nil {
			b.Write(in.StoredJSON)
			return
		}
		b.Write(in.StoredJSON[:n-2])
		b.WriteString(`,"distance_km":`)
		writeFloat(b, math.Round(*in.DistanceKM*1000)/1000)
		b.WriteString("}}")
		return
	}
	b.WriteString(`{"type":"Feature","id":`)
	writeString(b, in.ID)
	if in.Deleted {
		b.WriteString(`,"geometry":null,"properties":{"deleted":true,"updated_at":`)
		writeString(b, in.UpdatedAt.UTC().Format(time.RFC3339Nano))
		b.WriteString("}}")
		return
	}
	b.WriteString(`,"geometry":{"type":"Point","coordinates":[`)
	writeFloat(b, in.Lon)
	b.WriteByte(',')
	writeFloat(b, in.Lat)
	b.WriteString(`]},"properties":{"event_date":`)
	writeString(b, in.EventDate)
	fmt.Fprintf(b, `,"time_precision":%d,"event_type":`, in.TimePrecision)
	writeString(b, in.EventType)
	b.WriteString(`,"sub_event_type":`)
	writeString(b, in.SubEventType)
	for _, kv := range [...]struct{ k, v string }{{"actor1", in.Actor1}, {"actor2", in.Actor2}, {"admin1", in.Admin1}, {"admin2", in.Admin2}, {"location", in.Location}} {
		b.WriteString(`,"` + kv.k + `":`)
		writeString(b, kv.v)
	}
	fmt.Fprintf(b, `,"geo_precision":%d`, in.GeoPrecision)
	if in.UncertaintyKM != nil {
		b.WriteString(`,"uncertainty_km":`)
		writeFloat(b, *in.UncertaintyKM)
	}
	fmt.Fprintf(b, `,"fatalities":%d`, in.Fatalities)
	if in.FatalitiesLow != nil {
		fmt.Fprintf(b, `,"fatalities_low":%d`, *in.FatalitiesLow)
	}
	if in.FatalitiesHigh != nil {
		fmt.Fprintf(b, `,"fatalities_high":%d`, *in.FatalitiesHigh)
	}
	for _, kv := range [...]struct{ k, v string }{{"source", in.Source}, {"source_url", in.SourceURL}, {"notes", in.Notes}} {
		b.WriteString(`,"` + kv.k + `":`)
		writeString(b, kv.v)
	}
	b.WriteString(`,"tags":[`)
	for i, t := range in.Tags {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, t)
	}
	b.WriteString(`],"created_at":`)
	writeString(b, in.CreatedAt.UTC().Format(time.RFC3339Nano))
	b.WriteString(`,"updated_at":`)
	writeString(b, in.UpdatedAt.UTC().Format(time.RFC3339Nano))
	b.WriteString(`,"country":`)
	if in.Country != nil {
		writeString(b, *in.Country)
	} else {
		b.WriteString("null")
	}
	b.WriteString(`,"region_code":`)
	if in.Region != nil {
		writeString(b, in.Region.Code)
		b.WriteString(`,"region_name":`)
		writeString(b, in.Region.Name)
	} else {
		b.WriteString(`null,"region_name":null`)
	}
	if n, ok := in.nearest(); ok {
		b.WriteString(`,"nearest_border":`)
		writeString(b, n.Border)
		b.WriteString(`,"nearest_border_km":`)
		writeFloat(b, n.DistanceKM)
	} else {
		b.WriteString(`,"nearest_border":null,"nearest_border_km":null`)
	}
	b.WriteString(`,"borders":{`)
	for i, bd := range in.Borders {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, bd.Border)
		b.WriteByte(':')
		writeFloat(b, bd.DistanceKM)
	}
	b.WriteString(`},"zones":[`)
	for i, z := range in.Zones {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, z)
	}
	b.WriteByte(']')
	if in.SnapKM != nil {
		b.WriteString(`,"boundary_snap_km":`)
		writeFloat(b, *in.SnapKM)
	}
	if in.Mismatch {
		b.WriteString(`,"country_mismatch":true`)
	}
	if in.Near != nil {
		d, _ := json.Marshal(in.Near)
		b.WriteString(`,"near":`)
		b.Write(d)
	}
	if in.Geocoded != "" {
		b.WriteString(`,"geocoded":`)
		writeString(b, in.Geocoded)
	}
	if in.Admin1Mismatch {
		b.WriteString(`,"admin1_mismatch":true`)
	}
	if in.DistanceKM != nil {
		b.WriteString(`,"distance_km":`)
		writeFloat(b, math.Round(*in.DistanceKM*1000)/1000)
	}
	if in.PossibleDuplicates != nil {
		d, _ := json.Marshal(in.PossibleDuplicates)
		b.WriteString(`,"possible_duplicates":`)
		b.Write(d)
	}
	// In key order, as encoding/json writes maps: the same incident is the
	// same bytes, so a write (or a re-import) that changes nothing is seen
	// to change nothing.
	for _, k := range slices.Sorted(maps.Keys(in.Extra)) {
		if known[k] || derivedProps[k] {
			continue
		}
		j, err := json.Marshal(in.Extra[k])
		if err != nil {
			continue
		}
		b.WriteByte(',')
		writeString(b, k)
		b.WriteByte(':')
		b.Write(j)
	}
	b.WriteString("}}")
}

// NearestBorder is the border nearest the incident, wherever it is.
func (in *Incident) NearestBorder() (BorderDistance, bool) { return in.nearest() }

func (in *Incident) nearest() (BorderDistance, bool) {
	if in.Nearest != nil {
		return *in.Nearest, true
	}
	if len(in.Borders) == 0 {
		return BorderDistance{}, false
	}
	return in.Borders[0], true
}

func writeFloat(b *bytes.Buffer, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b.WriteString("null")
		return
	}
	b.WriteString(formatFloat(f))
}

func formatFloat(f float64) string {
	j, _ := json.Marshal(f)
	return string(j)
}

// writeString writes s as a JSON string, escaped the way encoding/json does
// (so HTML in notes is \u003c-escaped and inert in any context). Plain text,
// most of it, is copied as is.
func writeString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			j, _ := json.Marshal(s)
			b.Write(j)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// HasPoint reports whether the incident has a point: decoded from a geometry
// (or ACLED latitude/longitude), or set with SetPoint.
func (in *Incident) HasPoint() bool { return in.hasPoint }

// SetPoint sets the incident's point.
func (in *Incident) SetPoint(lon, lat float64) { in.Lon, in.Lat, in.hasPoint = lon, lat, true }

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Limits on text fields, generous for real reports and small enough that one
// record cannot fill the disk.
const (
	maxShortText = 500
	maxNotes     = 20000
	maxTags      = 50
)

// Validate checks everything a person sends; it reports the first problem,
// naming the field and saying what to send instead.
func (in *Incident) Validate() error { return in.validate(handEntered) }

func (in *Incident) validate(r rules) error {
	if in.ID != "" && !idPattern.MatchString(in.ID) {
		return FieldErrorf("id", "%q is not a valid id: use 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit", clip(in.ID))
	}
	if in.EventDate == "" {
		return FieldErrorf("properties.event_date", "required, as YYYY-MM-DD")
	}
	d, err := time.Parse(DateLayout, in.EventDate)
	if err != nil {
		return FieldErrorf("properties.event_date", "%q is not a date; use YYYY-MM-DD, e.g. 2023-10-02", clip(in.EventDate))
	}
	if d.Year() < 1900 || d.After(time.Now().AddDate(0, 0, 2)) {
		return FieldErrorf("properties.event_date", "%s is out of range: dates run from 1900 to today", in.EventDate)
	}
	if in.TimePrecision == 0 {
		in.TimePrecision = TimeDay
	}
	if in.TimePrecision < TimeDay || in.TimePrecision > TimeMonth {
		return FieldErrorf("properties.time_precision", "%d is not an ACLED time precision: use 1 (day), 2 (week) or 3 (month)", in.TimePrecision)
	}
	if in.EventType == "" && in.SubEventType != "" {
		in.EventType, _ = EventTypeOf(in.SubEventType)
	}
	if !IsEventType(in.EventType) {
		return FieldErrorf("properties.event_type", "%q is not an ACLED event type; use one of: %s", clip(in.EventType), strings.Join(EventTypeNames(), ", "))
	}
	if in.SubEventType == "" && r.subEventOptional {
		// An import of ACLED's pre-2019 typology, where no sub-event
		// type follows from the old one (import.go).
	} else if in.SubEventType == "" {
		return FieldErrorf("properties.sub_event_type", "required; for %s use one of: %s", in.EventType, strings.Join(subEvents(in.EventType), ", "))
	}
	if t, ok := EventTypeOf(in.SubEventType); in.SubEventType != "" && (!ok || t != in.EventType) {
		return FieldErrorf("properties.sub_event_type", "%q is not a sub-event type of %s; use one of: %s", clip(in.SubEventType), in.EventType, strings.Join(subEvents(in.EventType), ", "))
	}
	if !in.hasPoint {
		return FieldErrorf("geometry", "missing: send a Point geometry, or a properties.location phrase to geocode")
	}
	if math.IsNaN(in.Lon) || math.IsNaN(in.Lat) || in.Lon < -180 || in.Lon > 180 || in.Lat < -90 || in.Lat > 90 {
		return FieldErrorf("geometry.coordinates", "[%v, %v] is out of range: longitude comes first, -180..180, then latitude, -90..90", in.Lon, in.Lat)
	}
	if in.GeoPrecision == 0 {
		in.GeoPrecision = 1
	}
	if in.GeoPrecision < 1 || in.GeoPrecision > 3 {
		return FieldErrorf("properties.geo_precision", "%d is not an ACLED geo precision: use 1 (town), 2 (near a town or part of a region) or 3 (region or larger)", in.GeoPrecision)
	}
	if in.UncertaintyKM != nil && (math.IsNaN(*in.UncertaintyKM) || *in.UncertaintyKM < 0 || *in.UncertaintyKM > 5000) {
		return FieldErrorf("properties.uncertainty_km", "%v is out of range: 0 to 5000 km", *in.UncertaintyKM)
	}
	if in.Fatalities < 0 {
		return FieldErrorf("properties.fatalities", "cannot be negative")
	}
	if in.FatalitiesLow != nil && (*in.FatalitiesLow < 0 || *in.FatalitiesLow > in.Fatalities) {
		return FieldErrorf("properties.fatalities_low", "%d must be between 0 and fatalities (%d)", *in.FatalitiesLow, in.Fatalities)
	}
	if in.FatalitiesHigh != nil && *in.FatalitiesHigh < in.Fatalities {
		return FieldErrorf("properties.fatalities_high", "%d must be at least fatalities (%d)", *in.FatalitiesHigh, in.Fatalities)
	}
	for _, f := range []struct{ k, v string }{{"actor1", in.Actor1}, {"actor2", in.Actor2}, {"admin1", in.Admin1}, {"admin2", in.Admin2}, {"location", in.Location}, {"source", in.Source}, {"source_url", in.SourceURL}} {
		if err := checkText("properties."+f.k, f.v, maxShortText); err != nil {
			return err
		}
	}
	if err := checkText("properties.notes", in.Notes, maxNotes); err != nil {
		return err
	}
	if in.SourceURL != "" {
		u, err := url.Parse(in.SourceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return FieldErrorf("properties.source_url", "%q is not an http(s) URL", clip(in.SourceURL))
		}
	}
	if len(in.Tags) > maxTags {
		return FieldErrorf("properties.tags", "%d tags; at most %d", len(in.Tags), maxTags)
	}
	for _, t := range in.Tags {
		if err := checkText("properties.tags", t, 100); err != nil {
			return err
		}
	}
	return nil
}

func subEvents(eventType string) []string {
	for _, et := range EventTypes {
		if et.Name == eventType {
			return et.SubEvents
		}
	}
	return nil
}

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return FieldErrorf(field, "is not valid UTF-8")
	}
	if len(s) > max {
		return FieldErrorf(field, "is %d bytes; at most %d", len(s), max)
	}
	if strings.ContainsRune(s, 0) {
		return FieldErrorf(field, "contains a NUL character")
	}
	return nil
}

// clip shortens user input quoted in error messages.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
