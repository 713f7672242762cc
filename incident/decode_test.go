package incident

import (
	"errors"
	"strings"
	"testing"
)

const props = `"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash"`

// A client's body may be a Feature, a Feature that forgot its "type", or the
// properties alone; what is really ambiguous is refused, naming the key.
func TestDecodeIncidentShapes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		id       string
		location string
		point    bool
		field    string // the error's field; "" when it decodes
		says     string // and what its message says
	}{
		{"Feature", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{` + props + `}}`, "", "", true, "", ""},
		{"Feature without type, to geocode", `{"properties":{` + props + `,"location":"Tillia"}}`, "", "Tillia", false, "", ""},
		{"Feature without type, with geometry", `{"id":"f-1","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{` + props + `}}`, "f-1", "", true, "", ""},
		{"Feature without type, geometry null", `{"geometry":null,"properties":{` + props + `,"location":"Tillia"}}`, "", "Tillia", false, "", ""},
		{"properties alone", `{` + props + `,"location":"Tillia"}`, "", "Tillia", false, "", ""},
		{"properties alone, with an id", `{"id":"p-1",` + props + `,"location":"Tillia"}`, "p-1", "Tillia", false, "", ""},
		{"properties both inside and beside", `{"properties":{"location":"Tillia"},` + props + `}`, "", "", false, "event_date", `"event_date", "event_type", "sub_event_type" beside "properties"`},
		{"geometry beside bare properties", `{"geometry":{"type":"Point","coordinates":[1.8,13.1]},` + props + `}`, "", "", false, "event_date", `under "properties"`},
		{"Feature without properties", `{"geometry":{"type":"Point","coordinates":[1.8,13.1]}}`, "", "", false, "properties", "missing"},
		{"another GeoJSON type", `{"type":"Point","coordinates":[1,2]}`, "", "", false, "type", "send a GeoJSON Feature"},
		{"not an object", `[1]`, "", "", false, "", "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeIncident([]byte(tt.body))
			if tt.says != "" {
				var e *Error
				if !errors.As(err, &e) || e.Field != tt.field || !strings.Contains(e.Message, tt.says) {
					t.Fatalf("got %v, want an error on %q saying %q", err, tt.field, tt.says)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.ID != tt.id || in.Location != tt.location || in.HasPoint() != tt.point || in.EventDate != "2024-03-10" {
				t.Errorf("decoded id %q location %q point %v date %q", in.ID, in.Location, in.HasPoint(), in.EventDate)
			}
		})
	}
}

// Every typed member is decoded strictly: a wrong JSON type is refused with
// the field and the type expected, never coerced.
func TestDecodeRefusesWrongTypes(t *testing.T) {
	feature := func(geometry, extra string) string {
		return `{"type":"Feature","geometry":` + geometry + `,"properties":{` + props + extra + `}}`
	}
	point := `{"type":"Point","coordinates":[1.8,13.1]}`
	tests := []struct {
		name  string
		body  string
		field string
		says  string
	}{
		{"fatalities as a string", feature(point, `,"fatalities":"7"`), "properties.fatalities", `expected a whole number, got a string "7"`},
		{"fatalities as a boolean", feature(point, `,"fatalities":true`), "properties.fatalities", `expected a whole number, got a boolean true`},
		{"fatalities fractional", feature(point, `,"fatalities":1.5`), "properties.fatalities", `expected a whole number, got the number 1.5`},
		{"fatalities too large", feature(point, `,"fatalities":1e20`), "properties.fatalities", `below a billion`},
		{"fatalities_low as a string", feature(point, `,"fatalities_low":"2"`), "properties.fatalities_low", `expected a whole number, got a string "2"`},
		{"fatalities_high as an array", feature(point, `,"fatalities_high":[3]`), "properties.fatalities_high", `expected a whole number, got an array`},
		{"time_precision as a string", feature(point, `,"time_precision":"1"`), "properties.time_precision", `expected a whole number, got a string "1"`},
		{"geo_precision as an object", feature(point, `,"geo_precision":{}`), "properties.geo_precision", `expected a whole number, got an object`},
		{"uncertainty_km as a string", feature(point, `,"uncertainty_km":"5"`), "properties.uncertainty_km", `expected a number of km, got a string "5"`},
		{"tags as a string", feature(point, `,"tags":"seed"`), "properties.tags", `expected an array of strings, got a string "seed"`},
		{"a tag as a number", feature(point, `,"tags":["a",1]`), "properties.tags", `item 2: expected a string, got the number 1`},
		{"actor1 as a number", feature(point, `,"actor1":5`), "properties.actor1", `expected a string, got the number 5`},
		{"notes as an object", feature(point, `,"notes":{"a":1}`), "properties.notes", `expected a string, got an object`},
		{"event_date as a number", `{"type":"Feature","geometry":` + point + `,"properties":{"event_date":20240310}}`, "properties.event_date", `expected a string, got the number 20240310`},
		{"created_at as a number", feature(point, `,"created_at":5`), "properties.created_at", `expected a string, got the number 5`},
		{"latitude as a string", feature(`null`, `,"latitude":"13.1","longitude":1.8`), "properties.latitude", `expected a number, got a string "13.1"`},
		{"id as a boolean", `{"type":"Feature","id":true,"geometry":` + point + `,"properties":{` + props + `}}`, "id", `expected a string, got a boolean true`},
		{"geometry as text", feature(`"POINT(1.8 13.1)"`, ``), "geometry", `expected a GeoJSON Point`},
		{"geometry without type", feature(`{"coordinates":[1.8,13.1]}`, ``), "geometry", `without "type"`},
		{"coordinates as strings", feature(`{"type":"Point","coordinates":["1.8","13.1"]}`, ``), "geometry.coordinates", `expected a number for the longitude, got a string "1.8"`},
		{"coordinates not an array", feature(`{"type":"Point","coordinates":"1.8,13.1"}`, ``), "geometry.coordinates", `expected [longitude, latitude], got a string`},
		{"one number", feature(`{"type":"Point","coordinates":[1.8]}`, ``), "geometry.coordinates", `want [longitude, latitude]`},
		{"four numbers", feature(`{"type":"Point","coordinates":[1.8,13.1,250,7]}`, ``), "geometry.coordinates", `4 numbers`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFeature([]byte(tt.body))
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Field != tt.field || !strings.Contains(e.Message, tt.says) {
				t.Fatalf("got %v, want an error on %s saying %q", err, tt.field, tt.says)
			}
		})
	}
}

// RFC 7946 §3.1.1 allows a third number, the altitude: it is accepted and
// dropped (incidents are places on the ground).
func TestDecodeDropsAltitude(t *testing.T) {
	in, err := DecodeFeature([]byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8,13.1,250]},"properties":{` + props + `,"fatalities":7.0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !in.HasPoint() || in.Lon != 1.8 || in.Lat != 13.1 || in.Fatalities != 7 {
		t.Errorf("decoded %v, %v (point %v), fatalities %d", in.Lon, in.Lat, in.HasPoint(), in.Fatalities)
	}
}
