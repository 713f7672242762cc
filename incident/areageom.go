package incident

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Limits of a zone or site as sent.
const (
	// MaxAreaPositions bounds the positions of a zone or site: a country's
	// 1:10m outline has about 20,000. The reader stops at the first one
	// over, so a body of ten million is refused after reading 100,001.
	MaxAreaPositions = 100000
	maxAreaName      = 200
)

// AreaFeature is a zone or site as a client sends it: a GeoJSON Feature
// with a name property.
type AreaFeature struct {
	// ID is the Feature's id when it has one: the id the client wants
	// (a README or a script can then name it without reading the answer).
	ID       string
	Name     string
	Geometry orb.Geometry
}

// ReadAreaFeature reads a GeoJSON Feature with a geometry, a "name"
// property and optionally an id from r, position by position: it refuses a geometry of more than
// MaxAreaPositions positions as soon as it has read one too many, without
// reading the rest.
func ReadAreaFeature(r io.Reader) (*AreaFeature, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{', "body", "a GeoJSON Feature, {\"type\":\"Feature\",\"geometry\":...,\"properties\":{\"name\":...}}"); err != nil {
		return nil, err
	}
	var out AreaFeature
	var typ string
	var props map[string]any
	gotGeometry := false
	err := members(dec, func(k string) (bool, error) {
		var err error
		switch k {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return true, valueError(err, FieldErrorf("type", "not a string; send \"Feature\""))
			}
		case "geometry":
			out.Geometry, err = readGeometry(dec)
			gotGeometry = true
		case "id":
			if err := dec.Decode(&out.ID); err != nil || !idPattern.MatchString(out.ID) {
				return true, valueError(err, FieldErrorf("id", "not an id: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (or leave id out for one to be made)"))
			}
		case "properties":
			if err := dec.Decode(&props); err != nil {
				return true, valueError(err, FieldErrorf("properties", "not an object: %s", jsonReason(err)))
			}
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if typ != "Feature" {
		return nil, FieldErrorf("type", "%q; send a GeoJSON Feature (\"type\":\"Feature\") with the geometry and a name property", clip(typ))
	}
	if !gotGeometry || out.Geometry == nil {
		return nil, FieldErrorf("geometry", "missing; give the Feature a geometry")
	}
	name, _ := props["name"].(string)
	out.Name = strings.TrimSpace(name)
	if out.Name == "" || utf8.RuneCountInString(out.Name) > maxAreaName || !utf8.ValidString(out.Name) {
		return nil, FieldErrorf("name", "required: a name of 1 to %d characters in the Feature's properties ({\"name\":\"Torodi base\"})", maxAreaName)
	}
	return &out, nil
}

// members reads the members of an object whose '{' was read, then its
// '}': read reads the value of each key it knows (true), the others are
// skipped.
func members(dec *json.Decoder, read func(key string) (bool, error)) error {
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return bodyError(err)
		}
		key, _ := k.(string)
		known, err := read(key)
		if err != nil {
			return err
		}
		if !known {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bodyError(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return bodyError(err)
	}
	return nil
}

// valueError is the body reader's error (too large, too slow) when it
// stopped the value, else what is wrong with the value.
func valueError(err error, wrong *Error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if err == nil {
		return wrong
	}
	if _, syntax := err.(*json.SyntaxError); syntax || err == io.ErrUnexpectedEOF {
		return bodyError(err)
	}
	return wrong
}

func bodyError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err // the body reader's own (too large, too slow)
	}
	return FieldErrorf("body", "not JSON: %s", jsonReason(err))
}

func expectDelim(dec *json.Decoder, d json.Delim, field, want string) error {
	t, err := dec.Token()
	if err != nil {
		return bodyError(err)
	}
	if t != d {
		return FieldErrorf(field, "not %s", want)
	}
	return nil
}

// coords is a GeoJSON coordinates array as read: a position (pos) or an
// array of them (kids).
type coords struct {
	pos  []float64
	kids []coords
}

// readGeometry reads a geometry object, counting positions as they come.
func readGeometry(dec *json.Decoder) (orb.Geometry, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, bodyError(err)
	}
	if t == nil {
		return nil, nil
	}
	if t != json.Delim('{') {
		return nil, FieldErrorf("geometry", "not a GeoJSON geometry object")
	}
	var typ string
	var c *coords
	n := 0
	err = members(dec, func(k string) (bool, error) {
		switch k {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return true, valueError(err, FieldErrorf("geometry.type", "not a string"))
			}
		case "coordinates":
			if err := expectDelim(dec, '[', "geometry.coordinates", "an array"); err != nil {
				return true, err
			}
			v, err := readCoords(dec, &n, 1)
			c = &v
			return true, err
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, FieldErrorf("geometry.coordinates", "missing")
	}
	return toGeometry(typ, *c)
}

