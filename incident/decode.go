package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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

// DecodeFeature reads one GeoJSON Feature, with an error that says what to
// fix when it is not one.
func DecodeFeature(data []byte) (*Incident, error) {
	var in Incident
	if err := strictObject(data, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// DecodeFeatures reads a GeoJSON FeatureCollection, a single Feature, or a
// GeoJSON text sequence (RFC 8142, or one Feature per line). Records that
// fail to decode are returned as rejections, not errors, so one bad record
// does not hide the rest; their place in the slice is nil, so positions stay
// the record numbers.
func DecodeFeatures(data []byte) ([]*Incident, []Rejected, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(data) == 0 {
		return nil, nil, Errorf(EINVALID, "empty input; want a GeoJSON FeatureCollection or text sequence")
	}
	var head struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	var raws []json.RawMessage
	if data[0] == '{' && json.Unmarshal(data, &head) == nil {
		switch head.Type {
		case "FeatureCollection":
			raws = head.Features
		case "Feature":
			raws = []json.RawMessage{data}
		default:
			return nil, nil, Errorf(EINVALID, "type %q: want a GeoJSON FeatureCollection or Feature", clip(head.Type))
		}
	} else {
		// A text sequence: records separated by RS (0x1E) and/or newlines.
		for _, line := range bytes.FieldsFunc(data, func(r rune) bool { return r == 0x1e || r == '\n' }) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				raws = append(raws, json.RawMessage(line))
			}
		}
		if len(raws) > 0 && raws[0][0] != '{' {
			return nil, nil, Errorf(EINVALID, "not GeoJSON: want a FeatureCollection, or one Feature per line")
		}
	}
	var out []*Incident
	var rej []Rejected
	for i, raw := range raws {
		in, err := DecodeFeature(raw)
		if err != nil {
			rej = append(rej, Rejected{Record: i + 1, Reason: ErrorMessage(err)})
			out = append(out, nil)
			continue
		}
		out = append(out, in)
	}
	return out, rej, nil
}
