package geo

import (
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// zone= finds the geography's zones by id or name however written, and
// drawn ones by id or name; each built-in zone's box holds the zone, and
// its meaning is the geography's (Reverse lists the zones a point is in).
func TestAreasZoneNamed(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	a := NewAreas(g)
	for _, s := range []string{"Mali–Niger border zone", "mali-niger border ZONE", "mali-niger-border-zone", "Mali border zone"} {
		if z, ok := a.ZoneNamed(s); !ok || z.Border != "MLI-NER" || z.ID != "mali-niger-border-zone" {
			t.Errorf("%q: %+v", s, z)
		}
	}
	tri, ok := a.ZoneNamed("liptako-gourma-tri-border-area")
	if !ok || tri.Center == nil || tri.WidthKM != 100 {
		t.Fatalf("the tri-border area: %+v", tri)
	}
	if _, ok := a.ZoneNamed("Torodi corridor"); ok {
		t.Error("a zone nobody drew was found")
	}
	d := incident.NewDrawnZone("zone-x", "Torodi corridor", orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 13}}}})
	a.PutZone(d)
	if z, _ := a.ZoneNamed("torodi  corridor"); z != d {
		t.Error("the drawn zone is not found by name")
	}
	if z, _ := a.ZoneNamed("zone-x"); z != d {
		t.Error("the drawn zone is not found by id")
	}
	a.RemoveZone("zone-x")
	if _, ok := a.ZoneNamed("zone-x"); ok {
		t.Error("a removed zone is found")
	}
	// Points of Reverse's zones are in the filter's zones, and in their box.
	inZones := 0
	for _, p := range []orb.Point{{0.5, 14.5}, {1.2, 14.9}, {4.4, 16.9}, {13.5, 13.3}, {2.1, 13.5}} {
		loc := g.Reverse(p[0], p[1])
		in := &incident.Incident{Lon: p[0], Lat: p[1]}
		in.Derive(loc)
		for _, z := range a.BuiltinZones() {
			named := false
			for _, n := range loc.Zones {
				named = named || n == z.Name
			}
			if z.Contains(in) != named {
				t.Errorf("%v: in %s: filter %v, Reverse %v", p, z.Name, z.Contains(in), named)
			}
			if named {
				inZones++
			}
			if named && !z.Bound.Contains(p) {
				t.Errorf("%v is in %s but outside its box %v", p, z.Name, z.Bound)
			}
		}
	}
	if inZones < 4 {
		t.Errorf("the points are in %d zones in all; the test exercises too little", inZones)
	}
}
