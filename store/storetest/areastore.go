package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
	"github.com/paulmach/orb"
)

// AreaStore checks the zones and sites a store keeps (incident.AreaStore),
// if it keeps them, against the reference: each write succeeds or fails
// with the reference's error code (a zone's name however spelled is one
// zone's; ids are one namespace for zones and sites; a site may share a
// zone's name; replacing or deleting what is not there is not found, and
// a replacement keeps the owner and creation time), and the lists read
// back the same after each.
func AreaStore(t *testing.T, open Open) {
	s, ok := open(t).(incident.AreaStore)
	if !ok {
		return
	}
	ref := memstore.New()
	p := &pair{t: t, ref: ref}
	ctx := context.Background()
	at := time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)
	zone := func(id, name string, mp orb.MultiPolygon, minutes int) *incident.Zone {
		z := incident.NewDrawnZone(id, name, mp)
		z.Owner, z.CreatedAt, z.UpdatedAt = "tok-"+id, at.Add(time.Duration(minutes)*time.Minute), at.Add(time.Duration(minutes)*time.Minute)
		return z
	}
	site := func(id, name string, g orb.Geometry, minutes int) *incident.Site {
		x := incident.NewSite(id, name, g)
		x.Owner, x.CreatedAt, x.UpdatedAt = "tok-"+id, at.Add(time.Duration(minutes)*time.Minute), at.Add(time.Duration(minutes)*time.Minute)
		return x
	}
	square := orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 14}, {1, 13}}}}
	both := func(what string, write func(incident.AreaStore) error) {
		t.Helper()
		want, got := write(ref), write(s)
		if (want == nil) != (got == nil) || want != nil && incident.ErrorCode(got) != incident.ErrorCode(want) {
			p.errorf("%s: %v, want %v", what, got, want)
		}
		p.sameAreas(s)
	}
	// Written newest first: the lists are oldest first all the same, ties
	// by id.
	both("CreateZone b", func(a incident.AreaStore) error {
		return a.CreateZone(ctx, zone("zone-b", "Torodi corridor", square, 5))
	})
	both("CreateZone a", func(a incident.AreaStore) error {
		return a.CreateZone(ctx, zone("zone-a", "Gorouol", drawnZones[1].Geometry, 1))
	})
	both("CreateZone c", func(a incident.AreaStore) error {
		return a.CreateZone(ctx, zone("zone-c", "Fiji", drawnZones[2].Geometry, 1))
	})
	both("CreateZone of a name taken", func(a incident.AreaStore) error {
		return a.CreateZone(ctx, zone("zone-d", "TORODI  corridor", square, 6))
	})
	both("CreateZone of an id taken", func(a incident.AreaStore) error { return a.CreateZone(ctx, zone("zone-a", "Other", square, 6)) })
	both("CreateSite of a zone's name", func(a incident.AreaStore) error {
		return a.CreateSite(ctx, site("site-a", "Torodi corridor", orb.LineString{{1, 13}, {2, 13.5}}, 2))
	})
	for i, x := range sites {
		both("CreateSite "+x.ID, func(a incident.AreaStore) error { return a.CreateSite(ctx, site(x.ID, x.Name, x.Geometry, 3-i)) })
	}
	both("CreateSite of a zone's id", func(a incident.AreaStore) error {
		return a.CreateSite(ctx, site("zone-b", "Base", orb.Point{1, 13}, 7))
	})
	both("ReplaceZone", func(a incident.AreaStore) error {
		z := zone("zone-b", "Torodi–Makalondi", orb.MultiPolygon{square[0], {{{3, 13}, {4, 13}, {4, 14}, {3, 13}}}}, 9)
		z.Owner, z.UpdatedAt = "tok-other", at.Add(time.Hour)
		return a.ReplaceZone(ctx, z)
	})
	both("ReplaceZone to a name taken", func(a incident.AreaStore) error { return a.ReplaceZone(ctx, zone("zone-c", "gorouol", square, 9)) })
	both("ReplaceZone of none", func(a incident.AreaStore) error { return a.ReplaceZone(ctx, zone("zone-x", "None", square, 9)) })
	both("ReplaceSite of a zone", func(a incident.AreaStore) error {
		return a.ReplaceSite(ctx, site("zone-a", "Gorouol", orb.Point{1, 13}, 9))
	})
	both("ReplaceSite", func(a incident.AreaStore) error {
		return a.ReplaceSite(ctx, site("site-road", "RN1", orb.LineString{{2, 13}, {1, 14}, {0, 12.5}}, 9))
	})
	both("DeleteZone", func(a incident.AreaStore) error { return a.DeleteZone(ctx, "zone-a") })
	both("DeleteZone again", func(a incident.AreaStore) error { return a.DeleteZone(ctx, "zone-a") })
	both("DeleteZone of a site", func(a incident.AreaStore) error { return a.DeleteZone(ctx, "site-a") })
	both("DeleteSite", func(a incident.AreaStore) error { return a.DeleteSite(ctx, "site-camp") })
	both("DeleteSite of a zone", func(a incident.AreaStore) error { return a.DeleteSite(ctx, "zone-c") })
	both("CreateZone of a deleted one's name", func(a incident.AreaStore) error {
		return a.CreateZone(ctx, zone("zone-e", "Gorouol", square, 0))
	})
}
