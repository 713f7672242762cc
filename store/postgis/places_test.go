package postgis

import (
	"context"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/pgtest"
	"github.com/paulmach/orb"
)

// Places added through one server reach another's gazetteer by id, are
// listed by source and deleted; a bad one stores none of its batch.
func TestPostgresPlaces(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	a, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	seen, err := b.LoadPlaces(ctx, g.Places)
	if err != nil || seen != 0 {
		t.Fatalf("load from an empty table: %d %v", seen, err)
	}
	added, err := a.AddPlaces(ctx, []geo.Place{
		{Name: " Kouloumboutiéré ", Variants: []string{"Kouloumboutiere"}, Point: orb.Point{1.61, 13.83}, Source: "api"},
		{Name: "Tamarké", Point: orb.Point{1.9, 14.1}, Source: "learned:ev-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if added[0].ID == 0 || added[1].ID <= added[0].ID || added[0].Name != "Kouloumboutiéré" || added[0].Kind != "village" || added[1].Source != "learned" {
		t.Errorf("added: %+v", added)
	}
	if _, err := a.AddPlaces(ctx, []geo.Place{{Name: "Ok", Point: orb.Point{1, 13}}, {Name: "", Point: orb.Point{1, 13}}}); incident.ErrorCode(err) != incident.EINVALID {
		t.Errorf("a nameless place: %v, want invalid", err)
	}
	if seen, err = b.LoadPlacesAfter(ctx, g.Places, seen); err != nil || seen != added[1].ID {
		t.Fatalf("load after: %d %v, want %d", seen, err, added[1].ID)
	}
	if ps := g.Places.Lookup("Kouloumboutiere"); !slices.ContainsFunc(ps, func(p geo.Place) bool { return p.ID == added[0].ID }) {
		t.Errorf("the other server's gazetteer lacks the added place: %+v", ps)
	}
	if ps, err := b.Places(ctx, "learned"); err != nil || len(ps) != 1 || ps[0].Name != "Tamarké" {
		t.Errorf("learned places: %+v %v", ps, err)
	}
	if ps, err := b.Places(ctx, ""); err != nil || len(ps) != 2 || !slices.Equal(ps[0].Variants, []string{"Kouloumboutiere"}) {
		t.Errorf("all places: %+v %v", ps, err)
	}
	if err := b.DeletePlace(ctx, added[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DeletePlace(ctx, added[0].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("deleting twice: %v, want not found", err)
	}
}
