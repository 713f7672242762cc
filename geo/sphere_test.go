package geo

import (
	"math"
	"math/rand"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// incident.DistanceKM (haversine, what Filter.Match and the SQLite store
// compute) and DistanceKM (s2) are one distance: within a metre anywhere
// on Earth.
func TestDistancesAgree(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for range 10000 {
		a := orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}
		b := orb.Point{r.Float64()*360 - 180, r.Float64()*180 - 90}
		if r.Intn(2) == 0 { // near pairs too, where the radius matters most
			b = orb.Point{a[0] + r.Float64()*0.5, math.Max(-90, math.Min(90, a[1]+r.Float64()*0.5))}
		}
		if g, h := DistanceKM(a, b), incident.DistanceKM(a, b); math.Abs(g-h) > 0.001 {
			t.Fatalf("%v to %v: geo %v km, incident %v km", a, b, g, h)
		}
	}
	// Niamey to Ouagadougou, about 400 km.
	if d := incident.DistanceKM(orb.Point{2.1098, 13.5137}, orb.Point{-1.5197, 12.3714}); math.Abs(d-411) > 5 {
		t.Errorf("Niamey to Ouagadougou: %v km", d)
	}
}
