package geo

import (
	"bytes"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/data"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

func TestReverseWorld(t *testing.T) {
	g := mustDefault(t)
	tests := []struct {
		name             string
		p                orb.Point
		country, admin1  string
		admin2, nameHint string
	}{
		{"Ouagadougou", orb.Point{-1.53388, 12.36566}, "BFA", "BF-03", "BF-KAD", "Centre"},
		{"Gao", orb.Point{-0.04417, 16.27167}, "MLI", "ML-7", "", "Gao"},
		{"Maiduguri", orb.Point{13.15712, 11.84692}, "NGA", "NG-BO", "", "Borno State"},
		{"N'Djamena", orb.Point{15.0444, 12.1348}, "TCD", "TD-ND", "", "N'Djamena"},
		{"Paris", orb.Point{2.3522, 48.8566}, "FRA", "FR-IDF", "FR-75", "Île-de-France"},
		{"Milan", orb.Point{9.19, 45.4642}, "ITA", "IT-25", "IT-MI", "Lombardia"},
		{"Sydney", orb.Point{151.2093, -33.8688}, "AUS", "", "", "New South Wales"},
		{"Kathmandu", orb.Point{85.324, 27.7172}, "NPL", "", "", ""},
		{"Pristina, Kosovo", orb.Point{21.1655, 42.6629}, "XKX", "", "", ""},
		{"Juba, South Sudan", orb.Point{31.5825, 4.8594}, "SSD", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := g.Reverse(tt.p[0], tt.p[1])
			if loc.Country == nil || *loc.Country != tt.country {
				t.Fatalf("country = %v, want %s", loc.Country, tt.country)
			}
			if loc.Admin1 == nil || (tt.admin1 != "" && loc.Admin1.Code != tt.admin1) || (tt.nameHint != "" && loc.Admin1.Name != tt.nameHint) {
				t.Fatalf("admin1 = %+v, want %s %s", loc.Admin1, tt.admin1, tt.nameHint)
			}
			if tt.admin2 != "" && (loc.Admin2 == nil || loc.Admin2.Code != tt.admin2) {
				t.Errorf("admin2 = %+v, want %s", loc.Admin2, tt.admin2)
			}
			if loc.BoundarySnapKM != nil || loc.CountryMismatch {
				t.Errorf("a point inside a country snapped: %+v", loc)
			}
			if _, ok := loc.Nearest(); !ok {
				t.Error("no nearest border")
			}
		})
	}
}

func TestReverseAtSea(t *testing.T) {
	g := mustDefault(t)
	loc := g.Reverse(2.5, 3.0) // the Gulf of Guinea, 300 km off Benin
	if loc.Country != nil || loc.Admin1 != nil || loc.BoundarySnapKM != nil {
		t.Fatalf("Gulf of Guinea: %+v, want no country", loc)
	}
	// Just off the beach at Cotonou: 1:10m coastlines are coarse, the
	// country within 5 km is the answer, and how far it was is said.
	coast := orb.Point{2.43, 6.33}
	if r := g.RegionAt(coast); r != nil {
		t.Fatalf("test point %v should be at sea, is in %s", coast, r.Code)
	}
	loc = g.Reverse(coast[0], coast[1])
	if loc.Country == nil || *loc.Country != "BEN" || loc.BoundarySnapKM == nil || *loc.BoundarySnapKM > SnapKM || *loc.BoundarySnapKM <= 0 {
		t.Fatalf("off Cotonou: %+v, want Benin with a snap under %d km", loc, SnapKM)
	}
}

// A point in Mali 20 km from the Niger border is 20 km from MLI-NER: border
// distances hold on either side.
func TestBorderDistanceEitherSide(t *testing.T) {
	g := mustDefault(t)
	b, _ := g.Border("NER-MLI")
	// Walk west from the border at Ménaka's latitude until 20 km away.
	lat := 15.5
	lon := 3.0
	for b.DistanceKM(orb.Point{lon, lat}) < 20 {
		lon -= 0.001
	}
	loc := g.Reverse(lon, lat)
	if *loc.Country != "MLI" {
		t.Fatalf("test point %v,%v is in %v, want Mali", lon, lat, *loc.Country)
	}
	i := slices.IndexFunc(loc.Borders, func(bd incident.BorderDistance) bool { return bd.Border == "MLI-NER" })
	if i < 0 || math.Abs(loc.Borders[i].DistanceKM-20) > 0.2 || loc.Borders[i].Countries != [2]string{"MLI", "NER"} {
		t.Fatalf("borders %+v, want MLI-NER at about 20 km", loc.Borders)
	}
	if !slices.Contains(loc.Zones, "Mali–Niger border zone") {
		t.Errorf("zones %v: the border zone covers both sides", loc.Zones)
	}
}

// An incident reported in Niger whose point falls 1 km inside Nigeria is put
// in Niger; one 30 km inside stays in Nigeria, flagged.
func TestReverseReported(t *testing.T) {
	g := mustDefault(t)
	b, _ := g.Border("NER-NGA")
	lon, lat := 8.0, 14.0
	for g.RegionAt(orb.Point{lon, lat}).Country != "NGA" || b.DistanceKM(orb.Point{lon, lat}) < 1 {
		lat -= 0.0005
	}
	loc := g.ReverseReported(lon, lat, "NER")
	if loc.Country == nil || *loc.Country != "NER" || loc.BoundarySnapKM == nil || math.Abs(*loc.BoundarySnapKM-1) > 0.05 || loc.CountryMismatch {
		t.Fatalf("1 km into Nigeria, reported Niger: %+v, want Niger with boundary_snap_km ≈ 1", loc)
	}
	if loc.Admin1 == nil || loc.Admin1.Code != "NE-4" {
		t.Errorf("admin1 %+v, want Maradi (NE-4), the Niger region nearest", loc.Admin1)
	}
	far := g.ReverseReported(8.0, 12.9, "NER")
	if far.Country == nil || *far.Country != "NGA" || !far.CountryMismatch || far.BoundarySnapKM != nil {
		t.Fatalf("deep in Nigeria, reported Niger: %+v, want Nigeria flagged", far)
	}
	same := g.ReverseReported(8.0, 12.9, "NGA")
	if same.CountryMismatch || same.BoundarySnapKM != nil {
		t.Errorf("reported as where it is: %+v", same)
	}
}

