package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/data"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// getJSON fetches path and decodes the JSON answer into v, returning the
// status and the problem's field when there is one.
func (ts *liveServer) getJSON(t *testing.T, path string, v any) (int, string) {
	t.Helper()
	_, res, body := ts.request(t, "GET", path, "", "", "")
	if res.StatusCode >= 400 {
		var p Problem
		json.Unmarshal(body, &p)
		return res.StatusCode, p.Field
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v: %.200s", path, err, body)
		}
	}
	return res.StatusCode, ""
}

type itemsPage struct {
	NumberMatched int `json:"numberMatched"`
	Features      []struct {
		ID any `json:"id"`
	} `json:"features"`
}

// A parameter given with no value is refused, naming it: f= was read as no
// f (the Accept header decided), bbox=, datetime=, limit= as no filter.
func TestOGCRefusesEmptyValues(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	for _, c := range []struct{ path, field string }{
		{"/ogc?f=", "f"},
		{"/ogc/collections?f=", "f"},
		{"/ogc/collections/incidents/items?f=", "f"},
		{"/ogc/collections/incidents/items?bbox=", "bbox"},
		{"/ogc/collections/incidents/items?datetime=", "datetime"},
		{"/ogc/collections/incidents/items?limit=", "limit"},
		{"/ogc/collections/incidents/items?event_type=", "event_type"},
		{"/ogc/collections/regions/items?bbox=", "bbox"},
		{"/ogc/collections/regions/items?offset=", "offset"},
		{"/ogc/collections/regions/items/NE-5?f=", "f"},
		{"/api/v1/incidents?bbox=", "bbox"},
		{"/api/v1/incidents?f=", "f"},
		{"/api/v1/regions?country=", "country"},
	} {
		if status, field := ts.getJSON(t, c.path, nil); status != 400 || field != c.field {
			t.Errorf("%s: %d naming %q, want 400 naming %s", c.path, status, field, c.field)
		}
	}
}

// The reference layers take datetime, as OGC API – Features has every
// collection's items do; having no time, they all match it. It was refused
// as an unknown parameter.
func TestOGCReferenceLayersTakeDatetime(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	var all, dated itemsPage
	ts.getJSON(t, "/ogc/collections/regions/items?limit=1000", &all)
	for _, dt := range []string{"2023-10-02", "2023-07-01/..", "../2023-09-30T00:00:00Z"} {
		if status, field := ts.getJSON(t, "/ogc/collections/regions/items?limit=1000&datetime="+dt, &dated); status != 200 || dated.NumberMatched != all.NumberMatched {
			t.Errorf("datetime=%s: %d (%s), %d regions of %d", dt, status, field, dated.NumberMatched, all.NumberMatched)
		}
	}
	for _, dt := range []string{"yesterday", "2024-01-01/2023-01-01", ".."} {
		if status, field := ts.getJSON(t, "/ogc/collections/zones/items?datetime="+dt, nil); status != 400 || field != "datetime" {
			t.Errorf("datetime=%s: %d naming %q, want 400 naming datetime", dt, status, field)
		}
	}
}

// A bbox with heights (six numbers) selects what its four horizontal ones
// do; heights that are not numbers, and five numbers, are refused.
func TestOGCBBoxWithHeights(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	for _, col := range []string{"incidents", "regions", "places"} {
		var flat, tall itemsPage
		ts.getJSON(t, "/ogc/collections/"+col+"/items?limit=1000&bbox=0,12,4,16", &flat)
		status, _ := ts.getJSON(t, "/ogc/collections/"+col+"/items?limit=1000&bbox=0,12,-100,4,16,9000", &tall)
		if status != 200 || tall.NumberMatched != flat.NumberMatched || flat.NumberMatched == 0 {
			t.Errorf("%s: 6-number bbox %d matched %d, 4-number %d", col, status, tall.NumberMatched, flat.NumberMatched)
		}
		for _, bb := range []string{"0,12,x,4,16,y", "0,12,4,16,5", "0,12,0,4,16"} {
			if status, field := ts.getJSON(t, "/ogc/collections/"+col+"/items?bbox="+bb, nil); status != 400 || field != "bbox" {
				t.Errorf("%s bbox=%s: %d naming %q, want 400 naming bbox", col, bb, status, field)
			}
		}
	}
}

