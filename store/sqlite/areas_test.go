package sqlite

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Zones and sites are stored, listed oldest first, replaced and deleted;
// a zone's name (however spelled) is one zone's.
func TestAreasStored(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	square := orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 14}, {1, 13}}}}
	z := incident.NewDrawnZone("zone-a", "Torodi corridor", square)
	z.Owner, z.CreatedAt, z.UpdatedAt = "tok-1", now, now
	if err := db.CreateZone(ctx, z); err != nil {
		t.Fatal(err)
	}
	dup := incident.NewDrawnZone("zone-b", "TORODI  Corridor", square)
	if err := db.CreateZone(ctx, dup); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Errorf("a second zone of the name: %v, want conflict", err)
	}
	road := incident.NewSite("site-a", "Torodi road", orb.LineString{{1, 13}, {2, 13.5}})
	road.CreatedAt, road.UpdatedAt = now, now
	if err := db.CreateSite(ctx, road); err != nil {
		t.Fatal(err)
	}
	// A site may share a zone's name.
	same := incident.NewSite("site-b", "Torodi corridor", orb.Point{1, 13})
	same.CreatedAt, same.UpdatedAt = now.Add(time.Second), now
	if err := db.CreateSite(ctx, same); err != nil {
		t.Fatal(err)
	}
	z2 := incident.NewDrawnZone("zone-a", "Torodi corridor east", orb.MultiPolygon{{{{2, 13}, {3, 13}, {3, 14}, {2, 13}}}})
	z2.UpdatedAt = now.Add(time.Hour)
	if err := db.ReplaceZone(ctx, z2); err != nil {
		t.Fatal(err)
	}
	zs, err := db.Zones(ctx)
	if err != nil || len(zs) != 1 || zs[0].Name != "Torodi corridor east" || zs[0].Owner != "tok-1" || !zs[0].CreatedAt.Equal(now) || !zs[0].UpdatedAt.Equal(z2.UpdatedAt) {
		t.Fatalf("zones %+v, %v", zs, err)
	}
	if !zs[0].ContainsPoint(orb.Point{2.8, 13.1}) || zs[0].ContainsPoint(orb.Point{1.5, 13.5}) {
		t.Error("the zone read back does not hold its new area")
	}
	ss, err := db.Sites(ctx)
	if err != nil || len(ss) != 2 || ss[0].ID != "site-a" || ss[1].ID != "site-b" {
		t.Fatalf("sites %+v, %v", ss, err)
	}
	if d := ss[0].DistanceKM(orb.Point{1, 13}); d > 1e-9 {
		t.Errorf("the road read back is %v km from its start", d)
	}
	if err := db.ReplaceSite(ctx, incident.NewSite("site-z", "x", orb.Point{1, 1})); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("replacing no site: %v", err)
	}
	if err := db.DeleteZone(ctx, "site-a"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("a site deleted as a zone: %v", err)
	}
	if err := db.DeleteSite(ctx, "site-a"); err != nil {
		t.Fatal(err)
	}
	if ss, _ := db.Sites(ctx); len(ss) != 1 {
		t.Errorf("%d sites after a delete", len(ss))
	}
}

