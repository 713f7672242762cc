package main

import (
	"archive/zip"
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/paulmach/orb"
	_ "modernc.org/sqlite"
)

// Common spellings reports use that neither source lists, keyed by the
// name the sources give.
var variants = map[string][]string{
	"Birni N Konni":   {"Birni N'Konni", "Birnin Konni", "Birnin-Konni", "Konni"},
	"Tchin Tabaradèn": {"Tchintabaraden", "Tchin-Tabaraden"},
	"Maïné Soroa":     {"Mainé-Soroa", "Maine Soroa"},
	"I-n-Gall":        {"In-Gall", "Ingall"},
	"Agadez":          {"Agades"},
	"Dogondoutchi":    {"Dogon Doutchi", "Dogon-Doutchi"},
	"Birnin Gaouré":   {"Birni Ngaouré", "Birni N'Gaouré"},
	"Adérbissinat":    {"Aderbissanat"},
	"Alaghsas":        {"Aleg"},
}

// osmKinds are the OSM place values kept: where people live. Regions,
// squares, islands and the like are not places an incident happens "in".
var osmKinds = map[string]bool{"city": true, "town": true, "village": true, "hamlet": true, "suburb": true, "locality": true, "isolated_dwelling": true}

// dedupKM: two places of one folded name this close are one place mapped
// twice (OSM) or by both sources; villages of one name are further apart.
const dedupKM = 2

// readOSMPlaces reads the named place nodes of every country file
// (*.sqlite.zip) in dir.
func readOSMPlaces(dir string) ([]geo.PlaceRecord, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite.zip"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("osm: no *.sqlite.zip in %s", dir)
	}
	tmp, err := os.MkdirTemp("", "datagen-osm")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []geo.PlaceRecord
	for _, f := range files {
		ps, err := readOSMZip(f, tmp)
		if err != nil {
			return nil, fmt.Errorf("osm: %s: %w", filepath.Base(f), err)
		}
		out = append(out, ps...)
	}
	return out, nil
}

