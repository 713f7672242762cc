package incident

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// torodi is an incident as a store returns it, derived fields set.
func torodi() *Incident {
	in := &Incident{ID: "torodi-1", EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash",
		Actor1: "JNIM", Admin1: "Tillabéri", Admin2: "Torodi", Location: "Koutougou", Fatalities: 7,
		Notes: "Soldiers ambushed near the Burkina Faso border", Tags: []string{"convoy"},
		UpdatedAt: time.Date(2023, 10, 3, 0, 0, 0, 0, time.UTC)}
	in.SetPoint(1.7987, 13.1192)
	in.Region = &Region{Code: "NE-6", Name: "Tillabéri"}
	ner := "NER"
	in.Country = &ner
	in.Borders = []BorderDistance{{Border: "BFA-NER", Countries: [2]string{"BFA", "NER"}, DistanceKM: 40}, {Border: "MLI-NER", Countries: [2]string{"MLI", "NER"}, DistanceKM: 210}}
	return in
}

// Each filter, as a request writes it, against one incident: what the
// stores must agree with (their oracle tests call Match).
func TestMatch(t *testing.T) {
	in := torodi()
	for q, want := range map[string]bool{
		"":                                   true,
		"bbox=1,13,2,14":                     true,
		"bbox=2,13,3,14":                     false,
		"near=1.8,13.2&radius_km=10":         true,  // 9.0 km
		"near=1.8,13.2&radius_km=8.9":        false, // just outside
		"border=BFA&border_km=40":            true,  // edges included
		"border=BFA&border_km=39.9":          false,
		"border=MLI":                         false, // 210 km, over the default 50
		"border=any&border_km=45":            true,
		"start=2023-10-02&end=2023-10-02":    true,
		"start=2023-10-03":                   false,
		"end=2023-10-01":                     false,
		"event_type=Battles,Riots":           true,
		"event_type=Riots":                   false,
		"sub_event_type=Armed clash":         true,
		"sub_event_type=Attack":              false,
		"region=NE-6":                        true,
		"region=NE-5":                        false,
		"admin1=TILLABERY region":            true,
		"admin2=Say":                         false,
		"flag=admin1_mismatch":               false,
		"min_fatalities=7":                   true,
		"min_fatalities=8":                   false,
		"q=koutou":                           true,  // a word's start
		"q=tougou":                           false, // not its middle
		"q=SOLDIERS burkina":                 true,  // every word, case aside
		"q=soldiers niamey":                  false,
		"q=jnim convoy":                      true,  // actors and tags
		"q=/":                                false, // no word: nothing
		"updated_since=2023-10-02T00:00:00Z": true,
		"updated_since=2023-10-03T00:00:00Z": false, // after, as the store's updated_at > since
	} {
		v, _ := url.ParseQuery(q)
		f, err := ParseFilter(v, places{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := f.Match(in); got != want {
			t.Errorf("%s: Match %v, want %v", q, got, want)
		}
	}
	in.Admin1Mismatch = true
	if !(Filter{Flags: []string{FlagAdmin1Mismatch}}).Match(in) {
		t.Error("flag=admin1_mismatch does not match a flagged incident")
	}
	in.Deleted = true
	since := in.UpdatedAt.Add(-time.Hour)
	if (Filter{}).Match(in) || !(Filter{UpdatedSince: &since}).Match(in) {
		t.Error("a deleted incident matches only a sync filter, as a marker")
	}
	if (Filter{}).Match(nil) {
		t.Error("nil matches")
	}
}

// A write's notice names what it changed.
func TestChangedFields(t *testing.T) {
	a, b := torodi(), torodi()
	b.Fatalities = 9
	b.SetPoint(1.8, 13.2)
	b.UpdatedAt = b.UpdatedAt.Add(time.Hour)
	got := ChangedFields(a, b)
	if !slices.Equal(got, []string{"geometry", "fatalities"}) {
		t.Errorf("ChangedFields = %v", got)
	}
	if ChangedFields(a, a) != nil || ChangedFields(nil, a) != nil {
		t.Error("no change, or a create, lists fields")
	}
}
