package incident

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// boxLocator knows one country, the box lon 0..16, lat 11..24 (roughly
// Niger), and nothing else: the sea, and countries beyond what it covers.
type boxLocator struct{}

func (boxLocator) Reverse(lon, lat float64) Location {
	if lon < 0 || lon > 16 || lat < 11 || lat > 24 {
		return Location{Zones: []string{}}
	}
	ner := "NER"
	return Location{Country: &ner, Admin1: &Region{Code: "NE-6", Name: "Tillabéri"}, Borders: []BorderDistance{
		{Border: "BFA-NER", Countries: [2]string{"BFA", "NER"}, DistanceKM: 40},
		{Border: "MLI-NER", Countries: [2]string{"MLI", "NER"}, DistanceKM: 40},
	}, Zones: []string{}}
}

// towns places the names it knows, at precision 1.
type towns map[string][2]float64

func (t towns) Geocode(text string) ([]Candidate, string) {
	p, ok := t[text]
	if !ok {
		return nil, "no place called " + text
	}
	return []Candidate{{Lon: p[0], Lat: p[1], GeoPrecision: 1, RadiusKM: 5, Matched: text}}, ""
}

// memStore keeps incidents in a map and counts its writes; the methods a
// test does not reach are the embedded (nil) Store's.
type memStore struct {
	Store
	m      map[string]*Incident
	writes int
}

func (s *memStore) Get(_ context.Context, id string) (*Incident, error) {
	in, ok := s.m[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no incident %q", id)
	}
	c := *in
	return &c, nil
}

func (s *memStore) Create(_ context.Context, in *Incident) error {
	s.writes++
	s.m[in.ID] = in
	return nil
}

func (s *memStore) Replace(_ context.Context, in *Incident) error {
	s.writes++
	s.m[in.ID] = in
	return nil
}

func (s *memStore) Existing(_ context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = s.m[id] != nil
	}
	return out, nil
}

func (s *memStore) CreateMany(ctx context.Context, ins []*Incident) error {
	for _, in := range ins {
		s.Create(ctx, in)
	}
	return nil
}

func (s *memStore) GetMany(_ context.Context, ids []string) (map[string]*Incident, error) {
	out := map[string]*Incident{}
	for _, id := range ids {
		if in := s.m[id]; in != nil {
			c := *in
			out[id] = &c
		}
	}
	return out, nil
}

func (s *memStore) Apply(ctx context.Context, ch Changes) error {
	for _, in := range append(ch.Create, ch.Update...) {
		s.Create(ctx, in)
	}
	for _, id := range ch.Deletes {
		s.writes++
		delete(s.m, id)
	}
	return nil
}

// ApplyBatches applies each batch as it comes: memStore has no
// transactions, and the tests of whole-input rollback use SQLite's.
func (s *memStore) ApplyBatches(ctx context.Context, opts ApplyOptions, next func() (*Changes, error)) error {
	for n := 1; ; n++ {
		ch, err := next()
		if err != nil || ch == nil {
			return err
		}
		s.Apply(ctx, *ch)
		if opts.Committed != nil {
			opts.Committed(n)
		}
	}
}

var clock = time.Date(2024, 3, 11, 9, 0, 0, 0, time.UTC)

func newService() (*Service, *memStore) {
	st := &memStore{m: map[string]*Incident{}}
	return &Service{Store: st, Locator: boxLocator{}, Geocoder: towns{"Tillia": {4.79, 16.12}}, Now: func() time.Time { return clock }}, st
}

func wantFieldError(t *testing.T, err error, code, field, says string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field || !strings.Contains(e.Message, says) {
		t.Fatalf("got %v, want a %s error on %s saying %q", err, code, field, says)
	}
}

