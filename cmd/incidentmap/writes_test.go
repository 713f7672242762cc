// End-to-end tests of writes through the API: create, read, replace,
// delete and their persistence across restarts, and who may do which.

package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCRUDAndPersistence(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	tok := token(t, db, "editor")

	// POST with a location phrase and no geometry: geocoded on the server.
	r := s.do("POST", "/api/v1/incidents", tok, map[string]any{"event_date": "2023-10-02", "event_type": "Battles", "sub_event_type": "Armed clash", "fatalities": 29, "location": "western Tahoua region near the Mali border"})
	if r.status != 201 {
		t.Fatalf("POST location: %d %s", r.status, r.body)
	}
	f := r.json(t)
	id := f["id"].(string)
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/api/v1/incidents/"+id) {
		t.Errorf("Location %q", loc)
	}
	p := f["properties"].(map[string]any)
	if p["geo_precision"].(float64) != 3 || p["region_code"] != "NE-5" || !slices.Contains(toStrings(p["zones"]), "Mali–Niger border zone") {
		t.Errorf("geocoded incident: %v", p)
	}

	// Unplaceable text: 422 with the reason.
	r = s.do("POST", "/api/v1/incidents", tok, map[string]any{"event_date": "2023-10-02", "event_type": "Battles", "sub_event_type": "Armed clash", "location": "somewhere in Atlantis"})
	if r.status != 422 || !strings.Contains(string(r.body), "Atlantis") || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unplaceable: %d %s", r.status, r.body)
	}

	// PATCH (JSON merge patch): change fatalities, drop a property.
	r = s.do("PATCH", "/api/v1/incidents/"+id, tok, `{"properties":{"fatalities":31,"notes":"updated toll","actor1":null}}`)
	if r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	p = r.json(t)["properties"].(map[string]any)
	if p["fatalities"].(float64) != 31 || p["notes"] != "updated toll" || p["region_code"] != "NE-5" {
		t.Errorf("after PATCH: %v", p)
	}

	// PUT moves it to Torodi: derived fields follow the point.
	put := feature(id, "2023-10-02", "Battles", "Armed clash", 1.79869, 13.11915, 5, nil)
	r = s.do("PUT", "/api/v1/incidents/"+id, tok, put)
	if r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	p = r.json(t)["properties"].(map[string]any)
	if p["region_code"] != "NE-6" || p["nearest_border"] != "BFA-NER" {
		t.Errorf("after PUT to Torodi: %v", p)
	}
	created := p["created_at"]

	// Survives a restart.
	s.stop()
	s = start(t, db, "--no-seed")
	r = s.get("/api/v1/incidents/" + id)
	if r.status != 200 {
		t.Fatalf("after restart GET: %d", r.status)
	}
	p = r.json(t)["properties"].(map[string]any)
	if p["region_code"] != "NE-6" || p["fatalities"].(float64) != 5 || p["created_at"] != created {
		t.Errorf("after restart: %v", p)
	}

	// DELETE, then it is gone.
	if r = s.do("DELETE", "/api/v1/incidents/"+id, tok, nil); r.status != 204 {
		t.Fatalf("DELETE: %d", r.status)
	}
	if r = s.get("/api/v1/incidents/" + id); r.status != 404 || !strings.Contains(string(r.body), id) {
		t.Errorf("GET deleted: %d %s", r.status, r.body)
	}
	if r = s.do("DELETE", "/api/v1/incidents/"+id, tok, nil); r.status != 404 {
		t.Errorf("DELETE again: %d", r.status)
	}

	// Every field round-trips.
	full := feature("full-1", "2023-08-15", "Battles", "Armed clash", 1.5, 13.4, 17, map[string]any{
		"time_precision": 2, "actor1": "A", "actor2": "B", "admin1": "Tillabéri", "admin2": "Torodi", "location": "near Koutougou",
		"geo_precision": 2, "fatalities_low": 15, "fatalities_high": 20, "source": "S", "source_url": "https://example.org/r",
		"notes": "N", "tags": []string{"x", "y"}, "iso": 562, "custom": map[string]any{"k": "v"},
	})
	r = s.do("POST", "/api/v1/incidents", tok, full)
	if r.status != 201 {
		t.Fatalf("POST full: %d %s", r.status, r.body)
	}
	got := s.get("/api/v1/incidents/full-1").json(t)["properties"].(map[string]any)
	for k, v := range full["properties"].(map[string]any) {
		want, _ := json.Marshal(v)
		have, _ := json.Marshal(got[k])
		if string(want) != string(have) {
			t.Errorf("property %s: stored %s, sent %s", k, have, want)
		}
	}
	if r = s.do("POST", "/api/v1/incidents", tok, full); r.status != 409 {
		t.Errorf("duplicate id: %d %s", r.status, r.body)
	}
}

func TestAuth(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	f := feature("a-1", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 0, nil)
	r := s.do("POST", "/api/v1/incidents", "", f)
	if r.status != 401 || r.header.Get("WWW-Authenticate") == "" || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("no token: %d %v %s", r.status, r.header, r.body)
	}
	if r = s.do("POST", "/api/v1/incidents", "imt_not-a-real-token", f); r.status != 401 {
		t.Errorf("bad token: %d", r.status)
	}
	if r = s.do("POST", "/api/v1/incidents", token(t, db, "viewer"), f); r.status != 403 {
		t.Errorf("viewer token: %d %s", r.status, r.body)
	}
	if r = s.do("POST", "/api/v1/incidents", token(t, db, "admin"), f); r.status != 201 {
		t.Errorf("admin token: %d %s", r.status, r.body)
	}
	if r = s.get("/api/v1/incidents"); r.status != 200 {
		t.Errorf("public read: %d", r.status)
	}
	s.stop() // the request log is flushed on shutdown
	if logs := s.logs.String(); strings.Count(logs, "msg=request") < 5 || strings.Contains(logs, "imt_") {
		t.Errorf("want a line per request and no token in the logs:\n%s", logs)
	}

	s = start(t, db, "--no-seed", "--read-token")
	if r = s.get("/api/v1/incidents"); r.status != 401 {
		t.Errorf("read without token under --read-token: %d", r.status)
	}
	if r = s.do("GET", "/api/v1/incidents", token(t, db, "viewer"), nil); r.status != 200 {
		t.Errorf("viewer read under --read-token: %d", r.status)
	}
}