func TestBorderKeys(t *testing.T) {
	if k := BorderKey("NER", "mli"); k != "MLI-NER" {
		t.Errorf("BorderKey = %s", k)
	}
	for _, s := range []string{"NER-MLI", "mli-ner", " MLI-NER "} {
		if a, b, err := ParseBorder(s); err != nil || a != "MLI" || b != "NER" {
			t.Errorf("ParseBorder(%q) = %s %s %v", s, a, b, err)
		}
	}
	for _, s := range []string{"MLI", "MLI-MLI", "ML-NER", "MLI-NER-BFA", ""} {
		if _, _, err := ParseBorder(s); err == nil {
			t.Errorf("ParseBorder(%q) accepted", s)
		}
	}
	g := mustDefault(t)
	if b, ok := g.Border("NER-MLI"); !ok || b.Key != "MLI-NER" || b.Name != "Mali–Niger border" {
		t.Errorf("Border(NER-MLI) = %+v", b)
	}
	if got := g.Neighbours(Niger); !slices.Equal(got, []string{"BEN", "BFA", "DZA", "LBY", "MLI", "NGA", "TCD"}) {
		t.Errorf("Niger's neighbours = %v", got)
	}
	if len(g.Borders) < 300 {
		t.Errorf("%d borders worldwide, want over 300", len(g.Borders))
	}
	tp, ok := g.Tripoint("NER-BFA-MLI")
	if !ok || tp.Key != "BFA-MLI-NER" || DistanceKM(tp.Point, orb.Point{0.2185, 14.911}) > 2 {
		t.Errorf("tripoint BFA-MLI-NER = %+v", tp)
	}
}

// Burkina Faso's 45 provinces are dissolved into its 13 regions, each one
// piece with no holes; the provinces are admin-2 under them.
func TestDissolvedRegions(t *testing.T) {
	g := mustDefault(t)
	c, _ := g.Country("BFA")
	if len(c.Regions) != 13 {
		t.Fatalf("Burkina Faso has %d regions, want 13", len(c.Regions))
	}
	for _, r := range c.Regions {
		if len(r.Geometry) != 1 || len(r.Geometry[0]) != 1 {
			t.Errorf("%s %s: %d polygons, %d rings in the first; want one ring", r.Code, r.Name, len(r.Geometry), len(r.Geometry[0]))
		}
	}
	provinces := 0
	for _, r := range g.Admin2 {
		if r.Country == "BFA" {
			provinces++
			if r.Parent == nil || r.Parent.Country != "BFA" || !r.Parent.contains(r.Label) && r.contains(r.Label) {
				t.Errorf("province %s: parent %v", r.Code, r.Parent)
			}
		}
	}
	if provinces != 45 {
		t.Errorf("%d provinces, want 45", provinces)
	}
	if r, ok := g.Region("Tahoua"); !ok || r.Country != Niger {
		t.Errorf("Region(Tahoua) = %+v, want Niger's", r)
	}
	if r, ok := g.Region("Centre"); !ok || r.Code != "BF-03" {
		t.Errorf("Region(Centre) = %+v, want Burkina Faso's, a neighbour's namesake first", r)
	}
}

func TestAtlasRoundTrip(t *testing.T) {
	a, err := DecodeAtlas(data.World)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodeAtlas(&buf, a); err != nil {
		t.Fatal(err)
	}
	b, err := DecodeAtlas(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Units) != len(b.Units) || len(a.pts) != len(b.pts) || len(a.Borders) != len(b.Borders) || !slices.Equal(a.pts, b.pts) {
		t.Fatalf("round trip changed the atlas: %d/%d units, %d/%d vertices", len(a.Units), len(b.Units), len(a.pts), len(b.pts))
	}
	if len(a.pts) < 1_300_000 {
		t.Errorf("%d vertices, want Natural Earth 1:10m's ~1.3 million", len(a.pts))
	}
	if _, err := DecodeAtlas(data.World[:len(data.World)/2]); err == nil {
		t.Error("a truncated atlas decoded")
	}
	if _, err := DecodeAtlas([]byte("not an atlas")); err == nil {
		t.Error("garbage decoded")
	}
}

// The geography in memory stays under 150 MB after Load (measured: ~35 MB).
func TestMemoryAfterLoad(t *testing.T) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g, err := Load(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if mb := float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc)) / (1 << 20); mb > 150 {
		t.Errorf("geography takes %.0f MB after Load, want ≤ 150", mb)
	}
	runtime.KeepAlive(g)
}

// BenchmarkReverseWorld reverse-geocodes random land points on every
// continent (the leaves they fall in are built before timing).
func BenchmarkReverseWorld(b *testing.B) {
	g := mustDefault(b)
	rng := rand.New(rand.NewSource(3))
	var pts []orb.Point
	for len(pts) < 4096 {
		p := orb.Point{-180 + rng.Float64()*360, -60 + rng.Float64()*140}
		if g.RegionAt(p) != nil {
			pts = append(pts, p)
			g.Reverse(p[0], p[1])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pts[i%len(pts)]
		g.Reverse(p[0], p[1])
	}
}
