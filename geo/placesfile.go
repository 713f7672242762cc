package geo

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MaxPlacesFile bounds a places file: a country's full GeoNames dump
// (Nigeria's is the largest of Africa, about 60 MB and 300,000 rows) fits; a
// mistake (a planet file, a binary) is refused before it is read whole.
const (
	MaxPlacesFileBytes = 256 << 20
	MaxPlacesFileRows  = 1_000_000
)

// ReadPlacesFile reads a places file in any format ReadPlaces knows.
func ReadPlacesFile(path string) ([]Place, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("places file: %w", err)
	}
	defer f.Close()
	ps, err := ReadPlaces(f)
	if err != nil {
		return nil, fmt.Errorf("places file %s: %w", path, err)
	}
	return ps, nil
}

// ReadPlaces reads places users add, in one of three formats told apart by
// their content: a GeoNames dump (tab-separated: geonameid, name,
// asciiname, alternatenames, latitude, longitude, feature class, feature
// code, country code, ...), GeoJSON (a FeatureCollection or Feature of
// Points with "name" and optional "variants", "kind"), or CSV with a
// header naming name, lat and lon (variants optional, ";"-separated). Every
// row must be a place: the first bad one fails the whole file, with its
// line and what to fix, so nothing is half-imported.
func ReadPlaces(r io.Reader) ([]Place, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxPlacesFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxPlacesFileBytes {
		return nil, fmt.Errorf("larger than %d MB; split it", MaxPlacesFileBytes>>20)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	head := raw[:min(len(raw), 4096)]
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		return nil, errors.New("empty: give a GeoNames dump, GeoJSON points or CSV name,lat,lon")
	case bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head[:max(0, len(head)-4)]):
		return nil, errors.New("binary, not text: give a GeoNames dump (.txt, unzipped), GeoJSON points or CSV name,lat,lon")
	case bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")):
		return readPlacesGeoJSON(raw)
	case bytes.Count(firstLine(head), []byte("\t")) >= 8:
		return readPlacesGeoNames(raw)
	}
	return readPlacesCSV(raw)
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// geoNamesKinds maps GeoNames feature codes (class P, populated places) to
// kinds: capitals and admin seats are towns or cities, PPL a village.
var geoNamesKinds = map[string]string{
	"PPLC": "city", "PPLA": "city", "PPLA2": "town", "PPLA3": "town", "PPLA4": "village", "PPLG": "town",
	"PPL": "village", "PPLL": "hamlet", "PPLX": "suburb", "PPLF": "hamlet", "PPLS": "village", "PPLR": "village", "PPLQ": "locality", "PPLW": "locality", "PPLH": "locality",
}

func readPlacesGeoNames(raw []byte) ([]Place, error) {
	var out []Place
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 9 {
			return nil, fmt.Errorf("line %d: %d tab-separated fields; a GeoNames row has 19 (geonameid, name, asciiname, alternatenames, latitude, longitude, feature class, feature code, country code, ...)", line, len(f))
		}
		if f[6] != "P" && f[6] != "" {
			// Rivers, wells, mountains: not places incidents happen "in".
			continue
		}
		p, err := placeOf(f[1], f[4], f[5])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		for _, v := range append([]string{f[2]}, strings.Split(f[3], ",")...) {
			if v = strings.TrimSpace(v); v != "" && PlaceKey(v) != PlaceKey(p.Name) && len(p.Variants) < 50 && !isLinkOrCode(v) {
				p.Variants = append(p.Variants, v)
			}
		}
		p.Kind = geoNamesKinds[f[7]]
		if len(f) > 14 {
			p.Population, _ = strconv.Atoi(f[14])
		}
		if out = append(out, p); len(out) > MaxPlacesFileRows {
			return nil, fmt.Errorf("more than %d places; split the file", MaxPlacesFileRows)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return out, nil
}

// isLinkOrCode drops GeoNames alternate names that are no spelling: links,
// airport codes, postcodes.
func isLinkOrCode(s string) bool {
	return strings.Contains(s, "://") || len(s) <= 4 && strings.ToUpper(s) == s || strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
}

func placeOf(name, lat, lon string) (Place, error) {
	la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if err1 != nil || err2 != nil {
		return Place{}, fmt.Errorf("%q: latitude %q and longitude %q must be decimal degrees", name, lat, lon)
	}
	p := Place{Name: strings.TrimSpace(name), Point: orb.Point{lo, la}}
	return p, CheckPlace(p)
}

func readPlacesGeoJSON(raw []byte) ([]Place, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var feats []*geojson.Feature
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			return nil, err
		}
		feats = fc.Features
	case "Feature":
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, err
		}
		feats = []*geojson.Feature{f}
	default:
		return nil, fmt.Errorf("GeoJSON of type %q; give a FeatureCollection of Points", probe.Type)
	}
	if len(feats) > MaxPlacesFileRows {
		return nil, fmt.Errorf("%d features; at most %d, split the file", len(feats), MaxPlacesFileRows)
	}
	out := make([]Place, 0, len(feats))
	for i, f := range feats {
		pt, ok := f.Geometry.(orb.Point)
		if !ok {
			return nil, fmt.Errorf("feature %d is a %s; places must be Points", i, geomType(f.Geometry))
		}
		name, _ := f.Properties["name"].(string)
		p := Place{Name: strings.TrimSpace(name), Point: pt, Kind: f.Properties.MustString("kind", "")}
		switch vs := f.Properties["variants"].(type) {
		case []any:
			for _, v := range vs {
				if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
					p.Variants = append(p.Variants, strings.TrimSpace(s))
				}
			}
		case string:
			p.Variants = splitVariants(vs)
		}
		if err := CheckPlace(p); err != nil {
			return nil, fmt.Errorf("feature %d: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func splitVariants(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func geomType(g orb.Geometry) string {
	if g == nil {
		return "feature without geometry"
	}
	return g.GeoJSONType()
}

func readPlacesCSV(raw []byte) ([]Place, error) {
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, alias := range [][2]string{{"latitude", "lat"}, {"longitude", "lon"}, {"lng", "lon"}, {"long", "lon"}} {
		if i, ok := col[alias[0]]; ok {
			if _, dup := col[alias[1]]; !dup {
				col[alias[1]] = i
			}
		}
	}
	for _, need := range []string{"name", "lat", "lon"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("the first line %q has no %q column: a places CSV starts with the header name,lat,lon (variants optional)", strings.Join(header, ","), need)
		}
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []Place
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		p, err := placeOf(get(rec, "name"), get(rec, "lat"), get(rec, "lon"))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		p.Variants, p.Kind = splitVariants(get(rec, "variants")), strings.TrimSpace(get(rec, "kind"))
		if out = append(out, p); len(out) > MaxPlacesFileRows {
			return nil, fmt.Errorf("more than %d places; split the file", MaxPlacesFileRows)
		}
	}
	return out, nil
}
