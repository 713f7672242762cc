package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The importer's fixtures: invented rows in the shapes ACLED and UCDP
// export.
const fixtures = "../../importer/testdata/"

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReimportUpdates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sync.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	export := fixture(t, "acled_export.csv")
	src := write("export.csv", export)
	if out, _, err := runCLI(t, "", "import", "--db", db, "--create", src); err != nil || !strings.Contains(out, "(ACLED CSV): new 3, updated 0, unchanged 0, stale 0, deleted 0, rejected 0") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	if out, _, _ := runCLI(t, "", "import", "--db", db, src); !strings.Contains(out, "new 0, updated 0, unchanged 3, stale 0") {
		t.Errorf("same file again: %s", out)
	}
	// The source revised NIG90001 (newer timestamp); a copy of NIG90002
	// older than the stored one changed too, and must not overwrite it.
	revised := strings.Replace(export, "of notes\",7,,1696300000", "of notes\",9,,1696600000", 1)
	revised = strings.Replace(revised, "Invented attack on a market,3,local administrators,1696400000", "Invented attack on a market,30,local administrators,1696000000", 1)
	if out, _, err := runCLI(t, "", "import", "--db", db, write("revised.csv", revised)); err != nil || !strings.Contains(out, "new 0, updated 1, unchanged 1, stale 1, deleted 0") {
		t.Fatalf("revised: %v\n%s", err, out)
	}
	s := start(t, db, "--no-seed")
	if p := s.get("/api/v1/incidents/NIG90001").json(t)["properties"].(map[string]any); p["fatalities"] != 9.0 || p["timestamp"] != 1696600000.0 {
		t.Errorf("updated: %v", p)
	}
	if p := s.get("/api/v1/incidents/NIG90002").json(t)["properties"].(map[string]any); p["fatalities"] != 3.0 {
		t.Errorf("a stale row overwrote a newer one: %v", p["fatalities"])
	}
	var h struct {
		Revisions []struct {
			Action string
			Actor  string
			After  map[string]any
		}
	}
	json.Unmarshal(s.get("/api/v1/incidents/NIG90001/history").body, &h)
	hist := h.Revisions
	if len(hist) != 2 || hist[1].Action != "update" || hist[1].Actor != "cli import" || hist[1].After["properties"].(map[string]any)["timestamp"] != 1696600000.0 {
		t.Errorf("history: %+v", hist)
	}
	s.stop()
	// ACLED's deletion list: NIG90002 goes; an id never stored changes nothing.
	if out, _, err := runCLI(t, "", "import", "--db", db, fixtures+"acled_deletions.csv"); err != nil || !strings.Contains(out, "(ACLED deletions CSV): new 0, updated 0, unchanged 1, stale 0, deleted 1") {
		t.Fatalf("deletions: %v\n%s", err, out)
	}
	s = start(t, db, "--no-seed")
	defer s.stop()
	if r := s.get("/api/v1/incidents/NIG90002"); r.status != 404 {
		t.Errorf("deleted incident: %d", r.status)
	}
}

func TestRejectsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rej.db")
	in := "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities,inter1\n" +
		"R1,2023-10-02,Battles,Armed clash,13.12,1.80,1,2\n" +
		"R2,2023-10-02,Battles,Armed clash,13.12,1.80,many,2\n" +
		"R3,2023-10-03,Battle,Armed clash,13.12,1.80,1,2\n" +
		"R4,2023-10-04,Battles,Armed clash,13.12,1.80,1,2\n"
	src := filepath.Join(dir, "in.csv")
	os.WriteFile(src, []byte(in), 0o644)
	rej := filepath.Join(dir, "rejects.csv")
	out, _, err := runCLI(t, "", "import", "--db", db, "--create", "--rejects", rej, src)
	if err == nil || !strings.Contains(out, "new 2,") || !strings.Contains(out, "rejected 2") ||
		!strings.Contains(out, "line 3 (R2): fatalities: \"many\" is not a whole number") || !strings.Contains(out, "line 4 (R3): event_type: ") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(rej)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || lines[0] != "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities,inter1,reason" || !strings.HasPrefix(lines[1], `R2,2023-10-02,Battles,Armed clash,13.12,1.80,many,2,"fatalities: `) {
		t.Fatalf("rejects file:\n%s", b)
	}
	// Fixed where they stand, they all go in.
	fixed := strings.Replace(strings.Replace(string(b), ",many,", ",4,", 1), ",Battle,", ",Battles,", 1)
	os.WriteFile(rej, []byte(fixed), 0o644)
	if out, _, err := runCLI(t, "", "import", "--db", db, rej); err != nil || !strings.Contains(out, "new 2, updated 0, unchanged 0, stale 0, deleted 0, rejected 0") {
		t.Fatalf("fixed rejects: %v\n%s", err, out)
	}
	s := start(t, db, "--no-seed")
	defer s.stop()
	if p := s.get("/api/v1/incidents/R2").json(t)["properties"].(map[string]any); p["fatalities"] != 4.0 || p["reason"] != nil || p["inter1"] != 2.0 {
		t.Errorf("R2 after the round trip: %v", p)
	}
}

