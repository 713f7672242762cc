package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The journey of the issue: a village the gazetteer lacks is imported
// from a file, or learned from an import, and then geocodes; a bad file
// imports nothing.
func TestPlacesImportAndLearning(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	geocode := func(text string) []map[string]any {
		out, _, err := runCLI(t, "", "geocode", "--db", db, text)
		var cs []map[string]any
		if err != nil || json.Unmarshal([]byte(out), &cs) != nil {
			t.Fatalf("geocode %q: %v %s", text, err, out)
		}
		return cs
	}
	if cs := geocode("Kobadjou Tinkar"); len(cs) != 0 {
		t.Fatalf("before import: %v", cs)
	}
	good := write("villages.csv", "name,lat,lon\nKobadjou Tinkar,14.6,1.4\n")
	if out, _, err := runCLI(t, "", "places", "import", "--db", db, good); err != nil || !strings.Contains(out, "imported 1 places") {
		t.Fatalf("places import: %v %s", err, out)
	}
	if cs := geocode("Kobadjou Tinkar"); len(cs) != 1 || cs[0]["geo_precision"].(float64) != 1 {
		t.Errorf("after import: %v", cs)
	}
	for name, body := range map[string]string{
		"lat200.csv":  "name,lat,lon\nGorou Kwara,14.1,1.2\nTera,200,0.75\n",
		"noname.json": `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[4,15]},"properties":{}}]}`,
		"binary.bin":  "\x1f\x8b\x08\x00\x00\x00\x00\x00",
	} {
		if _, _, err := runCLI(t, "", "places", "import", "--db", db, write(name, body)); err == nil {
			t.Errorf("%s imported without error", name)
		}
	}
	out, _, err := runCLI(t, "", "places", "list", "--db", db, "--json")
	var ps []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &ps) != nil || len(ps) != 1 {
		t.Fatalf("places list after bad files: %v %s, want the one good place", err, out)
	}

	// Learning: an import at precision 1 teaches its villages, unless
	// --learn-places=false.
	fc := func(id, location string, lon, lat float64) string {
		b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{
			feature(id, "2023-01-05", "Battles", "Armed clash", lon, lat, 0, map[string]any{"location": location, "geo_precision": 1}),
		}})
		return write(id+".geojson", string(b))
	}
	if _, _, err := runCLI(t, "", "import", "--db", db, "--learn-places=false", fc("ner-1", "Gorou Tinkar Banda", 1.9, 14.1)); err != nil {
		t.Fatal(err)
	}
	if cs := geocode("Gorou Tinkar Banda"); len(cs) != 0 {
		t.Errorf("--learn-places=false learned: %v", cs)
	}
	if _, _, err := runCLI(t, "", "import", "--db", db, fc("ner-2", "Banda Kwaratenga", 2.2, 14.3)); err != nil {
		t.Fatal(err)
	}
	if cs := geocode("Banda Kwaratenga"); len(cs) != 1 || cs[0]["lon"].(float64) != 2.2 {
		t.Errorf("after importing an incident at precision 1, its village geocodes as %v", cs)
	}
}

// A running server picks up places another process imported into its
// database (they used to wait for a restart).
func TestServerSeesPlacesImportedMeanwhile(t *testing.T) {
	defer func(d time.Duration) { placesPoll = d }(placesPoll)
	placesPoll = 50 * time.Millisecond
	dir := t.TempDir()
	db := filepath.Join(dir, "im.db")
	s := start(t, db)
	lookup := func() string {
		r := s.do("GET", "/api/v1/geocode?q=Kobadjou+Tinkar", "", nil)
		return string(r.body)
	}
	if body := lookup(); strings.Contains(body, `"geo_precision":1`) {
		t.Fatalf("before the import: %s", body)
	}
	file := filepath.Join(dir, "villages.csv")
	if err := os.WriteFile(file, []byte("name,lat,lon\nKobadjou Tinkar,14.6,1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCLI(t, "", "places", "import", "--db", db, file); err != nil {
		t.Fatalf("places import: %v %s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(lookup(), `"geo_precision":1`) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never saw the imported place: %s", lookup())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
