package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func mustDefault(tb testing.TB) *Geography {
	tb.Helper()
	g, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// GeoNames coordinates of the towns the tests use.
var (
	niamey = orb.Point{2.1098, 13.51366}
	tahoua = orb.Point{5.2692, 14.8888}
	tillia = orb.Point{4.78972, 16.12333}
	torodi = orb.Point{1.79869, 13.11915}
	diffa  = orb.Point{12.61135, 13.31536}
	menaka = orb.Point{2.4, 15.92} // Ménaka, Mali
)

func TestReverse(t *testing.T) {
	g := mustDefault(t)
	tests := []struct {
		name       string
		p          orb.Point
		country    string
		region     string
		nearest    string
		maxNearest float64 // km
		zone       string
	}{
		{"Niamey", niamey, "NER", "NE-8", "BFA-NER", 100, ""},
		{"Tahoua town", tahoua, "NER", "NE-5", "NER-NGA", 130, ""},
		{"Tillia, near the Mali border", tillia, "NER", "NE-5", "MLI-NER", 80, ""},
		{"Torodi, near Burkina Faso", torodi, "NER", "NE-6", "BFA-NER", 50, "Burkina Faso–Niger border zone"},
		{"Diffa, near Nigeria", diffa, "NER", "NE-2", "NER-NGA", 10, "Niger–Nigeria border zone"},
		{"Ménaka, Mali", menaka, "MLI", "ML-7", "MLI-NER", 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := g.Reverse(tt.p[0], tt.p[1])
			if loc.Country == nil || *loc.Country != tt.country {
				t.Fatalf("country = %v, want %s", loc.Country, tt.country)
			}
			if loc.Admin1 == nil || loc.Admin1.Code != tt.region {
				t.Fatalf("admin1 = %+v, want %s", loc.Admin1, tt.region)
			}
			for _, b := range loc.Borders {
				if b.DistanceKM > ReportKM {
					t.Errorf("border %+v listed beyond %d km", b, ReportKM)
				}
			}
			if !slices.IsSortedFunc(loc.Borders, func(a, b incident.BorderDistance) int { return cmpF(a.DistanceKM, b.DistanceKM) }) {
				t.Errorf("borders not sorted nearest first: %+v", loc.Borders)
			}
			n, _ := loc.Nearest()
			if n.Border != tt.nearest || n.DistanceKM > tt.maxNearest || loc.Borders[0] != n {
				t.Errorf("nearest border = %+v, want %s within %v km", n, tt.nearest, tt.maxNearest)
			}
			if tt.zone != "" && !slices.Contains(loc.Zones, tt.zone) {
				t.Errorf("zones = %v, want %q among them", loc.Zones, tt.zone)
			}
		})
	}
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestReverseOutsideCoverage(t *testing.T) {
	g := mustDefault(t)
	loc := g.Reverse(-30, 0) // the Atlantic
	if loc.Country != nil || loc.Admin1 != nil {
		t.Fatalf("got country %v admin1 %v, want both nil", loc.Country, loc.Admin1)
	}
	b, _ := json.Marshal(loc)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["country"] != nil || m["admin1"] != nil || m["zones"] == nil {
		t.Errorf("JSON %s: want country and admin1 null and zones []", b)
	}
}

func TestTriBorderAndLakeChad(t *testing.T) {
	g := mustDefault(t)
	z, _ := g.Zone(TriBorderZone)
	// The Niger–Mali–Burkina Faso tripoint is near 0.22°E 14.91°N.
	if d := DistanceKM(z.Center, orb.Point{0.2185, 14.911}); d > 2 {
		t.Errorf("tri-border tripoint %v is %.1f km from the expected point", z.Center, d)
	}
	loc := g.Reverse(0.9174, 14.7308) // Ayorou, 75 km from the tripoint
	if !slices.Contains(loc.Zones, TriBorderZone) {
		t.Errorf("Ayorou zones = %v, want the tri-border area", loc.Zones)
	}
	loc = g.Reverse(13.30951, 13.69869) // Bosso, on Lake Chad
	if !slices.Contains(loc.Zones, LakeChadZone) {
		t.Errorf("Bosso zones = %v, want the Lake Chad area", loc.Zones)
	}
}

func TestBorderLengths(t *testing.T) {
	g := mustDefault(t)
	want := map[string]float64{"MLI-NER": 840, "NGA-NER": 1450}
	for iso, km := range want {
		b, ok := g.Border(iso)
		if !ok {
			t.Fatalf("no border with %s", iso)
		}
		var got float64
		for _, l := range b.Geometry {
			for i := 0; i+1 < len(l); i++ {
				got += vincentyKM(l[i], l[i+1])
			}
		}
		if math.Abs(got-km)/km > 0.02 {
			t.Errorf("%s border is %.0f km (geodesic), want about %.0f", iso, got, km)
		}
		if math.Abs(b.LengthKM-got)/got > 0.01 {
			t.Errorf("length_km %v differs from the geodesic length %.1f by over 1%%", b.LengthKM, got)
		}
	}
}

// TestBorderDistanceAgainstGeodesic checks s2's point-to-border distance
// against a brute-force minimum of ellipsoidal (Vincenty) distances to points
// every few hundred metres along the border.
func TestBorderDistanceAgainstGeodesic(t *testing.T) {
	g := mustDefault(t)
	for _, p := range []orb.Point{niamey, tillia, torodi, diffa, tahoua, {8, 18}} {
		for _, iso := range []string{"MLI-NER", "BFA-NER", "NER-NGA"} {
			b, _ := g.Border(iso)
			got := newPolylineIndex(b.Geometry).distanceKM(p)
			want := bruteForceKM(p, b.Geometry)
			if fast := b.DistanceKM(p); math.Abs(fast-got) > 0.001 {
				t.Errorf("cell index says %.4f km, s2 query %.4f km", fast, got)
			}
			if math.Abs(got-want)/want > 0.01 {
				t.Errorf("distance from %v to the %s border = %.2f km, geodesic reference %.2f km", p, iso, got, want)
			}
		}
	}
}

func bruteForceKM(p orb.Point, lines orb.MultiLineString) float64 {
	best := math.Inf(1)
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			n := 1 + int(vincentyKM(a, b)/0.2)
			for k := 0; k <= n; k++ {
				f := float64(k) / float64(n)
				q := orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
				best = math.Min(best, vincentyKM(p, q))
			}
		}
	}
	return best
}