// readCoords reads an array whose '[' was read, at nesting depth.
func readCoords(dec *json.Decoder, n *int, depth int) (coords, error) {
	if depth > 4 {
		return coords{}, FieldErrorf("geometry.coordinates", "nested deeper than a MultiPolygon's")
	}
	var out coords
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out, bodyError(err)
		}
		switch v := t.(type) {
		case float64:
			out.pos = append(out.pos, v)
		case json.Delim:
			if v != '[' {
				return out, FieldErrorf("geometry.coordinates", "holds an object; coordinates are arrays of numbers")
			}
			k, err := readCoords(dec, n, depth+1)
			if err != nil {
				return out, err
			}
			out.kids = append(out.kids, k)
		default:
			return out, FieldErrorf("geometry.coordinates", "holds %v; coordinates are numbers", t)
		}
		if out.pos != nil && out.kids != nil {
			return out, FieldErrorf("geometry.coordinates", "mixes numbers and arrays")
		}
	}
	if _, err := dec.Token(); err != nil {
		return out, bodyError(err)
	}
	if out.pos != nil {
		if *n++; *n > MaxAreaPositions {
			return out, FieldErrorf("geometry", "has more than %d positions; simplify it (QGIS: Vector › Geometry Tools › Simplify)", MaxAreaPositions)
		}
		if len(out.pos) < 2 || len(out.pos) > 3 {
			return out, FieldErrorf("geometry.coordinates", "a position has %d numbers; give longitude, latitude", len(out.pos))
		}
		if lon, lat := out.pos[0], out.pos[1]; lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return out, FieldErrorf("geometry.coordinates", "[%v, %v] is out of range: longitude first (-180..180), then latitude (-90..90)", lon, lat)
		}
	}
	return out, nil
}

func (c coords) point() (orb.Point, bool) {
	if c.pos == nil {
		return orb.Point{}, false
	}
	return orb.Point{c.pos[0], c.pos[1]}, true
}

func (c coords) line() (orb.LineString, bool) {
	var out orb.LineString
	for _, k := range c.kids {
		p, ok := k.point()
		if !ok {
			return nil, false
		}
		out = append(out, p)
	}
	return out, c.pos == nil
}

func (c coords) polygon() (orb.Polygon, bool) {
	var out orb.Polygon
	for _, k := range c.kids {
		r, ok := k.line()
		if !ok {
			return nil, false
		}
		out = append(out, orb.Ring(r))
	}
	return out, c.pos == nil
}

func toGeometry(typ string, c coords) (orb.Geometry, error) {
	bad := func() error {
		return FieldErrorf("geometry.coordinates", "are not the coordinates of a %s", typ)
	}
	switch typ {
	case "Point":
		p, ok := c.point()
		if !ok {
			return nil, bad()
		}
		return p, nil
	case "LineString":
		l, ok := c.line()
		if !ok {
			return nil, bad()
		}
		return l, nil
	case "Polygon":
		p, ok := c.polygon()
		if !ok {
			return nil, bad()
		}
		return p, nil
	case "MultiPolygon":
		var mp orb.MultiPolygon
		for _, k := range c.kids {
			p, ok := k.polygon()
			if !ok {
				return nil, bad()
			}
			mp = append(mp, p)
		}
		if c.pos != nil {
			return nil, bad()
		}
		return mp, nil
	}
	return nil, FieldErrorf("geometry.type", "%q is not a geometry type this takes (Point, LineString, Polygon, MultiPolygon)", clip(typ))
}

// ZoneGeometry checks a zone's area: a Polygon or MultiPolygon whose rings
// are closed, of 4 positions or more, enclose an area and do not cross
// themselves.
func ZoneGeometry(g orb.Geometry) (orb.MultiPolygon, error) {
	var mp orb.MultiPolygon
	switch v := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{v}
	case orb.MultiPolygon:
		mp = v
	default:
		return nil, FieldErrorf("geometry", "a %s; a zone is a Polygon or a MultiPolygon", g.GeoJSONType())
	}
	if len(mp) == 0 {
		return nil, FieldErrorf("geometry", "has no polygon")
	}
	for _, p := range mp {
		if err := checkPolygon(p); err != nil {
			return nil, err
		}
	}
	return mp, nil
}

