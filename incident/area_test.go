package incident

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// The test geography's zones and sites (places implements Areas too).
var (
	testTriBorder = &Zone{ID: "liptako-gourma-tri-border-area", Name: "Liptako-Gourma tri-border area", Center: &orb.Point{0.9, 14.9}, WidthKM: 100}
	testBorder    = &Zone{ID: "mali-niger-border-zone", Name: "Mali–Niger border zone", Border: "MLI-NER", Countries: []string{"MLI", "NER"}, WidthKM: 50}
	testLakeChad  = &Zone{ID: "lake-chad-area", Name: "Lake Chad area", Center: &orb.Point{13.9, 13.2}, WidthKM: 100}
	testDrawn     = NewDrawnZone("zone-1", "Torodi corridor", orb.MultiPolygon{{{{1.5, 13}, {2.2, 13}, {2.2, 13.5}, {1.5, 13.5}, {1.5, 13}}}})
	testSite      = NewSite(ExampleSiteID, "Torodi base", orb.Point{1.7987, 13.1192})
)

func (places) ZoneNamed(s string) (*Zone, bool) {
	for _, z := range []*Zone{testTriBorder, testBorder, testLakeChad, testDrawn} {
		if s == z.ID || Fold(s) == Fold(z.Name) {
			return z, true
		}
	}
	return nil, false
}

func (places) SiteByID(id string) (*Site, bool) {
	if id == testSite.ID {
		return testSite, true
	}
	return nil, false
}

func TestParseFilterZonesAndSites(t *testing.T) {
	f, err := ParseFilter(url.Values{"zone": {"torodi corridor,lake-chad-area,Torodi Corridor"}, "near_site": {ExampleSiteID}, "radius_km": {"10"}}, places{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Zones) != 2 || f.Zones[0] != testDrawn || f.Zones[1] != testLakeChad || f.Site != testSite || f.RadiusKM != 10 || f.Distance() != "site" {
		t.Errorf("parsed %+v", f)
	}
	if f, _ := ParseFilter(url.Values{"near_site": {ExampleSiteID}}, places{}); f.RadiusKM != 25 {
		t.Errorf("near_site without radius_km: %v km, want 25", f.RadiusKM)
	}
	wantFilterError(t, url.Values{"zone": {"Atlantis"}}, "zone")
	wantFilterError(t, url.Values{"zone": {"lake-chad-area,"}}, "zone")
	wantFilterError(t, url.Values{"near_site": {"site-nope"}}, "near_site")
	wantFilterError(t, url.Values{"radius_km": {"5"}}, "radius_km")
	// A Places that keeps no zones refuses zone= as unknown.
	if _, err := ParseFilter(url.Values{"zone": {"lake-chad-area"}}, noAreas{}); err == nil || err.(*Error).Field != "zone" {
		t.Errorf("zone= without Areas: %v", err)
	}
}

type noAreas struct{}

func (noAreas) LandBorders(string) ([]string, bool)    { return nil, false }
func (noAreas) RegionsNamed(string, []string) []Region { return nil }

// What zone= means: a border zone is both sides within its width, in the
// border's two countries; an area, within its radius of the centre; a drawn
// zone, inside its polygon; several zones, any of them.
func TestMatchZones(t *testing.T) {
	ner, mli, bfa := "NER", "MLI", "BFA"
	at := func(lon, lat float64, country *string, mliNerKM float64) *Incident {
		in := &Incident{Lon: lon, Lat: lat}
		in.Country = country
		if mliNerKM >= 0 {
			in.Borders = []BorderDistance{{Border: "MLI-NER", Countries: [2]string{"MLI", "NER"}, DistanceKM: mliNerKM}}
		}
		return in
	}
	cases := []struct {
		zones []*Zone
		in    *Incident
		want  bool
	}{
		{[]*Zone{testBorder}, at(1, 15, &ner, 20), true},
		{[]*Zone{testBorder}, at(1, 15, &mli, 50), true}, // the other side, at the edge
		{[]*Zone{testBorder}, at(1, 15, &mli, 50.01), false},
		{[]*Zone{testBorder}, at(1, 15, &bfa, 20), false}, // a third country near the line
		{[]*Zone{testBorder}, at(1, 15, &ner, -1), false}, // no distance: over 300 km
		{[]*Zone{testTriBorder}, at(0.9, 15.79, &ner, -1), true},
		{[]*Zone{testTriBorder}, at(0.9, 15.81, &ner, -1), false}, // 100.9 km north
		{[]*Zone{testDrawn}, at(1.8, 13.1, &ner, -1), true},
		{[]*Zone{testDrawn}, at(2.3, 13.1, &ner, -1), false},
		{[]*Zone{testDrawn, testLakeChad}, at(13.9, 13.2, &ner, -1), true},
		{[]*Zone{testDrawn, testTriBorder}, at(13.9, 13.2, &ner, -1), false},
	}
	for i, c := range cases {
		if got := (Filter{Zones: c.zones}).Match(c.in); got != c.want {
			t.Errorf("case %d: %s at %v,%v (%v): %v, want %v", i, c.zones[0].Name, c.in.Lon, c.in.Lat, c.in.Borders, got, c.want)
		}
	}
}

// A drawn zone's holes are outside it, and a MultiPolygon's parts inside.
func TestZoneContainsHolesAndParts(t *testing.T) {
	z := NewDrawnZone("z", "ring", orb.MultiPolygon{
		{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}}},
		{{{20, 0}, {21, 0}, {21, 1}, {20, 0}}},
	})
	for _, c := range []struct {
		p    orb.Point
		want bool
	}{{orb.Point{1, 1}, true}, {orb.Point{5, 5}, false}, {orb.Point{20.9, 0.5}, true}, {orb.Point{20.1, 0.5}, false}, {orb.Point{15, 5}, false}, {orb.Point{-1, 5}, false}} {
		if got := z.ContainsPoint(c.p); got != c.want {
			t.Errorf("%v: %v, want %v", c.p, got, c.want)
		}
	}
}

