package incident

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"strings"
	"time"
)

// Service applies the rules every write follows, whoever makes it (the API,
// the importer, the seed loader): validate, geocode the location text when
// there is no point, derive region, borders and zones from the point, stamp
// times, then store.
type Service struct {
	Store    Store
	Locator  Locator
	Geocoder Geocoder
	Now      func() time.Time
	// OnChange, when set, is told of every write once it is stored, with
	// the incident before and after (an import's in one call per committed
	// chunk). It runs in the writer's goroutine: it must be quick (wake a
	// worker).
	// Notices that must not be lost are made from the store's ChangeLog,
	// which also holds the changes of a process that died before this ran.
	OnChange func(ctx context.Context, changes []Change)
}

// NewID returns a new random, URL-safe incident id.
func NewID() string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "inc-" + string(b)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Prepare validates an incident and fills in everything derived. It geocodes
// the location when the incident has no point, and fails with
// EUNPROCESSABLE when the text cannot be placed.
func (s *Service) Prepare(in *Incident) error {
	return s.prepare(in, handEntered)
}

func (s *Service) prepare(in *Incident, r rules) error {
	if !in.HasPoint() {
		if strings.TrimSpace(in.Location) == "" {
			return FieldErrorf("geometry", "missing: send a Point geometry, or a properties.location phrase to geocode")
		}
		if err := checkText("properties.location", in.Location, maxShortText); err != nil {
			return err
		}
		cs, reason := s.geocode(in)
		if len(cs) == 0 {
			return &Error{Code: EUNPROCESSABLE, Field: "properties.location", Message: reason}
		}
		c := cs[0]
		in.SetPoint(c.Lon, c.Lat)
		in.GeoPrecision = c.GeoPrecision
		r := c.RadiusKM
		in.UncertaintyKM = &r
		in.Geocoded = c.Matched
	}
	if err := in.validate(r); err != nil {
		return err
	}
	loc := s.locate(in)
	if loc.Country == nil {
		return s.outsideEveryCountry(in)
	}
	if in.ID == "" {
		in.ID = NewID()
	}
	s.derive(in, loc)
	if reported := in.ReportedCountry; loc.CountryMismatch && reported != "" && in.Extra["reported_country"] == nil {
		// Kept, so the mismatch outlives the request (a GET then PUT
		// sends the derived country back as "country").
		if in.Extra == nil {
			in.Extra = map[string]any{}
		}
		in.Extra["reported_country"] = reported
	}
	return nil
}

// reportedCountry is the country an incident's report names: an import's
// reported_country (ACLED's country column), else input's "country".
func reportedCountry(in *Incident) string {
	if s, ok := in.Extra["reported_country"].(string); ok && s != "" {
		return s
	}
	return in.ReportedCountry
}

// locate reverse-geocodes the incident's point, letting its reported
// country win near a border when the Locator can.
func (s *Service) locate(in *Incident) Location {
	if rl, ok := s.Locator.(ReportedLocator); ok {
		if r := reportedCountry(in); r != "" {
			return rl.ReverseReported(in.Lon, in.Lat, r)
		}
	}
	return s.Locator.Reverse(in.Lon, in.Lat)
}

func (s *Service) derive(in *Incident, loc Location) {
	in.Derive(loc)
	in.Admin1Mismatch = false
	if m, ok := s.Locator.(AdminMatcher); ok && in.Region != nil && in.Admin1 != "" {
		in.Admin1Mismatch = !m.SameAdmin1(in.Admin1, *in.Region)
	}
}

// Rederive computes a stored incident's derived fields again, from its
// point and the geography as it is now (after the reference layers
// changed): nothing else changes, and a point no country holds any more
// keeps its incident, with no country. A stored incident's "country" was
// decided on its last write, so it is its reported country here: one
// snapped into the country its report named stays there.
func (s *Service) Rederive(in *Incident) {
	s.derive(in, s.locate(in))
}