// A point the geography cannot place in a country is refused the same way
// by a single write and by an import: both prepare incidents with Prepare.
// (A single POST stored such points with country and region null, while an
// ACLED import refused them.)
func TestPointsOutsideEveryCountryAreRefused(t *testing.T) {
	s, st := newService()
	at := func(id string, lon, lat float64) *Incident {
		in := valid()
		in.ID = id
		in.SetPoint(lon, lat)
		return in
	}
	_, err := s.Create(context.Background(), at("sea", -30, 30))
	wantFieldError(t, err, EUNPROCESSABLE, "geometry", "[-30, 30] is in no country the reference geography knows")

	// Latitude first: the message says so.
	_, err = s.Create(context.Background(), at("swapped", 13.1, 1.8))
	wantFieldError(t, err, EUNPROCESSABLE, "geometry", "[1.8, 13.1] would be in NER: GeoJSON puts the longitude first")

	res, err := s.Import(context.Background(), []*Incident{at("in-1", 1.8, 13.1), at("sea-2", -30, 30)}, nil, nil, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || len(res.Rejected) != 1 || res.Rejected[0].Record != 2 || res.Rejected[0].Field != "geometry" || !strings.Contains(res.Rejected[0].Reason, "[-30, 30] is in no country") {
		t.Errorf("import: %+v", res)
	}
	if st.writes != 1 || st.m["in-1"] == nil {
		t.Errorf("stored %v", st.m)
	}
}

// stored makes a service holding one incident, "x-1" at Torodi with the
// location Tillia, created an hour before the service's clock reads.
func stored(t *testing.T) (*Service, *memStore, *Incident) {
	t.Helper()
	s, st := newService()
	now := clock.Add(-time.Hour)
	s.Now = func() time.Time { return now }
	in := valid()
	in.Location = "Tillia"
	// Properties without a field of their own, which a Feature must write
	// in one order to be compared.
	in.Extra = map[string]any{"inter1": 2.0, "assoc_actor_1": "X", "iso": 562.0, "custom": map[string]any{"k": "v"}, "year": 2023.0}
	if _, err := s.Create(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return clock }
	st.writes = 0
	old, _ := st.Get(context.Background(), "x-1")
	return s, st, old
}

func TestPatch(t *testing.T) {
	tests := []struct {
		name      string
		patch     string
		regeocode bool
		field     string // the error's field, "" for none
		says      string
		changed   bool // whether it is written, with a new updated_at
		lon       float64
	}{
		{"a property", `{"properties":{"fatalities":9}}`, false, "", "", true, 1.8},
		{"a property to its value", `{"properties":{"fatalities":3}}`, false, "", "", false, 1.8},
		{"nothing", `{}`, false, "", "", false, 1.8},
		{"an extra property", `{"properties":{"inter2":1}}`, false, "", "", true, 1.8},
		{"an extra property to its value", `{"properties":{"iso":562,"custom":{"k":"v"}}}`, false, "", "", false, 1.8},
		{"an extra property removed", `{"properties":{"custom":null}}`, false, "", "", true, 1.8},
		{"geometry null", `{"geometry":null}`, false, "geometry", "?regeocode=true", false, 0},
		{"geometry null, regeocoded", `{"geometry":null}`, true, "", "", true, 4.79},
		{"regeocoded", `{}`, true, "", "", true, 4.79},
		{"a new location, regeocoded", `{"properties":{"location":"Tillia"}}`, true, "", "", true, 4.79},
		{"a geometry and regeocode", `{"geometry":{"type":"Point","coordinates":[2,13]}}`, true, "geometry", "not both", false, 0},
		{"a new point", `{"geometry":{"type":"Point","coordinates":[2,13]}}`, false, "", "", true, 2},
		{"derived properties", `{"properties":{"zones":[],"country":"FRA"}}`, false, "properties.country", `"country", "zones"`, false, 0},
		{"a stamp", `{"properties":{"updated_at":"2024-01-01T00:00:00Z"}}`, false, "properties.updated_at", "set by incidentmap", false, 0},
		{"a derived property removed", `{"properties":{"region_code":null}}`, false, "properties.region_code", "set by incidentmap", false, 0},
		{"latitude", `{"properties":{"latitude":14}}`, false, "properties.latitude", `"geometry"`, false, 0},
		{"a property outside properties", `{"fatalities":9}`, false, "fatalities", `{"properties":{"fatalities":...}}`, false, 0},
		{"an unknown member", `{"bbox":[1,2,3,4]}`, false, "bbox", `"geometry" and "properties"`, false, 0},
		{"properties null", `{"properties":null}`, false, "properties", "every property", false, 0},
		{"properties not an object", `{"properties":[]}`, false, "properties", "expected an object, got an array", false, 0},
		{"another id", `{"id":"y-2"}`, false, "id", `"y-2" is not the URL's id "x-1"`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, st, old := stored(t)
			out, err := s.Patch(context.Background(), "x-1", []byte(tt.patch), PatchOptions{Regeocode: tt.regeocode})
			if tt.field != "" {
				code := EINVALID
				if tt.field == "id" { // two ids for one incident
					code = EUNPROCESSABLE
				}
				wantFieldError(t, err, code, tt.field, tt.says)
				if st.writes != 0 {
					t.Error("a refused patch was written")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.writes != map[bool]int{true: 1}[tt.changed] {
				t.Errorf("%d writes, want a write: %v", st.writes, tt.changed)
			}
			if wantAt := map[bool]time.Time{true: clock, false: old.UpdatedAt}[tt.changed]; !out.UpdatedAt.Equal(wantAt) || !out.CreatedAt.Equal(old.CreatedAt) {
				t.Errorf("updated_at %v, created_at %v; want %v, %v", out.UpdatedAt, out.CreatedAt, wantAt, old.CreatedAt)
			}
			if out.Lon != tt.lon || out.Country == nil {
				t.Errorf("at %v, %v in %v; want lon %v", out.Lon, out.Lat, out.Country, tt.lon)
			}
		})
	}
}

// A PUT of what a GET returned changes nothing, so it writes nothing: no
// revision, the same updated_at. A geocoded incident keeps its geocoded
// note while its point stays.
func TestReplaceWithNoChangeWritesNothing(t *testing.T) {
	s, st, _ := stored(t)
	moved, err := s.Patch(context.Background(), "x-1", []byte(`{"geometry":null}`), PatchOptions{Regeocode: true})
	if err != nil || moved.Geocoded != "Tillia" {
		t.Fatalf("regeocode: %v %+v", err, moved)
	}
	st.writes = 0
	s.Now = func() time.Time { return clock.Add(time.Hour) }
	got, _ := st.Get(context.Background(), "x-1")
	body, _ := json.Marshal(got)
	in, err := DecodeFeature(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Replace(context.Background(), "x-1", in)
	if err != nil {
		t.Fatal(err)
	}
	if st.writes != 0 || !out.UpdatedAt.Equal(moved.UpdatedAt) || out.Geocoded != "Tillia" {
		t.Errorf("%d writes, updated_at %v (was %v), geocoded %q", st.writes, out.UpdatedAt, moved.UpdatedAt, out.Geocoded)
	}
	in, _ = DecodeFeature(body)
	in.Notes = "changed"
	if out, err = s.Replace(context.Background(), "x-1", in); err != nil || st.writes != 1 || out.Geocoded != "Tillia" || !out.UpdatedAt.Equal(clock.Add(time.Hour)) {
		t.Errorf("a real change: %v, %d writes, %+v", err, st.writes, out)
	}
}
