package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

const (
	// A box around Koutougou and Torodi (south-west Niger).
	torodiZone = `{"type":"Feature","properties":{"name":"Torodi corridor"},"geometry":{"type":"Polygon","coordinates":[[[1.2,13.2],[1.6,13.2],[1.6,13.6],[1.2,13.6],[1.2,13.2]]]}}`
	niameyBase = `{"type":"Feature","properties":{"name":"Niamey base"},"geometry":{"type":"Point","coordinates":[2.1,13.5]}}`
)

// areaContractCases exercises the zone and site routes against the
// documents (from TestContract).
func areaContractCases(t *testing.T, k *contract, ts *liveServer, hit map[string]bool) {
	for _, c := range []contractCase{
		{"POST", "/api/v1/zones", "editor", ctGeo, strings.Replace(torodiZone, "Torodi corridor", "Contract zone", 1), 201, true},
		{"POST", "/api/v1/sites", "editor", ctGeo, strings.Replace(niameyBase, "Niamey base", "Contract site", 1), 201, true},
	} {
		v := k.run(t, ts, c)
		hit[v.doc+" "+v.op] = true
	}
	z, _ := ts.srv.cfg.Areas.ZoneNamed("Contract zone")
	var s *incident.Site
	for _, site := range ts.srv.cfg.Areas.Sites() {
		if site.Name == "Contract site" {
			s = site
		}
	}
	if z == nil || s == nil {
		t.Fatalf("zone %v, site %v not made", z, s)
	}
	for _, c := range []contractCase{
		{"GET", "/api/v1/zones/" + z.ID, "", "", "", 200, true},
		{"GET", "/api/v1/zones/lake-chad-area", "", "", "", 200, true},
		{"GET", "/api/v1/zones/nope", "", "", "", 404, true},
		{"PUT", "/api/v1/zones/" + z.ID, "editor", ctGeo, strings.Replace(torodiZone, "Torodi corridor", "Contract zone 2", 1), 200, true},
		{"PUT", "/api/v1/zones/lake-chad-area", "editor", ctGeo, torodiZone, 403, true},
		{"POST", "/api/v1/zones", "viewer", ctGeo, torodiZone, 403, true},
		{"POST", "/api/v1/zones", "editor", ctGeo, `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}`, 400, false},
		{"POST", "/api/v1/zones", "editor", ctGeo, `{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,13],[2,14],[2,13],[1,14],[1,13]]]}}`, 400, true},
		{"GET", "/api/v1/sites", "viewer", "", "", 200, true},
		{"GET", "/api/v1/sites", "", "", "", 401, false},
		{"GET", "/api/v1/sites/" + s.ID, "viewer", "", "", 200, true},
		{"GET", "/api/v1/sites/" + s.ID + "/summary?as_of=2023-10-02", "viewer", "", "", 200, true},
		{"GET", "/api/v1/sites/" + s.ID + "/summary?as_of=yesterday", "viewer", "", "", 400, false},
		{"PUT", "/api/v1/sites/" + s.ID, "editor", ctGeo, niameyBase, 200, true},
		{"PUT", "/api/v1/sites/site-nope", "editor", ctGeo, niameyBase, 404, true},
		{"DELETE", "/api/v1/sites/" + s.ID, "editor", "", "", 204, true},
		{"DELETE", "/api/v1/zones/" + z.ID, "editor", "", "", 204, true},
		{"DELETE", "/api/v1/zones/" + z.ID, "editor", "", "", 404, true},
	} {
		v := k.run(t, ts, c)
		hit[v.doc+" "+v.op] = true
	}
}

