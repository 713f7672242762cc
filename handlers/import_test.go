package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// An upload of which nothing can be read is a 400 that says what is wrong,
// not a 200 with "imported": 0.
func TestImportSaysWhatItCannotRead(t *testing.T) {
	ts := newHarness(t, Config{})
	admin := ts.token(t, "admin")
	for _, tt := range []struct {
		name, ctype, body, want string
	}{
		{"GeoJSON cut short", "application/geo+json", "{\"type\": \"FeatureCollection\",\n\"features\": [{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1.8, 13.1]}",
			"malformed GeoJSON: unexpected end of JSON input at line 2, column 90; the document ends early"},
		{"GeoJSON with a stray comma", "application/geo+json", "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [],\n}",
			"malformed GeoJSON: invalid character '}' looking for beginning of object key string at line 4, column 1"},
		{"no feature readable", "application/geo+json", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{}}]}`,
			"none of the 1 records could be imported (first, record 1: empty; write the date as 2023-10-02"},
		{"a broken spreadsheet sent as CSV", "text/csv", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
			"not an Excel workbook (.xlsx)"},
		{"a PDF sent as CSV", "text/csv", "%PDF-1.7\n\x00\x01\x02\x03",
			"not CSV: the input is binary (a PDF)"},
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
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"new":1`) || !strings.Contains(r.Body.String(), `"record":1`) {
		t.Errorf("a half-readable upload: %d %s", r.Code, r.Body)
	}
	// A CSV saved by Excel on Windows is Windows-1252, not UTF-8: read as
	// such, not refused as binary nor stored as mojibake.
	latin1 := "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,location\nNIG9001,2024-01-01,Battles,Armed clash,14.2,1.45,Tillab\xe9ri \x96 march\xe9\n"
	r = ts.do(req("POST", "/api/v1/import", latin1, "Authorization", "Bearer "+admin, "Content-Type", "text/csv"))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"new":1`) {
		t.Fatalf("a Windows-1252 CSV: %d %s", r.Code, r.Body)
	}
	r = ts.do(req("GET", "/api/v1/incidents/NIG9001", ""))
	if !strings.Contains(r.Body.String(), `"location":"Tillabéri – marché"`) {
		t.Errorf("a Windows-1252 CSV stored %s", r.Body)
	}
}

// An upload of GeoJSON cut short after its first chunk (5,000 features) is
// a 400 problem naming the record it breaks in and saying what stays: the
// first chunk, whole, and nothing of the second.
func TestImportGeoJSONCutShort(t *testing.T) {
	ts := newHarness(t, Config{})
	admin := ts.token(t, "admin")
	var sb strings.Builder
	sb.WriteString(`{"features":[`)
	for i := range 5500 {
		fmt.Fprintf(&sb, `{"type":"Feature","id":"CUT%04d","geometry":{"type":"Point","coordinates":[%.3f,13.5]},"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash"}},`+"\n", i+1, 1+float64(i%1000)/1000)
	}
	body := sb.String()[:strings.Index(sb.String(), `"CUT5300"`)+30]
	r := ts.do(req("POST", "/api/v1/import", body, "Authorization", "Bearer "+admin, "Content-Type", "application/geo+json"))
	var p Problem
	json.Unmarshal(r.Body.Bytes(), &p)
	if r.Code != http.StatusBadRequest || r.Header().Get("Content-Type") != MIMEProblem || !strings.Contains(p.Detail, "the document ends early") ||
		!strings.Contains(p.Detail, "record 5300 is where it breaks") || !strings.Contains(p.Detail, "the records before it were imported (new 5000") {
		t.Errorf("%d %s", r.Code, r.Body)
	}
	if n, _ := ts.db.Count(context.Background()); n != 5000 {
		t.Errorf("%d incidents stored, want the first chunk's 5000", n)
	}
}

// A GeoJSON text sequence (RFC 8142, application/geo+json-seq) is read a
// record at a time; a record cut short is rejected, the others imported.
func TestImportGeoJSONSequence(t *testing.T) {
	ts := newHarness(t, Config{})
	admin := ts.token(t, "admin")
	f := `{"type":"Feature","id":"SEQ%d","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash"}}`
	body := "\x1e" + fmt.Sprintf(f, 1) + "\n\x1e" + fmt.Sprintf(f, 2)[:50] + "\n\x1e" + fmt.Sprintf(f, 3) + "\n"
	r := ts.do(req("POST", "/api/v1/import", body, "Authorization", "Bearer "+admin, "Content-Type", "application/geo+json-seq"))
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"new":2`) || !strings.Contains(r.Body.String(), `"rejected":[{"record":2,`) {
		t.Errorf("%d %s", r.Code, r.Body)
	}
}

// An answer of ACLED's API uploaded as it was saved (application/json) is
// ACLED's rows, numbers as strings; uploaded again, it is unchanged.
func TestImportACLEDAPIAnswer(t *testing.T) {
	ts := newHarness(t, Config{})
	admin := ts.token(t, "admin")
	body := `{"status":200,"success":true,"last_update":12,"count":2,"messages":[],"data":[` +
		`{"event_id_cnty":"NIG90201","event_date":"2024-01-01","year":"2024","time_precision":"1","event_type":"Battles","sub_event_type":"Armed clash","country":"Niger","admin1":"Tillaberi","location":"Invented Village","latitude":"13.1000","longitude":"1.8000","geo_precision":"1","fatalities":"4","inter1":"2","timestamp":"1704100000"},` +
		`{"event_id_cnty":"NIG90202","event_date":"2024-01-02","year":"2024","time_precision":"1","event_type":"Battles","sub_event_type":"Armed clash","country":"Niger","admin1":"Tillaberi","location":"Invented Village","latitude":"13.1000","longitude":"1.8000","geo_precision":"1","fatalities":"NA","inter1":"2","timestamp":"1704100000"}` +
		`],"filename":"2024-01-03"}`
	for _, want := range []string{`"new":1`, `"unchanged":1`} {
		r := ts.do(req("POST", "/api/v1/import", body, "Authorization", "Bearer "+admin, "Content-Type", "application/json"))
		if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), want) || !strings.Contains(r.Body.String(), `"shape":"ACLED","container":"JSON"`) ||
			!strings.Contains(r.Body.String(), `{"record":2,"id":"NIG90202","field":"fatalities","reason":"\"NA\" is not a whole number"}`) {
			t.Errorf("want %s: %d %s", want, r.Code, r.Body)
		}
	}
	r := ts.do(req("GET", "/api/v1/incidents/NIG90201", ""))
	if !strings.Contains(r.Body.String(), `"fatalities":4`) || !strings.Contains(r.Body.String(), `"inter1":2`) {
		t.Errorf("stored %s", r.Body)
	}
}
