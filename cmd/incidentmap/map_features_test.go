package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// screenshot saves the page for people to look at: in SCREENSHOT_DIR (docs/
// when refreshing README's pictures), else a temporary directory.
func screenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	var png []byte
	b.run(t, chromedp.Sleep(300*time.Millisecond), chromedp.CaptureScreenshot(&png))
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "incidentmap-screenshots")
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil || len(png) < 10000 {
		t.Errorf("screenshot %s: %v (%d bytes)", name, err, len(png))
	}
}

// A shared link restores every filter, the view and the layers, and the
// next change keeps them; dates apply once whole, not per keystroke.
func TestMapURLRestoresAndKeeps(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "im.db"))
	b := newBrowser(t)
	var region, start, end, count, url string
	var view []float64
	b.run(t, chromedp.Navigate(s.base+"/?region=Niamey&start=2023-01-01&end=2023-12-31&map=9/13.5/2.1&layers=zones"), waitLoaded(),
		chromedp.Value("#f-region", &region, chromedp.ByID), chromedp.Value("#f-start", &start, chromedp.ByID), chromedp.Value("#f-end", &end, chromedp.ByID),
		chromedp.AttributeValue("#count", "data-count", &count, nil),
		chromedp.Evaluate(`(function(){var c=incidentmap.map.getCenter(); return [incidentmap.map.getZoom(), c.lat, c.lng]})()`, &view))
	if region != "NE-8" || start != "2023-01-01" || end != "2023-12-31" || count != "2" {
		t.Errorf("from the link: region %q, dates %q–%q, count %s; want NE-8 (Niamey), 2023, 2", region, start, end, count)
	}
	if len(view) != 3 || view[0] != 9 || math.Abs(view[1]-13.5) > 0.01 || math.Abs(view[2]-2.1) > 0.01 {
		t.Errorf("view %v, want zoom 9 at 13.5, 2.1", view)
	}
	var zones bool
	b.run(t, chromedp.Evaluate(`document.getElementById('l-zones').checked`, &zones))
	if !zones {
		t.Error("layers=zones did not tick Border zones")
	}
	// A year typed digit by digit passes through 0002: nothing is applied.
	b.run(t, chromedp.SetValue("#f-start", "0002-01-01", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('f-start').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Sleep(700*time.Millisecond), chromedp.Location(&url))
	if strings.Contains(url, "start=0002") || !strings.Contains(url, "start=2023-01-01") {
		t.Errorf("a half-typed year was applied: %s", url)
	}
	// Minimum fatalities applies as typed, keeping everything else.
	b.run(t, chromedp.SendKeys("#f-min-fat", "5", chromedp.ByID),
		until(`location.search.includes("min_fatalities=5") && document.body.dataset.loaded === "true"`), chromedp.Location(&url))
	for _, want := range []string{"region=NE-8", "start=2023-01-01", "end=2023-12-31", "map=9%2F13.", "layers=zones", "min_fatalities=5"} {
		if !strings.Contains(url, want) {
			t.Errorf("after typing a minimum, the URL lost %s: %s", want, url)
		}
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// Markers at one point spread out at the deepest zoom, and each opens; the
// table and the map select the same incident; a permalink opens its popup.
func TestMapIncidentsOpen(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	for _, id := range []string{"same-a", "same-b"} {
		if r := s.do("POST", "/api/v1/incidents", tok, feature(id, "2024-03-01", "Battles", "Armed clash", 1.4, 14.2, 1, nil)); r.status != 201 {
			t.Fatalf("POST %s: %d %s", id, r.status, r.body)
		}
	}
	b := newBrowser(t)
	b.run(t, chromedp.Navigate(s.base+"/?map=16/14.2/1.4"), waitLoaded(), until(`document.querySelector('.im-cluster') !== null`))
	var pts map[string][]float64
	opened := map[string]bool{}
	for _, id := range []string{"same-a", "same-b"} {
		// At the deepest zoom a click on the group spreads it out; a click
		// elsewhere (or a popup's autopan) gathers it again.
		b.run(t, chromedp.Evaluate(`void incidentmap.map.closePopup()`, nil), chromedp.Sleep(300*time.Millisecond),
			chromedp.Click(".leaflet-marker-pane .im-cluster", chromedp.ByQuery), chromedp.Sleep(600*time.Millisecond),
			chromedp.Evaluate(`incidentmap.markerPoints()`, &pts))
		p, ok := pts[id]
		if !ok {
			t.Fatalf("%s is not on the map: %v", id, pts)
		}
		var got string
		b.run(t, chromedp.MouseClickXY(p[0], p[1]), until(`document.querySelector('.leaflet-popup-content .popup') !== null`),
			chromedp.AttributeValue(".leaflet-popup-content .popup", "data-id", &got, nil))
		opened[got] = true
		// The table marks the incident opened on the map.
		var sel []string
		b.run(t, chromedp.Evaluate(`Array.from(document.querySelectorAll('#table-body tr[aria-selected=true]')).map(function(r){return r.dataset.id})`, &sel))
		if len(sel) != 1 || sel[0] != got {
			t.Errorf("opened %s on the map; the table selects %v", got, sel)
		}
	}
	if !opened["same-a"] || !opened["same-b"] {
		t.Errorf("of two incidents at one point, these opened: %v", opened)
	}

	// A row of the table opens that incident's popup.
	var rowID, popupID, hash string
	b.run(t, chromedp.AttributeValue("#table-body tr:nth-child(3)", "data-id", &rowID, nil),
		chromedp.Focus("#table-body tr:nth-child(3)", chromedp.ByQuery), chromedp.KeyEvent("\r"),
		until(`document.querySelector('.leaflet-popup-content .popup') && document.querySelector('.leaflet-popup-content .popup').dataset.id === `+"`"+`${document.querySelector('#table-body tr:nth-child(3)').dataset.id}`+"`"),
		chromedp.AttributeValue(".leaflet-popup-content .popup", "data-id", &popupID, nil),
		chromedp.Evaluate(`location.hash`, &hash))
	if rowID == "" || popupID != rowID || hash != "#incident="+rowID {
		t.Errorf("Enter on the row of %q opened %q (hash %q)", rowID, popupID, hash)
	}

	// The permalink opens the map on the incident with its popup.
	const id = "ner-2023-10-02-tahoua-mali-border"
	var zoom float64
	b.run(t, chromedp.Navigate(s.base+"/#incident="+id), waitLoaded(), until(`document.querySelector('.leaflet-popup-content .popup') !== null`),
		chromedp.AttributeValue(".leaflet-popup-content .popup", "data-id", &popupID, nil), chromedp.Evaluate(`incidentmap.map.getZoom()`, &zoom))
	if popupID != id || zoom < 12 {
		t.Errorf("permalink to %s: popup %q at zoom %v", id, popupID, zoom)
	}
	var link string
	b.run(t, chromedp.Focus(".popup .copy-link", chromedp.ByQuery), chromedp.KeyEvent("\r"), until(`document.querySelector('.popup .link-out').value !== ''`),
		chromedp.Evaluate(`document.querySelector('.popup .link-out').value`, &link))
	if !strings.HasSuffix(link, "#incident="+id) {
		t.Errorf("copy link gives %q", link)
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// The place search moves the map and offers the incidents near there; the
// view saves as a PNG; the French interface is French.
func TestMapSearchExportFrench(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "im.db"))
	b := newBrowser(t)
	var c []float64
	var url string
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.SendKeys("#place-q", "Ayorou\r", chromedp.ByID),
		chromedp.WaitVisible("#near-here", chromedp.ByID),
		chromedp.Evaluate(`(function(){var c=incidentmap.map.getCenter(); return [c.lat, c.lng]})()`, &c))
	if len(c) != 2 || math.Abs(c[0]-14.73) > 0.1 || math.Abs(c[1]-0.92) > 0.1 {
		t.Errorf("after searching Ayorou the map is at %v", c)
	}
	b.run(t, chromedp.Click("#near-here", chromedp.ByID), until(`location.search.includes("near=")`), chromedp.Location(&url))
	if !strings.Contains(url, "near=0.9") {
		t.Errorf("incidents near Ayorou: URL %s", url)
	}
	var png string
	b.run(t, chromedp.Navigate(s.base+"/?layers=choro"), waitLoaded(), chromedp.Evaluate(`incidentmap.exportPNG()`, &png, awaitPromise))
	if !strings.HasPrefix(png, "data:image/png;base64,") || len(png) < 20000 {
		t.Errorf("export: %d bytes, %.40q", len(png), png)
	}

	var label, count, legend string
	b.run(t, chromedp.Navigate(s.base+"/?lang=fr"), waitLoaded(),
		chromedp.Text(`#f-types label:first-of-type`, &label, chromedp.ByQuery), chromedp.Text("#count", &count, chromedp.ByID),
		chromedp.Text(`legend`, &legend, chromedp.ByQuery))
	if !strings.Contains(label, "Combats") || !strings.Contains(count, "morts") || legend != "Dates" {
		t.Errorf("French page: first type %q, count %q", label, count)
	}
	var value string
	b.run(t, chromedp.Value(`#f-types input`, &value, chromedp.ByQuery))
	if value != "Battles" {
		t.Errorf("French labels changed the value sent: %q", value)
	}
	screenshot(t, b, "map-fr.png")
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}

// On a phone (390×844) nothing overflows, and with the filters shown then
// hidden the map fills its box (Leaflet told of the new size).
func TestMapPhone(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "im.db"))
	b := newBrowser(t)
	b.run(t, emulation.SetDeviceMetricsOverride(390, 844, 2, true), chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Click("#toggle-panel", chromedp.ByID), chromedp.Sleep(200*time.Millisecond),
		chromedp.Click("#toggle-panel", chromedp.ByID), chromedp.Sleep(300*time.Millisecond))
	var m map[string]float64
	b.run(t, chromedp.Evaluate(`(function(){var e=document.getElementById('map'), s=incidentmap.map.getSize(); return {w:e.clientWidth, h:e.clientHeight, mw:s.x, mh:s.y, sw:document.documentElement.scrollWidth}})()`, &m))
	if m["w"] != m["mw"] || m["h"] != m["mh"] || m["h"] < 250 || m["sw"] > 390 {
		t.Errorf("phone: map box %vx%v, Leaflet thinks %vx%v, page %v wide", m["w"], m["h"], m["mw"], m["mh"], m["sw"])
	}
	screenshot(t, b, "map-phone.png")
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}
