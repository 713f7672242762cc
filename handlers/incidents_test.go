package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// testServer is the server on a fresh SQLite store in a temporary directory,
// with the real geography, and an editor's and an admin's token.
type testServer struct {
	t             *testing.T
	srv           *Server
	db            *sqlite.DB
	editor, admin string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	h := newHarness(t, Config{})
	ts := &testServer{t: t, db: h.db, srv: h.Server}
	ts.editor, ts.admin = ts.token(incident.RoleEditor), ts.token(incident.RoleAdmin)
	return ts
}

// token stores a new token with role and returns its secret.
func (ts *testServer) token(role string) string {
	ts.t.Helper()
	secret, tok, err := incident.NewToken("test-"+role, role, time.Now(), 0)
	if err == nil {
		err = ts.db.CreateToken(context.Background(), tok)
	}
	if err != nil {
		ts.t.Fatal(err)
	}
	return secret
}

func (ts *testServer) do(method, path, token, body string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", MIMEGeoJSON)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, req)
	return rec
}

// create POSTs a feature and returns it as stored.
func (ts *testServer) create(body string) map[string]any {
	ts.t.Helper()
	rec := ts.do("POST", "/api/v1/incidents", ts.editor, body)
	if rec.Code != http.StatusCreated {
		ts.t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	return decodeBody(ts.t, rec)
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, rec.Body)
	}
	return v
}

// wantProblem checks rec is an RFC 7807 problem with status, naming field,
// whose detail says says.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, field, says string) {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != MIMEProblem {
		t.Fatalf("got %d %s %s, want a %d problem", rec.Code, rec.Header().Get("Content-Type"), rec.Body, status)
	}
	p := decodeBody(t, rec)
	if p["field"] != field && !(field == "" && p["field"] == nil) || !strings.Contains(p["detail"].(string), says) {
		t.Errorf("problem on %v saying %q, want one on %q saying %q", p["field"], p["detail"], field, says)
	}
}

func props(f map[string]any) map[string]any { return f["properties"].(map[string]any) }

func coordinates(f map[string]any) []any {
	return f["geometry"].(map[string]any)["coordinates"].([]any)
}

const battle = `"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash"`

func point(lon, lat string) string { return `{"type":"Point","coordinates":[` + lon + `,` + lat + `]}` }

// A Feature without "type" is still a Feature: its location is geocoded.
// (It was taken for a bare properties object, and refused for want of the
// properties.location it had.)
func TestCreateFeatureWithoutType(t *testing.T) {
	ts := newTestServer(t)
	f := ts.create(`{"properties":{` + battle + `,"location":"Tillia"}}`)
	if p := props(f); p["location"] != "Tillia" || p["geocoded"] != "Tillia" || p["region_code"] != "NE-5" {
		t.Errorf("geocoded %v", p)
	}
	if c := coordinates(f); c[0].(float64) < 4.7 || c[0].(float64) > 4.9 {
		t.Errorf("placed at %v, not Tillia", c)
	}
	rec := ts.do("POST", "/api/v1/incidents", ts.editor, `{"properties":{"location":"Tillia"},`+battle+`}`)
	wantProblem(t, rec, 400, "event_date", `beside "properties"`)
}

// Wrong JSON types are refused with the field and the type expected; they
// were coerced ("7" became 7, "seed" a list) or truncated (4 numbers).
func TestCreateRefusesWrongTypes(t *testing.T) {
	ts := newTestServer(t)
	feature := func(geometry, extra string) string {
		return `{"type":"Feature","geometry":` + geometry + `,"properties":{` + battle + extra + `}}`
	}
	for _, tt := range []struct{ body, field, says string }{
		{feature(point("1.8", "13.1"), `,"fatalities":"7"`), "properties.fatalities", `expected a whole number, got a string "7"`},
		{feature(point("1.8", "13.1"), `,"tags":"seed"`), "properties.tags", `expected an array of strings, got a string "seed"`},
		{feature(point("1.8", "13.1"), `,"source":42`), "properties.source", `expected a string, got the number 42`},
		{feature(`{"type":"Point","coordinates":[1.8,13.1,250,7]}`, ``), "geometry.coordinates", `4 numbers`},
	} {
		wantProblem(t, ts.do("POST", "/api/v1/incidents", ts.editor, tt.body), 400, tt.field, tt.says)
	}
	// An altitude is accepted and dropped.
	f := ts.create(feature(`{"type":"Point","coordinates":[1.8,13.1,250]}`, ``))
	if c := coordinates(f); len(c) != 2 || c[0] != 1.8 || c[1] != 13.1 {
		t.Errorf("coordinates %v, want [1.8, 13.1]", c)
	}
}

