package postgis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// AreasVersion moves with every create, replace and delete of a zone or
// a site, and only then: other servers read the areas again when it does.
func TestPostgresAreasVersion(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	seen := map[string]string{}
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		v, err := db.AreasVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if was, ok := seen[v]; ok {
			t.Errorf("after %s the version is %s, as after %s", what, v, was)
		}
		seen[v] = what
	}
	step("nothing", nil)
	z := incident.NewDrawnZone("z1", "Box", orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 13}}}})
	z.CreatedAt, z.UpdatedAt = at, at
	step("a zone drawn", db.CreateZone(ctx, z))
	if v, _ := db.AreasVersion(ctx); seen[v] != "a zone drawn" {
		t.Errorf("the version moved with nothing changed")
	}
	s := incident.NewSite("s1", "Camp", orb.Point{1.5, 13.5})
	s.CreatedAt, s.UpdatedAt = at, at
	step("a site kept", db.CreateSite(ctx, s))
	s.UpdatedAt = at.Add(time.Second)
	step("the site replaced", db.ReplaceSite(ctx, s))
	step("the zone deleted", db.DeleteZone(ctx, "z1"))
	// Many rows: their hashes' sum is past 64 bits (it overflowed a
	// bigint, and the version was an error).
	for i := range 12 {
		c := incident.NewSite("c"+strconv.Itoa(i), "Camp", orb.Point{1.5, 13.5})
		c.CreatedAt, c.UpdatedAt = at, at
		step("site "+c.ID+" kept", db.CreateSite(ctx, c))
	}
}