// features reads a FeatureCollection's ids and one property of each.
func featureIDsOf(t *testing.T, body []byte) []string {
	t.Helper()
	var fc struct {
		Features []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	var out []string
	for _, f := range fc.Features {
		out = append(out, f.ID.(string))
	}
	return out
}

// matching lists the seed incidents the filter matches, by Filter.Match:
// what the store must answer.
func (ts *liveServer) matching(t *testing.T, query string) []string {
	t.Helper()
	q, _ := url.ParseQuery(query)
	f, err := incident.ParseFilter(q, ts.srv.cfg.Areas)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ts.seeds {
		in, err := ts.db.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if f.Match(in) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (ts *liveServer) listIDs(t *testing.T, query string) []string {
	t.Helper()
	_, res, body := ts.request(t, "GET", "/api/v1/incidents?"+query, "", "", "")
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", query, res.StatusCode, body)
	}
	ids := featureIDsOf(t, body)
	slices.Sort(ids)
	return ids
}

// An editor draws a zone; it is listed with the built-in ones (API and
// OGC), and zone= takes it by id or name, the store answering as
// Filter.Match does; built-in zones filter too.
func TestZoneFilter(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	_, res, body := ts.request(t, "POST", "/api/v1/zones", "editor", ctGeo, torodiZone)
	if res.StatusCode != 201 || !strings.Contains(res.Header.Get("Location"), "/api/v1/zones/zone-") {
		t.Fatalf("POST zone: %d %s", res.StatusCode, body)
	}
	var z struct {
		ID         string
		Properties map[string]any
	}
	json.Unmarshal(body, &z)
	_, _, body = ts.request(t, "GET", "/api/v1/zones", "", "", "")
	if ids := featureIDsOf(t, body); !slices.Contains(ids, z.ID) || !slices.Contains(ids, "Liptako-Gourma tri-border area") {
		t.Errorf("/api/v1/zones lists %v", ids)
	}
	_, _, body = ts.request(t, "GET", "/ogc/collections/zones/items?limit=1000", "", "", "")
	if ids := featureIDsOf(t, body); !slices.Contains(ids, z.ID) {
		t.Errorf("OGC zones lists %v", ids)
	}
	if status, _ := ts.getJSON(t, "/ogc/collections/zones/items/"+z.ID, nil); status != 200 {
		t.Errorf("OGC zone item: %d", status)
	}
	for _, q := range []string{"zone=" + z.ID, "zone=torodi+CORRIDOR", "zone=Torodi+corridor,Mali%E2%80%93Niger+border+zone", "zone=mali-niger-border-zone",
		"zone=Liptako-Gourma+tri-border+area", "zone=Lake+Chad+area&event_type=Battles", "zone=" + z.ID + "&bbox=1.5,13,3,14"} {
		want := ts.matching(t, q)
		if got := ts.listIDs(t, q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, Match says %v", q, got, want)
		}
	}
	if got := ts.listIDs(t, "zone="+z.ID); !slices.Equal(got, []string{seedID}) {
		t.Errorf("the Torodi corridor holds %v, want Koutougou", got)
	}
	var st incident.Stats
	ts.getJSON(t, "/api/v1/stats?zone="+z.ID, &st)
	if st.Total.Incidents != 1 || st.Total.Fatalities != 17 {
		t.Errorf("stats in the zone: %+v", st.Total)
	}
	if status, field := ts.getJSON(t, "/api/v1/incidents?zone=Atlantis", nil); status != 400 || field != "zone" {
		t.Errorf("an unknown zone: %d naming %q", status, field)
	}
	// A second zone of the same name (however spelled) or a built-in's
	// name is refused.
	for _, name := range []string{"torodi Corridor", "Lake Chad area"} {
		_, res, _ := ts.request(t, "POST", "/api/v1/zones", "editor", ctGeo, strings.Replace(torodiZone, "Torodi corridor", name, 1))
		if res.StatusCode != 409 {
			t.Errorf("a zone named %q: %d, want 409", name, res.StatusCode)
		}
	}
	// Moved east, off Koutougou.
	moved := strings.NewReplacer("1.2,", "3.2,", "1.6,", "3.6,").Replace(torodiZone)
	if _, res, body := ts.request(t, "PUT", "/api/v1/zones/"+z.ID, "editor", ctGeo, moved); res.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", res.StatusCode, body)
	}
	if got := ts.listIDs(t, "zone="+z.ID); len(got) != 0 {
		t.Errorf("the moved zone holds %v", got)
	}
	if _, res, _ := ts.request(t, "DELETE", "/api/v1/zones/"+z.ID, "editor", "", ""); res.StatusCode != 204 {
		t.Errorf("DELETE: %d", res.StatusCode)
	}
	if status, field := ts.getJSON(t, "/api/v1/incidents?zone="+z.ID, nil); status != 400 || field != "zone" {
		t.Errorf("a deleted zone: %d naming %q", status, field)
	}
}

// Invalid zones are refused naming the field, and nothing is stored.
func TestZoneRefusesBadGeometry(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	feature := func(geometry string) string {
		return `{"type":"Feature","properties":{"name":"bad"},"geometry":` + geometry + `}`
	}
	for _, c := range []struct{ body, field string }{
		{feature(`{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,14]]]}`), "geometry"},               // not closed
		{feature(`{"type":"Polygon","coordinates":[[[1,13],[2,13],[1,13]]]}`), "geometry"},                      // 3 positions
		{feature(`{"type":"Polygon","coordinates":[[[1,13],[2,14],[2,13],[1,14],[1,13]]]}`), "geometry"},        // a bow tie
		{feature(`{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,94],[1,13]]]}`), "geometry.coordinates"},   // latitude 94
		{feature(`{"type":"Polygon","coordinates":[[[1,13],[182,13],[2,14],[1,13]]]}`), "geometry.coordinates"}, // longitude 182
		{feature(`{"type":"LineString","coordinates":[[1,13],[2,13]]}`), "geometry"},                            // not an area
		{`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,13]]]}}`, "name"},
		{`not json`, "body"},
	} {
		_, res, body := ts.request(t, "POST", "/api/v1/zones", "editor", ctGeo, c.body)
		var p Problem
		json.Unmarshal(body, &p)
		if res.StatusCode != 400 || p.Field != c.field {
			t.Errorf("%.120s: %d naming %q, want 400 naming %s", c.body, res.StatusCode, p.Field, c.field)
		}
	}
	if zs, _ := ts.db.Zones(context.Background()); len(zs) != 0 {
		t.Errorf("stored %d zones", len(zs))
	}
}

// repeating is a body of endless positions after a head, counting what
// is read of it.
type repeating struct {
	head  string
	unit  string
	left  int
	read  int
	queue []byte
}

func (r *repeating) Read(p []byte) (int, error) {
	for len(r.queue) < len(p) && r.left > 0 {
		if r.head != "" {
			r.queue, r.head = append(r.queue, r.head...), ""
		}
		r.queue = append(r.queue, r.unit...)
		r.left--
	}
	if len(r.queue) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.queue)
	r.queue = r.queue[n:]
	r.read += n
	return n, nil
}

