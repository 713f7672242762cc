package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium; ./scripts/test installs it.
func chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found: install it with `apt-get install chromium` (./scripts/test does), or set CHROMIUM")
	return ""
}

// browser is a headless Chromium that records what a person would notice:
// console errors, uncaught exceptions, failed requests, CSP violations.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	// Chromium may still be writing its profile as the test ends, so the
	// profile is removed after the browser is gone, errors ignored.
	profile, err := os.MkdirTemp("", "incidentmap-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		time.Sleep(100 * time.Millisecond)
		os.RemoveAll(profile)
	})
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.problems = append(b.problems, "console "+string(e.Type)+": "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Error())
		case *network.EventLoadingFailed:
			if !e.Canceled {
				b.problems = append(b.problems, "request failed: "+e.ErrorText)
			}
		case *network.EventRequestWillBeSent:
			// Nothing leaves this machine: the map works offline.
			if u, err := url.Parse(e.Request.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ws" || u.Scheme == "wss") && u.Hostname() != "127.0.0.1" {
				b.problems = append(b.problems, "request left 127.0.0.1: "+e.Request.URL)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				b.problems = append(b.problems, fmt.Sprintf("HTTP %d: %s", int(e.Response.Status), e.Response.URL))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError {
				b.problems = append(b.problems, "log: "+e.Entry.Text)
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), cdplog.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("browser: %v\nproblems so far: %v", err, b.seen())
	}
}

func (b *browser) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// waitLoaded waits until the map has loaded incidents for the current URL.
func waitLoaded() chromedp.Action {
	return chromedp.WaitVisible(`body[data-loaded="true"]`, chromedp.ByQuery)
}

// settled waits until the page's URL holds (or, with "!", lacks) a query
// parameter and the map has loaded the incidents for it and shows count of
// them, so a test never reads the state of the request before (debounced
// inputs and history events reach the map a little later). On a timeout it
// lets the test's own checks report what the page shows.
func settled(param, count string) chromedp.Action {
	has := fmt.Sprintf("location.search.includes(%q)", param)
	if strings.HasPrefix(param, "!") {
		has = fmt.Sprintf("!location.search.includes(%q)", param[1:])
	}
	return until(fmt.Sprintf(`%s && document.body.dataset.loaded === "true" && document.getElementById("count").dataset.count === %q`, has, count))
}

// until waits, up to 15 s, for a JavaScript condition to hold; the test's
// checks that follow report what is wrong if it never does.
func until(cond string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var ok bool
		err := chromedp.Poll(cond, &ok, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)).Do(ctx)
		if errors.Is(err, chromedp.ErrPollingTimeout) {
			return nil
		}
		return err
	})
}

