package incident

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func valid() *Incident {
	in := &Incident{ID: "x-1", EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash", Fatalities: 3}
	in.SetPoint(1.8, 13.1)
	return in
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(*Incident)
		field string // "" means valid
	}{
		{"valid", func(*Incident) {}, ""},
		{"event type from sub-event type", func(in *Incident) { in.EventType = "" }, ""},
		{"no date", func(in *Incident) { in.EventDate = "" }, "properties.event_date"},
		{"bad date", func(in *Incident) { in.EventDate = "2023-13-01" }, "properties.event_date"},
		{"future date", func(in *Incident) { in.EventDate = "2999-01-01" }, "properties.event_date"},
		{"time precision 4", func(in *Incident) { in.TimePrecision = 4 }, "properties.time_precision"},
		{"unknown type", func(in *Incident) { in.EventType = "War" }, "properties.event_type"},
		{"mismatched sub-type", func(in *Incident) { in.SubEventType = "Grenade" }, "properties.sub_event_type"},
		{"no point", func(in *Incident) {
			*in = Incident{EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash"}
		}, "geometry"},
		{"lon 181", func(in *Incident) { in.SetPoint(181, 0) }, "geometry.coordinates"},
		{"lat -91", func(in *Incident) { in.SetPoint(0, -91) }, "geometry.coordinates"},
		{"geo precision 0 defaults to 1", func(in *Incident) { in.GeoPrecision = 0 }, ""},
		{"geo precision 4", func(in *Incident) { in.GeoPrecision = 4 }, "properties.geo_precision"},
		{"negative fatalities", func(in *Incident) { in.Fatalities = -1 }, "properties.fatalities"},
		{"high below best", func(in *Incident) { h := 1; in.FatalitiesHigh = &h }, "properties.fatalities_high"},
		{"ftp source", func(in *Incident) { in.SourceURL = "ftp://x" }, "properties.source_url"},
		{"huge notes", func(in *Incident) { in.Notes = strings.Repeat("x", 20001) }, "properties.notes"},
		{"bad UTF-8", func(in *Incident) { in.Actor1 = "\xff" }, "properties.actor1"},
		{"NUL", func(in *Incident) { in.Location = "a\x00b" }, "properties.location"},
		{"bad id", func(in *Incident) { in.ID = "a b" }, "id"},
		{"too many tags", func(in *Incident) { in.Tags = make([]string, 51) }, "properties.tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mut(in)
			err := in.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || e.Field != tt.field || e.Message == "" {
				t.Fatalf("got %#v, want an invalid error on %s", err, tt.field)
			}
		})
	}
}

func TestFeatureRoundTrip(t *testing.T) {
	low, high, unc := 2, 9, 15.5
	in := valid()
	in.TimePrecision, in.GeoPrecision = 2, 2
	in.Actor1, in.Actor2, in.Admin1, in.Admin2, in.Location = "A <b>", "B", "Tillabéri", "Torodi", `near "Torodi"`
	in.FatalitiesLow, in.FatalitiesHigh, in.UncertaintyKM = &low, &high, &unc
	in.Source, in.SourceURL, in.Notes, in.Tags = "S", "https://example.org/a?b=c&d", "line1\nline2 </script>", []string{"a", "b"}
	in.Extra = map[string]any{"inter1": float64(2), "assoc_actor_1": "X"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<b>") || strings.Contains(string(b), "</script>") {
		t.Errorf("HTML not escaped in JSON: %s", b)
	}
	out, err := DecodeFeature(b)
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	in.hasPoint, out.hasPoint = true, true
	in.Derived, out.Derived = Derived{}, Derived{}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the incident:\n%+v\n%+v", in, out)
	}
}

func TestDerivedPropertiesAreNotTrusted(t *testing.T) {
	in, err := DecodeFeature([]byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,13]},"properties":{"event_date":"2023-01-01","event_type":"Battles","sub_event_type":"Armed clash","region_code":"NE-1","country":"FRA","zones":["x"],"distance_km":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.Region != nil || in.Country != nil || in.Zones != nil || in.DistanceKM != nil || in.Extra != nil {
		t.Errorf("derived properties were taken from input: %+v", in)
	}
}

func TestDecodeFeatureErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:                                     "empty body",
		`[]`:                                   "not a JSON object",
		`{"type":"Feature"`:                    "malformed JSON",
		`{"type":"Point","coordinates":[1,2]}`: "send a GeoJSON Feature",
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}}`: "want [longitude, latitude]",
		`{"type":"Feature","geometry":null,"properties":null}`:                             "properties",
		`{"type":"Feature","properties":{"fatalities":1.5}}`:                               "whole number",
		`{"type":"Feature","properties":{"tags":7}}`:                                       "array of strings",
	} {
		_, err := DecodeFeature([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error saying %q", body, err, want)
		}
	}
}

func TestMergePatch(t *testing.T) {
	// RFC 7396 appendix A examples.
	for _, tc := range [][3]string{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
	} {
		var target, patch any
		json.Unmarshal([]byte(tc[0]), &target)
		json.Unmarshal([]byte(tc[1]), &patch)
		got, _ := json.Marshal(MergePatch(target, patch))
		if string(got) != tc[2] {
			t.Errorf("%s + %s = %s, want %s", tc[0], tc[1], got, tc[2])
		}
	}
}

// places is a small geography for filter tests: Niger, Mali and Burkina
// Faso with their borders, Iceland with none, and a "Centre" in two
// countries.
type places struct{}

func (places) LandBorders(iso3 string) ([]string, bool) {
	keys, ok := map[string][]string{"NER": {"BFA-NER", "MLI-NER"}, "MLI": {"BFA-MLI", "MLI-NER"}, "BFA": {"BFA-MLI", "BFA-NER"}, "CMR": {}, "ISL": {}}[iso3]
	return keys, ok
}

func (places) RegionsNamed(s string, countries []string) []Region {
	all := []struct {
		country string
		r       Region
	}{{"NER", Region{Code: "NE-5", Name: "Tahoua"}}, {"NER", Region{Code: "NE-6", Name: "Tillaberi"}}, {"BFA", Region{Code: "BF-03", Name: "Centre"}}, {"CMR", Region{Code: "CM-CE", Name: "Centre"}}}
	var out []Region
	for _, c := range all {
		if (strings.EqualFold(s, c.r.Code) || strings.EqualFold(s, c.r.Name)) && (len(countries) == 0 || slices.Contains(countries, c.country)) {
			out = append(out, c.r)
		}
	}
	return out
}

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter(url.Values{"bbox": {"0,11,4,16"}, "start": {"2023-07-01"}, "region": {"Tahoua"}, "border": {"mli"}, "event_type": {"Battles,Protests"}, "limit": {"20"}}, places{})
	if err != nil {
		t.Fatal(err)
	}
	if f.BBox.Min[0] != 0 || f.BBox.Max[1] != 16 || f.Start != "2023-07-01" || f.Regions[0] != "NE-5" || f.Border != "MLI" || f.BorderKM != 50 || len(f.EventTypes) != 2 || f.Limit != 20 {
		t.Errorf("parsed %+v", f)
	}
	c := Cursor{EventDate: "2023-10-02", ID: "abc-1"}
	got, err := DecodeCursor(c.Encode())
	if err != nil || *got != c {
		t.Errorf("cursor round trip: %v %v", got, err)
	}
}

// border= takes a border in either order, a country or any; country= takes
// ISO3 codes; region= a code, or a name that means one unit (with country=
// to choose). Anything else is a 400 naming the parameter and saying where
// to find the valid values.
func TestParseFilterPlaces(t *testing.T) {
	for _, c := range []struct {
		query, border, countries, regions string
	}{
		{"border=NER-MLI", "MLI-NER", "", ""},
		{"border=mli-ner&border_km=20", "MLI-NER", "", ""},
		{"border=MLI", "MLI", "", ""},
		{"border=Any", "any", "", ""},
		{"border=MLI-NER&country=ner", "MLI-NER", "NER", ""},
		{"country=NER,MLI", "", "NER MLI", ""},
		{"region=BF-03", "", "", "BF-03"},
		{"region=centre&country=CMR", "", "CMR", "CM-CE"},
		{"region=Tahoua", "", "", "NE-5"},
	} {
		q, _ := url.ParseQuery(c.query)
		f, err := ParseFilter(q, places{})
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if f.Border != c.border || strings.Join(f.Countries, " ") != c.countries || strings.Join(f.Regions, " ") != c.regions {
			t.Errorf("%s: border %q countries %q regions %q, want %q %q %q", c.query, f.Border, f.Countries, f.Regions, c.border, c.countries, c.regions)
		}
	}
	for _, c := range []struct{ query, field, says string }{
		{"border=MLI-XYZ", "border", "/api/v1/borders"},
		{"border=NER-CMR", "border", "not a land border"},
		{"border=NER-NER", "border", "not a land border"},
		{"border=XYZ", "border", "MLI-NER"},
		{"border=ISL", "border", "ISL has no land border"},
		{"country=XYZ", "country", "/api/v1/borders"},
		{"country=Niger", "country", "alpha-3"},
		{"region=Centre", "region", "BF-03 (Centre), CM-CE (Centre)"},
		{"region=Tahoua&country=MLI", "region", "not a region of MLI"},
		{"region=Atlantis", "region", "not a known region"},
		{"border_km=5", "border_km", "MLI-NER"},
	} {
		q, _ := url.ParseQuery(c.query)
		_, err := ParseFilter(q, places{})
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field || !strings.Contains(e.Message, c.says) {
			t.Errorf("%s: %v, want an invalid %s saying %q", c.query, err, c.field, c.says)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"bbox=0,11,4,16&start=2023-01-01", "border=MLI&border_km=50", "border=ner-mli&country=NER", "region=Centre&country=BFA", "near=2.1,13.5&radius_km=25", "limit=0", "cursor=MjAyMy0xMC0wMnxhYmM", "region=Tahoua&q=%00", "bbox=NaN,1,2,3", "radius_km=1e400"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := ParseFilter(q, places{})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error %T is not an *Error", raw, err)
			}
			return
		}
		if fl.Limit < 1 || fl.Limit > MaxLimit {
			t.Fatalf("%q: limit %d accepted", raw, fl.Limit)
		}
		if fl.BBox != nil && (fl.BBox.Min[0] > fl.BBox.Max[0] || fl.BBox.Min[1] > fl.BBox.Max[1]) {
			t.Fatalf("%q: inverted bbox accepted", raw)
		}
		if fl.Start != "" && fl.End != "" && fl.End < fl.Start {
			t.Fatalf("%q: end before start accepted", raw)
		}
	})
}

func FuzzDecodeFeature(f *testing.F) {
	f.Add(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2023-10-02","event_type":"Battles","sub_event_type":"Armed clash","fatalities":3}}`)
	f.Add(`{"type":"Feature","geometry":null,"properties":{"location":"near Ayorou","tags":"a;b","fatalities":"12"}}`)
	f.Add(`{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1e308,-1e308]},"properties":{"fatalities_low":-1}}`)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := DecodeFeature([]byte(s))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error %T is not an *Error", s, err)
			}
			return
		}
		if in.Validate() != nil {
			return
		}
		// Whatever validates must encode and decode to the same thing.
		b, err := json.Marshal(in)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: encodes to invalid JSON %s (%v)", s, b, err)
		}
		out, err := DecodeFeature(b)
		if err != nil {
			t.Fatalf("%q: re-decoding %s: %v", s, b, err)
		}
		if err := out.Validate(); err != nil {
			t.Fatalf("%q: valid incident invalid after a round trip: %v", s, err)
		}
	})
}

