package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	_ "modernc.org/sqlite"
)

// gdal runs a GDAL command line tool; ./scripts/test installs gdal-bin.
func gdal(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: install GDAL with `apt-get install gdal-bin` (./scripts/test does)", tool)
	}
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS=", "GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var featureCount = regexp.MustCompile(`Feature Count: (\d+)`)

func countOf(t *testing.T, info string) int {
	t.Helper()
	m := featureCount.FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no feature count in:\n%s", info)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// gisFixture serves the seed plus incidents with awkward text.
func gisFixture(t *testing.T) (*instance, string) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	loadFixtures(t, s, tok)
	f := feature("awkward-1", "2024-06-01", "Riots", "Mob violence", 1.45418, 14.20711, 1, map[string]any{
		"location": "Tillabéri, \"centre\"", "notes": "a, b; c\nline two <b>&amp;</b> =SUM(A1)", "actor1": "=cmd|' /C calc'!A0", "admin1": "Tillabéri",
		"tags": []string{"curfew", "armed checkpoint"},
	})
	if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	return s, db
}

func TestOGCAPIWithGDAL(t *testing.T) {
	s, _ := gisFixture(t)
	ogc := "OAPIF:" + s.base + "/ogc"
	list := gdal(t, "ogrinfo", "-ro", "-q", ogc)
	for _, col := range []string{"incidents", "regions", "borders", "zones", "places"} {
		if !strings.Contains(list, col) {
			t.Errorf("ogrinfo does not list collection %s:\n%s", col, list)
		}
	}
	want := s.list("limit=10000")
	info := gdal(t, "ogrinfo", "-ro", "-so", ogc, "incidents")
	if n := countOf(t, info); n != want.NumberMatched {
		t.Errorf("ogrinfo counts %d incidents, the API %d", n, want.NumberMatched)
	}
	// Page through all incidents two at a time and convert to a GeoPackage.
	out := filepath.Join(t.TempDir(), "incidents.gpkg")
	gdal(t, "ogr2ogr", "-f", "GPKG", out, ogc, "incidents", "-oo", "PAGE_SIZE=2")
	db, err := sql.Open("sqlite", out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, fatalities, region_code FROM incidents`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var id, region sql.NullString
		var fat int
		rows.Scan(&id, &fat, &region)
		got[id.String] = fmt.Sprint(fat, region.String)
	}
	if len(got) != want.NumberMatched {
		t.Errorf("GeoPackage has %d incidents, API %d", len(got), want.NumberMatched)
	}
	for _, f := range want.Features {
		region, _ := f.Properties["region_code"].(string)
		if w := fmt.Sprint(f.Properties["fatalities"], region); got[f.ID] != w {
			t.Errorf("%s: GeoPackage %q, API %q", f.ID, got[f.ID], w)
		}
	}
	// That GeoPackage, converted to GeoJSON by ogr2ogr, imports with the
	// tags it had: GDAL wrote each tags array as "(2:seed,coup)".
	tagsBack(t, out, want)
	// The reference layers come through too.
	if n := countOf(t, gdal(t, "ogrinfo", "-ro", "-so", ogc, "regions")); n != 171 {
		t.Errorf("regions: %d features, want 171 (Burkina Faso in 13 regions)", n)
	}
	if n := countOf(t, gdal(t, "ogrinfo", "-ro", "-so", ogc, "places")); n < 70 {
		t.Errorf("places: %d features", n)
	}
}

// tagsBack converts a GeoPackage to GeoJSON with ogr2ogr, imports that
// into a new database and checks every incident of want comes back with
// its tags.
func tagsBack(t *testing.T, gpkg string, want fc) {
	t.Helper()
	dir := t.TempDir()
	gj := filepath.Join(dir, "incidents.geojson")
	gdal(t, "ogr2ogr", "-f", "GeoJSON", gj, gpkg)
	db := filepath.Join(dir, "back.db")
	if out, _, err := runCLI(t, "", "import", "--db", db, "--create", gj); err != nil || !strings.Contains(out, fmt.Sprintf("new %d,", len(want.Features))) {
		t.Fatalf("import of ogr2ogr's GeoJSON of %s: %v %s", filepath.Base(gpkg), err, out)
	}
	exp, _, _ := runCLI(t, "", "export", "--db", db)
	var back fc
	json.Unmarshal([]byte(exp), &back)
	got := map[string]string{}
	for _, f := range back.Features {
		got[f.ID] = fmt.Sprint(f.Properties["tags"])
	}
	tagged := 0
	for _, f := range want.Features {
		if w := fmt.Sprint(f.Properties["tags"]); got[f.ID] != w {
			t.Errorf("%s: tags %s after GeoPackage → GeoJSON → import, want %s", f.ID, got[f.ID], w)
		}
		if tags, _ := f.Properties["tags"].([]any); len(tags) > 1 {
			tagged++
		}
	}
	if tagged < 2 {
		t.Fatalf("only %d incidents with two tags or more: the round trip proves nothing", tagged)
	}
}

func TestOGCAPIDocuments(t *testing.T) {
	s, _ := gisFixture(t)
	land := s.get("/ogc").json(t)
	rels := map[string]bool{}
	for _, l := range land["links"].([]any) {
		rels[l.(map[string]any)["rel"].(string)] = true
	}
	for _, r := range []string{"self", "alternate", "service-desc", "conformance", "data"} {
		if !rels[r] {
			t.Errorf("landing page lacks a %s link", r)
		}
	}
	conf := s.get("/ogc/conformance").json(t)
	if !slices.Contains(toStrings(conf["conformsTo"]), "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core") {
		t.Errorf("conformance: %v", conf)
	}
	if api := s.get("/ogc/api").json(t); api["openapi"] != "3.0.3" || api["paths"].(map[string]any)["/collections/{collectionId}/items"] == nil {
		t.Errorf("OpenAPI document: %v", api["openapi"])
	}
	for path, ctype := range map[string]string{
		"/ogc?f=html": "text/html", "/ogc/collections?f=html": "text/html", "/ogc/collections/incidents/items?f=html": "text/html",
		"/ogc/collections/incidents/items": "application/geo+json", "/ogc/collections/incidents/items/torodi-1": "application/geo+json",
		"/ogc/collections/incidents/queryables": "application/schema+json",
	} {
		r := s.get(path)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) {
			t.Errorf("%s: %d %s, want 200 %s", path, r.status, r.header.Get("Content-Type"), ctype)
		}
	}
	// HTML pages escape what they show.
	if b := string(s.get("/ogc/collections/incidents/items/awkward-1?f=html").body); strings.Contains(b, "<b>&amp;</b>") || !strings.Contains(b, "&lt;b&gt;") {
		t.Error("HTML item page does not escape notes")
	}
	for q, want := range map[string]int{
		"datetime=2024-01-15":                                1,
		"datetime=2024-01-01/..":                             5,
		"datetime=../2023-08-15":                             2,
		"datetime=2024-01-01T00:00:00Z/2024-03-31T23:59:59Z": 3,
		"bbox=0,12,3,15&region=NE-6":                         4,
		"event_type=Battles&border=BFA&border_km=50":         2,
	} {
		r := s.get("/ogc/collections/incidents/items?" + q)
		var c fc
		json.Unmarshal(r.body, &c)
		if r.status != 200 || c.NumberMatched != want {
			t.Errorf("items?%s: %d, numberMatched %d, want %d: %s", q, r.status, c.NumberMatched, want, r.body)
		}
	}
	for _, q := range []string{"datetime=yesterday", "bbox=1,2", "limit=0", "nonsense=1", "f=xml"} {
		if r := s.get("/ogc/collections/incidents/items?" + q); r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("items?%s: %d, want 400 problem", q, r.status)
		}
	}
	if r := s.get("/ogc/collections/nope"); r.status != 404 {
		t.Errorf("unknown collection: %d", r.status)
	}
	if r := s.get("/ogc/collections/incidents/items?limit=100000"); r.status != 200 {
		t.Errorf("a limit over the maximum is lowered, not refused: %d", r.status)
	}
}

func TestDownloadsOpenInGDAL(t *testing.T) {
	s, _ := gisFixture(t)
	dir := t.TempDir()
	want := s.list("limit=10000").NumberMatched
	for _, f := range []struct{ f, ext string }{{"geojson", "geojson"}, {"geojsonseq", "geojsonl"}, {"csv", "csv"}, {"kml", "kml"}, {"gpkg", "gpkg"}} {
		t.Run(f.f, func(t *testing.T) {
			r := s.get("/api/v1/incidents?f=" + f.f)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "."+f.ext) {
				t.Errorf("Content-Disposition %q", cd)
			}
			path := filepath.Join(dir, "incidents."+f.ext)
			os.WriteFile(path, r.body, 0o644)
			args := []string{"-ro", "-al"}
			if f.f == "csv" {
				args = append(args, "-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude")
			}
			info := gdal(t, "ogrinfo", append(args, path)...)
			// GDAL warns of values not in the format's own form (a GeoPackage
			// DATETIME with nanoseconds was one).
			if strings.Contains(info, "Non-conformant") {
				t.Errorf("ogrinfo warns of non-conformant content:\n%.2000s", info)
			}
			if n := countOf(t, info); n != want {
				t.Errorf("ogrinfo counts %d features, want %d", n, want)
			}
			if !strings.Contains(info, "POINT (1.45418 14.20711)") {
				t.Errorf("ogrinfo does not show the Tillabéri point")
			}
			if !strings.Contains(info, "Tillabéri") {
				t.Errorf("non-ASCII name lost")
			}
			if f.f != "geojson" && f.f != "geojsonseq" && !strings.Contains(info, "Mob violence") {
				t.Errorf("attributes missing:\n%s", info)
			}
		})
	}
	// Our own GeoPackage writes tags as "curfew; armed checkpoint".
	tagsBack(t, filepath.Join(dir, "incidents.gpkg"), s.list("limit=10000"))
	// Filters apply to downloads; an empty result is still a valid file.
	r := s.get("/api/v1/incidents?f=csv&region=NE-2")
	if lines := strings.Count(strings.TrimSpace(string(r.body)), "\n"); lines != 1 {
		t.Errorf("CSV for Diffa has %d data rows, want 1", lines)
	}
	for _, f := range []string{"geojson", "csv", "kml", "gpkg"} {
		r := s.get("/api/v1/incidents?min_fatalities=99999&f=" + f)
		path := filepath.Join(dir, "empty."+f)
		os.WriteFile(path, r.body, 0o644)
		if n := countOf(t, gdal(t, "ogrinfo", "-ro", "-al", "-so", path)); n != 0 {
			t.Errorf("empty %s: %d features", f, n)
		}
	}
	if r := s.get("/api/v1/incidents?f=shp"); r.status != 400 || !strings.Contains(string(r.body), "gpkg") {
		t.Errorf("unknown format: %d %s", r.status, r.body)
	}
}

const acledHeader = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n"

func TestACLEDCSVImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "im.db")
	good := acledHeader +
		`NIG1001,2023-10-02,2023,1,Political violence,Battles,Armed clash,JNIM: Group for Support of Islam and Muslims,,2,Military Forces of Niger (2023-),,1,12,,562,Western Africa,Niger,Tahoua,Tillia,,Tabatol,15.55,4.05,2,Reuters; ActuNiger,International-National,"Attack on a convoy; ""several dozen"" killed",29,,1696512000` + "\n" +
		`NIG1002,15 August 2023,2023,1,Political violence,Battles,Armed clash,Islamic State Sahel,,2,Military Forces of Niger (2023-),,1,12,,562,Western Africa,Niger,Tillabéri,Torodi,,Koutougou,13.2,1.4,2,AFP,International,Ambush,17,,1692100000` + "\n"
	src := filepath.Join(dir, "acled.csv")
	os.WriteFile(src, []byte(good), 0o644)
	out, _, err := runCLI(t, "", "import", "--db", db, "--create", src)
	if err != nil || !strings.Contains(out, "new 2,") {
		t.Fatalf("import: %v %s", err, out)
	}
	// Exported again, the ACLED columns come back as they were.
	s := start(t, db, "--no-seed")
	r := s.get("/api/v1/incidents?f=csv")
	lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
	if !strings.HasPrefix(lines[0], strings.TrimSpace(acledHeader)) {
		t.Errorf("CSV header is not ACLED's:\n%s", lines[0])
	}
	p := s.get("/api/v1/incidents/NIG1001").json(t)["properties"].(map[string]any)
	if p["inter1"] != 2.0 || p["timestamp"] != 1696512000.0 || p["disorder_type"] != "Political violence" || p["region_code"] != "NE-5" || p["notes"] != `Attack on a convoy; "several dozen" killed` {
		t.Errorf("imported ACLED row: %v", p)
	}
	if p := s.get("/api/v1/incidents/NIG1002").json(t)["properties"].(map[string]any); p["event_date"] != "2023-08-15" {
		t.Errorf("ACLED long date not read: %v", p["event_date"])
	}
	s.stop()

	// CSV export → import into a new database: the same incidents.
	exp := filepath.Join(dir, "export.csv")
	os.WriteFile(exp, r.body, 0o644)
	db2 := filepath.Join(dir, "im2.db")
	if out, _, err := runCLI(t, "", "import", "--db", db2, "--create", exp); err != nil {
		t.Fatalf("re-import of the CSV export: %v %s", err, out)
	}
	a1, _, _ := runCLI(t, "", "export", "--db", db)
	a2, _, _ := runCLI(t, "", "export", "--db", db2)
	if strip(a1) != strip(a2) {
		t.Errorf("CSV round trip changed incidents:\n%s\n%s", strip(a1), strip(a2))
	}

	// Bad rows and a row the geography cannot place: each reported by line,
	// the good row imported; with --strict, nothing.
	bad := acledHeader +
		`NIG2001,2023-10-03,2023,1,,Battles,Armed clash,A,,,B,,,,,562,,Niger,,,,X,13.5,2.1,1,S,,n,1,,` + "\n" +
		`NIG2002,2023-10-04,2023,1,,Battles,Not a sub-type,A,,,B,,,,,562,,Niger,,,,X,13.5,2.1,1,S,,n,1,,` + "\n" +
		`NIG2003,2023-10-05,2023,1,,Battles,Armed clash,A,,,B,,,,,,,,,,,Mid-Atlantic,0.0,-30.0,1,S,,n,1,,` + "\n" +
		`NIG2004,yesterday,2023,1,,Battles,Armed clash,A,,,B,,,,,562,,Niger,,,,X,13.5,2.1,1,S,,n,1,,` + "\n"
	badPath := filepath.Join(dir, "bad.csv")
	os.WriteFile(badPath, []byte(bad), 0o644)
	out, _, err = runCLI(t, "", "import", "--db", db, "--strict", badPath)
	if err == nil || !strings.Contains(out, "new 0,") || !strings.Contains(out, "line 3") || !strings.Contains(out, "line 4") || !strings.Contains(out, "line 5") || strings.Contains(out, "line 2 ") {
		t.Errorf("bad CSV: err %v\n%s", err, out)
	}
	s = start(t, db, "--no-seed")
	if r := s.get("/api/v1/incidents/NIG2001"); r.status != 404 {
		t.Error("a valid row of a rejected CSV was imported under --strict")
	}

	// The admin upload endpoint.
	editor, admin := token(t, db, "editor"), token(t, db, "admin")
	if r := s.do("POST", "/api/v1/import", editor, bad); r.status != 403 {
		t.Errorf("editor import: %d", r.status)
	}
	req := func(tok, body string) response {
		return s.doCT("POST", "/api/v1/import", tok, "text/csv", body)
	}
	r = s.doCT("POST", "/api/v1/import?strict=true", admin, "text/csv", bad)
	var prob struct {
		Rejected []struct {
			Record int
			Reason string
		}
	}
	json.Unmarshal(r.body, &prob)
	if r.status != 400 || len(prob.Rejected) != 3 || prob.Rejected[0].Record != 3 {
		t.Errorf("admin import of a bad CSV: %d %s", r.status, r.body)
	}
	good2 := acledHeader + `NIG3001,2024-01-02,2024,1,,Protests,Peaceful protest,Protesters (Niger),,,,,,,,562,,Niger,Niamey,,,Niamey,13.51,2.11,1,S,,n,0,,` + "\n"
	if r = req(admin, good2); r.status != 200 || !strings.Contains(string(r.body), `"new":1`) {
		t.Errorf("admin import: %d %s", r.status, r.body)
	}
}

// strip drops the times an export stamps, which differ between databases.
func strip(geojson string) string {
	var c fc
	json.Unmarshal([]byte(geojson), &c)
	var out []string
	for _, f := range c.Features {
		delete(f.Properties, "created_at")
		delete(f.Properties, "updated_at")
		b, _ := json.Marshal(f.Properties)
		out = append(out, f.ID+" "+string(b))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestVectorTiles(t *testing.T) {
	s, _ := gisFixture(t)
	// Zoom 5 tile 16/14 covers south-western Niger (0°–11.25°E, 11.2°N–21.9°N).
	r := s.get("/tiles/incidents/5/16/14.mvt")
	if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("tile: %d %s", r.status, r.header.Get("Content-Type"))
	}
	layers, err := mvt.Unmarshal(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 || layers[0].Name != "incidents" {
		t.Fatalf("layers %v", layers)
	}
	want := s.list("bbox=0,11.178,11.25,21.943")
	if len(layers[0].Features) != want.NumberMatched {
		t.Errorf("tile has %d incidents, bbox query %d", len(layers[0].Features), want.NumberMatched)
	}
	r = s.get("/tiles/incidents/5/16/14.mvt?event_type=Battles")
	layers, _ = mvt.Unmarshal(r.body)
	if n := len(layers[0].Features); n != s.list("bbox=0,11.178,11.25,21.943&event_type=Battles").NumberMatched {
		t.Errorf("filtered tile has %d incidents", n)
	}
	for _, bad := range []string{"/tiles/incidents/5/99/14.mvt", "/tiles/incidents/x/1/1.mvt", "/tiles/incidents/5/16/14.png", "/tiles/incidents/5/16/14.mvt?bbox=1,2,3,4"} {
		if r := s.get(bad); r.status != 400 {
			t.Errorf("%s: %d, want 400", bad, r.status)
		}
	}
}

// A GeoJSON text sequence download imports back as the same incidents.
func TestGeoJSONSeqRoundTrip(t *testing.T) {
	s, db := gisFixture(t)
	r := s.get("/api/v1/incidents?f=geojsonseq")
	if r.status != 200 || r.body[0] != 0x1e {
		t.Fatalf("geojsonseq: %d %q", r.status, r.body[:min(20, len(r.body))])
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "incidents.geojsonl")
	os.WriteFile(path, r.body, 0o644)
	db2 := filepath.Join(dir, "copy.db")
	if out, _, err := runCLI(t, "", "import", "--db", db2, "--create", path); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	a, _, _ := runCLI(t, "", "export", "--db", db)
	b, _, _ := runCLI(t, "", "export", "--db", db2)
	if strip(a) != strip(b) {
		t.Errorf("geojsonseq round trip changed incidents:\n%s\n%s", strip(a), strip(b))
	}
}
