package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// contractDrafts stores a report with two drafts of known ids, for the
// contract's review cases.
func contractDrafts(t testing.TB, db *sqlite.DB) {
	t.Helper()
	now := time.Now().UTC()
	draft := func(id string) *incident.Draft {
		in := &incident.Incident{EventDate: "2023-09-28", TimePrecision: 1, EventType: "Battles", SubEventType: "Armed clash",
			Location: "near Torodi", GeoPrecision: 2, Fatalities: 12, Source: "Wire"}
		in.SetPoint(1.799, 13.119)
		return &incident.Draft{ID: id, ReportID: "rep-contract", Status: incident.DraftOpen, Incident: in,
			Evidence: map[string][]incident.Span{"fatalities": {{0, 21}}}, CreatedAt: now, UpdatedAt: now}
	}
	rep := &incident.Report{ID: "rep-contract", Text: "Twelve soldiers were killed on Thursday near Torodi.", Lang: "en",
		Published: "2023-10-03", Source: "Wire", Context: []incident.ContextSpan{}, CreatedAt: now}
	if err := db.CreateReport(context.Background(), rep, []*incident.Draft{draft("drf-contract-1"), draft("drf-contract-2")}); err != nil {
		t.Fatal(err)
	}
}

// The seed report end to end: extracted into drafts that no public read
// shows, then accepted by an editor into incidents on the listing, with
// the history saying who accepted which draft of which report.
func TestSeedReportToIncidents(t *testing.T) {
	raw, err := os.ReadFile("../../shared/seed-article.txt")
	if err != nil {
		t.Fatalf("the seed report is read from ../shared/seed-article.txt beside the repository: %v", err)
	}
	ts := newHarness(t, Config{})
	editor := "Bearer " + ts.token(t, incident.RoleEditor)
	body, _ := json.Marshal(map[string]string{"text": string(raw), "published": "2023-10-03", "source": "Seed report", "source_url": "https://example.org/report"})
	rec := ts.do(req("POST", "/api/v1/extract", string(body), "Authorization", editor, "Content-Type", "application/json"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("extract: %d %s", rec.Code, rec.Body)
	}
	var ex struct {
		ReportID string `json:"report_id"`
		Drafts   []struct {
			ID       string `json:"id"`
			Incident struct {
				Properties map[string]any `json:"properties"`
			} `json:"incident"`
		} `json:"drafts"`
	}
	json.Unmarshal(rec.Body.Bytes(), &ex)
	if len(ex.Drafts) != 4 || ex.ReportID == "" {
		t.Fatalf("%d drafts of report %q, want 4", len(ex.Drafts), ex.ReportID)
	}
	// Drafts are in no public read.
	for _, path := range []string{"/api/v1/incidents", "/api/v1/incidents?f=csv", "/api/v1/stats", "/api/v1/aggregate?zoom=6", "/ogc/collections/incidents/items", "/tiles/incidents/4/8/7.mvt"} {
		rec := ts.do(req("GET", path, ""))
		if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		for _, w := range []string{"Tahoua", "2023-10-02", "Suicide bomb"} {
			if strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s shows a draft (%q)", path, w)
			}
		}
	}
	if rec := ts.do(req("GET", "/api/v1/drafts", "")); rec.Code != http.StatusUnauthorized {
		t.Errorf("drafts without a token: %d", rec.Code)
	}
	rec = ts.do(req("GET", "/api/v1/drafts", "", "Authorization", editor))
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"status":"draft"`) != 4 {
		t.Fatalf("drafts: %d %s", rec.Code, rec.Body)
	}
	for _, d := range ex.Drafts {
		rec := ts.do(req("POST", "/api/v1/drafts/"+d.ID+"/accept", "", "Authorization", editor))
		if rec.Code != http.StatusCreated {
			t.Fatalf("accept %s: %d %s", d.ID, rec.Code, rec.Body)
		}
	}
	rec = ts.do(req("GET", "/api/v1/incidents?start=2023-10-02&end=2023-10-02", ""))
	var fc struct {
		Features []struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	json.Unmarshal(rec.Body.Bytes(), &fc)
	if len(fc.Features) != 1 {
		t.Fatalf("2 October: %d incidents: %s", len(fc.Features), rec.Body)
	}
	p := fc.Features[0].Properties
	if p["sub_event_type"] != "Suicide bomb" || p["region_name"] != "Tahoua" || p["fatalities_low"] != 29.0 || p["source"] != "Seed report" {
		t.Errorf("the 2 October incident: %v", p)
	}
	rec = ts.do(req("GET", "/api/v1/incidents/"+fc.Features[0].ID+"/history", ""))
	if !strings.Contains(rec.Body.String(), "accepted from draft drf-") || !strings.Contains(rec.Body.String(), "of report "+ex.ReportID) || !strings.Contains(rec.Body.String(), `"actor":"editor"`) {
		t.Errorf("history: %s", rec.Body)
	}
	rec = ts.do(req("GET", "/api/v1/stats", ""))
	if !strings.Contains(rec.Body.String(), `"total":{"key":"total","incidents":4`) {
		t.Errorf("stats after accepting: %s", rec.Body)
	}
}

// Bad reports get a clear answer and store nothing.
func TestExtractBadInput(t *testing.T) {
	ts := newHarness(t, Config{})
	editor := "Bearer " + ts.token(t, incident.RoleEditor)
	today := time.Now().UTC().Format(incident.DateLayout)
	future := time.Now().UTC().AddDate(0, 0, 2).Format(incident.DateLayout)
	for _, tt := range []struct {
		name, query, ctype, body string
		status                   int
		says                     string
	}{
		{"empty", "?published=" + today, "text/plain", "", 400, `"field":"text"`},
		{"blank", "?published=" + today, "text/plain", " \n\t ", 400, `"field":"text"`},
		{"10 MB", "?published=" + today, "text/plain", strings.Repeat("Twelve soldiers were killed. ", 360000), 413, "200,000 bytes"},
		{"binary", "?published=" + today, "application/octet-stream", "\x00\x01\x02", 400, "Content-Type"},
		{"binary as text", "?published=" + today, "text/plain", "PK\x03\x04\x00\x00\xff\xfe", 400, "not text"},
		{"no date", "", "text/plain", "Twelve soldiers were killed on Monday near Torodi.", 400, `"field":"published"`},
		{"bad date", "?published=03/10/2023", "text/plain", "Twelve soldiers were killed on Monday near Torodi.", 400, "YYYY-MM-DD"},
		{"future", "?published=" + future, "text/plain", "Twelve soldiers were killed on Monday near Torodi.", 400, "after today"},
		{"language", "?published=" + today + "&lang=de", "text/plain", "Zwölf Soldaten wurden getötet.", 400, "lang"},
		{"unknown member", "", "application/json", `{"text":"x","published":"2023-10-03","when":"now"}`, 400, "when"},
		{"no incident", "?published=" + today, "text/plain", "The ministers of the three countries met in Niamey and signed an agreement.", 200, "nothing was stored"},
	} {
		rec := ts.do(req("POST", "/api/v1/extract"+tt.query, tt.body, "Authorization", editor, "Content-Type", tt.ctype))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.says) {
			t.Errorf("%s: %d %.300s; want %d saying %q", tt.name, rec.Code, rec.Body, tt.status, tt.says)
		}
	}
	ds, _ := ts.db.Drafts(context.Background(), "", 10)
	if len(ds) != 0 {
		t.Errorf("%d drafts stored", len(ds))
	}
}

// The same attack from two sources, a day and 20 km apart, is flagged; an
// attack in the same town a week later is not. Merging keeps one incident
// with both sources, and the other's history points to it.
func TestDuplicatesAndMerge(t *testing.T) {
	ts := newHarness(t, Config{})
	editor := "Bearer " + ts.token(t, incident.RoleEditor)
	post := func(id, date string, lat float64, source string) {
		t.Helper()
		body := `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[1.7987,` + strconv.FormatFloat(lat, 'f', -1, 64) + `]},
			"properties":{"event_date":"` + date + `","sub_event_type":"Armed clash","fatalities":7,"location":"Torodi","source":"` + source + `","tags":["` + source + `"]}}`
		if rec := ts.do(req("POST", "/api/v1/incidents", body, "Authorization", editor, "Content-Type", ctGeo)); rec.Code != http.StatusCreated {
			t.Fatalf("%s: %d %s", id, rec.Code, rec.Body)
		}
	}
	post("a", "2024-03-10", 13.1192, "Local radio")
	post("b", "2024-03-11", 13.3, "Wire")      // 20 km north, a day later
	post("c", "2024-03-17", 13.1192, "Police") // the same town, a week later
	rec := ts.do(req("GET", "/api/v1/incidents/a/duplicates", ""))
	var got struct {
		Duplicates []incident.Duplicate `json:"possible_duplicates"`
	}
	json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != http.StatusOK || len(got.Duplicates) != 1 || got.Duplicates[0].ID != "b" {
		t.Fatalf("duplicates of a: %d %s", rec.Code, rec.Body)
	}
	rec = ts.do(req("POST", "/api/v1/incidents/a/merge", `{"with":"b"}`, "Authorization", editor, "Content-Type", ctJSON))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"source":"Local radio; Wire"`) || !strings.Contains(rec.Body.String(), `"tags":["Local radio","Wire"]`) {
		t.Fatalf("merge: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(req("GET", "/api/v1/incidents/b", "")); rec.Code != http.StatusNotFound {
		t.Errorf("the merged-away incident: %d", rec.Code)
	}
	rec = ts.do(req("GET", "/api/v1/incidents/b/history", ""))
	if !strings.Contains(rec.Body.String(), `"note":"merge: b merged into a"`) {
		t.Errorf("history of b: %s", rec.Body)
	}
	rec = ts.do(req("GET", "/api/v1/incidents/a/history", ""))
	if !strings.Contains(rec.Body.String(), `"note":"merge: b merged into a"`) {
		t.Errorf("history of a: %s", rec.Body)
	}
}