// Equally near borders come in any order from a map; the same point must
// give the same document, or a re-import sees a change that is not there.
func TestSameContentBorderTies(t *testing.T) {
	mk := func(b []BorderDistance) *Incident {
		in := &Incident{ID: "x", EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash"}
		in.SetPoint(2, 13)
		in.Derive(Location{Borders: b})
		return in
	}
	nga := BorderDistance{Border: "NER-NGA", Countries: [2]string{"NER", "NGA"}, DistanceKM: 39.4}
	dza := BorderDistance{Border: "DZA-NER", Countries: [2]string{"DZA", "NER"}, DistanceKM: 265.088}
	ben := BorderDistance{Border: "BEN-NER", Countries: [2]string{"BEN", "NER"}, DistanceKM: 265.088}
	a := mk([]BorderDistance{nga, dza, ben})
	b := mk([]BorderDistance{nga, ben, dza})
	if !SameContent(a, b) {
		t.Error("the same borders in another order read as a change")
	}
	b.Fatalities = 1
	if SameContent(a, b) {
		t.Error("a change in fatalities reads as no change")
	}
}

// The nearest named place follows the gazetteer, which the data itself
// grows: a different one is no change to the incident.
func TestSameContentIgnoresNearestPlace(t *testing.T) {
	mk := func(near *NearPlace) *Incident {
		in := &Incident{ID: "x", EventDate: "2023-10-02", EventType: "Battles", SubEventType: "Armed clash", Location: "Wiboungou"}
		in.SetPoint(1.5, 13.2)
		in.Derive(Location{Near: near})
		return in
	}
	a := mk(&NearPlace{Name: "Makalondi", DistanceKM: 12, Bearing: "NE"})
	b := mk(&NearPlace{Name: "Wiboungou", DistanceKM: 0, Bearing: "N"})
	if !SameContent(a, b) {
		t.Error("a nearer place learned since reads as a change to the incident")
	}
	b.Location = "Wibougou"
	if SameContent(a, b) {
		t.Error("a change of the reported location reads as no change")
	}
}
