package sqlite

import (
	"context"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

func TestPlacesStore(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	added, err := db.AddPlaces(ctx, []geo.Place{
		{Name: "Kobadjou Tinkar", Variants: []string{"Kobadjou"}, Point: orb.Point{1.4, 14.6}, Source: "villages.csv"},
		{Name: "Karre I", Kind: "hamlet", Point: orb.Point{1.62, 13.3}, Source: "api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || added[0].ID == 0 || added[0].Kind != "village" {
		t.Fatalf("added %+v, want two with ids, the first a village by default", added)
	}
	// A batch with one bad place stores none of it.
	_, err = db.AddPlaces(ctx, []geo.Place{{Name: "Good", Point: orb.Point{1, 13}}, {Name: "Bad", Point: orb.Point{1, 200}}})
	if incident.ErrorCode(err) != incident.EINVALID {
		t.Fatalf("a place at latitude 200: error %v, want EINVALID", err)
	}
	ps, err := db.Places(ctx, "")
	if err != nil || len(ps) != 2 {
		t.Fatalf("Places = %+v, %v; want the first two only", ps, err)
	}
	if ps[0].Variants[0] != "Kobadjou" || ps[1].Kind != "hamlet" {
		t.Errorf("stored %+v: variants or kind lost", ps)
	}
	if api, _ := db.Places(ctx, "api"); len(api) != 1 || api[0].Name != "Karre I" {
		t.Errorf("source=api → %+v", api)
	}
	if err := db.DeletePlace(ctx, added[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePlace(ctx, added[1].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("deleting twice: %v, want ENOTFOUND", err)
	}
	g, err := geo.Load(geo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadPlaces(ctx, g.Places); err != nil {
		t.Fatal(err)
	}
	if cs, _ := g.Geocode("Kobadjou"); len(cs) == 0 || cs[0].Name != "Kobadjou Tinkar" {
		t.Errorf("a stored place's variant does not geocode after LoadPlaces: %+v", cs)
	}
}

// Incidents stored at precision 1 teach the gazetteer their location
// names; at precision 2, or with a name known there, or with learning off,
// nothing is learned.
func TestLearningStore(t *testing.T) {
	ctx := context.Background()
	g, err := geo.Load(geo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	at := func(id, location string, precision int, p orb.Point) *incident.Incident {
		in := &incident.Incident{ID: id, EventDate: "2023-01-05", EventType: "Battles", SubEventType: "Armed clash", Location: location, GeoPrecision: precision}
		in.SetPoint(p[0], p[1])
		return in
	}
	for _, learn := range []bool{true, false} {
		db := openTest(t)
		var store incident.Store = db
		if learn {
			store = db.Learning(g.Places)
		}
		svc := &incident.Service{Store: store, Locator: g, Geocoder: g}
		name := "Tinkar Kobadjou"
		if !learn {
			name = "Tinkar Kobadjou Sud"
		}
		for _, in := range []*incident.Incident{
			at("a", name, 1, orb.Point{1.41, 14.61}),
			at("b", "Gorou Kwarakoy", 2, orb.Point{1.5, 14.5}),
			at("c", "Torodi", 1, orb.Point{1.80, 13.12}),
		} {
			if _, err := svc.Create(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		learned, _ := db.Places(ctx, SourceLearned)
		cs, _ := g.Geocode(name)
		if learn {
			if len(learned) != 1 || learned[0].Name != name {
				t.Fatalf("learned %+v, want only %q (precision 2 and known names teach nothing)", learned, name)
			}
			if len(cs) != 1 || cs[0].GeoPrecision != 1 || cs[0].Lon != 1.41 {
				t.Errorf("the learned place geocodes as %+v", cs)
			}
			continue
		}
		if len(learned) != 0 || len(cs) != 0 {
			t.Errorf("learning off: learned %+v, geocodes as %+v; want nothing", learned, cs)
		}
	}
	// Imports (Apply) teach too.
	db := openTest(t)
	svc := &incident.Service{Store: db.Learning(g.Places), Locator: g, Geocoder: g}
	res, err := svc.Import(ctx, []*incident.Incident{at("i1", "Bangou Tiekoye", 1, orb.Point{2.0, 14.0})}, nil, nil, incident.ImportOptions{})
	if err != nil || res == nil {
		t.Fatal(err)
	}
	if cs, _ := g.Geocode("Bangou Tiekoye"); len(cs) != 1 {
		t.Errorf("after importing, the village geocodes as %+v", cs)
	}
}