// A zone of ten million positions (110 MB) is refused naming the geometry
// after reading the first 100,001 of them, and nothing is stored.
func TestZoneOfTenMillionPositions(t *testing.T) {
	ts := newHarness(t, Config{})
	body := &repeating{head: `{"type":"Feature","properties":{"name":"huge"},"geometry":{"type":"Polygon","coordinates":[[`, unit: "[1.5,13.5],", left: 10_000_000}
	r := httptest.NewRequest("POST", "/api/v1/zones", body)
	r.Header.Set("Authorization", "Bearer "+ts.token(t, incident.RoleEditor))
	r.Header.Set("Content-Type", ctGeo)
	rec := ts.do(r)
	var p Problem
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != 400 || p.Field != "geometry" || !strings.Contains(p.Detail, "100000 positions") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if body.read > 2<<20 {
		t.Errorf("read %d bytes of 110 MB to refuse it", body.read)
	}
	if zs, _ := ts.db.Zones(context.Background()); len(zs) != 0 {
		t.Errorf("stored %d zones", len(zs))
	}
}

// Sites: an editor keeps a base, a road and a camp; viewers read them;
// near_site= selects as Filter.Match does and carries the distance; the
// summary counts within 10/25/50 km over 7/30/90 days up to as_of.
func TestSites(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	if _, res, _ := ts.request(t, "POST", "/api/v1/sites", "viewer", ctGeo, niameyBase); res.StatusCode != 403 {
		t.Errorf("a viewer's site: %d, want 403", res.StatusCode)
	}
	ids := map[string]string{}
	for name, body := range map[string]string{
		"base": niameyBase,
		"road": `{"type":"Feature","properties":{"name":"Niamey–Torodi road"},"geometry":{"type":"LineString","coordinates":[[2.1,13.5],[1.8,13.1],[1.5,12.9]]}}`,
		"camp": `{"type":"Feature","properties":{"name":"Camp"},"geometry":{"type":"Polygon","coordinates":[[[1.3,13.4],[1.4,13.4],[1.4,13.5],[1.3,13.5],[1.3,13.4]]]}}`,
	} {
		_, res, b := ts.request(t, "POST", "/api/v1/sites", "editor", ctGeo, body)
		var s struct{ ID string }
		if json.Unmarshal(b, &s); res.StatusCode != 201 || s.ID == "" {
			t.Fatalf("%s: %d %s", name, res.StatusCode, b)
		}
		ids[name] = s.ID
	}
	// The id may be the client's, and is then one site's or zone's.
	office := strings.Replace(niameyBase, `"type":"Feature",`, `"type":"Feature","id":"niamey-office",`, 1)
	if _, res, b := ts.request(t, "POST", "/api/v1/sites", "editor", ctGeo, office); res.StatusCode != 201 || !strings.HasSuffix(res.Header.Get("Location"), "/api/v1/sites/niamey-office") {
		t.Errorf("a site with its id: %d %s", res.StatusCode, b)
	}
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/api/v1/sites", office, 409},
		{"/api/v1/zones", strings.Replace(torodiZone, `"type":"Feature",`, `"type":"Feature","id":"niamey-office",`, 1), 409},
		{"/api/v1/zones", strings.Replace(torodiZone, `"type":"Feature",`, `"type":"Feature","id":"lake-chad-area",`, 1), 409},
		{"/api/v1/sites", strings.Replace(niameyBase, `"type":"Feature",`, `"type":"Feature","id":"../x",`, 1), 400},
	} {
		if _, res, b := ts.request(t, "POST", c.path, "editor", ctGeo, c.body); res.StatusCode != c.status {
			t.Errorf("%s %.80s: %d %s, want %d", c.path, c.body, res.StatusCode, b, c.status)
		}
	}
	if _, res, _ := ts.request(t, "DELETE", "/api/v1/sites/niamey-office", "editor", "", ""); res.StatusCode != 204 {
		t.Errorf("deleting niamey-office: %d", res.StatusCode)
	}
	if _, res, _ := ts.request(t, "GET", "/api/v1/sites", "", "", ""); res.StatusCode != 401 {
		t.Errorf("sites without a token: %d, want 401", res.StatusCode)
	}
	_, _, b := ts.request(t, "GET", "/api/v1/sites", "viewer", "", "")
	if got := featureIDsOf(t, b); len(got) != 4 { // and the example site
		t.Errorf("sites: %v", got)
	}
	for name, id := range ids {
		for _, km := range []string{"1", "10", "30", "60", "400"} {
			q := "near_site=" + id + "&radius_km=" + km
			if got, want := ts.listIDs(t, q), ts.matching(t, q); !slices.Equal(got, want) {
				t.Errorf("%s %s: %v, Match says %v", name, q, got, want)
			}
		}
	}
	// Koutougou lies in the camp: 0 km.
	var fc struct {
		Features []struct {
			ID         string
			Properties struct {
				DistanceKM *float64 `json:"distance_km"`
			}
		}
	}
	ts.getJSON(t, "/api/v1/incidents?near_site="+ids["camp"]+"&radius_km=5", &fc)
	if len(fc.Features) != 1 || fc.Features[0].ID != seedID || fc.Features[0].Properties.DistanceKM == nil || *fc.Features[0].Properties.DistanceKM != 0 {
		t.Errorf("in the camp: %+v", fc)
	}
	if status, field := ts.getJSON(t, "/api/v1/incidents?near_site=site-nope", nil); status != 400 || field != "near_site" {
		t.Errorf("an unknown site: %d naming %q", status, field)
	}

	// The base is 1.5 km from the two Niamey incidents (26 July, 27 September).
	var sum struct {
		AsOf    string `json:"as_of"`
		Windows []siteWindow
	}
	_, res, b := ts.request(t, "GET", "/api/v1/sites/"+ids["base"]+"/summary?as_of=2023-10-02", "viewer", "", "")
	if err := json.Unmarshal(b, &sum); err != nil || res.StatusCode != 200 || sum.AsOf != "2023-10-02" || len(sum.Windows) != 9 {
		t.Fatalf("summary: %d %s", res.StatusCode, b)
	}
	for _, w := range sum.Windows {
		want := map[int]int{7: 1, 30: 1, 90: 2}[w.Days] // 27 Sep is within 7 days of 2 Oct; 26 Jul within 90
		if w.Incidents != want {
			t.Errorf("%v km, %d days (%s to %s): %d incidents, want %d", w.RadiusKM, w.Days, w.Start, w.End, w.Incidents, want)
		}
	}
	_, _, b = ts.request(t, "GET", "/api/v1/sites/"+ids["camp"]+"/summary?as_of=2023-08-20", "viewer", "", "")
	json.Unmarshal(b, &sum)
	if w := sum.Windows[0]; w.RadiusKM != 10 || w.Days != 7 || w.Incidents != 1 || w.Fatalities != 17 {
		t.Errorf("the camp's first window: %+v", w)
	}

	// A watch near the site hears of an incident recorded 2 km from it,
	// not of one 20 km away; once the site has moved, of neither.
	_, res, b = ts.request(t, "POST", "/api/v1/watches", "viewer", ctJSON, `{"name":"base","filter":"near_site=`+ids["base"]+`&radius_km=5"}`)
	var w struct{ ID string }
	if json.Unmarshal(b, &w); res.StatusCode != 201 {
		t.Fatalf("watch: %d %s", res.StatusCode, b)
	}
	record := func(id string, lon, lat float64) {
		body := fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"event_date":"2023-10-01","event_type":"Battles","sub_event_type":"Armed clash","fatalities":1}}`, id, lon, lat)
		if _, res, b := ts.request(t, "POST", "/api/v1/incidents", "editor", ctGeo, body); res.StatusCode != 201 {
			t.Fatalf("incident %s: %d %s", id, res.StatusCode, b)
		}
		for more := true; more; {
			var err error
			if more, err = ts.srv.cfg.Notifier.Step(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	heard := func() []string {
		_, _, b := ts.request(t, "GET", "/api/v1/watches/"+w.ID+"/notices", "viewer", "", "")
		var ns struct {
			Notices []struct {
				Notice struct {
					IncidentID string `json:"incident_id"`
				}
			}
		}
		json.Unmarshal(b, &ns)
		var out []string
		for _, n := range ns.Notices {
			out = append(out, n.Notice.IncidentID)
		}
		slices.Sort(out)
		return out
	}
	record("near-base", 2.11, 13.52)
	record("far-from-base", 2.1, 13.7)
	if got := heard(); !slices.Equal(got, []string{"near-base"}) {
		t.Errorf("the watch heard of %v, want near-base", got)
	}
	moved := strings.Replace(niameyBase, "[2.1,13.5]", "[3.5,14.5]", 1)
	if _, res, b := ts.request(t, "PUT", "/api/v1/sites/"+ids["base"], "editor", ctGeo, moved); res.StatusCode != 200 {
		t.Fatalf("moving the base: %d %s", res.StatusCode, b)
	}
	record("near-old-base", 2.1, 13.51)
	record("near-new-base", 3.51, 14.5)
	if got := heard(); !slices.Equal(got, []string{"near-base", "near-new-base"}) {
		t.Errorf("after the move the watch heard of %v, want near-base and near-new-base", got)
	}
	// A site a watch names cannot be deleted.
	if _, res, _ := ts.request(t, "DELETE", "/api/v1/sites/"+ids["base"], "editor", "", ""); res.StatusCode != 409 {
		t.Errorf("deleting a watched site: %d, want 409", res.StatusCode)
	}
	if _, res, _ := ts.request(t, "DELETE", "/api/v1/sites/"+ids["road"], "editor", "", ""); res.StatusCode != 204 {
		t.Errorf("deleting the road: %d", res.StatusCode)
	}
	if status, _ := ts.getJSON(t, "/api/v1/incidents?near_site="+ids["road"], nil); status != 400 {
		t.Errorf("near a deleted site: %d", status)
	}
}
