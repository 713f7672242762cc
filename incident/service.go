package incident

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"slices"
	"sort"
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
	if !in.HasPoint() {
		if strings.TrimSpace(in.Location) == "" {
			return FieldErrorf("geometry", "missing: send a Point geometry, or a properties.location phrase to geocode")
		}
		if err := checkText("properties.location", in.Location, maxShortText); err != nil {
			return err
		}
		cs, reason := s.Geocoder.Geocode(in.Location)
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
	if err := in.Validate(); err != nil {
		return err
	}
	loc := s.Locator.Reverse(in.Lon, in.Lat)
	if loc.Country == nil {
		return s.outsideEveryCountry(in)
	}
	if in.ID == "" {
		in.ID = NewID()
	}
	in.Derive(loc)
	return nil
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
		return nil, FieldErrorf("id", "%q does not match the URL's id %q", clip(in.ID), old.ID)
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
	if sameFeature(in, old) {
		return old, nil
	}
	in.UpdatedAt = s.now()
	if err := s.Store.Replace(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}

// sameFeature reports whether a and b are the same Feature. Borders equally
// far are compared in one order: a store may give ties back in another.
func sameFeature(a, b *Incident) bool {
	return bytes.Equal(canonicalFeature(a), canonicalFeature(b))
}

func canonicalFeature(in *Incident) []byte {
	c := *in
	c.StoredJSON, c.DistanceKM = nil, nil
	c.Borders = slices.Clone(in.Borders)
	slices.SortStableFunc(c.Borders, func(x, y BorderDistance) int {
		return cmp.Or(cmp.Compare(x.DistanceKM, y.DistanceKM), strings.Compare(x.Country, y.Country))
	})
	var b bytes.Buffer
	c.AppendFeature(&b)
	return b.Bytes()
}

// Delete removes an incident.
func (s *Service) Delete(ctx context.Context, id string) error {
	return s.Store.Delete(ctx, id)
}

// Rejected is an input record that was not imported, and why.
type Rejected struct {
	Record int    `json:"record"` // 1-based, or the line number for CSV
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// ImportResult summarises an import.
type ImportResult struct {
	Imported int        `json:"imported"`
	Skipped  int        `json:"skipped"` // already stored (same id)
	Rejected []Rejected `json:"rejected"`
}

// ImportOptions are the rules of one import.
type ImportOptions struct {
	// AllOrNothing stores nothing when any record is rejected.
	AllOrNothing bool
	// Progress, when set, is told how many records are done.
	Progress func(done int)
}

// Import prepares every incident, then stores all the valid ones that are not
// stored yet in one transaction. rejected are records the decoder could not
// read (their places in ins are nil).
func (s *Service) Import(ctx context.Context, ins []*Incident, rejected []Rejected, opts ImportOptions) (*ImportResult, error) {
	progress, allOrNothing := opts.Progress, opts.AllOrNothing
	res := &ImportResult{Rejected: []Rejected{}}
	now := s.now()
	ok := make([]*Incident, 0, len(ins))
	seen := map[string]bool{}
	for i, in := range ins {
		if progress != nil && i%1000 == 0 {
			progress(i)
		}
		if in == nil { // a record that did not decode, reported by the decoder
			continue
		}
		record := i + 1
		if in.line > 0 {
			record = in.line
		}
		if err := s.Prepare(in); err != nil {
			res.Rejected = append(res.Rejected, Rejected{Record: record, ID: in.ID, Reason: ErrorMessage(err)})
			continue
		}
		if seen[in.ID] {
			res.Rejected = append(res.Rejected, Rejected{Record: record, ID: in.ID, Reason: "id appears twice in the input"})
			continue
		}
		seen[in.ID] = true
		ok = append(ok, in)
	}
	if progress != nil {
		progress(len(ins))
	}
	// Those already stored are skipped: one lookup for all, not one each.
	ids := make([]string, len(ok))
	for i, in := range ok {
		ids[i] = in.ID
	}
	stored, err := s.Store.Existing(ctx, ids)
	if err != nil {
		return nil, err
	}
	fresh := ok[:0]
	for _, in := range ok {
		if stored[in.ID] {
			res.Skipped++
			continue
		}
		if in.CreatedAt.IsZero() {
			in.CreatedAt = now
		}
		in.UpdatedAt = now
		fresh = append(fresh, in)
	}
	ok = fresh
	res.Rejected = append(res.Rejected, rejected...)
	sort.Slice(res.Rejected, func(i, j int) bool { return res.Rejected[i].Record < res.Rejected[j].Record })
	if allOrNothing && len(res.Rejected) > 0 {
		return res, Errorf(EINVALID, "%d of %d records rejected (first: %s: %s); nothing was imported", len(res.Rejected), len(ins), describeRecord(res.Rejected[0]), res.Rejected[0].Reason)
	}
	if len(ok) > 0 {
		if err := s.Store.CreateMany(ctx, ok); err != nil {
			return nil, err
		}
	}
	res.Imported = len(ok)
	return res, nil
}

// String is a short description for logs and messages.
func (in *Incident) String() string {
	return fmt.Sprintf("%s %s %s (%s)", in.ID, in.EventDate, in.SubEventType, in.Location)
}
