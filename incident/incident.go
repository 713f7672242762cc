// Package incident is incidentmap's domain: the Incident (ACLED's field names
// and typology, UCDP-style fatality ranges), its validation, the query Filter,
// the Store interface and the error codes. It depends on nothing but the
// standard library and orb.
package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
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
	// StoredJSON, when set by a store, is the Feature exactly as stored;
	// AppendFeature writes it unchanged (adding distance_km), which spares
	// listings a decode and an encode per incident. Stores set it only when a
	// Filter asks for JSONOnly, and then may leave other fields empty.
	StoredJSON []byte
	// Deleted marks a deletion in a sync listing.
	Deleted bool

	hasPoint bool
	line     int // the CSV line it came from, for import reports
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
	Geocoded string // the matched phrase, when the point came from the location text
}

// Derive sets the derived fields from a Location.
func (in *Incident) Derive(loc Location) {
	in.Country, in.Borders, in.Nearest, in.Zones = loc.Country, loc.Borders, loc.NearestBorder, loc.Zones
	in.SnapKM, in.Mismatch = loc.BoundarySnapKM, loc.CountryMismatch
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
// than 300 km away). border is a key ("MLI-NER"), a neighbour's ISO3 code
// for its border with Niger ("MLI", what border= has always meant), or
// "any" for the nearest border.
func (in *Incident) BorderKM(border string) (float64, bool) {
	if border == "any" {
		if n, ok := in.nearest(); ok {
			return n.DistanceKM, true
		}
		return 0, false
	}
	for _, b := range in.Borders {
		if strings.EqualFold(b.Border, border) || (len(border) == 3 && b.Touches(border) && b.Touches("NER")) {
			return b.DistanceKM, true
		}
	}
	return 0, false
}

// known lists the properties that map to fields; any other property is kept
// in Extra. Derived properties are listed so input copies of them are
// dropped, never trusted.
var known = map[string]bool{
	"id": true, "event_date": true, "time_precision": true, "event_type": true, "sub_event_type": true,
	"actor1": true, "actor2": true, "admin1": true, "admin2": true, "location": true,
	"geo_precision": true, "uncertainty_km": true, "fatalities": true, "fatalities_low": true, "fatalities_high": true,
	"source": true, "source_url": true, "notes": true, "tags": true, "created_at": true, "updated_at": true,
	"latitude": true, "longitude": true,
}

var derivedProps = map[string]bool{
	"country": true, "region_code": true, "region_name": true, "nearest_border": true,
	"nearest_border_km": true, "borders": true, "zones": true, "distance_km": true, "geocoded": true, "deleted": true,
	"boundary_snap_km": true, "country_mismatch": true,
}

// feature is the GeoJSON mirror of an Incident.
type feature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

type pointGeom struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
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
	if in.Geocoded != "" {
		b.WriteString(`,"geocoded":`)
		writeString(b, in.Geocoded)
	}
	if in.DistanceKM != nil {
		b.WriteString(`,"distance_km":`)
		writeFloat(b, math.Round(*in.DistanceKM*1000)/1000)
	}
	for k, v := range in.Extra {
		if known[k] || derivedProps[k] {
			continue
		}
		j, err := json.Marshal(v)
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

// UnmarshalJSON reads a GeoJSON Feature. Geometry may be null when the
// location text is to be geocoded; derived properties in the input are
// ignored.
func (in *Incident) UnmarshalJSON(data []byte) error {
	var f feature
	if err := strictObject(data, &f); err != nil {
		return err
	}
	if f.Type != "Feature" {
		return FieldErrorf("type", "got %q; send a GeoJSON Feature (\"type\":\"Feature\")", f.Type)
	}
	*in = Incident{}
	switch id := f.ID.(type) {
	case nil:
	case string:
		in.ID = id
	case float64:
		in.ID = formatFloat(id)
	default:
		return FieldErrorf("id", "must be a string")
	}
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		var g pointGeom
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			return FieldErrorf("geometry", "not a GeoJSON geometry: %v", jsonReason(err))
		}
		if g.Type != "Point" {
			return FieldErrorf("geometry", "got a %s; incidents are Points (lon, lat in WGS84)", g.Type)
		}
		if len(g.Coordinates) < 2 {
			return FieldErrorf("geometry.coordinates", "want [longitude, latitude]")
		}
		in.Lon, in.Lat = g.Coordinates[0], g.Coordinates[1]
		in.hasPoint = true
	}
	if len(f.Properties) == 0 || string(f.Properties) == "null" {
		return FieldErrorf("properties", "missing; an incident needs at least event_date, event_type and sub_event_type")
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(f.Properties, &props); err != nil {
		return FieldErrorf("properties", "must be a JSON object: %v", jsonReason(err))
	}
	return in.setProperties(props)
}

// HasPoint reports whether the incident has a point: decoded from a geometry
// (or ACLED latitude/longitude), or set with SetPoint.
func (in *Incident) HasPoint() bool { return in.hasPoint }

// SetPoint sets the incident's point.
func (in *Incident) SetPoint(lon, lat float64) { in.Lon, in.Lat, in.hasPoint = lon, lat, true }

func (in *Incident) setProperties(props map[string]json.RawMessage) error {
	str := func(k string, dst *string) error {
		raw, ok := props[k]
		if !ok || string(raw) == "null" {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return FieldErrorf("properties."+k, "must be a string")
		}
		return nil
	}
	num := func(k string, dst *int) error {
		raw, ok := props[k]
		if !ok || string(raw) == "null" {
			return nil
		}
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			// ACLED CSV-derived JSON often has numbers as strings.
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return FieldErrorf("properties."+k, "must be a whole number")
			}
			if _, err := fmt.Sscanf(strings.TrimSpace(s), "%g", &f); err != nil {
				return FieldErrorf("properties."+k, "must be a whole number, got %q", s)
			}
		}
		if f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return FieldErrorf("properties."+k, "must be a whole number below a billion, got %v", f)
		}
		*dst = int(f)
		return nil
	}
	optNum := func(k string, dst **int) error {
		raw, ok := props[k]
		if !ok || string(raw) == "null" {
			return nil
		}
		var v int
		if err := num(k, &v); err != nil {
			return err
		}
		*dst = &v
		return nil
	}
	for _, s := range []struct {
		k string
		p *string
	}{{"event_date", &in.EventDate}, {"event_type", &in.EventType}, {"sub_event_type", &in.SubEventType},
		{"actor1", &in.Actor1}, {"actor2", &in.Actor2}, {"admin1", &in.Admin1}, {"admin2", &in.Admin2},
		{"location", &in.Location}, {"source", &in.Source}, {"source_url", &in.SourceURL}, {"notes", &in.Notes}} {
		if err := str(s.k, s.p); err != nil {
			return err
		}
	}
	for _, n := range []struct {
		k string
		p *int
	}{{"time_precision", &in.TimePrecision}, {"geo_precision", &in.GeoPrecision}, {"fatalities", &in.Fatalities}} {
		if err := num(n.k, n.p); err != nil {
			return err
		}
	}
	if raw, ok := props["uncertainty_km"]; ok && string(raw) != "null" {
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return FieldErrorf("properties.uncertainty_km", "must be a number of km")
		}
		in.UncertaintyKM = &v
	}
	if err := optNum("fatalities_low", &in.FatalitiesLow); err != nil {
		return err
	}
	if err := optNum("fatalities_high", &in.FatalitiesHigh); err != nil {
		return err
	}
	if raw, ok := props["tags"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &in.Tags); err != nil {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return FieldErrorf("properties.tags", "must be an array of strings")
			}
			in.Tags = splitList(s)
		}
	}
	for _, t := range []struct {
		k string
		p *time.Time
	}{{"created_at", &in.CreatedAt}, {"updated_at", &in.UpdatedAt}} {
		var s string
		if err := str(t.k, &s); err != nil {
			return err
		}
		if s != "" {
			v, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return FieldErrorf("properties."+t.k, "must be an RFC 3339 time like 2023-10-03T12:00:00Z, got %q", s)
			}
			*t.p = v
		}
	}
	if !in.hasPoint {
		// ACLED-style latitude/longitude properties stand in for a geometry.
		var lat, lon float64
		rl, okLat := props["latitude"]
		rn, okLon := props["longitude"]
		if okLat && okLon && json.Unmarshal(rl, &lat) == nil && json.Unmarshal(rn, &lon) == nil {
			in.Lon, in.Lat, in.hasPoint = lon, lat, true
		}
	}
	for k, raw := range props {
		if known[k] || derivedProps[k] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return FieldErrorf("properties."+k, "not valid JSON")
		}
		if in.Extra == nil {
			in.Extra = map[string]any{}
		}
		in.Extra[k] = v
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// strictObject decodes a JSON object, with errors that say where it broke.
func strictObject(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return Errorf(EINVALID, "empty body; send a GeoJSON Feature")
	}
	if data[0] != '{' {
		return Errorf(EINVALID, "not a JSON object; send a GeoJSON Feature like {\"type\":\"Feature\",\"geometry\":{...},\"properties\":{...}}")
	}
	// Unmarshal checks the whole text before decoding any of it: malformed
	// JSON is a *json.SyntaxError here, never a half-decoded v. (A json.Valid
	// first was a third pass over every feature of an import.)
	err := json.Unmarshal(data, v)
	var ie *Error
	if err != nil && !errors.As(err, &ie) {
		return Errorf(EINVALID, "malformed JSON: %s", jsonReason(err))
	}
	return err
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s must be a %s, not %s", strings.TrimPrefix(te.Field, "."), te.Type, te.Value)
	}
	return err.Error()
}

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
func (in *Incident) Validate() error {
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
	if in.SubEventType == "" {
		return FieldErrorf("properties.sub_event_type", "required; for %s use one of: %s", in.EventType, strings.Join(subEvents(in.EventType), ", "))
	}
	if t, ok := EventTypeOf(in.SubEventType); !ok || t != in.EventType {
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
