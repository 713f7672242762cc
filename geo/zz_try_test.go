package geo
import ("testing";"fmt";"os";"strings";"github.com/incidentmap/incidentmap/incident")
func TestTry(t *testing.T){
	g := mustDefault(t)
	for _, q := range strings.Split(os.Getenv("Q"), "|") {
		h := incident.PlaceHint{}
		if i := strings.Index(q, "@"); i >= 0 { h.Admin1 = q[i+1:]; q = q[:i] }
		cs, r := g.GeocodeHint(q, h)
		fmt.Printf("%q -> %s\n", q, r)
		for i, c := range cs { if i < 4 { fmt.Printf("   %s %s %s/%s p%d r%.0f (%.4f,%.4f) amb=%v un=%v m=%q\n", c.Name, c.Kind, c.Country, func() string { if c.Region!=nil {return c.Region.Name}; return ""}(), c.GeoPrecision, c.RadiusKM, c.Lon, c.Lat, c.Ambiguous, c.Unmatched, c.Matched) } }
	}
}
