package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// A write's id comes from the URL (PUT), the Feature's "id" or
// properties.id; ids that disagree are refused naming both, where they
// were silently dropped: a PUT of a Feature to the wrong URL overwrote
// the URL's incident, and a POST's properties.id was replaced by a made-up
// id.
func TestWriteIDs(t *testing.T) {
	ts := newHarness(t, Config{Store: memstore.New()})
	editor := ts.token(t, incident.RoleEditor)
	send := func(method, path, body string) *httptest.ResponseRecorder {
		return ts.do(req(method, path, body, "Content-Type", MIMEGeoJSON, "Authorization", "Bearer "+editor))
	}
	feature := func(id, propID string) string {
		b := `{"type":"Feature",`
		if id != "" {
			b += `"id":` + id + `,`
		}
		b += `"geometry":` + point("1.8", "13.1") + `,"properties":{` + battle
		if propID != "" {
			b += `,"id":` + propID
		}
		return b + `,"fatalities":3}}`
	}
	// POST: the Feature's id or properties.id is the new incident's id.
	for _, tt := range []struct{ name, body, id string }{
		{"the Feature's id", feature(`"a-1"`, ""), "a-1"},
		{"properties.id", feature("", `"a-2"`), "a-2"},
		{"both, agreeing", feature(`"a-3"`, `"a-3"`), "a-3"},
		{"a number", feature("", `7`), "7"},
		{"the properties alone", `{` + battle + `,"id":"a-4","location":"Tillia"}`, "a-4"},
	} {
		r := send("POST", "/api/v1/incidents", tt.body)
		if r.Code != http.StatusCreated || !strings.HasSuffix(r.Header().Get("Location"), "/api/v1/incidents/"+tt.id) {
			t.Errorf("POST with %s: %d at %q %s, want 201 at …/%s", tt.name, r.Code, r.Header().Get("Location"), r.Body, tt.id)
		}
	}
	wantProblem(t, send("POST", "/api/v1/incidents", feature(`"a-5"`, `"a-6"`)), 422, "id", `"a-5"`)
	wantProblem(t, send("POST", "/api/v1/incidents", feature(`"a-5"`, `"a-6"`)), 422, "id", `"a-6"`)
	wantProblem(t, send("POST", "/api/v1/incidents", feature("", `"a-2"`)), 409, "id", `"a-2" exists`)
	wantProblem(t, send("POST", "/api/v1/incidents", feature("", `["a-7"]`)), 400, "properties.id", "expected a string")
	// PUT: any id the body gives must be the URL's.
	for _, body := range []string{feature(`"a-2"`, ""), feature("", `"a-2"`), feature(`"a-2"`, `"a-2"`), `{` + battle + `,"id":"a-2","location":"Tillia"}`} {
		r := send("PUT", "/api/v1/incidents/a-1", body)
		wantProblem(t, r, 422, "id", `"a-2"`)
		wantProblem(t, r, 422, "id", `the URL's id "a-1"`)
	}
	for _, body := range []string{feature(`"a-1"`, ""), feature("", `"a-1"`), feature(`"a-1"`, `"a-1"`), feature("", "")} {
		if r := send("PUT", "/api/v1/incidents/a-1", strings.Replace(body, `"fatalities":3`, `"fatalities":4`, 1)); r.Code != http.StatusOK {
			t.Errorf("PUT %s: %d %s", body, r.Code, r.Body)
		}
	}
	if r := send("GET", "/api/v1/incidents/a-2", ""); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), `"fatalities":3`) {
		t.Errorf("a-2 after the refused PUTs: %d %s", r.Code, r.Body)
	}
}
