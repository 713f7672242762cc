package extract

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

var (
	geoOnce sync.Once
	geoData *geo.Geography
	geoErr  error
)

// geography loads the embedded reference geography once for the package's
// tests (about half a second).
func geography(t testing.TB) *geo.Geography {
	t.Helper()
	geoOnce.Do(func() { geoData, geoErr = geo.Default() })
	if geoErr != nil {
		t.Fatal(geoErr)
	}
	return geoData
}

func day(s string) time.Time {
	d, err := time.Parse(incident.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

// want is what a draft must say; empty fields are not checked.
type want struct {
	date              string
	precision         int
	subEventType      string
	fatalities        int
	low               int
	high              int // -1: open (no fatalities_high)
	by                map[string]any
	region            string // the admin-1 region the point falls in
	actor1, actor2    string
	locationSubstring string
}

func checkDrafts(t *testing.T, g *geo.Geography, text string, got []*incident.Draft, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, d := range got {
			t.Logf("draft: %s %s %s %d (%s)", d.Incident.EventDate, d.Incident.SubEventType, d.Incident.Location, d.Incident.Fatalities, d.Incident.Notes)
		}
		t.Fatalf("%d drafts, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		in := got[i].Incident
		name := w.date + " " + w.subEventType
		if in.EventDate != w.date || in.TimePrecision != w.precision {
			t.Errorf("%s: event_date %s precision %d, want %s precision %d", name, in.EventDate, in.TimePrecision, w.date, w.precision)
		}
		if in.SubEventType != w.subEventType {
			t.Errorf("%s: sub_event_type %q", name, in.SubEventType)
		}
		if et, _ := incident.EventTypeOf(w.subEventType); in.EventType != et {
			t.Errorf("%s: event_type %q, want %q", name, in.EventType, et)
		}
		if in.Fatalities != w.fatalities {
			t.Errorf("%s: fatalities %d, want %d", name, in.Fatalities, w.fatalities)
		}
		if w.low > 0 && (in.FatalitiesLow == nil || *in.FatalitiesLow != w.low) {
			t.Errorf("%s: fatalities_low %v, want %d", name, in.FatalitiesLow, w.low)
		}
		switch {
		case w.high == -1 && in.FatalitiesHigh != nil:
			t.Errorf("%s: fatalities_high %d, want open", name, *in.FatalitiesHigh)
		case w.high > 0 && (in.FatalitiesHigh == nil || *in.FatalitiesHigh != w.high):
			t.Errorf("%s: fatalities_high %v, want %d", name, in.FatalitiesHigh, w.high)
		}
		if w.by != nil {
			by, _ := in.Extra["fatalities_by"].(map[string]any)
			if len(by) != len(w.by) {
				t.Errorf("%s: fatalities_by %v, want %v", name, by, w.by)
			}
			for k, v := range w.by {
				if by[k] != v {
					t.Errorf("%s: fatalities_by[%s] = %v (%T), want %v", name, k, by[k], by[k], v)
				}
			}
		}
		if w.region != "" {
			if !in.HasPoint() {
				t.Errorf("%s: not placed (location %q)", name, in.Location)
			} else if r := g.RegionAt(orb.Point{in.Lon, in.Lat}); r == nil || r.Name != w.region {
				t.Errorf("%s: point %v,%v is in %v, want %s", name, in.Lon, in.Lat, r, w.region)
			}
		}
		if w.actor1 != "" && in.Actor1 != w.actor1 || w.actor2 != "" && in.Actor2 != w.actor2 {
			t.Errorf("%s: actors %q / %q, want %q / %q", name, in.Actor1, in.Actor2, w.actor1, w.actor2)
		}
		if w.locationSubstring != "" && !contains(in.Location, w.locationSubstring) {
			t.Errorf("%s: location %q, want it to contain %q", name, in.Location, w.locationSubstring)
		}
		checkEvidence(t, name, text, got[i])
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// checkEvidence holds every span to the text: inside it, not empty, and
// present for the fields a draft is read from.
func checkEvidence(t *testing.T, name, text string, d *incident.Draft) {
	t.Helper()
	n := len([]rune(text))
	for field, spans := range d.Evidence {
		for _, s := range spans {
			if s[0] < 0 || s[1] > n || s[0] >= s[1] {
				t.Errorf("%s: evidence %s %v is outside the text (%d characters)", name, field, s, n)
			}
		}
	}
	for _, f := range []string{"event_type", "sub_event_type", "location", "notes"} {
		if len(d.Evidence[f]) == 0 {
			t.Errorf("%s: no evidence for %s", name, f)
		}
	}
	if d.Incident.Fatalities > 0 && len(d.Evidence["fatalities"]) == 0 {
		t.Errorf("%s: no evidence for fatalities", name)
	}
}

// The report this project grew from, read from the shared folder beside
// the repository at test time: the four events it tells of, and nothing
// for its background.
func TestSeedReport(t *testing.T) {
	raw, err := os.ReadFile("../../shared/seed-article.txt")
	if err != nil {
		t.Fatalf("the seed report is read from ../shared/seed-article.txt beside the repository: %v", err)
	}
	text := string(raw)
	g := geography(t)
	r := Extract(text, Options{Published: day("2023-10-03"), Geocoder: g})
	if r.Lang != "en" {
		t.Errorf("language %q", r.Lang)
	}
	checkDrafts(t, g, text, r.Drafts, []want{
		{date: "2023-07-26", precision: 1, subEventType: "Other", region: "Niamey",
			actor1: "Military Forces of Niger (2023-)", actor2: "Government of Niger (2021-2023)", locationSubstring: "Niamey"},
		{date: "2023-10-02", precision: 1, subEventType: "Suicide bomb", fatalities: 53, low: 29, high: -1,
			by: map[string]any{"soldiers": 29, "attackers": "several dozen"}, region: "Tahoua",
			actor1: "Unidentified Armed Group (Niger)", actor2: "Military Forces of Niger (2023-)",
			locationSubstring: "western Tahoua region near the Mali border"},
		{date: "2023-09-28", precision: 1, subEventType: "Armed clash", fatalities: 12, low: 12, high: 12,
			by: map[string]any{"soldiers": 12}, actor2: "Military Forces of Niger (2023-)", locationSubstring: "southwestern Niger"},
		{date: "2023-08-15", precision: 3, subEventType: "Armed clash", fatalities: 17, low: 17, high: -1,
			by: map[string]any{"soldiers": 17}, region: "Tillabéri", locationSubstring: "Burkina Faso border"},
	})
	// Every background sentence is context, with its reason.
	rs := []rune(text)
	var context []string
	for _, c := range r.Context {
		context = append(context, string(rs[c.Span[0]:c.Span[1]]))
	}
	for _, bg := range []string{"French forces", "ambassador", "Wagner", "security agreement", "UN mission"} {
		found := false
		for _, c := range context {
			found = found || contains(c, bg)
		}
		if !found {
			t.Errorf("the sentence about %q is not context", bg)
		}
	}
}
