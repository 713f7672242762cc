package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// coreStore is a store with the core interfaces only: no drafts, no
// watches or change log, no added places, no zones. (The SQLite and PostGIS
// stores keep them all; a store that does not answers so.)
type coreStore struct{ incident.Store }

// What the store cannot do yet answers 501 problem+json naming the store
// and where it works, never a 500 or a panic.
func TestNotYetAvailableOnThisStore(t *testing.T) {
	ts := newHarness(t, Config{StoreName: "the core store"})
	ts.cfg.Store = coreStore{ts.db}
	ts.cfg.Service.Store = ts.cfg.Store
	ts.cfg.AreaStore = nil
	admin := ts.token(t, incident.RoleAdmin)
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/watches", ""},
		{"POST", "/api/v1/watches", `{"name":"w","filter":"country=NER"}`},
		{"GET", "/api/v1/watches/w1/feed", ""},
		{"GET", "/api/v1/stream", ""},
		{"GET", "/api/v1/drafts", ""},
		{"POST", "/api/v1/extract", `{"text":"Deux civils tués à Téra le 3 mars 2024."}`},
		{"POST", "/api/v1/places", `name,lat,lon` + "\nTestville,13.5,2.1\n"},
		{"DELETE", "/api/v1/places/1", ""},
		{"POST", "/api/v1/sites", `{"type":"Feature","properties":{"name":"Torodi base"},"geometry":{"type":"Point","coordinates":[1.8,13.1]}}`},
	} {
		rec := ts.do(req(r.method, r.path, r.body, "Authorization", "Bearer "+admin, "Content-Type", "application/json"))
		var p Problem
		json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != http.StatusNotImplemented || rec.Header().Get("Content-Type") != MIMEProblem || !strings.Contains(p.Detail, "not yet available on the core store") {
			t.Errorf("%s %s: %d %s %q, want 501 problem+json saying it is not yet available on the core store", r.method, r.path, rec.Code, rec.Header().Get("Content-Type"), p.Detail)
		}
	}
	if strings.Contains(ts.logs.String(), "request failed") {
		t.Errorf("a 501 was logged as a failure:\n%s", ts.logs)
	}
}
