// End-to-end tests of the reference geography, through the API's
// geography endpoints and the CLI's reverse and geocode commands.

package main

import (
	"encoding/json"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeographyEndpoints(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "im.db"))
	r := s.get("/api/v1/reverse?lon=1.79869&lat=13.11915")
	m := r.json(t)
	if m["country"] != "NER" || m["admin1"].(map[string]any)["code"] != "NE-6" || m["borders"].([]any)[0].(map[string]any)["border"] != "BFA-NER" {
		t.Errorf("reverse Torodi: %s", r.body)
	}
	r = s.get("/api/v1/geocode?q=" + url.QueryEscape("close to the Burkina Faso border"))
	var cs []map[string]any
	json.Unmarshal(r.body, &cs)
	if r.status != 200 || len(cs) == 0 || cs[0]["region"].(map[string]any)["code"] != "NE-6" {
		t.Errorf("geocode: %d %s", r.status, r.body)
	}
	if r = s.get("/api/v1/geocode?q=Xqzville"); r.status != 422 {
		t.Errorf("geocode Xqzville: %d %s", r.status, r.body)
	}
	for path, n := range map[string]int{"/api/v1/regions": 8, "/api/v1/borders": 7, "/api/v1/zones": 9, "/api/v1/regions?country=NER&neighbours=true": 171, // Burkina Faso counts 13 regions, no longer 45 provinces
		"/api/v1/regions?country=FRA": 19, "/api/v1/regions?country=BFA,MLI": 13 + 9, "/api/v1/borders?country=FRA": 10, "/api/v1/borders?country=all": 323} {
		r := s.get(path)
		var c fc
		json.Unmarshal(r.body, &c)
		if r.status != 200 || c.Type != "FeatureCollection" || len(c.Features) != n || r.header.Get("Content-Type") != "application/geo+json" {
			t.Errorf("%s: %d, %d features, want %d", path, r.status, len(c.Features), n)
		}
	}
	// The world is too big for one answer: say what to ask instead.
	for _, path := range []string{"/api/v1/regions?country=all", "/api/v1/regions?country=XYZ", "/api/v1/regions?country=NER&neighbours=maybe"} {
		if r := s.get(path); r.status != 400 {
			t.Errorf("%s: %d %s, want 400", path, r.status, r.body)
		}
	}
	st := s.get("/api/v1/stats?region=NE-8").json(t)
	if st["total"].(map[string]any)["incidents"].(float64) != 2 {
		t.Errorf("stats for Niamey: %v", st)
	}
	h := s.get("/healthz").json(t)
	if h["status"] != "ok" {
		t.Errorf("healthz %v", h)
	}
}

func TestCLIReverseAndGeocode(t *testing.T) {
	out, _, err := runCLI(t, "", "reverse", "4.78972", "16.12333")
	if err != nil {
		t.Fatal(err)
	}
	var loc struct {
		Country string
		Admin1  struct{ Code, Name string }
		Borders []struct {
			Border     string
			DistanceKM float64 `json:"distance_km"`
		}
		Zones []string
	}
	json.Unmarshal([]byte(out), &loc)
	if loc.Country != "NER" || loc.Admin1.Code != "NE-5" || loc.Borders[0].Border != "MLI-NER" {
		t.Errorf("reverse Tillia: %s", out)
	}
	// Any land point on Earth.
	for _, c := range []struct{ lon, lat, country string }{{"2.3522", "48.8566", "FRA"}, {"-58.38", "-34.6", "ARG"}, {"139.69", "35.69", "JPN"}, {"-1.5339", "12.3657", "BFA"}} {
		out, _, err := runCLI(t, "", "reverse", c.lon, c.lat)
		json.Unmarshal([]byte(out), &loc)
		if err != nil || loc.Country != c.country || loc.Admin1.Code == "" {
			t.Errorf("reverse %s %s: %v %s, want %s", c.lon, c.lat, err, out, c.country)
		}
	}
	out, _, _ = runCLI(t, "", "reverse", "-30", "0")
	if !strings.Contains(out, `"country": null`) || !strings.Contains(out, `"admin1": null`) {
		t.Errorf("reverse in the Atlantic: %s", out)
	}
	for _, args := range [][]string{{"reverse"}, {"reverse", "1"}, {"reverse", "x", "y"}, {"reverse", "1", "95"}, {"geocode"}, {"nosuchcommand"}, {"gen", "5"}, {"serve", "x"}, {"export", "out.geojson"}} {
		_, stderr, err := runCLI(t, "", args...)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: err %v, stderr %q: want a usage error (exit 2) with usage", args, err, stderr)
		}
	}
	out, _, err = runCLI(t, "", "geocode", "western Tahoua region near the Mali border")
	var cs []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &cs) != nil || len(cs) == 0 || cs[0]["geo_precision"].(float64) != 3 {
		t.Errorf("geocode: %v %s", err, out)
	}
	for _, k := range []string{"lon", "lat", "geo_precision", "radius_km", "region", "matched"} {
		if _, ok := cs[0][k]; !ok {
			t.Errorf("geocode candidate lacks %s", k)
		}
	}
	out, stderr, err := runCLI(t, "", "geocode", "Xqzville")
	if err != nil || strings.TrimSpace(out) != "[]" || stderr == "" {
		t.Errorf("geocode Xqzville: err %v out %q stderr %q", err, out, stderr)
	}
	for _, cmd := range []string{"serve", "import", "export", "reverse", "geocode", "gen", "backup", "restore", "healthcheck"} {
		if _, stderr, err := runCLI(t, "", cmd, "--help"); err != nil || !strings.Contains(stderr, "Usage: incidentmap "+cmd) {
			t.Errorf("%s --help: %v %q", cmd, err, stderr)
		}
	}
}