func TestReportedAdminNames(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "adm.db")
	// Three spellings of Tillabéri, and a row whose point is in Tillabéri
	// while its source says Tahoua.
	body := fixture(t, "acled_dates_dmy.csv") + "NIG90014,16-05-2024,2024,1,Political violence,Battles,Armed clash,Invented Group,,2,,,0,20,,562,Western Africa,Niger,Tahoua,Torodi,,Invented Place,13.15,1.83,2,Invented,National,n,1,,1715900000\n"
	src := filepath.Join(dir, "adm.csv")
	os.WriteFile(src, []byte(body), 0o644)
	if out, _, err := runCLI(t, "", "import", "--db", db, "--create", src); err != nil || !strings.Contains(out, "new 4,") || !strings.Contains(out, "admin1 mismatches 1") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	s := start(t, db, "--no-seed")
	defer s.stop()
	for q, want := range map[string]int{"admin1=Tillabery": 3, "admin1=Tillabéri": 3, "admin1=tillaberi": 3, "admin1=Tahoua": 1, "admin2=TORODI": 4,
		"flag=admin1_mismatch": 1, "region=NE-6": 4, "region=NE-6&admin1=Tillaberi&start=2024-01-01": 2} {
		if got := s.list(q).NumberMatched; got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
	if p := s.get("/api/v1/incidents/NIG90014").json(t)["properties"].(map[string]any); p["admin1_mismatch"] != true || p["admin1"] != "Tahoua" || p["region_code"] != "NE-6" {
		t.Errorf("mismatched incident: %v", p)
	}
	if r := s.get("/api/v1/incidents?flag=nope"); r.status != 400 {
		t.Errorf("unknown flag: %d", r.status)
	}
}

