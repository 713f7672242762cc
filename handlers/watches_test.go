package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// watchContractCases exercises the watch and stream operations against the
// document, on a watch the viewer makes.
func watchContractCases(t *testing.T, k *contract, ts *liveServer, hit map[string]bool) {
	run := func(c contractCase) {
		v := k.run(t, ts, c)
		hit[v.doc+" "+v.op] = true
	}
	run(contractCase{"POST", "/api/v1/watches", "viewer", ctJSON, `{"name":"Torodi base","filter":"near=1.7987,13.1192&radius_km=25&event_type=Battles"}`, 201, true})
	_, _, body := ts.request(t, "GET", "/api/v1/watches", "viewer", "", "")
	var list struct {
		Watches []struct{ ID, Feed string }
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Watches) != 1 {
		t.Fatalf("the viewer's watches: %s", body)
	}
	id, feed := list.Watches[0].ID, list.Watches[0].Feed
	u, _ := url.Parse(feed)
	area := `{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,13]]]}`
	for _, c := range []contractCase{
		{"GET", "/api/v1/watches", "viewer", "", "", 200, true},
		{"GET", "/api/v1/watches", "", "", "", 401, false},
		{"GET", "/api/v1/watches/" + id, "viewer", "", "", 200, true},
		{"GET", "/api/v1/watches/" + id, "editor", "", "", 404, true}, // someone else's
		{"GET", "/api/v1/watches/" + id, "admin", "", "", 200, true},
		{"PUT", "/api/v1/watches/" + id, "viewer", ctJSON, `{"name":"Torodi camp","filter":"","within":` + area + `}`, 200, true},
		{"PUT", "/api/v1/watches/" + id, "viewer", ctJSON, `{"name":"Torodi camp","filter":"region=Atlantis"}`, 400, true},
		{"GET", "/api/v1/watches/" + id + "/notices", "viewer", "", "", 200, true},
		{"GET", "/api/v1/watches/" + id + "/notices?state=dead&limit=5", "viewer", "", "", 200, true},
		{"GET", "/api/v1/watches/" + id + "/notices?state=lost", "viewer", "", "", 400, false},
		{"GET", "/api/v1/watches/" + id + "/notices?limit=", "viewer", "", "", 400, false},
		{"POST", "/api/v1/watches/" + id + "/resend", "viewer", "", "", 200, true},
		{"GET", u.RequestURI(), "", "", "", 200, true},
		{"GET", "/api/v1/watches/" + id + "/feed?key=guess", "", "", "", 403, true},
		// A viewer may not make the server post anywhere; a webhook goes
		// only to allowed hosts; a filter must parse; nothing is stored.
		{"POST", "/api/v1/watches", "viewer", ctJSON, `{"name":"x","filter":"","webhook":"http://127.0.0.1:9/hook"}`, 403, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","webhook":"http://169.254.169.254/latest"}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"border_km=10"}`, 400, true},
		// E-mail: editors only, one address, one delivery, and only when
		// the server has SMTP (this one has none).
		{"POST", "/api/v1/watches", "viewer", ctJSON, `{"name":"x","filter":"","email":"desk@example.org"}`, 403, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","email":"desk@example.org"}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","email":"Desk <desk@example.org>, b@example.org"}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","email":"desk@example.org","webhook":"http://127.0.0.1:9/hook"}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"limit=5"}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"","filter":""}`, 400, false},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","within":{"type":"Point","coordinates":[1,2]}}`, 400, true},
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","within":{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,13]` + strings.Repeat(`,[1,13]`, 1<<20) + `]]}}`, 413, true}, // 1M positions, 7 MB
		{"POST", "/api/v1/watches", "editor", ctJSON, `{"name":"x","filter":"","within":{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,13]` + strings.Repeat(`,[1,13]`, 2<<20) + `]]}}`, 413, true}, // 15 MB
		{"GET", "/api/v1/stream?bbox=1,2", "", "", "", 400, false},
		{"DELETE", "/api/v1/watches/" + id, "viewer", "", "", 204, true},
		{"DELETE", "/api/v1/watches/" + id, "viewer", "", "", 404, true},
	} {
		run(c)
	}
	_, _, body = ts.request(t, "GET", "/api/v1/watches", "admin", "", "")
	if !strings.Contains(string(body), `"watches":[]`) {
		t.Errorf("refused watches were stored: %s", body)
	}
	_ = http.StatusOK
}
