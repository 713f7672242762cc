package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// A contract case: a request, the status the server must answer, and
// whether the documents accept the request (a request the server refuses may
// still be one the documents allow: an unknown region, dates out of order).
type contractCase struct {
	method, path, role, ctype, body string
	status                          int
	docValid                        bool
}

const (
	ctJSON  = "application/json"
	ctGeo   = "application/geo+json"
	ctPatch = "application/merge-patch+json"
)

const seedID = "ner-2023-08-15-koutougou"

var contractFeature = `{"type":"Feature","id":"contract-1","geometry":{"type":"Point","coordinates":[1.7987,13.1192]},
	"properties":{"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash","fatalities":7,"location":"Torodi","source":"Local media","tags":["x"],"acled_extra":"kept"}}`

const acledCSV = "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,location,fatalities\n" +
	"NIG9001,2024-02-01,Battles,Armed clash,13.1192,1.7987,Torodi,3\n"

// Real requests to every route, with the statuses users meet, each checked
// against the OpenAPI documents the server publishes: the request is
// accepted by them or not as the case says, and every answer (success or
// problem) is one the documents describe.
func TestContract(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	k := loadContract(t, ts, "")
	_, tok, _ := incident.NewToken("contract", incident.RoleViewer, time.Now(), 0)
	tok.ID = "tok-contract"
	if err := ts.db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	big := strings.Replace(contractFeature, `"source":"Local media"`, `"notes":"`+strings.Repeat("x", 2<<20)+`"`, 1)
	contractDrafts(t, ts.db)
	cases := []contractCase{
		{"GET", "/api/v1", "", "", "", 200, true},
		{"GET", "/api/v1/openapi.json", "", "", "", 200, true},
		{"GET", "/api/v1/incidents", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?limit=2", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?border=MLI&border_km=100&event_type=Battles,Explosions/Remote%20violence", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?near=2.11,13.51&radius_km=300&min_fatalities=1", "viewer", "", "", 200, true},
		{"GET", "/api/v1/incidents?region=Tillaberi,NE-5&q=attack&start=2023-01-01&end=2023-12-31", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=csv", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=geojson", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=geojsonseq&limit=2", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=kml", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=gpkg", "", "", "", 200, true},
		{"GET", "/api/v1/incidents?f=pdf", "", "", "", 400, false},
		{"GET", "/api/v1/incidents?bbox=1,2", "", "", "", 400, false},
		{"GET", "/api/v1/incidents?bbox=0,12,4,95", "", "", "", 400, false},
		{"GET", "/api/v1/incidents?bbox=4,12,0,16", "", "", "", 400, true},
		{"GET", "/api/v1/incidents?bbox=", "", "", "", 400, false},
		{"GET", "/api/v1/incidents?limit=0", "", "", "", 400, false},
		{"GET", "/api/v1/incidents?region=Atlantis", "", "", "", 400, true},
		{"GET", "/api/v1/incidents?start=2024-01-01&end=2023-01-01", "", "", "", 400, true},
		{"GET", "/api/v1/incidents?border_km=10", "", "", "", 400, true},
		{"GET", "/api/v1/incidents/" + seedID, "", "", "", 200, true},
		{"GET", "/api/v1/incidents/nope", "", "", "", 404, true},
		{"GET", "/api/v1/incidents/" + seedID + "/history", "", "", "", 200, true},
		{"GET", "/api/v1/incidents/nope/history", "", "", "", 404, true},
		{"POST", "/api/v1/incidents", "editor", ctGeo, contractFeature, 201, true},
		{"POST", "/api/v1/incidents", "editor", ctGeo, contractFeature, 409, true},
		{"POST", "/api/v1/incidents", "editor", ctJSON, `{"event_date":"2024-03-11","sub_event_type":"Remote explosive/landmine/IED","location":"20 km north of Tillia"}`, 201, true},
		{"POST", "/api/v1/incidents", "editor", ctJSON, `{"event_date":"2024-03-11","sub_event_type":"Attack","location":"somewhere"}`, 422, true},
		{"POST", "/api/v1/incidents", "editor", ctGeo, `{"type":"Feature","properties":{"event_date":"2024-03-11","event_type":"Fights"},"geometry":{"type":"Point","coordinates":[2,13]}}`, 400, true},
		{"POST", "/api/v1/incidents", "editor", ctGeo, `{"type":"Feature",`, 400, false},
		{"POST", "/api/v1/incidents", "editor", ctGeo, `{"properties":{"event_date":"2024-03-12","sub_event_type":"Attack","location":"near Ayorou"}}`, 201, true},
		{"POST", "/api/v1/incidents", "editor", ctJSON, `{"event_date":"2024-03-12","sub_event_type":"Attack","location":"near Ayorou","fatalities":"7"}`, 400, false},
		{"POST", "/api/v1/incidents", "editor", ctGeo, big, 413, true},
		{"POST", "/api/v1/incidents", "", ctGeo, contractFeature, 401, false},
		{"POST", "/api/v1/incidents", "imt_not-a-token", ctGeo, contractFeature, 401, true},
		{"POST", "/api/v1/incidents", "viewer", ctGeo, contractFeature, 403, true},
		{"PUT", "/api/v1/incidents/contract-1", "editor", ctGeo, strings.Replace(contractFeature, `"fatalities":7`, `"fatalities":8`, 1), 200, true},
		{"PUT", "/api/v1/incidents/nope", "editor", ctGeo, strings.Replace(contractFeature, `"id":"contract-1",`, "", 1), 404, true},
		{"PATCH", "/api/v1/incidents/contract-1", "editor", ctPatch, `{"properties":{"fatalities":9,"acled_extra":null}}`, 200, true},
		{"PATCH", "/api/v1/incidents/contract-1", "editor", ctPatch, `[1]`, 400, false},
		{"PATCH", "/api/v1/incidents/nope", "editor", ctPatch, `{"properties":{"fatalities":9}}`, 404, true},
		{"POST", "/api/v1/incidents/contract-1/restore", "admin", "", "", 409, true},
		{"DELETE", "/api/v1/incidents/contract-1", "editor", "", "", 204, true},
		{"DELETE", "/api/v1/incidents/contract-1", "editor", "", "", 404, true},
		{"GET", "/api/v1/incidents?updated_since=2000-01-01T00:00:00Z", "", "", "", 200, true},
		{"POST", "/api/v1/incidents/contract-1/restore", "editor", "", "", 403, true},
		{"POST", "/api/v1/incidents/contract-1/restore", "admin", "", "", 200, true},
		{"POST", "/api/v1/incidents/nope/restore", "admin", "", "", 404, true},
		{"GET", "/api/v1/incidents/contract-1/history", "", "", "", 200, true},
		{"POST", "/api/v1/import", "admin", "text/csv", acledCSV, 200, true},
		{"POST", "/api/v1/import", "admin", "text/csv", acledCSV + "NIG9002,yesterday,Battles,Armed clash,13,2,X,1\n", 200, true},
		{"POST", "/api/v1/import?strict=true", "admin", "text/csv", acledCSV + "NIG9002,yesterday,Battles,Armed clash,13,2,X,1\n", 400, true},
		{"POST", "/api/v1/import", "admin", ctGeo, `{"type":"FeatureCollection","features":[` + strings.Replace(contractFeature, "contract-1", "contract-2", 1) + `]}`, 200, true},
		{"POST", "/api/v1/import", "editor", "text/csv", acledCSV, 403, true},
		{"GET", "/api/v1/stats", "", "", "", 200, true},
		{"GET", "/api/v1/stats?start=2023-07-01&border=any", "", "", "", 200, true},
		{"GET", "/api/v1/stats?limit=5", "", "", "", 400, true},
		{"GET", "/api/v1/stats?min_fatalities=-1", "", "", "", 400, false},
		{"GET", "/api/v1/stats?border=NER-MLI&country=NER", "", "", "", 200, true},
		{"GET", "/api/v1/stats?border=XYZ", "", "", "", 400, true},
		{"GET", "/api/v1/coverage", "", "", "", 200, true},
		{"GET", "/api/v1/aggregate?zoom=6", "", "", "", 200, true},
		{"GET", "/api/v1/aggregate?zoom=9&bbox=0,12,4,16&event_type=Battles", "", "", "", 200, true},
		{"GET", "/api/v1/aggregate", "", "", "", 400, false},
		{"GET", "/api/v1/aggregate?zoom=23", "", "", "", 400, false},
		{"GET", "/api/v1/aggregate?zoom=6&limit=5", "", "", "", 400, true},
		{"GET", "/api/v1/reverse?lon=1.8&lat=13.1", "", "", "", 200, true},
		{"GET", "/api/v1/reverse?lon=-3&lat=50", "", "", "", 200, true},
		{"GET", "/api/v1/reverse?lon=200&lat=0", "", "", "", 400, false},
		{"GET", "/api/v1/reverse?lat=0", "", "", "", 400, false},
		{"GET", "/api/v1/geocode?q=near+Ayorou", "", "", "", 200, true},
		{"GET", "/api/v1/geocode?q=Xqzville", "", "", "", 422, true},
		{"GET", "/api/v1/geocode?q=Tibiri&admin1=Dosso", "", "", "", 200, true},
		{"GET", "/api/v1/places?q=Torodi", "", "", "", 200, true},
		{"POST", "/api/v1/places", "editor", "text/csv", "name,lat,lon\nContract Hamlet,13.3,1.6\nBad,200,1\n", 400, true},
		{"POST", "/api/v1/places", "", "text/csv", "name,lat,lon\nContract Hamlet,13.3,1.6\n", 401, false},
		{"POST", "/api/v1/places", "editor", "text/csv", "name,lat,lon\nContract Hamlet,13.3,1.6\n", 201, true},
		{"GET", "/api/v1/places", "", "", "", 200, true},
		{"DELETE", "/api/v1/places/1", "editor", "", "", 204, true},
		{"DELETE", "/api/v1/places/1", "editor", "", "", 404, true},
		{"DELETE", "/api/v1/places/abc", "editor", "", "", 400, false},
		{"GET", "/api/v1/geocode", "", "", "", 400, false},
		{"GET", "/api/v1/regions", "", "", "", 200, true},
		{"GET", "/api/v1/regions?country=mli,BFA&neighbours=true", "", "", "", 200, true},
		{"GET", "/api/v1/regions?country=all", "", "", "", 400, true},
		{"GET", "/api/v1/regions?country=XYZ", "", "", "", 400, true},
		{"GET", "/api/v1/regions?country=FRAN", "", "", "", 400, false},
		{"GET", "/api/v1/borders?country=MLI", "", "", "", 200, true},
		{"GET", "/api/v1/borders?country=XYZ", "", "", "", 400, true},
		{"GET", "/api/v1/zones?country=bfa", "", "", "", 200, true},
		{"GET", "/api/v1/tokens", "admin", "", "", 200, true},
		{"GET", "/api/v1/tokens", "editor", "", "", 403, true},
		{"POST", "/api/v1/tokens", "admin", ctJSON, `{"role":"viewer","name":"desk","expires":"30d"}`, 201, true},
		{"POST", "/api/v1/tokens", "admin", ctJSON, `{"role":"boss"}`, 400, false},
		{"DELETE", "/api/v1/tokens/tok-contract", "admin", "", "", 204, true},
		{"DELETE", "/api/v1/tokens/tok-contract", "admin", "", "", 404, true},
		{"GET", "/api/v1/borders", "", "", "", 200, true},
		{"GET", "/api/v1/zones", "", "", "", 200, true},
		{"GET", "/api/v1/typology", "", "", "", 200, true},

		{"POST", "/api/v1/extract?published=2023-10-03&source=Wire", "editor", "text/plain", "Twelve soldiers were killed on Thursday near Torodi.", 201, true},
		{"POST", "/api/v1/extract", "editor", ctJSON, `{"text":"The ministers met in Niamey.","published":"2023-10-03"}`, 200, true},
		{"POST", "/api/v1/extract", "editor", ctJSON, `{"text":"  ","published":"2023-10-03"}`, 400, true},
		{"POST", "/api/v1/extract", "editor", ctJSON, `{"text":"Twelve soldiers were killed.","published":"2999-01-01"}`, 400, true},
		{"POST", "/api/v1/extract", "viewer", ctJSON, `{"text":"x","published":"2023-10-03"}`, 403, true},
		{"GET", "/api/v1/drafts", "editor", "", "", 200, true},
		{"GET", "/api/v1/drafts?status=all&limit=5", "editor", "", "", 200, true},
		{"GET", "/api/v1/drafts?status=maybe", "editor", "", "", 400, false},
		{"GET", "/api/v1/drafts", "viewer", "", "", 403, true},
		{"GET", "/api/v1/drafts/drf-contract-1", "editor", "", "", 200, true},
		{"GET", "/api/v1/drafts/nope", "editor", "", "", 404, true},
		{"GET", "/api/v1/reports/rep-contract", "editor", "", "", 200, true},
		{"GET", "/api/v1/reports/nope", "editor", "", "", 404, true},
		{"PATCH", "/api/v1/drafts/drf-contract-1", "editor", ctPatch, `{"properties":{"fatalities":13}}`, 200, true},
		{"PATCH", "/api/v1/drafts/drf-contract-1", "editor", ctPatch, `{"properties":{"location":"Xqzville"}}`, 422, true},
		{"POST", "/api/v1/drafts/drf-contract-1/accept", "editor", "", "", 201, true},
		{"POST", "/api/v1/drafts/drf-contract-1/accept", "editor", "", "", 409, true},
		{"POST", "/api/v1/drafts/nope/accept", "editor", "", "", 404, true},
		{"POST", "/api/v1/drafts/drf-contract-2/reject", "editor", "", "", 204, true},
		{"DELETE", "/api/v1/drafts/drf-contract-2", "editor", "", "", 409, true},
		{"DELETE", "/api/v1/drafts/nope", "editor", "", "", 404, true},
		{"GET", "/api/v1/incidents/" + seedID + "/duplicates", "", "", "", 200, true},
		{"GET", "/api/v1/incidents/nope/duplicates", "", "", "", 404, true},
		{"POST", "/api/v1/incidents/contract-2/merge", "editor", ctJSON, `{"with":"contract-1"}`, 200, true},
		{"POST", "/api/v1/incidents/contract-2/merge", "editor", ctJSON, `{"with":"contract-2"}`, 400, true},
		{"POST", "/api/v1/incidents/contract-2/merge", "editor", ctJSON, `{}`, 400, false},
		{"POST", "/api/v1/incidents/nope/merge", "editor", ctJSON, `{"with":"contract-2"}`, 404, true},

		{"GET", "/ogc", "", "", "", 200, true},
		{"GET", "/ogc?f=html", "", "", "", 200, true},
		{"GET", "/ogc?f=xml", "", "", "", 400, false},
		{"GET", "/ogc?f=", "", "", "", 400, false},
		{"GET", "/ogc/api", "", "", "", 200, true},
		{"GET", "/ogc/conformance", "", "", "", 200, true},
		{"GET", "/ogc/collections", "", "", "", 200, true},
		{"GET", "/ogc/collections?f=html", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents", "", "", "", 200, true},
		{"GET", "/ogc/collections/places", "", "", "", 200, true},
		{"GET", "/ogc/collections/nope", "", "", "", 404, false},
		{"GET", "/ogc/collections/incidents/queryables", "", "", "", 200, true},
		{"GET", "/ogc/collections/zones/queryables", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items?limit=1", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items?f=html", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items?bbox=0,12,4,16&datetime=2023-07-01/..&event_type=Battles&border=BFA", "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items?bbox=0,12,-10,4,16,100", "", "", "", 200, true},
		// OGC's own bbox schema (4 to 6 numbers) lets 5 through.
		{"GET", "/ogc/collections/incidents/items?bbox=0,12,4,16,5", "", "", "", 400, true},
		{"GET", "/ogc/collections/incidents/items?bbox=", "", "", "", 400, false},
		{"GET", "/ogc/collections/incidents/items?datetime=", "", "", "", 400, true},
		{"GET", "/ogc/collections/incidents/items?datetime=yesterday", "", "", "", 400, true},
		{"GET", "/ogc/collections/incidents/items?limit=100000", "", "", "", 200, true},
		{"GET", "/ogc/collections/regions/items?datetime=2023-10-02&limit=5&offset=5", "", "", "", 200, true},
		{"GET", "/ogc/collections/borders/items?bbox=0,12,0,4,16,0", "", "", "", 200, true},
		{"GET", "/ogc/collections/regions/items?event_type=Battles", "", "", "", 400, true},
		{"GET", "/ogc/collections/nope/items", "", "", "", 404, false},
		{"GET", "/ogc/collections/incidents/items/" + seedID, "", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items/" + seedID + "?f=html", "", "", "", 200, true},
		{"GET", "/ogc/collections/regions/items/NE-5", "", "", "", 200, true},
		{"GET", "/ogc/collections/regions/items/nope", "", "", "", 404, true},
	}
	hit := map[string]bool{}
	for _, c := range cases {
		v := k.run(t, ts, c)
		hit[v.doc+" "+v.op] = true
	}
	watchContractCases(t, k, ts, hit)
	areaContractCases(t, k, ts, hit)

	// The write limit and the read token, each on a server of its own.
	limited := newLiveServer(t, true, func(cfg *Config) { cfg.WritesPerMinute = 6 })
	lk := loadContract(t, limited, "")
	for i, status := range []int{201, 201, 429} {
		body := strings.Replace(contractFeature, "contract-1", "limited-"+string(rune('a'+i)), 1)
		v := lk.run(t, limited, contractCase{"POST", "/api/v1/incidents", "editor", ctGeo, body, status, true})
		hit[v.doc+" "+v.op] = true
	}
	private := newLiveServer(t, true, func(cfg *Config) { cfg.ReadsNeedToken = true })
	pk := loadContract(t, private, "viewer")
	for _, c := range []contractCase{
		{"GET", "/api/v1/incidents", "", "", "", 401, true},
		{"GET", "/api/v1/incidents", "viewer", "", "", 200, true},
		{"GET", "/ogc/collections/incidents/items", "", "", "", 401, true},
	} {
		pk.run(t, private, c)
	}

	// Every operation the server routes was exercised.
	for _, op := range k.operations() {
		if !hit[op] && routed(ts.srv, k, op) {
			t.Errorf("no contract case for %s", op)
		}
	}
}

// run sends a case's request and checks it and the answer against the
// documents.
func (k *contract) run(t *testing.T, ts *liveServer, c contractCase) validation {
	t.Helper()
	req, res, body := ts.request(t, c.method, c.path, c.role, c.ctype, c.body)
	x := exchange{method: c.method, url: ts.URL + c.path, ctype: c.ctype, auth: req.Header.Get("Authorization"), reqBody: []byte(c.body),
		status: res.StatusCode, header: res.Header, body: body}
	v, err := k.check(x)
	if err != nil {
		t.Fatalf("%s %s: not an operation of the documents: %v", c.method, c.path, err)
	}
	name := c.method + " " + c.path
	if res.StatusCode != c.status {
		t.Errorf("%s: status %d, want %d: %.300s", name, res.StatusCode, c.status, body)
	}
	if (v.reqErr == nil) != c.docValid {
		t.Errorf("%s: the document accepts the request: %v, want %v (%v)", name, v.reqErr == nil, c.docValid, v.reqErr)
	}
	if v.resErr != nil {
		t.Errorf("%s: the answer (%d %s) is not what the document says: %v", name, res.StatusCode, res.Header.Get("Content-Type"), v.resErr)
	}
	if res.StatusCode >= 400 {
		checkProblem(t, name, res.StatusCode, res.Header, body)
	}
	return v
}

// checkProblem asserts an error answer is an RFC 7807 problem with its
// members.
func checkProblem(t testing.TB, name string, status int, h http.Header, body []byte) {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != MIMEProblem {
		t.Errorf("%s: %d with Content-Type %q, want %s", name, status, ct, MIMEProblem)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("%s: problem is not JSON: %v: %.200s", name, err, body)
		return
	}
	for _, m := range []string{"type", "title", "detail"} {
		if s, _ := p[m].(string); s == "" {
			t.Errorf("%s: problem without %s: %s", name, m, body)
		}
	}
	if st, _ := p["status"].(float64); int(st) != status {
		t.Errorf("%s: problem status %v, answer %d", name, p["status"], status)
	}
}

func filterParamByName(name string) (incident.FilterParam, bool) {
	for _, p := range incident.FilterParams {
		if p.Name == name {
			return p, true
		}
	}
	return incident.FilterParam{}, false
}

// routed says whether the server has a route for a documented operation
// ("doc METHOD path"), other than its catch-alls for unknown paths.
func routed(s *Server, k *contract, op string) bool {
	parts := strings.SplitN(op, " ", 3)
	path := parts[2]
	if parts[0] == "ogc" {
		path = "/ogc" + path
	}
	c := s.echo.NewContext(nil, nil)
	s.echo.Router().Find(parts[1], fillTemplate(path), c)
	return !slices.Contains([]string{"/*", "/api/v1/*", "/ogc/*", ""}, c.Path())
}

// fillTemplate puts a value in each {parameter} of a path template.
func fillTemplate(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return b.String() + path
		}
		j := strings.IndexByte(path[i:], '}')
		b.WriteString(path[:i] + "x")
		path = path[i+j+1:]
	}
}

// Every route under /api/v1 and /ogc is in the documents, with its methods.
func TestEveryRouteDocumented(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	k := loadContract(t, ts, "")
	documented := map[string]bool{}
	for _, op := range k.operations() {
		parts := strings.SplitN(op, " ", 3)
		path := parts[2]
		if parts[0] == "ogc" {
			path = strings.TrimSuffix("/ogc"+path, "/")
		}
		documented[parts[1]+" "+anyParams(path)] = true
	}
	for _, r := range ts.srv.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1") && !strings.HasPrefix(r.Path, "/ogc") || strings.HasSuffix(r.Path, "/*") || r.Method == "echo_route_not_found" {
			continue
		}
		key := r.Method + " " + anyParams(strings.TrimSuffix(r.Path, "/"))
		if !documented[key] {
			t.Errorf("%s %s is served but not documented", r.Method, r.Path)
		}
	}
}

// anyParams writes every path parameter ({id}, :id) as {}.
func anyParams(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// The filter parameters are one list: the parser takes exactly those, and
// both documents and the OGC queryables describe them.
func TestFilterParamsPublished(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	k := loadContract(t, ts, "")
	list := k.docs["api"].Paths.Find("/api/v1/incidents").Get
	var names []string
	for _, p := range list.Parameters {
		if p.Value.In == "query" && p.Value.Name != "f" {
			names = append(names, p.Value.Name)
		}
	}
	if want := incident.FilterParamNames(true); !slices.Equal(names, want) {
		t.Errorf("GET /api/v1/incidents documents %v, the parser takes %v", names, want)
	}
	var stats []string
	for _, p := range k.docs["api"].Paths.Find("/api/v1/stats").Get.Parameters {
		stats = append(stats, p.Value.Name)
	}
	if want := incident.FilterParamNames(false); !slices.Equal(stats, want) {
		t.Errorf("GET /api/v1/stats documents %v, want %v", stats, want)
	}
	_, _, body := ts.request(t, "GET", "/ogc/collections/incidents/queryables", "", "", "")
	var q struct{ Properties map[string]any }
	json.Unmarshal(body, &q)
	ogcItems := k.docs["ogc"].Paths.Find("/collections/incidents/items").Get
	for _, p := range incident.FilterParams {
		_, queryable := q.Properties[p.Name]
		documented := ogcItems.Parameters.GetByInAndName("query", p.Name) != nil
		if want := !p.Paging && p.OGC == ""; queryable != want || want && !documented {
			t.Errorf("%s: queryable %v, on the OGC items %v; want %v", p.Name, queryable, documented, want)
		}
		for _, e := range p.Examples {
			q := url.Values{p.Name: {e}}
			if need, ok := filterParamByName(p.Needs); ok {
				q.Set(need.Name, need.Examples[0])
			}
			if _, err := incident.ParseFilter(q, ts.srv.cfg.Areas); err != nil {
				t.Errorf("%s, an example, is refused: %v", q.Encode(), err)
			}
		}
	}
	// The reference layers take none of them.
	reference := k.docs["ogc"].Paths.Find("/collections/{collectionId}/items").Get
	for _, p := range incident.FilterParams {
		if !p.Paging && p.OGC == "" && reference.Parameters.GetByInAndName("query", p.Name) != nil {
			t.Errorf("the reference layers' items document %s, which they refuse", p.Name)
		}
	}
	// The index names them too.
	_, _, body = ts.request(t, "GET", "/api/v1", "", "", "")
	if !strings.Contains(string(body), strings.Join(incident.FilterParamNames(true), ", ")) {
		t.Errorf("the index does not list the filters: %s", body)
	}
	var idx struct{ Links []link }
	json.Unmarshal(body, &idx)
	if !slices.ContainsFunc(idx.Links, func(l link) bool {
		return l.Rel == "service-desc" && strings.HasSuffix(l.Href, "/api/v1/openapi.json") && l.Type == MIMEOpenAPI31
	}) {
		t.Errorf("the index has no service-desc link to the OpenAPI document: %+v", idx.Links)
	}
}