// readOSMZip unzips the one SQLite file of a country zip to tmp (SQLite
// cannot read from inside a zip) and reads its place nodes.
func readOSMZip(path, tmp string) ([]geo.PlaceRecord, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%d files in the zip, want one SQLite file", len(zr.File))
	}
	db := filepath.Join(tmp, "places.sqlite")
	if err := unzipTo(zr.File[0], db); err != nil {
		return nil, err
	}
	defer os.Remove(db)
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT LAT, LON, COALESCE(NAME, ''), COALESCE(NAME_EN, ''), COALESCE(NAME_DE, ''), VALUE, COALESCE(POPULATION, 0) FROM NODE WHERE TAG = 'place' ORDER BY ID`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []geo.PlaceRecord
	for rows.Next() {
		var p geo.PlaceRecord
		var en, de string
		var pop int64
		if err := rows.Scan(&p.Point[1], &p.Point[0], &p.Name, &en, &de, &p.Kind, &pop); err != nil {
			return nil, err
		}
		p.Name = strings.TrimSpace(p.Name)
		if !osmKinds[p.Kind] || p.Name == "" && en == "" {
			continue
		}
		if p.Name == "" || !hasLatin(p.Name) && hasLatin(en) {
			// Libya's and Egypt's names are in Arabic script; reports
			// in English or French use the English name.
			p.Name, en = strings.TrimSpace(en), p.Name
		}
		for _, v := range []string{en, de} {
			if v = strings.TrimSpace(v); v != "" && geo.PlaceKey(v) != geo.PlaceKey(p.Name) {
				p.Variants = appendVariant(p.Variants, v)
			}
		}
		p.Population, p.Sources = int(max(0, min(pop, 1<<31))), geo.SourceOSM
		out = append(out, p)
	}
	return out, rows.Err()
}

func unzipTo(f *zip.File, path string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func hasLatin(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

// appendVariant adds v unless a spelling of it is there (PlaceKey-equal
// spellings are matched alike, so one is enough).
func appendVariant(vs []string, v string) []string {
	for _, w := range vs {
		if geo.PlaceKey(w) == geo.PlaceKey(v) {
			return vs
		}
	}
	return append(vs, v)
}

type gnCity struct {
	Name    string `json:"name"`
	Lat     string `json:"lat"`
	Lng     string `json:"lng"`
	Country string `json:"country"`
	Admin1  string `json:"admin1"`
}

// readGeoNamesPlaces reads the GeoNames cities of the world (populated
// places above 1,000 people, and admin seats).
func readGeoNamesPlaces(raw []byte) ([]geo.PlaceRecord, error) {
	var cities []gnCity
	if err := json.Unmarshal(raw, &cities); err != nil {
		return nil, fmt.Errorf("geonames: %w", err)
	}
	out := make([]geo.PlaceRecord, 0, len(cities))
	for _, c := range cities {
		lat, err1 := strconv.ParseFloat(c.Lat, 64)
		lon, err2 := strconv.ParseFloat(c.Lng, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("geonames: bad coordinates for %s", c.Name)
		}
		out = append(out, geo.PlaceRecord{Name: c.Name, Kind: "town", Point: orb.Point{lon, lat}, Sources: geo.SourceGeoNames})
	}
	if len(out) < 100000 {
		return nil, fmt.Errorf("geonames: only %d places; has the package changed shape?", len(out))
	}
	return out, nil
}

// buildPlaces gives every place its country and admin-1 unit (Reverse on
// the new atlas), drops those in no country, merges the places of one
// folded name within dedupKM (the most important kept, the other
// spellings as variants) and sorts them by country, admin-1 and latitude.
func buildPlaces(g *geo.Geography, in []geo.PlaceRecord) ([]geo.PlaceRecord, int) {
	dropped := 0
	kept := in[:0]
	for _, p := range in {
		loc := g.Reverse(p.Point[0], p.Point[1])
		if loc.Country == nil || loc.Admin1 == nil {
			dropped++
			continue
		}
		p.Country, p.Admin1 = *loc.Country, loc.Admin1.Code
		for _, v := range variants[p.Name] {
			p.Variants = appendVariant(p.Variants, v)
		}
		kept = append(kept, p)
	}
	rank := func(p geo.PlaceRecord) int {
		return slices.Index([]string{"city", "town", "village", "suburb", "hamlet", "locality", "isolated_dwelling"}, p.Kind)
	}
	// OSM first (its kinds are finer than GeoNames' "town"), then by kind.
	slices.SortStableFunc(kept, func(a, b geo.PlaceRecord) int {
		return cmp.Or(boolCmp(a.Sources&geo.SourceOSM == 0, b.Sources&geo.SourceOSM == 0), cmp.Compare(rank(a), rank(b)))
	})
	byKey := map[string][]int{}
	var out []geo.PlaceRecord
	for _, p := range kept {
		k := geo.PlaceKey(p.Name)
		merged := false
		for _, i := range byKey[k] {
			q := &out[i]
			if geo.DistanceKM(q.Point, p.Point) > dedupKM {
				continue
			}
			if p.Name != q.Name {
				q.Variants = appendVariant(q.Variants, p.Name)
			}
			for _, v := range p.Variants {
				q.Variants = appendVariant(q.Variants, v)
			}
			q.Sources |= p.Sources
			q.Population = max(q.Population, p.Population)
			merged = true
			break
		}
		if !merged {
			byKey[k] = append(byKey[k], len(out))
			out = append(out, p)
		}
	}
	for i := range out {
		// A variant folding to the name is matched by the name already.
		out[i].Variants = slices.DeleteFunc(out[i].Variants, func(v string) bool { return geo.PlaceKey(v) == geo.PlaceKey(out[i].Name) })
	}
	slices.SortFunc(out, func(a, b geo.PlaceRecord) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(a.Admin1, b.Admin1), cmp.Compare(a.Point[1], b.Point[1]), cmp.Compare(a.Point[0], b.Point[0]), cmp.Compare(a.Name, b.Name))
	})
	return out, dropped
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
