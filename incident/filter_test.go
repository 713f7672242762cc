package incident

import (
	"net/url"
	"strings"
	"testing"
)

// wantFieldError asserts ParseFilter refuses q with an error naming field.
func wantFilterError(t *testing.T, q url.Values, field string) {
	t.Helper()
	_, err := ParseFilter(q, places{})
	var e *Error
	if err == nil {
		t.Errorf("%s: accepted, want a 400 naming %s", q.Encode(), field)
	} else if e, _ = err.(*Error); e == nil || e.Code != EINVALID || e.Field != field {
		t.Errorf("%s: %v (field %q), want an invalid %s", q.Encode(), err, e.Field, field)
	}
}

// ParseFilter takes exactly the parameters of FilterParams, and every
// example of each is valid (with the parameter it needs).
func TestParseFilterTakesFilterParams(t *testing.T) {
	for _, p := range FilterParams {
		if len(p.Examples) == 0 || p.Description == "" || p.Type == "" {
			t.Errorf("%s: needs examples, a description and a type", p.Name)
		}
		for _, e := range p.Examples {
			q := url.Values{p.Name: {e}}
			if p.Needs != "" {
				need, _ := filterParam(p.Needs)
				q.Set(need.Name, need.Examples[0])
			}
			if _, err := ParseFilter(q, places{}); err != nil {
				t.Errorf("%s, an example, is refused: %v", q.Encode(), err)
			}
		}
	}
	for _, k := range []string{"f", "datetime", "offset", "Bbox"} {
		wantFilterError(t, url.Values{k: {"1"}}, k)
	}
	_, err := ParseFilter(url.Values{"nope": {"1"}}, places{})
	if err == nil || !strings.Contains(err.Error(), strings.Join(FilterParamNames(true), ", ")) {
		t.Errorf("an unknown parameter's error does not list the filters: %v", err)
	}
}

// An empty value (bbox=$BBOX with the variable unset) or an empty item of
// a list is refused: read as "no filter", it answered with everything.
func TestParseFilterRefusesEmptyValues(t *testing.T) {
	for _, p := range FilterParams {
		for _, v := range []string{"", " "} {
			wantFilterError(t, url.Values{p.Name: {v}}, p.Name)
		}
	}
	for k, v := range map[string]string{"event_type": ",", "sub_event_type": "Attack,,Armed clash", "region": "NE-5,"} {
		wantFilterError(t, url.Values{k: {v}}, k)
	}
}

// Numbers are decimal: Go's other float literals, which strconv.ParseFloat
// takes, are refused like any other text.
func TestParseFilterNumbersAreDecimal(t *testing.T) {
	for _, c := range []struct{ q, field string }{
		{"border=MLI&border_km=1_000", "border_km"},
		{"near=2,13&radius_km=0x1p4", "radius_km"},
		{"bbox=0x1p4,12,4,16", "bbox"},
		{"near=Inf,13", "near"},
		{"bbox=0,12,4,1e309", "bbox"},
	} {
		q, _ := url.ParseQuery(c.q)
		wantFilterError(t, q, c.field)
	}
	if f, err := ParseFilter(url.Values{"border": {"MLI"}, "border_km": {"1e2"}, "bbox": {"-1.5,+12,4.,16"}}, places{}); err != nil || f.BorderKM != 100 || f.BBox.Min[0] != -1.5 {
		t.Errorf("decimal numbers: %+v, %v", f, err)
	}
}

// border takes the borders and countries the geography knows (the test's
// knows Niger, Mali and Burkina Faso), in any case and either order.
func TestParseFilterBorderAnyCase(t *testing.T) {
	for _, v := range []string{"FRA", "ML", "any,MLI", "MLI-FRA"} {
		wantFilterError(t, url.Values{"border": {v}}, "border")
	}
	for v, want := range map[string]string{"mli": "MLI", "Bfa": "BFA", "ANY": "any", "any": "any", "ner-mli": "MLI-NER", "MLI-ner": "MLI-NER"} {
		if f, err := ParseFilter(url.Values{"border": {v}}, places{}); err != nil || f.Border != want {
			t.Errorf("border=%s: %+v, %v; want %s", v, f, err, want)
		}
	}
}
