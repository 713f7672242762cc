package handlers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

func awkward() *incident.Incident {
	ne := "NER"
	in := &incident.Incident{ID: "a-1", EventDate: "2023-08-15", TimePrecision: 1, EventType: "Battles", SubEventType: "Armed clash",
		Actor1: "=HYPERLINK(\"http://x\")", Actor2: "-2+3", Location: "Tillabéri, \"centre\"", Admin1: "Tillabéri", GeoPrecision: 1,
		Notes: "a, b; c\nline <b>two</b> & ]]> done", Fatalities: 17, Tags: []string{"x", "y"}, Lon: 1.45418, Lat: 14.20711,
		CreatedAt: time.Date(2023, 10, 3, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2023, 10, 3, 0, 0, 0, 0, time.UTC)}
	in.Country = &ne
	in.Region = &incident.Region{Code: "NE-6", Name: "Tillabéri"}
	in.Borders = []incident.BorderDistance{{Border: "BFA-NER", Countries: [2]string{"BFA", "NER"}, DistanceKM: 88.1}}
	in.Zones = []string{}
	return in
}

func encode(t *testing.T, f string, ins ...*incident.Incident) []byte {
	t.Helper()
	ft, ok := formatByName(f)
	if !ok {
		t.Fatalf("no format %s", f)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	e := ft.enc(w)
	if err := e.begin(); err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if err := e.write(in); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.end(len(ins)); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return b.Bytes()
}

func TestCSVEscapingAndColumns(t *testing.T) {
	out := encode(t, "csv", awkward())
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	if strings.Join(rows[0][:len(ACLEDColumns)], ",") != strings.Join(ACLEDColumns, ",") {
		t.Errorf("header is not ACLED's order: %v", rows[0])
	}
	checks := map[string]string{
		"event_id_cnty": "a-1", "latitude": "14.20711", "longitude": "1.45418", "location": `Tillabéri, "centre"`,
		"notes": "a, b; c\nline <b>two</b> & ]]> done", "actor1": `'=HYPERLINK("http://x")`, "actor2": "'-2+3",
		"country": "Niger", "iso": "562", "year": "2023", "tags": "x; y", "region_code": "NE-6", "fatalities": "17",
	}
	for k, want := range checks {
		if col[k] != want {
			t.Errorf("%s = %q, want %q", k, col[k], want)
		}
	}
	if empty := encode(t, "csv"); strings.Count(string(empty), "\n") != 1 {
		t.Errorf("empty CSV should be the header alone: %q", empty)
	}
}

func TestKMLIsWellFormedAndEscaped(t *testing.T) {
	for _, ins := range [][]*incident.Incident{{awkward()}, nil} {
		out := encode(t, "kml", ins...)
		d := xml.NewDecoder(bytes.NewReader(out))
		var texts []string
		for {
			tok, err := d.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("KML is not well-formed XML: %v\n%s", err, out)
				}
				break
			}
			if cd, ok := tok.(xml.CharData); ok {
				texts = append(texts, string(cd))
			}
		}
		all := strings.Join(texts, "")
		if len(ins) > 0 && (!strings.Contains(all, "line <b>two</b> & ]]> done") || !strings.Contains(all, "Tillabéri")) {
			t.Errorf("KML lost text:\n%s", out)
		}
		if len(ins) > 0 && strings.Contains(all, "<td>line <b>") {
			t.Error("notes are live HTML in the KML description")
		}
	}
}

func TestGeoJSONSeqAndGeoJSON(t *testing.T) {
	seq := encode(t, "geojsonseq", awkward(), awkward())
	recs := bytes.Split(bytes.Trim(seq, "\x1e\n"), []byte("\n\x1e"))
	if len(recs) != 2 || seq[0] != 0x1e {
		t.Fatalf("want 2 RS-separated records: %q", seq)
	}
	for _, r := range recs {
		if !json.Valid(r) {
			t.Errorf("record is not JSON: %s", r)
		}
	}
	var fc struct {
		Features       []json.RawMessage
		NumberReturned int
	}
	if err := json.Unmarshal(encode(t, "geojson"), &fc); err != nil || len(fc.Features) != 0 || fc.NumberReturned != 0 {
		t.Errorf("empty GeoJSON: %v %+v", err, fc)
	}
}