// The incidents collection's extent is where and when the stored incidents
// are (it was a fixed box and the first month), following deletions; with
// no incidents there is none.
func TestOGCIncidentsExtent(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	seeds, _, err := incident.DecodeFeatures(data.Incidents)
	if err != nil {
		t.Fatal(err)
	}
	want := func(ins []*incident.Incident) ([]float64, []string) {
		b := orb.Bound{Min: orb.Point{ins[0].Lon, ins[0].Lat}, Max: orb.Point{ins[0].Lon, ins[0].Lat}}
		first, last := ins[0].EventDate, ins[0].EventDate
		for _, in := range ins {
			b = b.Extend(orb.Point{in.Lon, in.Lat})
			first, last = min(first, in.EventDate), max(last, in.EventDate)
		}
		return []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, []string{first + "T00:00:00Z", last + "T23:59:59Z"}
	}
	type extent struct {
		Spatial  struct{ BBox [][]float64 }
		Temporal struct{ Interval [][]*string }
	}
	check := func(ins []*incident.Incident) {
		t.Helper()
		var col struct{ Extent *extent }
		ts.getJSON(t, "/ogc/collections/incidents", &col)
		if len(ins) == 0 {
			if col.Extent != nil {
				t.Errorf("no incidents, yet an extent: %+v", col.Extent)
			}
			return
		}
		bbox, interval := want(ins)
		if col.Extent == nil || !slices.Equal(col.Extent.Spatial.BBox[0], bbox) {
			t.Fatalf("extent %+v, want bbox %v", col.Extent, bbox)
		}
		got := col.Extent.Temporal.Interval[0]
		if len(got) != 2 || got[0] == nil || got[1] == nil || *got[0] != interval[0] || *got[1] != interval[1] {
			t.Errorf("interval %v, want %v", got, interval)
		}
	}
	check(seeds)
	// Deleting the westernmost and the earliest seeds shrinks it.
	bbox, interval := want(seeds)
	var live []*incident.Incident
	for _, in := range seeds {
		if in.Lon == bbox[0] || in.EventDate+"T00:00:00Z" == interval[0] {
			if err := ts.db.Delete(context.Background(), in.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, in)
	}
	check(live)
	for _, in := range live {
		ts.db.Delete(context.Background(), in.ID)
	}
	check(nil)
}

// Queryables are the incidents' only: the reference layers have none, and
// take none of them.
func TestOGCQueryablesOnlyForIncidents(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	var q struct{ Properties map[string]any }
	ts.getJSON(t, "/ogc/collections/incidents/queryables", &q)
	if names := slices.Sorted(mapsKeys(q.Properties)); !slices.Equal(names, slices.Sorted(slices.Values(queryableNames()))) {
		t.Errorf("incident queryables %v, want %v", names, queryableNames())
	}
	for _, col := range []string{"regions", "borders", "zones", "places"} {
		var q struct{ Properties map[string]any }
		ts.getJSON(t, "/ogc/collections/"+col+"/queryables", &q)
		if len(q.Properties) != 0 {
			t.Errorf("%s advertises queryables %v", col, q.Properties)
		}
		for _, name := range queryableNames() {
			p, _ := filterParamByName(name)
			path := fmt.Sprintf("/ogc/collections/%s/items?%s=%s", col, name, url.QueryEscape(p.Examples[0]))
			if status, field := ts.getJSON(t, path, nil); status != 400 || field != name {
				t.Errorf("%s: %d naming %q, want 400 naming %s", path, status, field, name)
			}
		}
	}
	if status, _ := ts.getJSON(t, "/ogc/collections/nope/queryables", nil); status != 404 {
		t.Errorf("queryables of no collection: %d, want 404", status)
	}
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// The OGC API definition is served as the landing page's link says.
func TestOGCAPIMediaType(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	var land struct{ Links []link }
	ts.getJSON(t, "/ogc", &land)
	i := slices.IndexFunc(land.Links, func(l link) bool { return l.Rel == relServiceDesc })
	if i < 0 {
		t.Fatal("no service-desc link")
	}
	_, res, _ := ts.request(t, "GET", "/ogc/api", "", "", "")
	if ct := res.Header.Get("Content-Type"); ct != land.Links[i].Type || ct != MIMEOpenAPI {
		t.Errorf("/ogc/api is %q, the landing page says %q", ct, land.Links[i].Type)
	}
}

// Counts take the filters but not paging: stats ignored limit and cursor,
// and f.
func TestStatsRefusePaging(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	for _, k := range []string{"limit", "cursor", "f"} {
		if status, field := ts.getJSON(t, "/api/v1/stats?"+k+"=1", nil); status != 400 || field != k {
			t.Errorf("stats?%s=1: %d naming %q, want 400 naming %s", k, status, field, k)
		}
	}
}

// Numbers of the reference endpoints are decimal, as in the filters.
func TestReverseNumbersAreDecimal(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	for _, q := range []string{"lon=0x1p4&lat=13", "lon=2&lat=1_3", "lon=Inf&lat=13"} {
		if status, _ := ts.getJSON(t, "/api/v1/reverse?"+q, nil); status != 400 {
			t.Errorf("reverse?%s: %d, want 400", q, status)
		}
	}
}