// vincentyKM is the WGS84 ellipsoidal distance (Vincenty's inverse formula),
// an independent reference for the spherical distances.
func vincentyKM(p1, p2 orb.Point) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	b := a * (1 - f)
	rad := math.Pi / 180
	L := (p2[0] - p1[0]) * rad
	U1 := math.Atan((1 - f) * math.Tan(p1[1]*rad))
	U2 := math.Atan((1 - f) * math.Tan(p2[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for i := 0; i < 200; i++ {
		sinL, cosL := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := f / 16 * cos2Alpha * (4 + f*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*f*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			break
		}
	}
	u2 := cos2Alpha * (a*a - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return b * A * (sigma - dSigma) / 1000
}

func TestDistanceKM(t *testing.T) {
	// Niamey to Tahoua, against the ellipsoidal distance.
	got, want := DistanceKM(niamey, tahoua), vincentyKM(niamey, tahoua)
	if math.Abs(got-want)/want > 0.005 {
		t.Errorf("Niamey–Tahoua = %.2f km, geodesic %.2f km", got, want)
	}
}

func TestDestination(t *testing.T) {
	for _, brg := range []float64{0, 45, 90, 180, 270} {
		q := Destination(tillia, brg, 20)
		if d := DistanceKM(tillia, q); math.Abs(d-20) > 0.01 {
			t.Errorf("bearing %v: destination is %.3f km away, want 20", brg, d)
		}
	}
	if q := Destination(tillia, 0, 20); q[1] <= tillia[1] || math.Abs(q[0]-tillia[0]) > 1e-9 {
		t.Errorf("20 km north of Tillia = %v: want due north", q)
	}
}

func TestCircleBound(t *testing.T) {
	// Niamey; the South Pacific, 5,000 km reaching across the antimeridian
	// (found by the store conformance suite); Fiji, on it.
	for _, c := range []struct {
		p  orb.Point
		km float64
	}{{niamey, 25}, {orb.Point{-136.3, -41.7}, 5000}, {orb.Point{179.9, -17}, 100}} {
		b := CircleBound(c.p, c.km)
		for brg := 0.0; brg < 360; brg += 15 {
			if q := Destination(c.p, brg, c.km*0.999); !b.Contains(q) {
				t.Errorf("bound %v of %v km around %v misses %v, at %v°", b, c.km, c.p, q, brg)
			}
		}
	}
}

func TestRegionByNameOrCode(t *testing.T) {
	g := mustDefault(t)
	for _, s := range []string{"NE-6", "ne-6", "Tillabéri", "tillaberi", "TILLABERI"} {
		r, ok := g.Region(s)
		if !ok || r.Code != "NE-6" {
			t.Errorf("Region(%q) = %v, want NE-6", s, r)
		}
	}
	if _, ok := g.Region("Atlantis"); ok {
		t.Error("Region(Atlantis) found something")
	}
	niger := 0
	for _, r := range g.Regions {
		if r.Country == Niger {
			niger++
		}
	}
	if niger != 8 {
		t.Errorf("%d regions of Niger, want 8", niger)
	}
}

func TestGazetteerVariants(t *testing.T) {
	g := mustDefault(t)
	for name, want := range map[string]string{
		"Tillabéri": "Tillabéri", "Tillaberi": "Tillabéri", "TILLABERI": "Tillabéri",
		"Birni N'Konni": "Birni N'Konni", "Birnin Konni": "Birni N'Konni", "birnin-konni": "Birni N'Konni",
		"Filingue": "Filingué", "Tchintabaraden": "Tchin Tabaradèn", "Tchin-Tabaraden": "Tchin Tabaradèn",
	} {
		ps := g.Places.Lookup(name)
		if len(ps) == 0 || ps[0].Name != want {
			t.Errorf("Lookup(%q) = %v, want %s", name, ps, want)
		}
	}
}

func TestUserPlaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "villages.geojson")
	// Test fixture: an approximate point for a village missing from GeoNames.
	os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[4.05,15.55]},"properties":{"name":"Tabatol","variants":["Tabatôl"]}}]}`), 0o644)
	opts := DefaultOptions()
	opts.Places = []string{path}
	g, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	cs, reason := g.Geocode("near Tabatol")
	if len(cs) != 1 || cs[0].Region == nil || cs[0].Region.Code != "NE-5" || cs[0].GeoPrecision != PrecisionNear {
		t.Fatalf("near Tabatol = %+v (%s), want one precision-2 candidate in NE-5", cs, reason)
	}

	bad := filepath.Join(t.TempDir(), "bad.geojson")
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[4,15]},"properties":{}}]}`), 0o644)
	opts.Places = []string{bad}
	if _, err := Load(opts); err == nil {
		t.Error("a place without a name loaded without error")
	}
}