func TestImportUpload(t *testing.T) {
	db := filepath.Join(t.TempDir(), "up.db")
	s := start(t, db, "--no-seed")
	defer s.stop()
	admin := token(t, db, "admin")
	post := func(query, ctype, body string) response {
		return s.doCT("POST", "/api/v1/import"+query, admin, ctype, body)
	}
	r := post("", "text/csv", fixture(t, "ucdp_ged.csv"))
	var rep struct {
		Shape    string
		New      int
		Rejected []any
	}
	json.Unmarshal(r.body, &rep)
	if r.status != 200 || rep.Shape != "UCDP GED" || rep.New != 3 || rep.Rejected == nil {
		t.Errorf("UCDP upload: %d %s", r.status, r.body)
	}
	for _, c := range []struct {
		name, query, body string
		status            int
		want              string
	}{
		{"binary", "", "\x00\x01PK-not-really\x00\x00", 400, "not CSV"},
		{"malformed GeoJSON", "", "{\"type\":\"FeatureCollection\",\n\"features\":[{", 400, "malformed GeoJSON"},
		{"ambiguous dates", "", fixture(t, "acled_dates_ambiguous.csv"), 400, "date_order"},
		{"dates settled", "?date_order=dmy", fixture(t, "acled_dates_ambiguous.csv"), 200, `"new":2`},
		{"bad date order", "?date_order=ymd", "", 400, "dmy"},
		{"every reject", "", "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude\nU1,someday,Battles,Armed clash,13,2\nU2,2023-10-02,Battles,Armed clash,x,2\n", 400, `"rejected":[{"record":2,"id":"U1","field":"event_date"`},
	} {
		r := post(c.query, "text/csv", c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.geojson")
	var lines []string
	for i := 0; i < 30; i++ {
		f := feature(fmt.Sprintf("imp-%02d", i), fmt.Sprintf("2024-02-%02d", 1+i%28), "Battles", "Armed clash", 1+float64(i)*0.1, 13.5, i, map[string]any{"notes": "Tillabéri <b>x</b>"})
		b, _ := json.Marshal(f)
		lines = append(lines, string(b))
	}
	// A GeoJSON text sequence with one bad record and one unplaceable.
	lines = append(lines, `{"type":"Feature","geometry":null,"properties":{"event_date":"2024-01-01","event_type":"Battles","sub_event_type":"Armed clash","location":"Xqzville"}}`, `{"type":"Feature",`)
	os.WriteFile(src, []byte(strings.Join(lines, "\n")), 0o644)
	db := filepath.Join(dir, "im.db")
	out, _, err := runCLI(t, "", "import", "--db", db, "--create", src)
	if err == nil || !strings.Contains(out, "new 30, updated 0, unchanged 0, stale 0, deleted 0, rejected 2") || !strings.Contains(out, "record 31") || !strings.Contains(out, "record 32") {
		t.Fatalf("import: err %v\n%s", err, out)
	}
	// Again: all unchanged, nothing duplicated; all-or-nothing refuses.
	out, _, _ = runCLI(t, "", "import", "--db", db, "--all-or-nothing", src)
	if !strings.Contains(out, "new 0, updated 0, unchanged 30") {
		t.Errorf("re-import: %s", out)
	}
	exp := filepath.Join(dir, "out.geojson")
	if _, _, err := runCLI(t, "", "export", "--db", db, "--out", exp); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(exp)
	var c fc
	if err := json.Unmarshal(b, &c); err != nil || len(c.Features) != 30 {
		t.Fatalf("export: %v, %d features", err, len(c.Features))
	}
	// Export → import into a new database gives the same incidents.
	db2 := filepath.Join(dir, "im2.db")
	if out, _, err := runCLI(t, "", "import", "--db", db2, "--create", exp); err != nil {
		t.Fatalf("re-import export: %v %s", err, out)
	}
	exp2 := filepath.Join(dir, "out2.geojson")
	runCLI(t, "", "export", "--db", db2, "--out", exp2)
	b2, _ := os.ReadFile(exp2)
	var c2 fc
	json.Unmarshal(b2, &c2)
	for i := range c.Features {
		p1, p2 := c.Features[i].Properties, c2.Features[i].Properties
		delete(p1, "updated_at")
		delete(p2, "updated_at")
		j1, _ := json.Marshal(p1)
		j2, _ := json.Marshal(p2)
		if c.Features[i].ID != c2.Features[i].ID || string(j1) != string(j2) {
			t.Errorf("round trip changed %s:\n%s\n%s", c.Features[i].ID, j1, j2)
		}
	}
	// Filters apply to export.
	out, _, err = runCLI(t, "", "export", "--db", db, "--filter", "bbox=0,13,1.55,14")
	json.Unmarshal([]byte(out), &c)
	if err != nil || len(c.Features) != 6 {
		t.Errorf("filtered export: %v, %d features, want 6", err, len(c.Features))
	}
	// limit= in the filter is honoured, newest first; without it, all.
	out, _, err = runCLI(t, "", "export", "--db", db, "--filter", "event_type=Battles&limit=4")
	c = fc{}
	json.Unmarshal([]byte(out), &c)
	if err != nil || len(c.Features) != 4 || c.Features[0].Properties["event_date"] != "2024-02-28" {
		t.Errorf("export with limit=4: %v, %d features (want 4, newest 2024-02-28 first)", err, len(c.Features))
	}
	out, _, err = runCLI(t, "", "export", "--db", db, "--filter", "event_type=Battles")
	c = fc{}
	json.Unmarshal([]byte(out), &c)
	if err != nil || len(c.Features) != 30 {
		t.Errorf("export with a filter and no limit: %v, %d features, want 30", err, len(c.Features))
	}
}

// GIS tools drop a Feature's id: QGIS's export of ACLED data has none,
// and a string id saved through QGIS or GDAL (GeoPackage, then GeoJSON)
// becomes an "id" property. Importing such files again is a sync, never
// the same incidents once more: the id is event_id_cnty, or the id
// property, as from a CSV.
func TestReimportGISExports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gis.db")
	qgis := fixtures + "qgis_export.geojson"
	if out, _, err := runCLI(t, "", "import", "--db", db, "--create", qgis); err != nil || !strings.Contains(out, "new 3, updated 0, unchanged 0") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, "", "import", "--db", db, qgis); err != nil || !strings.Contains(out, "new 0, updated 0, unchanged 3") {
		t.Fatalf("the QGIS export again: %v\n%s", err, out)
	}
	// ACLED's CSV (its rows revise two of the QGIS file's), and ogr2ogr's
	// all-string GeoJSON of it, are the same incidents.
	if out, _, err := runCLI(t, "", "import", "--db", db, fixtures+"acled_export.csv"); err != nil || !strings.Contains(out, "new 0, updated 2, unchanged 1") {
		t.Fatalf("the CSV: %v\n%s", err, out)
	}
	if out, _, err := runCLI(t, "", "import", "--db", db, fixtures+"acled_ogr2ogr.geojson"); err != nil || !strings.Contains(out, "new 0, updated 0, unchanged 3") {
		t.Fatalf("ogr2ogr's GeoJSON of the CSV: %v\n%s", err, out)
	}
	// incidentmap's own export, its ids moved into the properties.
	exp := filepath.Join(dir, "out.geojson")
	if _, _, err := runCLI(t, "", "export", "--db", db, "--out", exp); err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	b, _ := os.ReadFile(exp)
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, f := range c["features"].([]any) {
		f := f.(map[string]any)
		f["properties"].(map[string]any)["id"] = f["id"]
		delete(f, "id")
	}
	b, _ = json.Marshal(c)
	saved := filepath.Join(dir, "saved.geojson")
	os.WriteFile(saved, b, 0o644)
	if out, _, err := runCLI(t, "", "import", "--db", db, saved); err != nil || !strings.Contains(out, "new 0, updated 0, unchanged 3") {
		t.Fatalf("the export saved by QGIS: %v\n%s", err, out)
	}
}