// geocode places the incident's location, with what its report says beside
// it (country, admin1, admin2) when the geocoder can use that: it picks
// among villages of one name.
func (s *Service) geocode(in *Incident) ([]Candidate, string) {
	hg, ok := s.Geocoder.(HintGeocoder)
	if !ok {
		return s.Geocoder.Geocode(in.Location)
	}
	country, _ := in.Extra["reported_country"].(string)
	return hg.GeocodeHint(in.Location, PlaceHint{Country: country, Admin1: in.Admin1, Admin2: in.Admin2})
}

// outsideEveryCountry refuses a point the geography cannot place in a
// country: at sea, or beyond the countries it covers. Every incident must
// have a country, whoever writes it, so the rule is here and not in one
// caller. The commonest cause is latitude sent first, so when the swapped
// point is in a country the message says so.
func (s *Service) outsideEveryCountry(in *Incident) error {
	msg := fmt.Sprintf("[%v, %v] is in no country the reference geography knows (at sea, or beyond what it covers)", in.Lon, in.Lat)
	if math.Abs(in.Lon) <= 90 {
		if sw := s.Locator.Reverse(in.Lat, in.Lon); sw.Country != nil {
			msg += fmt.Sprintf("; [%v, %v] would be in %s: GeoJSON puts the longitude first", in.Lat, in.Lon, *sw.Country)
		}
	}
	return &Error{Code: EUNPROCESSABLE, Field: "geometry", Message: msg}
}

// Create validates, derives and stores a new incident.
func (s *Service) Create(ctx context.Context, in *Incident) (*Incident, error) {
	if err := s.Prepare(in); err != nil {
		return nil, err
	}
	in.CreatedAt = s.now()
	in.UpdatedAt = in.CreatedAt
	if err := s.Store.Create(ctx, in); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Action: "create", After: in})
	return in, nil
}

// Replace overwrites incident id with in (PUT).
func (s *Service) Replace(ctx context.Context, id string, in *Incident) (*Incident, error) {
	old, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.replace(ctx, old, in)
}

// replace prepares in as the new state of old and stores it, unless that
// would store old again: then it writes nothing (no revision, the same
// updated_at) and returns old.
func (s *Service) replace(ctx context.Context, old, in *Incident) (*Incident, error) {
	if in.ID != "" && in.ID != old.ID {
		return nil, IDMismatch("the body's id %q is not the URL's id %q, and an id never changes: send the body to the URL of the incident it names, or leave its id out", clip(in.ID), old.ID)
	}
	in.ID = old.ID
	if err := s.Prepare(in); err != nil {
		return nil, err
	}
	if in.Geocoded == "" && in.Lon == old.Lon && in.Lat == old.Lat {
		// Still the point the location was geocoded to; input never
		// carries the note (it is derived), so it is kept from old.
		in.Geocoded = old.Geocoded
	}
	in.CreatedAt, in.UpdatedAt = old.CreatedAt, old.UpdatedAt
	if SameContent(in, old) {
		return old, nil
	}
	in.UpdatedAt = s.now()
	if err := s.Store.Replace(ctx, in); err != nil {
		return nil, err
	}
	s.changed(ctx, Change{Action: "update", Before: old, After: in})
	return in, nil
}

// Delete removes an incident.
func (s *Service) Delete(ctx context.Context, id string) error {
	var old *Incident
	if s.OnChange != nil {
		var err error
		if old, err = s.Store.Get(ctx, id); err != nil {
			return err
		}
	}
	if err := s.Store.Delete(ctx, id); err != nil {
		return err
	}
	s.changed(ctx, Change{Action: "delete", Before: old})
	return nil
}

// String is a short description for logs and messages.
func (in *Incident) String() string {
	return fmt.Sprintf("%s %s %s (%s)", in.ID, in.EventDate, in.SubEventType, in.Location)
}