func TestLoadRejectsBadWidths(t *testing.T) {
	opts := DefaultOptions()
	opts.BorderZoneKM = -1
	if _, err := Load(opts); err == nil {
		t.Error("negative border zone width accepted")
	}
}

func ExampleGeography_Reverse() {
	g, _ := Default()
	loc := g.Reverse(1.79869, 13.11915) // Torodi
	n, _ := loc.Nearest()
	fmt.Printf("%s %s, %.0f km from the %s border, in %v\n", *loc.Country, loc.Admin1.Name, n.DistanceKM, n.Border, loc.Zones)
	// Output: NER Tillabéri, 48 km from the BFA-NER border, in [Burkina Faso–Niger border zone]
}

func BenchmarkReverse(b *testing.B) {
	g := mustDefault(b)
	pts := benchPoints()
	for _, p := range pts { // build the leaves first: steady state is what matters
		g.Reverse(p[0], p[1])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pts[i%len(pts)]
		g.Reverse(p[0], p[1])
	}
}

func BenchmarkRegionAt(b *testing.B) {
	g := mustDefault(b)
	pts := benchPoints()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.RegionAt(pts[i%len(pts)])
	}
}

func BenchmarkBorderDistance(b *testing.B) {
	g := mustDefault(b)
	border, _ := g.Border("MLI-NER")
	pts := benchPoints()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		border.DistanceKM(pts[i%len(pts)])
	}
}

func BenchmarkGeocodeArea(b *testing.B) {
	g := mustDefault(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g.geocode("western Tahoua region near the Mali border", incident.PlaceHint{})
	}
}

// benchPoints spread over Niger's populated south-west, where incidents are.
func benchPoints() []orb.Point {
	var pts []orb.Point
	for i := 0; i < 1024; i++ {
		pts = append(pts, orb.Point{0.5 + float64(i%32)*0.35, 11.8 + float64(i/32)*0.3})
	}
	return pts
}

