package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Watches on the map: without a token the panel is hidden; with the
// editor's token in the browser session (as the review screen keeps it),
// the current filters are saved as a watch, listed, and deleted again,
// and the API agrees each time.
func TestMapWatchesForEditors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	tok := token(t, db, "editor")
	b := newBrowser(t)

	var hidden bool
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Evaluate(`document.getElementById('watches').hidden`, &hidden))
	if !hidden {
		t.Error("the watches panel shows with no token set")
	}

	type watch struct{ ID, Name, Filter string }
	listed := func() []watch {
		t.Helper()
		r := s.do("GET", "/api/v1/watches", tok, nil)
		var body struct{ Watches []watch }
		if r.status != http.StatusOK || json.Unmarshal(r.body, &body) != nil {
			t.Fatalf("GET /api/v1/watches: %d %s", r.status, r.body)
		}
		return body.Watches
	}

	var names []string
	b.run(t,
		chromedp.Evaluate(`sessionStorage.setItem('incidentmap-token', `+jsString(tok)+`)`, nil),
		chromedp.Navigate(s.base+"/?event_type=Battles&region=NE-8"), waitLoaded(),
		until(`!document.getElementById('watches').hidden`),
		chromedp.SendKeys("#watch-name", "Battles in Tillabéri", chromedp.ByID),
		chromedp.Click("#watch-form button[type=submit]", chromedp.ByQuery),
		until(`document.querySelectorAll('#watch-list li').length === 1`),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#watch-list li strong')).map(function (e) { return e.textContent })`, &names),
	)
	if len(names) != 1 || names[0] != "Battles in Tillabéri" {
		t.Fatalf("the panel lists %q after creating a watch", names)
	}
	ws := listed()
	if len(ws) != 1 || ws[0].Name != "Battles in Tillabéri" || !strings.Contains(ws[0].Filter, "event_type=Battles") || !strings.Contains(ws[0].Filter, "region=NE-8") {
		t.Fatalf("the API lists %+v; want the map's filters, event_type=Battles and region=NE-8", ws)
	}

	var left int
	b.run(t,
		chromedp.Click("#watch-list li .watch-delete", chromedp.ByQuery),
		until(`document.querySelectorAll('#watch-list li').length === 0`),
		chromedp.Evaluate(`document.querySelectorAll('#watch-list li').length`, &left),
	)
	if left != 0 || len(listed()) != 0 {
		t.Errorf("after delete the panel lists %d watches, the API %d", left, len(listed()))
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("browser problems: %v", p)
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
