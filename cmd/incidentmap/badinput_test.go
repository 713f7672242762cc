// End-to-end tests of bad input: each must be a 4xx problem+json that says
// what to fix, never a 500.

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	good := func() map[string]any {
		return feature("b-1", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 1, nil)
	}
	with := func(mut func(f, p map[string]any)) map[string]any {
		f := good()
		mut(f, f["properties"].(map[string]any))
		return f
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"malformed JSON", "POST", "/api/v1/incidents", `{"type":"Feature",`, 400, ""},
		{"not an object", "POST", "/api/v1/incidents", `[1,2]`, 400, ""},
		{"empty body", "POST", "/api/v1/incidents", ``, 400, ""},
		{"longitude out of range", "POST", "/api/v1/incidents", with(func(f, p map[string]any) {
			f["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{200, 13}}
		}), 400, "geometry.coordinates"},
		{"latitude out of range", "POST", "/api/v1/incidents", with(func(f, p map[string]any) {
			f["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{2, -95}}
		}), 400, "geometry.coordinates"},
		{"polygon geometry", "POST", "/api/v1/incidents", with(func(f, p map[string]any) {
			f["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][]float64{}}
		}), 400, "geometry"},
		{"unknown event type", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["event_type"] = "Bombing" }), 400, "properties.event_type"},
		{"sub type of another type", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["sub_event_type"] = "Suicide bomb" }), 400, "properties.sub_event_type"},
		{"bad date", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["event_date"] = "02/10/2023" }), 400, "properties.event_date"},
		{"negative fatalities", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["fatalities"] = -3 }), 400, "properties.fatalities"},
		{"fatalities as text", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["fatalities"] = "many" }), 400, "properties.fatalities"},
		{"low above best", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["fatalities_low"] = 5 }), 400, "properties.fatalities_low"},
		{"geo precision 7", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["geo_precision"] = 7 }), 400, "properties.geo_precision"},
		{"javascript url", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["source_url"] = "javascript:alert(1)" }), 400, "properties.source_url"},
		{"bad id", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { f["id"] = "../etc/passwd" }), 400, "id"},
		{"no geometry nor location", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { f["geometry"] = nil; delete(p, "location") }), 400, "geometry"},
		{"PUT id mismatch", "PUT", "/api/v1/incidents/ner-2023-07-26-niamey-coup", good(), 422, "id"},
		{"PATCH not an object", "PATCH", "/api/v1/incidents/ner-2023-07-26-niamey-coup", `"x"`, 400, ""},
		{"PATCH breaking a rule", "PATCH", "/api/v1/incidents/ner-2023-07-26-niamey-coup", `{"properties":{"event_type":"Nope"}}`, 400, "properties.event_type"},
		{"oversized body", "POST", "/api/v1/incidents", `{"type":"Feature","properties":{"notes":"` + strings.Repeat("x", 2<<20) + `"}}`, 413, ""},
		{"end before start", "GET", "/api/v1/incidents?start=2024-01-02&end=2024-01-01", nil, 400, "end"},
		{"bbox min > max", "GET", "/api/v1/incidents?bbox=3,12,1,14", nil, 400, "bbox"},
		{"bbox three numbers", "GET", "/api/v1/incidents?bbox=1,2,3", nil, 400, "bbox"},
		{"limit 0", "GET", "/api/v1/incidents?limit=0", nil, 400, "limit"},
		{"limit too big", "GET", "/api/v1/incidents?limit=10001", nil, 400, "limit"},
		{"limit not a number", "GET", "/api/v1/incidents?limit=ten", nil, 400, "limit"},
		{"unknown border", "GET", "/api/v1/incidents?border=XYZ", nil, 400, "border"},
		{"not a land border", "GET", "/api/v1/incidents?border=FRA-NER", nil, 400, "border"},
		{"unknown country", "GET", "/api/v1/incidents?country=FR", nil, 400, "country"},
		{"border_km without border", "GET", "/api/v1/incidents?border_km=50", nil, 400, "border_km"},
		{"negative radius", "GET", "/api/v1/incidents?near=2,13&radius_km=-1", nil, 400, "radius_km"},
		{"near out of range", "GET", "/api/v1/incidents?near=200,13", nil, 400, "near"},
		{"unknown region", "GET", "/api/v1/incidents?region=Atlantis", nil, 400, "region"},
		{"unknown event type filter", "GET", "/api/v1/incidents?event_type=Bombing", nil, 400, "event_type"},
		{"bad cursor", "GET", "/api/v1/incidents?cursor=zzz", nil, 400, "cursor"},
		{"unknown parameter", "GET", "/api/v1/incidents?bboxx=1,2,3,4", nil, 400, "bboxx"},
		{"reverse without lat", "GET", "/api/v1/reverse?lon=2", nil, 400, "lat"},
		{"reverse lat out of range", "GET", "/api/v1/reverse?lon=2&lat=99", nil, 400, "lat"},
		{"geocode empty", "GET", "/api/v1/geocode?q=", nil, 400, "q"},
		{"unknown incident", "GET", "/api/v1/incidents/nope", nil, 404, ""},
		{"SQL in q", "GET", "/api/v1/incidents?q=%27%3B%20DROP%20TABLE%20incidents%3B--", nil, 200, ""},
		{"SQL in region", "GET", "/api/v1/incidents?region=%27%20OR%201%3D1--", nil, 400, "region"},
		{"SQL in id", "GET", "/api/v1/incidents/%27%20OR%20%271%27%3D%271", nil, 404, ""},
		{"huge fatalities", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["fatalities"] = 1e20 }), 400, "properties.fatalities"},
		{"fatalities NaN-ish string", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { p["fatalities"] = "NaN" }), 400, "properties.fatalities"},
		{"coordinates as strings", "POST", "/api/v1/incidents", `{"type":"Feature","geometry":{"type":"Point","coordinates":["1","2"]},"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash"}}`, 400, "geometry.coordinates"},
		{"unicode everywhere", "POST", "/api/v1/incidents", with(func(f, p map[string]any) { f["id"] = "ü-1"; p["notes"] = "Tillabéri 🇳🇪 \u202e" }), 400, "id"},
		{"huge bbox numbers", "GET", "/api/v1/incidents?bbox=-1e308,0,1e308,1", nil, 400, "bbox"},
		{"limit overflow", "GET", "/api/v1/incidents?limit=99999999999999999999", nil, 400, "limit"},
		{"unknown endpoint", "GET", "/api/v1/nothing", nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(tt.method, tt.path, tok, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 200 {
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			p := r.json(t)
			if p["status"].(float64) != float64(tt.status) || p["detail"] == "" || p["title"] == "" {
				t.Errorf("problem %v", p)
			}
			if tt.field != "" && p["field"] != tt.field {
				t.Errorf("field %v, want %s (detail %q)", p["field"], tt.field, p["detail"])
			}
		})
	}
	// Tokens: missing, malformed, unknown, wrong role, on every write route.
	viewer := token(t, db, "viewer")
	for _, route := range [][2]string{{"POST", "/api/v1/incidents"}, {"PUT", "/api/v1/incidents/ner-2023-07-26-niamey-coup"}, {"PATCH", "/api/v1/incidents/ner-2023-07-26-niamey-coup"}, {"DELETE", "/api/v1/incidents/ner-2023-07-26-niamey-coup"}, {"POST", "/api/v1/import"}, {"POST", "/api/v1/incidents/ner-2023-07-26-niamey-coup/restore"}} {
		for tok, want := range map[string]int{"": 401, "x": 401, "imt_" + strings.Repeat("A", 43): 401, viewer: 403} {
			r := s.do(route[0], route[1], tok, good())
			if r.status != want || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s with token %.8q: %d, want %d", route[0], route[1], tok, r.status, want)
			}
		}
	}
	// Nothing was stored by any of it.
	if c := s.list(""); c.NumberMatched != 5 {
		t.Errorf("%d incidents after bad input, want the 5 seeded", c.NumberMatched)
	}
	if c := s.get("/api/v1/incidents/ner-2023-07-26-niamey-coup").json(t); c["properties"].(map[string]any)["event_type"] != "Strategic developments" {
		t.Error("a rejected PATCH changed the incident")
	}
}