// The index is an optimisation: its answers must equal the plain ones (the
// full polygon test; s2's closest-edge query over every border) everywhere,
// and it must list every border within ReportKM.
func TestIndexMatchesDirectComputation(t *testing.T) {
	g := mustDefault(t)
	rng := rand.New(rand.NewSource(1))
	direct := make([]*polylineIndex, len(g.Borders))
	for i, b := range g.Borders {
		direct[i] = newPolylineIndex(b.Geometry)
	}
	boxes := []orb.Bound{
		{Min: orb.Point{-2, 9}, Max: orb.Point{18, 25}},      // Niger and around
		{Min: orb.Point{-10, 36}, Max: orb.Point{30, 60}},    // Europe
		{Min: orb.Point{-180, -60}, Max: orb.Point{180, 80}}, // anywhere
	}
	for i := 0; i < 600; i++ {
		bx := boxes[i%len(boxes)]
		p := orb.Point{bx.Min[0] + rng.Float64()*(bx.Max[0]-bx.Min[0]), bx.Min[1] + rng.Float64()*(bx.Max[1]-bx.Min[1])}
		loc := g.Reverse(p[0], p[1])
		listed := map[string]float64{}
		for _, bd := range loc.Borders {
			listed[bd.Border] = bd.DistanceKM
		}
		nearest := math.Inf(1)
		for j, b := range g.Borders {
			want := direct[j].distanceKM(p)
			nearest = min(nearest, want)
			got, ok := listed[b.Key]
			switch {
			case ok && math.Abs(got-want) > 0.001:
				t.Fatalf("%v: distance to %s %.4f km, direct %.4f km", p, b.Key, got, want)
			case !ok && want < ReportKM-0.001:
				t.Fatalf("%v: %s is %.3f km away and not listed", p, b.Key, want)
			}
		}
		if n, ok := loc.Nearest(); !ok || math.Abs(n.DistanceKM-nearest) > 0.001 {
			t.Fatalf("%v: nearest border %+v, direct %.4f km", p, n, nearest)
		}
		var want *Region
		for _, r := range g.Regions {
			if planar.MultiPolygonContains(r.Geometry, p) {
				want = r
				break
			}
		}
		got := g.RegionAt(p)
		if (got == nil) != (want == nil) || (got != nil && got.Code != want.Code) {
			t.Fatalf("%v: region %v, direct %v", p, got, want)
		}
	}
}

// The precomputed segment distance agrees with s2's own, beside segments,
// past their ends, on them, and for a degenerate segment.
func TestSegmentChordMatchesS2(t *testing.T) {
	g := mustDefault(t)
	rng := rand.New(rand.NewSource(9))
	var bs borderSegments
	bs.add(toS2(orb.Point{2, 13}), toS2(orb.Point{2, 13})) // degenerate
	bs.add(toS2(orb.Point{1, 13}), toS2(orb.Point{3, 14}))
	for i := range 200 {
		l := g.Borders[i%len(g.Borders)].Geometry[0]
		j := rng.Intn(len(l) - 1)
		bs.add(toS2(l[j]), toS2(l[j+1]))
	}
	for range 20000 {
		i := int32(rng.Intn(len(bs.a)))
		var p s2.Point
		switch rng.Intn(3) {
		case 0: // anywhere around Niger
			p = toS2(orb.Point{-5 + rng.Float64()*25, 5 + rng.Float64()*25})
		case 1: // on the segment
			p = s2.Interpolate(rng.Float64(), bs.a[i], bs.b[i])
		default: // near an end
			e := bs.a[i]
			if rng.Intn(2) == 0 {
				e = bs.b[i]
			}
			ll := s2.LatLngFromPoint(e)
			p = toS2(orb.Point{ll.Lng.Degrees() + rng.NormFloat64()*0.01, ll.Lat.Degrees() + rng.NormFloat64()*0.01})
		}
		want, _ := s2.UpdateMinDistance(p, bs.a[i], bs.b[i], s1.InfChordAngle())
		got := bs.chord2(p, i)
		if math.Abs(got-float64(want)) > 1e-12 {
			t.Fatalf("segment %d, point %v: chord² %g, s2 says %g (%.3f m apart)", i, s2.LatLngFromPoint(p), got, float64(want),
				math.Abs(angleToKM(s1.ChordAngle(got).Angle())-angleToKM(want.Angle()))*1000)
		}
	}
}

func TestNameKey(t *testing.T) {
	for _, s := range []string{"Tillabery", "Tillaberi", "Tillabéri", "TILLABERI Region", " tillabéri  region "} {
		if got := NameKey(s); got != "tilaberi" {
			t.Errorf("NameKey(%q) = %q, want tilaberi", s, got)
		}
	}
	if NameKey("Tahoua") == NameKey("Tillaberi") {
		t.Error("different regions share a key")
	}
	g := &Geography{}
	r := incident.Region{Code: "NE-6", Name: "Tillabéri"}
	for s, want := range map[string]bool{"Tillabery": true, "ne-6": true, "Tahoua": false, "": false} {
		if got := g.SameAdmin1(s, r); got != want {
			t.Errorf("SameAdmin1(%q) = %v, want %v", s, got, want)
		}
	}
}