// zone= and near_site= select what Filter.Match selects, alone and with
// the other filters, in listings (either plan), Each and Stats.
func TestZoneAndSiteFiltersMatch(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	ins := fill(t, db, 3000)
	deleted := map[string]bool{}
	for _, in := range ins[:20] {
		if err := db.Delete(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		deleted[in.ID] = true
	}
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	areas := geo.NewAreas(g)
	zone := func(name string) *incident.Zone {
		z, ok := areas.ZoneNamed(name)
		if !ok {
			t.Fatalf("no zone %s", name)
		}
		return z
	}
	tri, mli, bfa := zone("Liptako-Gourma tri-border area"), zone("Mali–Niger border zone"), zone("burkina-faso-niger-border-zone")
	// A square around Niamey with a hole, and a triangle further east.
	drawn := incident.NewDrawnZone("zone-d", "drawn", orb.MultiPolygon{
		{{{1.5, 13}, {2.8, 13}, {2.8, 14}, {1.5, 14}, {1.5, 13}}, {{2, 13.3}, {2.3, 13.3}, {2.3, 13.7}, {2, 13.7}, {2, 13.3}}},
		{{{3.5, 12.5}, {4.4, 12.5}, {4, 13.8}, {3.5, 12.5}}},
	})
	base := incident.NewSite("site-base", "base", orb.Point{2.1098, 13.51366})
	road := incident.NewSite("site-road", "road", orb.LineString{{2.1, 13.5}, {1.8, 13.1}, {0.9, 12.3}})
	camp := incident.NewSite("site-camp", "camp", orb.Polygon{{{3, 14}, {3.6, 14}, {3.6, 14.5}, {3, 14.5}, {3, 14}}})
	wide := orb.Bound{Min: orb.Point{0.5, 13.5}, Max: orb.Point{3, 15.5}}
	niamey := orb.Point{2.1098, 13.51366}
	filters := []incident.Filter{
		{Zones: []*incident.Zone{tri}},
		{Zones: []*incident.Zone{mli}},
		{Zones: []*incident.Zone{bfa}, Countries: []string{"BFA"}},
		{Zones: []*incident.Zone{drawn}},
		{Zones: []*incident.Zone{drawn, tri}},
		{Zones: []*incident.Zone{bfa, drawn}, Start: "2021-01-01"},
		{Zones: []*incident.Zone{tri}, BBox: &wide, EventTypes: []string{"Battles"}},
		{Zones: []*incident.Zone{drawn}, Q: "note 3"},
		{Zones: []*incident.Zone{tri}, Border: "MLI", BorderKM: 80},
		{Zones: []*incident.Zone{drawn}, Near: &niamey, RadiusKM: 40},
		{Zones: []*incident.Zone{bfa}, UpdatedSince: &before},
		{Site: base, RadiusKM: 25},
		{Site: base, RadiusKM: 25, Near: &niamey},
		{Site: road, RadiusKM: 10},
		{Site: road, RadiusKM: 30, MinFatalities: 10, Regions: []string{"NE-6"}},
		{Site: camp, RadiusKM: 5},
		{Site: camp, RadiusKM: 60, Zones: []*incident.Zone{drawn, mli}},
		{Site: road, RadiusKM: 50, UpdatedSince: &before},
	}
	match := func(f incident.Filter, in *incident.Incident) bool {
		c := *in
		c.Deleted = deleted[in.ID]
		return f.Match(&c)
	}
	defer func(min int64) { placeFirstMax = min }(placeFirstMax)
	for _, placeFirstMax = range []int64{placeFirstMax, 0} {
		for i, f := range filters {
			want := map[string]bool{}
			fatal := 0
			for _, in := range ins {
				if match(f, in) {
					want[in.ID] = true
					if !in.Deleted && !deleted[in.ID] {
						fatal += in.Fatalities
					}
				}
			}
			if len(want) == 0 {
				t.Errorf("filter %d matches nothing; the test data should exercise it", i)
			}
			f.Limit = 20
			page, err := db.List(ctx, f)
			if err != nil {
				t.Fatalf("filter %d: %v", i, err)
			}
			if page.NumberMatched != len(want) {
				t.Errorf("filter %d: numberMatched %d, want %d", i, page.NumberMatched, len(want))
			}
			for _, in := range page.Incidents {
				if !want[in.ID] {
					t.Errorf("filter %d: page holds %s, which does not match", i, in.ID)
				}
				// near_site= results carry the distance to the site.
				if f.Site != nil && f.Near == nil && (in.DistanceKM == nil || *in.DistanceKM != f.Site.DistanceKM(orb.Point{in.Lon, in.Lat})) {
					t.Errorf("filter %d: %s has distance_km %v", i, in.ID, in.DistanceKM)
				}
			}
			f.Limit = 0
			got := map[string]bool{}
			if err := db.Each(ctx, f, func(in *incident.Incident) error { got[in.ID] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("filter %d: listed %d incidents, want %d", i, len(got), len(want))
			}
			if f.UpdatedSince != nil {
				continue // stats are of live incidents
			}
			st, err := db.Stats(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Total.Incidents != len(want) || st.Total.Fatalities != fatal {
				t.Errorf("filter %d: stats %+v, want %d incidents, %d fatalities", i, st.Total, len(want), fatal)
			}
		}
	}
}

// A zone made without its box (as a caller outside geo may make one) is
// still found in full: the store derives the box, or tests every row.
func TestZoneWithoutBound(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 500)
	for _, z := range []*incident.Zone{
		{Name: "circle", Center: &orb.Point{2, 13.5}, WidthKM: 60},
		{Name: "border", Border: "BFA-NER", Countries: []string{"BFA", "NER"}, WidthKM: 40},
		{Name: "drawn", Geometry: orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 13}}}}},
	} {
		f := incident.Filter{Zones: []*incident.Zone{z}}
		want := 0
		for _, in := range ins {
			if f.Match(in) {
				want++
			}
		}
		page, err := db.List(context.Background(), f)
		if err != nil || page.NumberMatched != want || want == 0 {
			t.Errorf("%s: %d matched (%v), want %d", z.Name, page.NumberMatched, err, want)
		}
	}
}

// Counting a drawn zone and a site's surroundings: the box read through
// the cell index, each row in it tested in Go.
func BenchmarkZoneFilter(b *testing.B) {
	db := openTest(b)
	fill(b, db, 20000)
	zone := incident.NewDrawnZone("z", "z", orb.MultiPolygon{{{{1.5, 13}, {2.8, 13}, {2.8, 14}, {1.5, 14}, {1.5, 13}}}})
	box := orb.Bound{Min: orb.Point{1.5, 13}, Max: orb.Point{2.8, 14}}
	road := incident.NewSite("r", "road", orb.LineString{{2.1, 13.5}, {1.8, 13.1}, {0.9, 12.3}})
	for name, f := range map[string]incident.Filter{
		"bbox":      {BBox: &box},
		"zone":      {Zones: []*incident.Zone{zone}},
		"near_site": {Site: road, RadiusKM: 25},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := db.Stats(context.Background(), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