// The same attack pasted from two sources before either is accepted: each
// report's draft names the other's as a possible duplicate (the older one
// too, so whoever opens it first sees both); an attack in the same town a
// week later names neither.
func TestDraftsOfTwoReportsOfOneAttack(t *testing.T) {
	ts := newHarness(t, Config{})
	editor := "Bearer " + ts.token(t, incident.RoleEditor)
	extract := func(text, published, source string) string {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"text": text, "published": published, "source": source})
		rec := ts.do(req("POST", "/api/v1/extract", string(body), "Authorization", editor, "Content-Type", "application/json"))
		var ex struct {
			Drafts []struct {
				ID       string `json:"id"`
				Incident struct {
					Geometry any `json:"geometry"`
				} `json:"incident"`
			} `json:"drafts"`
		}
		json.Unmarshal(rec.Body.Bytes(), &ex)
		if rec.Code != http.StatusCreated || len(ex.Drafts) != 1 || ex.Drafts[0].Incident.Geometry == nil {
			t.Fatalf("extract %q: %d %s", source, rec.Code, rec.Body)
		}
		return ex.Drafts[0].ID
	}
	dupsOf := func(id string) map[string]string {
		t.Helper()
		rec := ts.do(req("GET", "/api/v1/drafts/"+id, "", "Authorization", editor))
		var d struct {
			Duplicates []incident.Duplicate `json:"possible_duplicates"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("draft %s: %d %s", id, rec.Code, rec.Body)
		}
		out := map[string]string{}
		for _, x := range d.Duplicates {
			out[x.ID] = x.Kind
		}
		return out
	}
	wire := extract("Gunmen on motorcycles killed twelve soldiers near Torodi on Thursday, the defence ministry said.", "2024-03-08", "Wire")
	radio := extract("Douze soldats ont été tués jeudi près de Torodi lors d'une attaque de djihadistes à moto.", "2024-03-08", "Radio")
	later := extract("Gunmen killed five civilians near Torodi on Thursday, residents said.", "2024-03-15", "Local")
	if got := dupsOf(radio); got[wire] != "draft" || len(got) != 1 {
		t.Errorf("the second report's draft names %v; want the first's (%s) as a draft", got, wire)
	}
	if got := dupsOf(wire); got[radio] != "draft" || len(got) != 1 {
		t.Errorf("the first report's draft names %v; want the second's (%s) as a draft", got, radio)
	}
	if got := dupsOf(later); len(got) != 0 {
		t.Errorf("an attack a week later in the same town is named a duplicate of %v", got)
	}
}