func TestMapInBrowser(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	xss := `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
	// HTML in every text field.
	f := feature("xss-1", "2024-05-01", "Violence against civilians", "Attack", 1.79869, 13.11915, 2, map[string]any{
		"notes": xss, "actor1": `<b onmouseover="window.__xss=3">bold</b>`, "actor2": `<svg onload="window.__xss=4">`, "location": `Torodi <i>market</i>`,
		"admin1": `<iframe src="javascript:window.__xss=5">`, "admin2": `<a href="javascript:window.__xss=6">x</a>`,
		"source": "<u>src</u><img src=x onerror=window.__xss=7>", "source_url": "https://example.org/?q=<x>", "tags": []string{"<script>window.__xss=8</script>"},
	})
	if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}

	b := newBrowser(t)
	var count, url string
	b.run(t,
		chromedp.Navigate(s.base+"/"),
		waitLoaded(),
		chromedp.AttributeValue("#count", "data-count", &count, nil),
		chromedp.Location(&url),
	)
	if count != "6" {
		t.Errorf("count %q, want the 5 seed incidents and the test one", count)
	}

	// The seed incidents are on the map.
	var onMap []string
	b.run(t, chromedp.Evaluate(`incidentmap.ids()`, &onMap))
	for _, id := range seedIDs {
		if !contains(onMap, id) {
			t.Errorf("seed incident %s is not on the map (have %v)", id, onMap)
		}
	}

	// A filter change changes the count and the URL; Back restores both.
	b.run(t,
		chromedp.SetValue("#f-region", "NE-8", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('f-region').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		settled("region=NE-8", "2"),
		chromedp.AttributeValue("#count", "data-count", &count, nil),
		chromedp.Location(&url),
	)
	if count != "2" || !strings.Contains(url, "region=NE-8") {
		t.Errorf("after choosing Niamey: count %q, URL %q; want 2 and region=NE-8 in the URL", count, url)
	}
	b.run(t, chromedp.NavigateBack(), settled("!region=", "6"), chromedp.AttributeValue("#count", "data-count", &count, nil), chromedp.Location(&url))
	if count != "6" || strings.Contains(url, "region=") {
		t.Errorf("after Back: count %q, URL %q; want 6 and no region", count, url)
	}
	// Event types clicked through one after another load the match once,
	// not once a click (each load spends one of the client's heavy
	// requests on /api/v1/stats): three boxes unticked 30 ms apart.
	var statsAsked int
	b.run(t,
		chromedp.Evaluate(`performance.clearResourceTimings()`, nil),
		chromedp.Evaluate(`(async function(){for (const ty of ['Protests', 'Riots', 'Battles']) { document.querySelector('input[name=event_type][value="' + ty + '"]').click(); await new Promise(function (r) { setTimeout(r, 30); }); }})()`, nil,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		settled("event_type=", "4"),
		chromedp.Evaluate(`performance.getEntriesByType('resource').filter(function (e) { return e.name.includes('/api/v1/stats?'); }).length`, &statsAsked),
		chromedp.Location(&url),
	)
	if statsAsked != 1 || strings.Contains(url, "Battles") || !strings.Contains(url, "Strategic") {
		t.Errorf("three event types unticked 30 ms apart: stats asked %d times, want once; URL %q", statsAsked, url)
	}
	// A shared link opens with its filters.
	b.run(t, chromedp.Navigate(s.base+"/?border=MLI&border_km=50"), waitLoaded(), chromedp.AttributeValue("#count", "data-count", &count, nil))
	var borderSel string
	b.run(t, chromedp.Value("#f-border", &borderSel, chromedp.ByID))
	if count != "1" || borderSel != "MLI" {
		t.Errorf("shared link border=MLI: count %q, form border %q; want 1, MLI", count, borderSel)
	}

	// The popup shows the fields an analyst needs.
	var popup string
	b.run(t,
		chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Evaluate(`incidentmap.open('ner-2023-10-02-tahoua-mali-border')`, nil),
		chromedp.WaitVisible(".leaflet-popup-content", chromedp.ByQuery),
		chromedp.Text(".leaflet-popup-content", &popup, chromedp.ByQuery),
	)
	for _, want := range []string{"Suicide bomb", "2023-10-02 (exact day)", "Explosions/Remote violence", "65 (range 29–89)", "western Tahoua region, near the Mali border", "Tahoua (NE-5)", "Mali–Niger, 15", "3 — region or border area", "Niger Ministry of Defence"} {
		if !strings.Contains(popup, want) {
			t.Errorf("popup lacks %q:\n%s", want, popup)
		}
	}
	var circles int
	b.run(t, chromedp.Evaluate(`(function(){var n=0;incidentmap.map.eachLayer(function(l){if(l instanceof L.Circle && l.options.dashArray){n++}});return n})()`, &circles))
	if circles != 1 {
		t.Errorf("%d uncertainty circles drawn for a precision-3 incident, want 1", circles)
	}

	// HTML in any field shows as text and never runs.
	var xssPopup string
	var imgs, scripts int
	var flag any
	b.run(t,
		chromedp.Evaluate(`void incidentmap.map.closePopup()`, nil),
		chromedp.Evaluate(`incidentmap.open('xss-1')`, nil),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(".leaflet-popup-content", chromedp.ByQuery),
		chromedp.Text(".leaflet-popup-content", &xssPopup, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('.leaflet-popup-content img, .leaflet-popup-content b, .leaflet-popup-content i, .leaflet-popup-content svg, .leaflet-popup-content iframe, .leaflet-popup-content u').length`, &imgs),
		chromedp.Evaluate(`document.querySelectorAll('.leaflet-popup-content script').length`, &scripts),
		chromedp.Evaluate(`window.__xss === undefined ? null : window.__xss`, &flag),
	)
	if !strings.Contains(xssPopup, `<img src=x onerror="window.__xss=1">`) || !strings.Contains(xssPopup, "<b onmouseover") || !strings.Contains(xssPopup, "Torodi <i>market</i>") || !strings.Contains(xssPopup, "<svg onload") || !strings.Contains(xssPopup, "<u>src</u>") || !strings.Contains(xssPopup, "<iframe src") || !strings.Contains(xssPopup, "<script>window.__xss=8") {
		t.Errorf("HTML in fields not shown as text:\n%s", xssPopup)
	}
	if imgs != 0 || scripts != 0 || flag != nil {
		t.Errorf("stored HTML became live: %d elements, %d scripts, __xss=%v", imgs, scripts, flag)
	}

	// Downloads follow the filters.
	var hrefs []string
	b.run(t, chromedp.Navigate(s.base+"/?region=NE-6"), waitLoaded(), chromedp.Evaluate(`Array.from(document.querySelectorAll('#downloads a')).map(function(a){return a.getAttribute('href')})`, &hrefs))
	if len(hrefs) < 3 || !strings.Contains(hrefs[0], "region=NE-6") || !strings.Contains(hrefs[0], "f=geojson") {
		t.Errorf("download links %v: want every format, with region=NE-6", hrefs)
	}

	// Drawing a box filters by it: drag on the map with "Draw a box" on.
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded())
	// The button is pressed before the corners are measured: clicking it
	// scrolls it into view, which can move the map on the page (a box
	// measured before landed 0.3° south once and caught 3 incidents).
	var box map[string]float64
	b.run(t, chromedp.Click("#draw-box", chromedp.ByID),
		chromedp.Evaluate(`(function(){var m=incidentmap.map; m.setView([13.5, 2.1], 8, {animate:false}); var a=m.latLngToContainerPoint([13.9,1.7]), c=m.latLngToContainerPoint([13.2,2.5]), r=m.getContainer().getBoundingClientRect(); return {x1:a.x+r.left,y1:a.y+r.top,x2:c.x+r.left,y2:c.y+r.top}})()`, &box))
	b.run(t,
		chromedp.MouseEvent(input.MousePressed, box["x1"], box["y1"], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.MouseMoved, (box["x1"]+box["x2"])/2, (box["y1"]+box["y2"])/2),
		chromedp.MouseEvent(input.MouseMoved, box["x2"], box["y2"]),
		chromedp.MouseEvent(input.MouseReleased, box["x2"], box["y2"], chromedp.ButtonLeft),
		settled("bbox=", "2"),
		chromedp.Location(&url), chromedp.AttributeValue("#count", "data-count", &count, nil),
	)
	if !strings.Contains(url, "bbox=") || count != "2" {
		t.Errorf("after drawing a box around Niamey: URL %q, count %q; want a bbox and Niamey's 2 incidents", url, count)
	}

	// Right-click: incidents within N km of here.
	var pt map[string]float64
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Evaluate(`(function(){var m=incidentmap.map; m.setView([13.5, 2.1], 8, {animate:false}); var p=m.latLngToContainerPoint([13.51366,2.1098]), r=m.getContainer().getBoundingClientRect(); return {x:p.x+r.left, y:p.y+r.top}})()`, &pt))
	b.run(t,
		chromedp.MouseClickXY(pt["x"], pt["y"], chromedp.Button("right")),
		chromedp.WaitVisible(".near-menu button", chromedp.ByQuery),
		chromedp.SetValue(".near-menu input", "10", chromedp.ByQuery),
		chromedp.Click(".near-menu button", chromedp.ByQuery),
		settled("radius_km=10", "2"),
		chromedp.Location(&url), chromedp.AttributeValue("#count", "data-count", &count, nil),
	)
	if !strings.Contains(url, "near=") || !strings.Contains(url, "radius_km=10") || count != "2" {
		t.Errorf("after 'within 10 km of here' at Niamey: URL %q, count %q", url, count)
	}

	// Brushing the histogram sets the dates.
	var bars map[string]float64
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(),
		chromedp.Evaluate(`(function(){var c=Chart.getChart(document.getElementById('histogram')), x=c.scales.x, r=c.canvas.getBoundingClientRect(); return {x1: r.left + x.getPixelForValue(1), x2: r.left + x.getPixelForValue(2), y: r.top + r.height/2}})()`, &bars))
	b.run(t,
		chromedp.MouseEvent(input.MousePressed, bars["x1"], bars["y"], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.MouseMoved, bars["x2"], bars["y"]),
		chromedp.MouseEvent(input.MouseReleased, bars["x2"], bars["y"], chromedp.ButtonLeft),
		settled("end=2023-09-30", "3"),
		chromedp.Location(&url), chromedp.AttributeValue("#count", "data-count", &count, nil),
	)
	if !strings.Contains(url, "start=2023-08-01") || !strings.Contains(url, "end=2023-09-30") || count != "3" {
		t.Errorf("after brushing Aug–Sep 2023: URL %q, count %q; want those dates and 3 incidents", url, count)
	}

	// The heatmap and choropleth toggles draw.
	var layers int
	b.run(t, chromedp.Click("#l-heat", chromedp.ByID), chromedp.Click("#l-choro", chromedp.ByID),
		until(`document.querySelectorAll('canvas.leaflet-heatmap-layer').length === 1`),
		chromedp.Evaluate(`document.querySelectorAll('canvas.leaflet-heatmap-layer').length`, &layers))
	if layers != 1 {
		t.Errorf("heatmap layer not drawn (%d)", layers)
	}

	// The empty state.
	var empty bool
	b.run(t, chromedp.Navigate(s.base+"/?min_fatalities=100000"), waitLoaded(), chromedp.Evaluate(`!document.getElementById('empty').hidden`, &empty))
	if !empty {
		t.Error("no empty-state message when nothing matches")
	}

	// A screenshot for people to look at.
	var png []byte
	b.run(t, chromedp.Navigate(s.base+"/"), waitLoaded(), chromedp.Sleep(300*time.Millisecond), chromedp.CaptureScreenshot(&png))
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "incidentmap-screenshots")
	}
	os.MkdirAll(dir, 0o755)
	shot := filepath.Join(dir, "map.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil || len(png) < 10000 {
		t.Errorf("screenshot: %v (%d bytes)", err, len(png))
	}
	t.Logf("screenshot: %s", shot)

	if p := b.seen(); len(p) > 0 {
		t.Errorf("the page had problems a user would see:\n%s", strings.Join(p, "\n"))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
