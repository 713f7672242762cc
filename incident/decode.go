package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	"admin1_mismatch": true, "boundary_snap_km": true, "country_mismatch": true, "possible_duplicates": true, "near": true,
}

// IsDerived reports whether a property is one incidentmap derives from the
// point on every write (its exports write them): an input's copy is
// dropped, never trusted.
func IsDerived(property string) bool { return derivedProps[property] }

// feature is the GeoJSON mirror of an Incident.
type feature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// UnmarshalJSON reads a GeoJSON Feature. Geometry may be null when the
// location text is to be geocoded; derived properties in the input are
// ignored.
func (in *Incident) UnmarshalJSON(data []byte) error {
	var f feature
	if err := strictObject(data, &f); err != nil {
		return err
	}
	if err := f.checkType(); err != nil {
		return err
	}
	return in.fromFeature(f)
}

func (in *Incident) fromFeature(f feature) error {
	*in = Incident{}
	p, err := f.parse()
	in.ID, in.Lon, in.Lat, in.hasPoint = p.ID, p.Lon, p.Lat, p.HasPoint
	if err != nil {
		return err
	}
	// properties.id names the incident as the Feature's id does (ACLED-
	// style tables carry the id as a column, and the importer reads it so):
	// either gives it, and both must agree.
	pid, err := parseID("properties.id", p.Properties["id"])
	switch {
	case err != nil:
		return err
	case pid != "" && in.ID != "" && pid != in.ID:
		return IDMismatch("the Feature's id %q and properties.id %q name different incidents; make them the same, or leave one out", clip(in.ID), clip(pid))
	case pid != "":
		in.ID = pid
	}
	return in.setProperties(p.Properties)
}

// A Feature is a GeoJSON Feature as read, before its properties are an
// incident's fields: its id (a number kept as text), its Point, and its
// properties as sent. An importer reads the properties by its source's
// rules (FeatureReader.NextFeature); DecodeFeature reads them as the API
// does, each typed property in its JSON type.
type Feature struct {
	Record     int // 1, 2... in the order read
	ID         string
	Lon, Lat   float64
	HasPoint   bool
	Properties map[string]json.RawMessage
}

// ParseFeature reads one GeoJSON Feature's id and geometry, with an error
// that says what to fix when it is not one, and leaves its properties as
// sent.
func ParseFeature(data []byte) (*Feature, error) {
	var f feature
	if err := strictObject(data, &f); err != nil {
		return nil, err
	}
	if err := f.checkType(); err != nil {
		return nil, err
	}
	return f.parse()
}

func (f feature) checkType() error {
	switch f.Type {
	case "Feature":
		return nil
	case "":
		return FieldErrorf("type", "missing; send a GeoJSON Feature (\"type\":\"Feature\")")
	}
	return FieldErrorf("type", "got %q; send a GeoJSON Feature (\"type\":\"Feature\")", clip(f.Type))
}

// parse reads the id, the geometry and the properties object, in that
// order; what it read before an error is returned with it.
func (f feature) parse() (*Feature, error) {
	p := &Feature{}
	var err error
	if p.ID, err = parseID("id", f.ID); err != nil {
		return p, err
	}
	if present(f.Geometry) {
		lon, lat, err := parsePoint(f.Geometry)
		if err != nil {
			return p, err
		}
		p.Lon, p.Lat, p.HasPoint = lon, lat, true
	}
	if !present(f.Properties) {
		return p, FieldErrorf("properties", "missing; an incident needs at least event_date, event_type and sub_event_type")
	}
	if f.Properties[0] != '{' {
		return p, typeError("properties", "an object", f.Properties)
	}
	json.Unmarshal(f.Properties, &p.Properties) // an object, and the whole text is valid JSON
	return p, nil
}

// parseID reads an id member: a string, or a number kept as text (GeoJSON
// allows numeric ids, RFC 7946 §3.2); "" when absent or null.
func parseID(field string, raw json.RawMessage) (string, error) {
	if !present(raw) {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var id string
		json.Unmarshal(raw, &id)
		return id, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n float64
		if json.Unmarshal(raw, &n) != nil {
			return "", typeError(field, "a string", raw)
		}
		return formatFloat(n), nil
	}
	return "", typeError(field, "a string", raw)
}

