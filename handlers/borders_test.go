package handlers

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/paulmach/orb"
)

// pointAcross finds a point km inside country `into` from its border with
// `from`, across from `from`'s unit region, and says how far the point
// lies outside `from` when that is within geo.SnapKM (geo measures it to
// the unit's edge).
func pointAcross(t *testing.T, from, into, region string, km float64) (orb.Point, float64) {
	t.Helper()
	g, _ := geo.Default()
	b, _ := g.Border(from + "-" + into)
	for _, line := range b.Geometry {
		for _, v := range line {
			for _, bearing := range []float64{0, 90, 180, 270} {
				p := geo.Destination(v, bearing, km)
				loc := g.Reverse(p[0], p[1])
				rep := g.ReverseReported(p[0], p[1], from)
				if loc.Country == nil || *loc.Country != into {
					continue
				}
				back := g.RegionAt(geo.Destination(p, bearing+180, km+5))
				if km > geo.SnapKM && math.Abs(b.DistanceKM(p)-km) < 1 && back != nil && back.Code == region {
					return p, 0
				}
				if rep.Admin1 != nil && rep.Admin1.Code == region && rep.BoundarySnapKM != nil && math.Abs(*rep.BoundarySnapKM-km) < 0.15 {
					return p, *rep.BoundarySnapKM
				}
			}
		}
	}
	t.Fatalf("no point %v km into %s from %s's %s", km, into, from, region)
	return orb.Point{}, 0
}

// A report that names its country wins near a line: an incident 1 km into
// Nigeria reported in Niger is put in Niger (in Diffa, the nearest region)
// with boundary_snap_km; 20 km in, the point's country stands and the
// incident is flagged, and stays flagged through a GET and PUT.
func TestReportedCountryWinsNearABorder(t *testing.T) {
	ts := newTestServer(t)
	near, snap := pointAcross(t, "NER", "NGA", "NE-2", 1)
	feature := func(id string, p orb.Point, country string) string {
		return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash","country":%q}}`, id, p[0], p[1], country)
	}
	for _, c := range []struct{ id, country string }{{"snap-iso", "NER"}, {"snap-name", "Niger"}} {
		got := ts.create(feature(c.id, near, c.country))["properties"].(map[string]any)
		if got["country"] != "NER" || got["region_code"] != "NE-2" || got["country_mismatch"] != nil {
			t.Errorf("%s: country %v region %v mismatch %v, want NER, NE-2 (Diffa), none", c.id, got["country"], got["region_code"], got["country_mismatch"])
		}
		if km, _ := got["boundary_snap_km"].(float64); math.Abs(km-snap) > 1e-9 || math.Abs(km-1) > 0.15 {
			t.Errorf("%s: boundary_snap_km %v, want about 1 (%v)", c.id, got["boundary_snap_km"], snap)
		}
	}
	// Without a reported country the point's own stands.
	if got := ts.create(feature("own", near, ""))["properties"].(map[string]any); got["country"] != "NGA" {
		t.Errorf("no reported country: country %v, want NGA", got["country"])
	}
	for _, q := range []string{"region=Diffa", "region=NE-2&country=NER", "country=NER"} {
		ids := listIDs(t, ts, q)
		if !slices.Contains(ids, "snap-iso") || !slices.Contains(ids, "snap-name") || slices.Contains(ids, "own") {
			t.Errorf("%s lists %v, want snap-iso and snap-name, not own", q, ids)
		}
	}
	far, _ := pointAcross(t, "NER", "NGA", "NE-2", 20)
	got := ts.create(feature("far", far, "NER"))["properties"].(map[string]any)
	if got["country"] != "NGA" || got["country_mismatch"] != true || got["reported_country"] != "NER" {
		t.Errorf("20 km into Nigeria: country %v mismatch %v reported %v, want NGA, true, NER", got["country"], got["country_mismatch"], got["reported_country"])
	}
	rec := ts.do("GET", "/api/v1/incidents/far", "", "")
	rec = ts.do("PUT", "/api/v1/incidents/far", ts.editor, rec.Body.String())
	if p := decodeBody(t, rec)["properties"].(map[string]any); rec.Code != http.StatusOK || p["country_mismatch"] != true {
		t.Errorf("after a GET and PUT: %d, country_mismatch %v", rec.Code, p["country_mismatch"])
	}
}

func listIDs(t *testing.T, ts *testServer, query string) []string {
	t.Helper()
	rec := ts.do("GET", "/api/v1/incidents?"+query, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
	}
	var fc struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	json.Unmarshal(rec.Body.Bytes(), &fc)
	var ids []string
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	return ids
}