// A point on a zone's edge is in it, whichever edge: a vertex, a
// horizontal, vertical or slanted edge, a hole's edge, the antimeridian
// edge of a zone drawn to ±180 (the ray cast alone kept the left and
// bottom edges and dropped the right and top ones).
func TestZoneEdgeIsInside(t *testing.T) {
	z := NewDrawnZone("z", "edges", orb.MultiPolygon{
		{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}}},
		{{{20, 0}, {22, 0}, {22, 2}, {20, 0}}},
		{{{170, -20}, {180, -20}, {180, 0}, {170, 0}, {170, -20}}},
	})
	for _, p := range []orb.Point{{0, 5}, {10, 5}, {5, 0}, {5, 10}, {10, 10}, {0, 0}, {6, 5}, {4, 5}, {5, 6}, {21, 1}, {22, 2}, {22, 1}, {180, 0}, {180, -10}, {175, 0}} {
		if !z.ContainsPoint(p) {
			t.Errorf("%v on an edge: outside, want inside", p)
		}
	}
	for _, p := range []orb.Point{{10.000001, 5}, {5, 10.000001}, {21, 1.000001}, {-180, -10}, {5, 5}} {
		if z.ContainsPoint(p) {
			t.Errorf("%v off the edges: inside, want outside", p)
		}
	}
}

// A site's box holds every point within the distance of it, for a road
// whose arc bows north of its ends (60°N, 0° to 90°E: the arc reaches
// 67.8°N) and a cable across the antimeridian (its box is none: every
// point is tested), as a grid of points around each finds.
func TestSiteBoundHoldsTheArcs(t *testing.T) {
	for _, c := range []struct {
		site     *Site
		km       float64
		lon, lat [2]float64
	}{
		{NewSite("road", "Long road", orb.LineString{{0, 60}, {90, 60}}), 50, [2]float64{-2, 92}, [2]float64{58, 76}},
		{NewSite("cable", "Cable", orb.LineString{{179, -17}, {-179, -16.5}}), 60, [2]float64{-180, 180}, [2]float64{-18.5, -15}},
		{NewSite("camp", "Camp", orb.Polygon{{{13, 13.25}, {13.375, 13.25}, {13.375, 13.5}, {13, 13.5}, {13, 13.25}}}), 20, [2]float64{12, 14.5}, [2]float64{12, 14.5}},
	} {
		b, ok := c.site.Bound(c.km)
		if !ok {
			if c.site.ID != "cable" {
				t.Errorf("%s: no box", c.site.ID)
			}
			continue
		}
		n := 0
		for lon := c.lon[0]; lon <= c.lon[1]; lon += 0.25 {
			for lat := c.lat[0]; lat <= c.lat[1]; lat += 0.05 {
				p := orb.Point{lon, lat}
				if c.site.DistanceKM(p) <= c.km && !b.Contains(p) {
					if n++; n <= 3 {
						t.Errorf("%s: %v is %.1f km away, outside its box %v", c.site.ID, p, c.site.DistanceKM(p), b)
					}
				}
			}
		}
	}
}