// SiteGeometry checks a site's geometry: a Point, a LineString of 2
// positions or more, or a Polygon as ZoneGeometry checks them.
func SiteGeometry(g orb.Geometry) (orb.Geometry, error) {
	switch v := g.(type) {
	case orb.Point:
		return v, nil
	case orb.LineString:
		if len(v) < 2 {
			return nil, FieldErrorf("geometry", "a LineString of %d positions; a road needs at least 2", len(v))
		}
		return v, nil
	case orb.Polygon:
		if err := checkPolygon(v); err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, FieldErrorf("geometry", "a %s; a site is a Point (a base), a LineString (a road) or a Polygon (a camp)", g.GeoJSONType())
}

func checkPolygon(p orb.Polygon) error {
	if len(p) == 0 {
		return FieldErrorf("geometry", "a polygon has no ring")
	}
	for i, r := range p {
		which := "the outer ring"
		if i > 0 {
			which = fmt.Sprintf("hole %d", i)
		}
		if len(r) < 4 {
			return FieldErrorf("geometry", "%s has %d positions; a closed ring needs at least 4 (the first repeated last)", which, len(r))
		}
		if r[0] != r[len(r)-1] {
			return FieldErrorf("geometry", "%s is not closed: it starts at [%v, %v] and ends at [%v, %v]; repeat the first position last", which, r[0][0], r[0][1], r[len(r)-1][0], r[len(r)-1][1])
		}
		if collinear(r) {
			return FieldErrorf("geometry", "%s encloses no area (its positions are on one line)", which)
		}
		if a, b, ok := selfIntersection(r); ok {
			return FieldErrorf("geometry", "%s crosses itself: its edges %d and %d meet near [%.5f, %.5f]; draw it without crossings (or as a MultiPolygon of the parts)", which, a+1, b+1, r[a][0], r[a][1])
		}
	}
	return nil
}

// collinear: every position of the ring is on one line.
func collinear(r orb.Ring) bool {
	for i := 2; i < len(r); i++ {
		if orient(r[0], r[1], r[i]) != 0 {
			return false
		}
	}
	return true
}

// selfIntersection finds two edges of a closed ring that meet other than
// where consecutive edges share an end. Edges are filed in a grid of about
// √n × √n cells over the ring's box and only edges sharing a cell are
// compared: a 100,000-position outline is checked in about 2 M tests
// instead of the 5 G all pairs would take.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1 // edges; edge i runs from r[i] to r[i+1]
	b := orb.LineString(r).Bound()
	g := int(math.Max(1, math.Sqrt(float64(n))/2))
	w, h := (b.Max[0]-b.Min[0])/float64(g), (b.Max[1]-b.Min[1])/float64(g)
	cellOf := func(v, lo, size float64) int {
		if size == 0 {
			return 0
		}
		return min(g-1, max(0, int((v-lo)/size)))
	}
	grid := make(map[int][]int32)
	for i := 0; i < n; i++ {
		a, c := r[i], r[i+1]
		x0, x1 := cellOf(math.Min(a[0], c[0]), b.Min[0], w), cellOf(math.Max(a[0], c[0]), b.Min[0], w)
		y0, y1 := cellOf(math.Min(a[1], c[1]), b.Min[1], h), cellOf(math.Max(a[1], c[1]), b.Min[1], h)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				grid[y*g+x] = append(grid[y*g+x], int32(i))
			}
		}
	}
	for _, es := range grid {
		for ii, i := range es {
			for _, j := range es[ii+1:] {
				lo, hi := int(min(i, j)), int(max(i, j))
				adjacent := hi == lo+1 || lo == 0 && hi == n-1
				if adjacent {
					// Consecutive edges share an end; they must not fold
					// back over each other.
					if hi == lo+1 && folds(r[lo], r[hi], r[hi+1]) || lo == 0 && hi == n-1 && folds(r[hi], r[0], r[1]) {
						return lo, hi, true
					}
					continue
				}
				if segmentsMeet(r[lo], r[lo+1], r[hi], r[hi+1]) {
					return lo, hi, true
				}
			}
		}
	}
	return 0, 0, false
}

// folds: the path a→b→c turns straight back (c on the segment a–b, or a on
// b–c).
func folds(a, b, c orb.Point) bool {
	return orient(a, b, c) == 0 && ((c[0]-b[0])*(a[0]-b[0])+(c[1]-b[1])*(a[1]-b[1])) > 0
}

func orient(a, b, c orb.Point) float64 {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) && math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsMeet: the segments p1–p2 and q1–q2 cross or touch.
func segmentsMeet(p1, p2, q1, q2 orb.Point) bool {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSegment(q1, q2, p1) || d2 == 0 && onSegment(q1, q2, p2) ||
		d3 == 0 && onSegment(p1, p2, q1) || d4 == 0 && onSegment(p1, p2, q2)
}
