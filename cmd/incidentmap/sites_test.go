package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// End to end: an editor draws a zone and keeps a site through the running
// program; zone= and near_site= select the seed incidents in them; the map
// draws the sites for a reader with a token and shows a site's summary.
func TestZonesAndSitesEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	editor := token(t, db, "editor")
	zone := `{"type":"Feature","id":"torodi-corridor","properties":{"name":"Torodi corridor"},"geometry":{"type":"Polygon","coordinates":[[[1.2,13.2],[1.6,13.2],[1.6,13.6],[1.2,13.6],[1.2,13.2]]]}}`
	site := `{"type":"Feature","id":"niamey-office","properties":{"name":"Niamey office"},"geometry":{"type":"Point","coordinates":[2.11,13.51]}}`
	for path, body := range map[string]string{"/api/v1/zones": zone, "/api/v1/sites": site} {
		if r := s.doCT("POST", path, editor, "application/geo+json", body); r.status != 201 {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
	}
	if c := s.list("zone=Torodi+corridor"); len(c.Features) != 1 || c.Features[0].ID != "ner-2023-08-15-koutougou" {
		t.Errorf("zone=Torodi corridor: %+v", c.Features)
	}
	if c := s.list("near_site=niamey-office&radius_km=25"); len(c.Features) != 2 {
		t.Errorf("near the Niamey office: %d incidents, want the two in Niamey", len(c.Features))
	}
	if r := s.get("/api/v1/incidents?zone=Atlantis"); r.status != 400 || !strings.Contains(string(r.body), `"field":"zone"`) {
		t.Errorf("an unknown zone: %d %s", r.status, r.body)
	}

	b := newBrowser(t)
	var n int
	var popup string
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Evaluate(`sessionStorage.setItem('incidentmap-token', `+"`"+editor+"`"+`)`, nil),
		chromedp.Navigate(s.base+"/?layers=sites&map=10/13.5/2.1"), waitLoaded(),
		until(`incidentmap.openSite(0) > 0`), chromedp.Evaluate(`incidentmap.openSite(0)`, &n),
		until(`(document.querySelector('.leaflet-popup-content') || {}).textContent.includes('within 10 km')`),
		chromedp.Evaluate(`(document.querySelector('.leaflet-popup-content') || {}).textContent || ''`, &popup))
	if n != 1 || !strings.Contains(popup, "Niamey office") || !strings.Contains(popup, "within 50 km") || !strings.Contains(popup, "90 days") {
		t.Errorf("the map draws %d sites; the popup says %q", n, popup)
	}
}