// The strip index answers as the plain ray cast over every edge does, on a
// polygon of many edges (a 2,000-gon with a wavy edge).
func TestPolygonIndexAgreesWithEveryEdge(t *testing.T) {
	var ring orb.Ring
	for i := 0; i < 2000; i++ {
		a := float64(i) / 2000 * 2 * math.Pi
		r := 1 + 0.3*math.Sin(17*a)
		ring = append(ring, orb.Point{r * math.Cos(a), r * math.Sin(a)})
	}
	ring = append(ring, ring[0])
	x := newPolygonIndex(orb.MultiPolygon{{ring}})
	every := func(p orb.Point) bool {
		in := false
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if (edge{a, b}).has(p) {
				return true
			}
			if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
				in = !in
			}
		}
		return in
	}
	n := 0
	for i := -130; i <= 130; i++ {
		for j := -130; j <= 130; j += 7 {
			p := orb.Point{float64(i) / 100, float64(j) / 100}
			if x.contains(p) != every(p) {
				t.Fatalf("%v: index %v, every edge %v", p, x.contains(p), every(p))
			}
			n++
		}
	}
	if len(x.polys[0].strips) < 100 {
		t.Errorf("%d strips for 2,000 edges", len(x.polys[0].strips))
	}
}

// near_site= is distance on the sphere: to a point; to a road's nearest
// segment (not just its vertices); 0 inside a camp, else to its edge.
func TestSiteDistance(t *testing.T) {
	road := NewSite("r", "road", orb.LineString{{1, 13}, {3, 13}})
	camp := NewSite("c", "camp", orb.Polygon{{{1, 13}, {2, 13}, {2, 14}, {1, 14}, {1, 13}}})
	base := NewSite("b", "base", orb.Point{2, 13})
	// Along a meridian a degree is 2πR/360 = 111.195 km.
	deg := 2 * math.Pi * EarthRadiusKM / 360
	for _, c := range []struct {
		s    *Site
		p    orb.Point
		want float64
	}{
		{base, orb.Point{2, 14}, deg},
		{road, orb.Point{2, 13.5}, 0.5 * deg},                                    // beside the middle of the segment, not 1° from a vertex
		{road, orb.Point{0, 13}, DistanceKM(orb.Point{0, 13}, orb.Point{1, 13})}, // beyond its end
		{camp, orb.Point{1.5, 13.5}, 0},
		{camp, orb.Point{1.5, 14.5}, 0.5 * deg},
	} {
		// (The road's great circle bows 0.2 km north of the parallel.)
		if got := c.s.DistanceKM(c.p); math.Abs(got-c.want) > 0.25 {
			t.Errorf("%s to %v: %.3f km, want %.3f", c.s.Name, c.p, got, c.want)
		}
		f := Filter{Site: c.s, RadiusKM: c.want + 1}
		if !f.Match(&Incident{Lon: c.p[0], Lat: c.p[1]}) {
			t.Errorf("%s: %v is not within %.1f km", c.s.Name, c.p, f.RadiusKM)
		}
		if c.want > 2 && (Filter{Site: c.s, RadiusKM: c.want - 1}).Match(&Incident{Lon: c.p[0], Lat: c.p[1]}) {
			t.Errorf("%s: %v is within %.1f km", c.s.Name, c.p, c.want-1)
		}
	}
	// A long road's middle bows away from the parallel: the distance
	// follows the great circle, L²·tanφ/8R = 48.5 km off the lon/lat line
	// for 1,572 km at 45°N.
	long := NewSite("l", "long road", orb.LineString{{0, 45}, {20, 45}})
	if d := long.DistanceKM(orb.Point{10, 45}); d < 47 || d > 50 {
		t.Errorf("the middle of a 20° road along 45°N is %.1f km from the parallel, want the great circle's ~48.5 km", d)
	}
}

func readArea(body string) (*AreaFeature, error) { return ReadAreaFeature(strings.NewReader(body)) }

