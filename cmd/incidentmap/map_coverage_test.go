package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// The base layer is the countries the data covers, and the map opens fitted
// to the data: with incidents in Mali, Burkina Faso and Ghana (no neighbour
// of Niger) besides Niger's seed, their regions are drawn (Burkina Faso's
// 13, not its 45 provinces) and the first view holds every incident.
func TestMapBaseLayerFollowsTheData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	for _, f := range []map[string]any{
		feature("gao-1", "2024-02-01", "Battles", "Armed clash", -0.04, 16.27, 3, nil),
		feature("djibo-1", "2024-02-02", "Battles", "Armed clash", -1.63, 14.10, 5, nil),
		feature("bawku-1", "2024-02-03", "Battles", "Armed clash", -0.24, 11.06, 2, nil),
	} {
		if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
	}
	b := newBrowser(t)
	var countries []string
	var bfaRegions int
	var holds bool
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		until(`incidentmap.map && Object.keys(incidentmap.map._layers).length > 0 && document.querySelectorAll('#f-region option').length > 20`),
		chromedp.Evaluate(`(function () {
			var seen = {};
			IM.layers.regions.eachLayer(function (l) { seen[l.feature.properties.country] = true; });
			return Object.keys(seen).sort();
		})()`, &countries),
		chromedp.Evaluate(`(function () {
			var n = 0;
			IM.layers.regions.eachLayer(function (l) { if (l.feature.properties.country === 'BFA') { n++; } });
			return n;
		})()`, &bfaRegions),
		chromedp.Evaluate(`(function () {
			var b = incidentmap.map.getBounds();
			return [[16.27, -0.04], [14.10, -1.63], [11.06, -0.24], [14.9, 5.5]].every(function (p) { return b.contains(p); });
		})()`, &holds),
	)
	for _, c := range []string{"BFA", "GHA", "MLI", "NER"} {
		if !slices.Contains(countries, c) {
			t.Errorf("the regions drawn are of %v; %s is missing", countries, c)
		}
	}
	if bfaRegions != 13 {
		t.Errorf("Burkina Faso is drawn as %d units, want its 13 regions", bfaRegions)
	}
	if !holds {
		t.Error("the first view does not hold every incident")
	}
	// An incident's popup says where it is as analysts do: "N km NE of X".
	var popup string
	b.run(t, chromedp.Evaluate(`void incidentmap.open('gao-1')`, nil),
		until(`document.querySelector('.leaflet-popup-content .popup') !== null`),
		chromedp.Text(".leaflet-popup-content .popup", &popup, chromedp.ByQuery))
	if !regexp.MustCompile(`\d+ km [NSEW]{1,2} of \S`).MatchString(popup) {
		t.Errorf("the popup does not say which place the incident is near: %q", popup)
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}