// border=, country= and region= refuse what the geography does not know,
// naming the parameter and where to find the valid values.
func TestBorderAndCountryFilterProblems(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct{ query, field, says string }{
		{"border=XYZ", "border", "/api/v1/borders"},
		{"border=MLI-FRA", "border", "not a land border"},
		{"border=ISL", "border", "no land border"},
		{"country=XX", "country", "/api/v1/borders"},
		{"region=Centre", "region", "BF-03 (Centre)"},
		{"region=Tahoua&country=MLI", "region", "not a region of MLI"},
	} {
		wantProblem(t, ts.do("GET", "/api/v1/incidents?"+c.query, "", ""), http.StatusBadRequest, c.field, c.says)
		wantProblem(t, ts.do("GET", "/api/v1/stats?"+c.query, "", ""), http.StatusBadRequest, c.field, c.says)
	}
	for _, q := range []string{"border=NER-MLI", "border=mli-ner&country=NER", "border=MLI", "border=any&border_km=10", "region=Centre&country=BFA", "region=BF-03"} {
		if rec := ts.do("GET", "/api/v1/incidents?"+q, "", ""); rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
}

// Results of a border filter carry distance_km to the border asked about:
// to MLI-NER for border=NER-MLI, to the nearest of Mali's for border=MLI.
// Stats count by country; coverage names the countries and the box.
func TestBorderDistancesStatsAndCoverage(t *testing.T) {
	ts := newTestServer(t)
	g, _ := geo.Default()
	points := map[string]orb.Point{"ner": {1.0, 14.6}, "mli": {0.5, 15.3}, "bfa": {0.2, 13.6}}
	for id, p := range points {
		ts.create(fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash","fatalities":2}}`, id, p[0], p[1]))
	}
	mliNer, _ := g.Border("MLI-NER")
	for _, q := range []string{"border=NER-MLI&border_km=300", "border=MLI&border_km=300"} {
		rec := ts.do("GET", "/api/v1/incidents?"+q, "", "")
		var fc struct {
			Features []struct {
				ID         string `json:"id"`
				Properties struct {
					DistanceKM float64 `json:"distance_km"`
				} `json:"properties"`
			} `json:"features"`
		}
		json.Unmarshal(rec.Body.Bytes(), &fc)
		if len(fc.Features) != 3 {
			t.Fatalf("%s: %d incidents, want 3: %s", q, len(fc.Features), rec.Body)
		}
		for _, f := range fc.Features {
			p := points[f.ID]
			want := mliNer.DistanceKM(p)
			if q == "border=MLI&border_km=300" {
				for _, b := range g.BordersOf("MLI") {
					want = min(want, b.DistanceKM(p))
				}
			}
			if math.Abs(f.Properties.DistanceKM-want) > 0.002 {
				t.Errorf("%s: %s at %.3f km, want %.3f", q, f.ID, f.Properties.DistanceKM, want)
			}
		}
	}
	var st struct {
		ByCountry []struct {
			Key        string `json:"key"`
			Incidents  int    `json:"incidents"`
			Fatalities int    `json:"fatalities"`
		} `json:"by_country"`
	}
	json.Unmarshal(ts.do("GET", "/api/v1/stats", "", "").Body.Bytes(), &st)
	if got := fmt.Sprint(st.ByCountry); got != "[{BFA 1 2} {MLI 1 2} {NER 1 2}]" {
		t.Errorf("stats by_country %s", got)
	}
	var cov struct {
		Incidents int        `json:"incidents"`
		Countries []string   `json:"countries"`
		BBox      [4]float64 `json:"bbox"`
	}
	rec := ts.do("GET", "/api/v1/coverage", "", "")
	json.Unmarshal(rec.Body.Bytes(), &cov)
	if cov.Incidents != 3 || !slices.Equal(cov.Countries, []string{"BFA", "MLI", "NER"}) {
		t.Errorf("coverage %s", rec.Body)
	}
	box := orb.Bound{Min: orb.Point{cov.BBox[0], cov.BBox[1]}, Max: orb.Point{cov.BBox[2], cov.BBox[3]}}
	for id, p := range points {
		if !box.Contains(p) {
			t.Errorf("coverage box %v leaves out %s at %v", cov.BBox, id, p)
		}
	}
	if box.Max[0]-box.Min[0] > 0.8+0.05 || box.Max[1]-box.Min[1] > 1.7+0.05 {
		t.Errorf("coverage box %v is more than a few km wider than the points", cov.BBox)
	}
}
