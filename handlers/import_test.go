package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// An upload of which nothing can be read is a 400 that says what is wrong,
// not a 200 with "imported": 0.
func TestImportSaysWhatItCannotRead(t *testing.T) {
	ts := newTestServer(t, Config{})
	admin := ts.token(t, "admin")
	for _, tt := range []struct {
		name, ctype, body, want string
	}{
		{"GeoJSON cut short", "application/geo+json", "{\"type\": \"FeatureCollection\",\n\"features\": [{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1.8, 13.1]}",
			"not valid JSON: unexpected end of JSON input at line 2, column 90; the document ends early"},
		{"GeoJSON with a stray comma", "application/geo+json", "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [],\n}",
			"not valid JSON: invalid character '}' looking for beginning of object key string at line 4, column 1"},
		{"no feature readable", "application/geo+json", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}}]}`,
			"none of the 1 records could be imported (first: record 1:"},
		{"a spreadsheet sent as CSV", "text/csv", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
			"the file is not CSV text (binary data at byte 3)"},
		{"Latin-1 sent as CSV", "text/csv", "event_date,latitude,longitude,location\n2024-01-01,13.1,1.8,Tillab\xe9ri\n",
			"the file is not CSV text (binary data at byte 66)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(req("POST", "/api/v1/import", tt.body, "Authorization", "Bearer "+admin, "Content-Type", tt.ctype))
			var p Problem
			json.Unmarshal(r.Body.Bytes(), &p)
			if r.Code != http.StatusBadRequest || r.Header().Get("Content-Type") != MIMEProblem || !strings.Contains(p.Detail, tt.want) {
				t.Errorf("%d %s\nwant a 400 saying %q", r.Code, r.Body, tt.want)
			}
		})
	}
	// What can be read is imported; the rest is reported.
	some := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}},` +
		`{"type":"Feature","id":"ok-1","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash"}}]}`
	r := ts.do(req("POST", "/api/v1/import", some, "Authorization", "Bearer "+admin, "Content-Type", "application/geo+json"))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"imported":1`) || !strings.Contains(r.Body.String(), `"record":1`) {
		t.Errorf("a half-readable upload: %d %s", r.Code, r.Body)
	}
}