// A point in no country the geography knows is refused by a single POST as
// by an import (a POST stored it with country and region null).
func TestPointOutsideEveryCountryIsRefused(t *testing.T) {
	ts := newTestServer(t)
	atSea := `{"type":"Feature","id":"sea-1","geometry":` + point("-30", "30") + `,"properties":{` + battle + `}}`
	wantProblem(t, ts.do("POST", "/api/v1/incidents", ts.editor, atSea), 422, "geometry", "is in no country the reference geography knows")

	rec := ts.do("POST", "/api/v1/import", ts.admin, `{"type":"FeatureCollection","features":[`+atSea+`]}`)
	if rec.Code != 400 {
		t.Fatalf("import: %d %s, want 400 (nothing could be imported)", rec.Code, rec.Body)
	}
	var res Problem
	json.Unmarshal(rec.Body.Bytes(), &res)
	if len(res.Rejected) != 1 || res.Rejected[0].Field != "geometry" || !strings.Contains(res.Rejected[0].Reason, "[-30, 30] is in no country") {
		t.Errorf("import: %s", rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/incidents/sea-1", "", ""); rec.Code != 404 {
		t.Errorf("stored: %d %s", rec.Code, rec.Body)
	}
}

func (ts *testServer) revisions(id string) int {
	ts.t.Helper()
	rec := ts.do("GET", "/api/v1/incidents/"+id+"/history", "", "")
	if rec.Code != 200 {
		ts.t.Fatalf("history: %d %s", rec.Code, rec.Body)
	}
	return len(decodeBody(ts.t, rec)["revisions"].([]any))
}

// "geometry": null moved the incident (re-geocoded from its location) as a
// side effect; now it takes ?regeocode=true.
func TestPatchGeometryNeedsRegeocode(t *testing.T) {
	ts := newTestServer(t)
	ts.create(`{"type":"Feature","id":"p-1","geometry":` + point("1.79869", "13.11915") + `,"properties":{` + battle + `,"location":"Tillia"}}`)
	wantProblem(t, ts.do("PATCH", "/api/v1/incidents/p-1", ts.editor, `{"geometry":null}`), 400, "geometry", "?regeocode=true")
	wantProblem(t, ts.do("PATCH", "/api/v1/incidents/p-1?regeocode=maybe", ts.editor, `{"geometry":null}`), 400, "regeocode", "use true")
	if c := coordinates(decodeBody(t, ts.do("GET", "/api/v1/incidents/p-1", "", ""))); c[0] != 1.79869 {
		t.Errorf("a refused patch moved the incident to %v", c)
	}
	rec := ts.do("PATCH", "/api/v1/incidents/p-1?regeocode=true", ts.editor, `{"geometry":null}`)
	if rec.Code != 200 {
		t.Fatalf("regeocode: %d %s", rec.Code, rec.Body)
	}
	// Tillia as OpenStreetMap maps it (GeoNames' point, 4.78972, is 270 m off).
	if f := decodeBody(t, rec); coordinates(f)[0] != 4.79221 || props(f)["geocoded"] != "Tillia" || props(f)["region_code"] != "NE-5" {
		t.Errorf("regeocoded to %v %v", coordinates(f), props(f))
	}
}

// Derived properties and stamps are refused in a PATCH, by name (they were
// ignored, and the patch wrote an empty revision). PUT and POST still
// accept them and ignore them, so GET, edit, PUT works.
func TestPatchRefusesDerivedProperties(t *testing.T) {
	ts := newTestServer(t)
	ts.create(`{"type":"Feature","id":"d-1","geometry":` + point("1.79869", "13.11915") + `,"properties":{` + battle + `}}`)
	for _, p := range []string{`{"properties":{"country":"FRA","region_name":"Paris"}}`, `{"properties":{"updated_at":"2030-01-01T00:00:00Z"}}`} {
		rec := ts.do("PATCH", "/api/v1/incidents/d-1", ts.editor, p)
		wantProblem(t, rec, 400, decodeBody(t, rec)["field"].(string), "set by incidentmap")
		if f := decodeBody(t, rec)["field"]; f != "properties.country" && f != "properties.updated_at" {
			t.Errorf("%s: field %v", p, f)
		}
	}
	wantProblem(t, ts.do("PATCH", "/api/v1/incidents/d-1", ts.editor, `{"fatalities":3}`), 400, "fatalities", `under "properties"`)
	if n := ts.revisions("d-1"); n != 1 {
		t.Errorf("%d revisions after refused patches, want the create alone", n)
	}
}

// A PATCH or PUT whose result is the stored incident writes nothing: 200
// with the incident, no revision, the same updated_at.
func TestNoChangeWritesNoRevision(t *testing.T) {
	ts := newTestServer(t)
	created := ts.create(`{"type":"Feature","id":"n-1","geometry":` + point("1.79869", "13.11915") + `,"properties":{` + battle + `,"fatalities":4,"inter1":2,"assoc_actor_1":"X","iso":562}}`)
	at := props(created)["updated_at"]
	get := ts.do("GET", "/api/v1/incidents/n-1", "", "").Body.String()
	for _, w := range []struct{ method, body string }{
		{"PATCH", `{"properties":{"fatalities":4}}`},
		{"PATCH", `{}`},
		{"PUT", get},
	} {
		rec := ts.do(w.method, "/api/v1/incidents/n-1", ts.editor, w.body)
		if rec.Code != 200 || props(decodeBody(t, rec))["updated_at"] != at {
			t.Errorf("%s %s: %d %s", w.method, w.body, rec.Code, rec.Body)
		}
	}
	if n := ts.revisions("n-1"); n != 1 {
		t.Errorf("%d revisions after writes that changed nothing, want the create alone", n)
	}
	rec := ts.do("PATCH", "/api/v1/incidents/n-1", ts.editor, `{"properties":{"fatalities":5}}`)
	if rec.Code != 200 || props(decodeBody(t, rec))["updated_at"] == at || ts.revisions("n-1") != 2 {
		t.Errorf("a real change: %d %s, %d revisions", rec.Code, rec.Body, ts.revisions("n-1"))
	}
}

// Every new incident is compared with the stored ones: the answer to a POST
// names those that may tell of the same event, and the list is not stored
// (nor taken from input).
func TestCreateSaysPossibleDuplicates(t *testing.T) {
	ts := newTestServer(t)
	at := func(id, date string, lon, lat float64) string {
		return `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[` +
			strconvF(lon) + `,` + strconvF(lat) + `]},"properties":{"event_date":"` + date +
			`","event_type":"Battles","sub_event_type":"Armed clash","fatalities":12,"location":"Torodi",` +
			`"possible_duplicates":[{"id":"forged"}]}}`
	}
	first := ts.create(at("src-a", "2024-03-10", 1.80, 13.12))
	if d, ok := props(first)["possible_duplicates"].([]any); !ok || len(d) != 0 {
		t.Errorf("the first report of the attack: possible_duplicates %v, want none", props(first)["possible_duplicates"])
	}
	// The same attack from another source, a day later and 15 km away.
	second := ts.create(at("src-b", "2024-03-11", 1.93, 13.12))
	d, _ := props(second)["possible_duplicates"].([]any)
	if len(d) != 1 || d[0].(map[string]any)["id"] != "src-a" {
		t.Fatalf("the second report: possible_duplicates %v, want src-a", props(second)["possible_duplicates"])
	}
	// An attack in the same town a month later is another event.
	if d, _ := props(ts.create(at("src-c", "2024-04-12", 1.80, 13.12)))["possible_duplicates"].([]any); len(d) != 0 {
		t.Errorf("a month later: possible_duplicates %v, want none", d)
	}
	got := decodeBody(t, ts.do("GET", "/api/v1/incidents/src-b", "", ""))
	if _, ok := props(got)["possible_duplicates"]; ok {
		t.Errorf("possible_duplicates was stored: %v", props(got))
	}
}

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// A stored incident carries the named place nearest it, with the distance
// and the direction from that place, as analysts say where a village is.
func TestIncidentsCarryTheNearestPlace(t *testing.T) {
	ts := newTestServer(t)
	f := ts.create(`{"type":"Feature","id":"near-1","geometry":` + point("1.95", "13.25") + `,"properties":{` + battle + `}}`)
	near, ok := props(f)["near"].(map[string]any)
	if !ok || near["name"] == "" || near["bearing"] == "" || near["distance_km"].(float64) > 30 {
		t.Fatalf("near: %v", props(f)["near"])
	}
	got := decodeBody(t, ts.do("GET", "/api/v1/incidents/near-1", "", ""))
	if again, _ := props(got)["near"].(map[string]any); again["name"] != near["name"] {
		t.Errorf("stored near %v, answered %v", props(got)["near"], near)
	}
}
