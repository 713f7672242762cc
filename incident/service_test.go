package incident

import (
	"context"
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
	return Location{Country: &ner, Region: &Region{Code: "NE-6", Name: "Tillabéri"}, Borders: []BorderDistance{{"BFA", 40}, {"MLI", 40}}, Zones: []string{}}
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

	res, err := s.Import(context.Background(), []*Incident{at("in-1", 1.8, 13.1), at("sea-2", -30, 30)}, nil, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || len(res.Rejected) != 1 || res.Rejected[0].Record != 2 || !strings.Contains(res.Rejected[0].Reason, "geometry: [-30, 30] is in no country") {
		t.Errorf("import: %+v", res)
	}
	if st.writes != 1 || st.m["in-1"] == nil {
		t.Errorf("stored %v", st.m)
	}
}
