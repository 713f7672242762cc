package handlers

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The map asks for the borders of every country its data covers in one
// request: each border comes once, whichever of its countries named it.
func TestBordersOfSeveralCountries(t *testing.T) {
	ts := newHarness(t, Config{})
	keys := func(target string) map[string]int {
		t.Helper()
		r := ts.do(req("GET", target, ""))
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", target, r.Code, r.Body)
		}
		var fc struct {
			Features []struct {
				Properties struct {
					Border string `json:"border"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(r.Body.Bytes(), &fc); err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, f := range fc.Features {
			out[f.Properties.Border]++
		}
		return out
	}
	both := keys("/api/v1/borders?country=NER,mli")
	if both["MLI-NER"] != 1 || both["BFA-MLI"] != 1 || both["NER-NGA"] != 1 || both["DZA-MLI"] != 1 {
		t.Errorf("borders of Niger and Mali: %v", both)
	}
	ner, mli := keys("/api/v1/borders?country=NER"), keys("/api/v1/borders?country=MLI")
	if len(both) != len(ner)+len(mli)-1 {
		t.Errorf("%d borders for NER,MLI; Niger has %d, Mali %d, one shared", len(both), len(ner), len(mli))
	}
	for _, bad := range []string{"NER,XYZ", "NER,", "A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q,R,S,T,U"} {
		if r := ts.do(req("GET", "/api/v1/borders?country="+bad, "")); r.Code != http.StatusBadRequest {
			t.Errorf("country=%s: %d %s", bad, r.Code, r.Body)
		}
	}
}