// IDMismatch is the error of a write given two ids for one incident: the
// URL's and the body's, or the Feature's id and properties.id. It is 422,
// naming both, never a choice of one: a Feature PUT to the wrong URL would
// otherwise overwrite the URL's incident with another's content.
func IDMismatch(format string, args ...any) *Error {
	return &Error{Code: EUNPROCESSABLE, Field: "id", Message: fmt.Sprintf(format, args...)}
}

// positionNames name a GeoJSON position's numbers (RFC 7946 §3.1.1).
var positionNames = [...]string{"longitude", "latitude", "altitude"}

// parsePoint reads a Point. A third number (altitude, which RFC 7946 allows)
// is accepted and dropped: incidents are places on the ground. Four or more
// are refused rather than truncated, since they are no position at all.
func parsePoint(raw json.RawMessage) (lon, lat float64, err error) {
	if raw[0] != '{' {
		return 0, 0, typeError("geometry", `a GeoJSON Point like {"type":"Point","coordinates":[2.1,13.5]}`, raw)
	}
	var g struct {
		Type        json.RawMessage `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	json.Unmarshal(raw, &g)
	var typ string
	if !present(g.Type) {
		return 0, 0, FieldErrorf("geometry", `a geometry without "type"; send {"type":"Point","coordinates":[longitude, latitude]}`)
	}
	if g.Type[0] != '"' {
		return 0, 0, typeError("geometry", `a GeoJSON Point ("type":"Point")`, g.Type)
	}
	json.Unmarshal(g.Type, &typ)
	if typ != "Point" {
		return 0, 0, FieldErrorf("geometry", "got a %s; incidents are Points (lon, lat in WGS84)", clip(typ))
	}
	if !present(g.Coordinates) || g.Coordinates[0] != '[' {
		return 0, 0, typeError("geometry.coordinates", "[longitude, latitude]", g.Coordinates)
	}
	var cs []json.RawMessage
	json.Unmarshal(g.Coordinates, &cs)
	if len(cs) < 2 {
		return 0, 0, FieldErrorf("geometry.coordinates", "want [longitude, latitude], got %d number(s)", len(cs))
	}
	if len(cs) > len(positionNames) {
		return 0, 0, FieldErrorf("geometry.coordinates", "%d numbers; a position is [longitude, latitude] or [longitude, latitude, altitude] (RFC 7946 §3.1.1)", len(cs))
	}
	var v [len(positionNames)]float64
	for i, c := range cs {
		if !isNumber(c) || json.Unmarshal(c, &v[i]) != nil {
			return 0, 0, FieldErrorf("geometry.coordinates", "expected a number for the %s, got %s", positionNames[i], describeJSON(c))
		}
	}
	return v[0], v[1], nil
}

// setProperties reads the properties object. Each typed property takes one
// JSON type: a string where a number belongs is refused, never coerced, so
// a client learns its mistake instead of storing a guess.
func (in *Incident) setProperties(props map[string]json.RawMessage) error {
	str := func(k string, dst *string) error {
		raw, ok := props[k]
		if !ok || !present(raw) {
			return nil
		}
		if raw[0] != '"' {
			return typeError("properties."+k, "a string", raw)
		}
		return json.Unmarshal(raw, dst)
	}
	num := func(k string, dst **float64, want string) error {
		raw, ok := props[k]
		if !ok || !present(raw) {
			return nil
		}
		var f float64
		if !isNumber(raw) {
			return typeError("properties."+k, want, raw)
		}
		if json.Unmarshal(raw, &f) != nil {
			return FieldErrorf("properties."+k, "%s is too large", clip(string(raw)))
		}
		*dst = &f
		return nil
	}
	whole := func(k string, dst **int) error {
		var f *float64
		if err := num(k, &f, "a whole number"); err != nil || f == nil {
			return err
		}
		if *f != math.Trunc(*f) {
			return typeError("properties."+k, "a whole number", props[k])
		}
		if math.Abs(*f) > 1e9 {
			return FieldErrorf("properties."+k, "must be a whole number below a billion, got %v", *f)
		}
		v := int(*f)
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
		var v *int
		if err := whole(n.k, &v); err != nil {
			return err
		}
		if v != nil {
			*n.p = *v
		}
	}
	if err := whole("fatalities_low", &in.FatalitiesLow); err != nil {
		return err
	}
	if err := whole("fatalities_high", &in.FatalitiesHigh); err != nil {
		return err
	}
	if err := num("uncertainty_km", &in.UncertaintyKM, "a number of km"); err != nil {
		return err
	}
	if err := in.setTags(props["tags"]); err != nil {
		return err
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
				return FieldErrorf("properties."+t.k, "must be an RFC 3339 time like 2023-10-03T12:00:00Z, got %q", clip(s))
			}
			*t.p = v
		}
	}
	// ACLED-style latitude/longitude properties stand in for a geometry.
	var lat, lon *float64
	if err := num("latitude", &lat, "a number"); err != nil {
		return err
	}
	if err := num("longitude", &lon, "a number"); err != nil {
		return err
	}
	if !in.hasPoint && lat != nil && lon != nil {
		in.Lon, in.Lat, in.hasPoint = *lon, *lat, true
	}
	// The country a report names is a hint, not the derived country.
	if raw, ok := props["country"]; ok && len(raw) > 0 && raw[0] == '"' {
		json.Unmarshal(raw, &in.ReportedCountry)
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

func (in *Incident) setTags(raw json.RawMessage) error {
	if !present(raw) {
		return nil
	}
	if raw[0] != '[' {
		return typeError("properties.tags", "an array of strings", raw)
	}
	var items []json.RawMessage
	json.Unmarshal(raw, &items)
	in.Tags = make([]string, len(items))
	for i, it := range items {
		if it[0] != '"' {
			return FieldErrorf("properties.tags", "item %d: expected a string, got %s", i+1, describeJSON(it))
		}
		json.Unmarshal(it, &in.Tags[i])
	}
	return nil
}

// present reports whether a member was sent with a value other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// typeError says a member has the wrong JSON type: which type it needs, and
// what was sent.
func typeError(field, want string, raw json.RawMessage) *Error {
	return FieldErrorf(field, "expected %s, got %s", want, describeJSON(raw))
}

// describeJSON names a JSON value's type, quoting short values, for errors.
func describeJSON(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		var s string
		json.Unmarshal(raw, &s)
		return fmt.Sprintf("a string %q", clip(s))
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean " + string(raw)
	case 'n':
		return "null"
	}
	return "the number " + clip(string(raw))
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

// DecodeFeature reads one GeoJSON Feature, with an error that says what to
// fix when it is not one.
func DecodeFeature(data []byte) (*Incident, error) {
	var in Incident
	if err := strictObject(data, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// DecodeIncident reads one incident as a client sends it: a GeoJSON Feature;
// a Feature that left out "type" (an object with "properties" or
// "geometry"); or the properties alone, perhaps with an "id". Without a
// geometry, properties.location is geocoded when the incident is prepared.
// Properties both inside "properties" and beside it are refused, naming them.
func DecodeIncident(data []byte) (*Incident, error) {
	var top map[string]json.RawMessage
	if err := strictObject(data, &top); err != nil {
		return nil, err
	}
	if _, ok := top["type"]; ok {
		return DecodeFeature(data)
	}
	container := ""
	for _, k := range []string{"properties", "geometry"} {
		if _, ok := top[k]; ok && container == "" {
			container = k
		}
	}
	in := &Incident{}
	if container == "" {
		return in, in.fromFeature(feature{Type: "Feature", ID: top["id"], Properties: data})
	}
	var beside []string
	for k := range top {
		if k != "id" && (known[k] || derivedProps[k]) {
			beside = append(beside, k)
		}
	}
	if len(beside) > 0 {
		slices.Sort(beside)
		return nil, FieldErrorf(beside[0], "%s beside %q: a Feature keeps its properties under \"properties\"; move them there, or send the properties alone (without \"properties\" and \"geometry\")", quoteList(beside), container)
	}
	return in, in.fromFeature(feature{Type: "Feature", ID: top["id"], Geometry: top["geometry"], Properties: top["properties"]})
}

// quoteList writes names as "a", "b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// DecodeFeatures reads a GeoJSON FeatureCollection, a single Feature, or a
// GeoJSON text sequence held whole, as a FeatureReader reads it from a
// stream. Records that fail to decode are returned as rejections, not
// errors, so one bad record does not hide the rest; each incident's Line is
// its record number. Malformed JSON that is not a text sequence (a
// FeatureCollection broken part-way) is an error saying where it broke.
func DecodeFeatures(data []byte) ([]*Incident, []Rejected, error) {
	fr := NewFeatureReader(bytes.NewReader(data))
	var out []*Incident
	var rej []Rejected
	for {
		in, r, err := fr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return out, rej, nil
		case err != nil:
			return nil, nil, err
		case r != nil:
			rej = append(rej, *r)
		default:
			out = append(out, in)
		}
	}
}
