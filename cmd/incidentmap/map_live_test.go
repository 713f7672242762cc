package main

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// The map listens to the stream with its filters: an incident stored
// while it is open appears, ringed, and the count goes up; one outside
// the filters does not come.
func TestMapShowsNewIncidentsLive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	tok := token(t, db, "editor")
	b := newBrowser(t)
	b.run(t, chromedp.Navigate(s.base+"/?event_type=Battles&map=8/13.1/1.8"), waitLoaded(), until(`IM.live().open`))
	for _, f := range []map[string]any{
		feature("live-riot", "2024-05-01", "Riots", "Violent demonstration", 1.8, 13.1, 0, nil), // not a battle
		feature("live-1", "2024-05-01", "Battles", "Armed clash", 1.79, 13.12, 3, nil),
	} {
		if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
	}
	var live struct {
		Open    bool
		Arrived []struct{ ID, Kind string }
		Ringed  int
	}
	var count string
	b.run(t, until(`IM.live().ringed > 0 && document.getElementById('count').dataset.count === '1'`),
		chromedp.Evaluate(`IM.live()`, &live), chromedp.Evaluate(`document.getElementById('count').dataset.count`, &count))
	if len(live.Arrived) != 1 || live.Arrived[0].ID != "live-1" || live.Arrived[0].Kind != "match" || live.Ringed != 1 {
		t.Errorf("the stream brought %+v (%d ringed); want live-1's match, ringed", live.Arrived, live.Ringed)
	}
	if count != "1" {
		t.Errorf("count %s after the new incident, want 1", count)
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("browser problems: %v", p)
	}
}