// Zones and sites are GeoJSON Features with a name; bad ones are refused
// naming what to fix.
func TestReadAreaFeatureRefuses(t *testing.T) {
	poly := func(ring string) string {
		return `{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Polygon","coordinates":[` + ring + `]}}`
	}
	for _, c := range []struct {
		body, field string
	}{
		{`[1,2]`, "body"},
		{`{"type":"Feature","properties":{"name":"z"}`, "body"},
		{`{"type":"FeatureCollection","properties":{"name":"z"},"geometry":{"type":"Point","coordinates":[1,2]}}`, "type"},
		{`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}`, "name"},
		{`{"type":"Feature","properties":{"name":"  "},"geometry":{"type":"Point","coordinates":[1,2]}}`, "name"},
		{`{"type":"Feature","properties":{"name":"z"}}`, "geometry"},
		{`{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Point","coordinates":[200,2]}}`, "geometry.coordinates"},
		{`{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Point","coordinates":[1,95]}}`, "geometry.coordinates"},
		{`{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Circle","coordinates":[1,5]}}`, "geometry.type"},
		{`{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Polygon","coordinates":[1,5]}}`, "geometry.coordinates"},
		{`{"type":"Feature","properties":{"name":"z"},"geometry":{"type":"Point","coordinates":[[[[[[1,5]]]]]]}}`, "geometry.coordinates"},
	} {
		_, err := readArea(c.body)
		if e, ok := err.(*Error); !ok || e.Field != c.field || e.Code != EINVALID {
			t.Errorf("%s: %v, want invalid %s", c.body, err, c.field)
		}
	}
	for _, c := range []struct{ ring, why string }{
		{`[[0,0],[1,0],[1,1],[0,1]]`, "not closed"},
		{`[[0,0],[1,0],[0,0]]`, "at least 4"},
		{`[[0,0],[1,0],[2,0],[0,0]]`, "no area"},
		{`[[0,0],[2,2],[2,0],[0,2],[0,0]]`, "crosses itself"},       // a bow tie
		{`[[0,0],[4,0],[4,4],[2,0],[0,4],[0,0]]`, "crosses itself"}, // touches itself at (2,0)
	} {
		af, err := readArea(poly(c.ring))
		if err == nil {
			_, err = ZoneGeometry(af.Geometry)
		}
		if e, ok := err.(*Error); !ok || e.Field != "geometry" || !strings.Contains(e.Message, c.why) {
			t.Errorf("%s: %v, want geometry: ... %s", c.ring, err, c.why)
		}
	}
	af, err := readArea(poly(`[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ZoneGeometry(af.Geometry); err != nil {
		t.Errorf("a square with a hole: %v", err)
	}
	if _, err := SiteGeometry(af.Geometry); err != nil {
		t.Errorf("a camp: %v", err)
	}
	if _, err := ZoneGeometry(orb.Point{1, 2}); err == nil {
		t.Error("a Point zone accepted")
	}
	if _, err := SiteGeometry(orb.LineString{{1, 2}}); err == nil {
		t.Error("a road of one position accepted")
	}
	if _, err := SiteGeometry(orb.MultiPoint{{1, 2}}); err == nil {
		t.Error("a MultiPoint site accepted")
	}
}

// endless is a Polygon of ten million positions, written as it is read.
type endless struct {
	head, tail []byte
	n, max     int
	buf        bytes.Buffer
	read       int
}

func newEndless(max int) *endless {
	return &endless{head: []byte(`{"type":"Feature","properties":{"name":"huge"},"geometry":{"type":"Polygon","coordinates":[[`), tail: []byte(`[0,0]]]}}`), max: max}
}

func (e *endless) Read(p []byte) (int, error) {
	for e.buf.Len() < len(p) && e.n <= e.max {
		switch {
		case e.n == 0:
			e.buf.Write(e.head)
		case e.n == e.max:
			e.buf.Write(e.tail)
		default:
			fmt.Fprintf(&e.buf, "[%d.%d,%d.5],", e.n%170, e.n%1000, e.n%80)
		}
		e.n++
	}
	if e.buf.Len() == 0 {
		return 0, io.EOF
	}
	n, _ := e.buf.Read(p)
	e.read += n
	return n, nil
}

// A geometry of ten million positions is refused after the first one over
// the limit, not read whole.
func TestReadAreaFeatureStopsAtTheLimit(t *testing.T) {
	e := newEndless(10_000_000)
	_, err := ReadAreaFeature(e)
	if ae, ok := err.(*Error); !ok || ae.Field != "geometry" || !strings.Contains(ae.Message, "100000 positions") {
		t.Fatalf("%v, want geometry: more than 100000 positions", err)
	}
	if e.read > 4<<20 {
		t.Errorf("read %d bytes of ~150 MB to refuse it; it should stop after ~1.5 MB", e.read)
	}
	ok := newEndless(MaxAreaPositions - 1)
	if _, err := ReadAreaFeature(ok); err != nil {
		t.Errorf("%d positions: %v", MaxAreaPositions, err)
	}
}

func BenchmarkZoneContains(b *testing.B) {
	var ring orb.Ring
	for i := 0; i < MaxAreaPositions-1; i++ {
		a := float64(i) / float64(MaxAreaPositions-1) * 2 * math.Pi
		r := 1 + 0.3*math.Sin(40*a)
		ring = append(ring, orb.Point{2 + r*math.Cos(a), 13 + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	z := NewDrawnZone("b", "bench", orb.MultiPolygon{{ring}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		z.ContainsPoint(orb.Point{1 + float64(i%1000)/500, 12 + float64(i%997)/498})
	}
}
