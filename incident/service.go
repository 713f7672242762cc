package incident

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
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
	if err := in.validate(r); err != nil {
		return err
	}
	if in.ID == "" {
		in.ID = NewID()
	}
	in.Derive(s.Locator.Reverse(in.Lon, in.Lat))
	in.Admin1Mismatch = false
	if m, ok := s.Locator.(AdminMatcher); ok && in.Region != nil && in.Admin1 != "" {
		in.Admin1Mismatch = !m.SameAdmin1(in.Admin1, *in.Region)
	}
	return nil
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
	if in.ID != "" && in.ID != id {
		return nil, FieldErrorf("id", "%q does not match the URL's id %q", clip(in.ID), id)
	}
	old, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in.ID = id
	if err := s.Prepare(in); err != nil {
		return nil, err
	}
	in.CreatedAt = old.CreatedAt
	in.UpdatedAt = s.now()
	if err := s.Store.Replace(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}

// Patch applies a JSON Merge Patch (RFC 7396) to the incident's Feature.
// A patch that changes properties.location but not the geometry, and sets
// "geometry": null, has the location geocoded again.
func (s *Service) Patch(ctx context.Context, id string, patch []byte) (*Incident, error) {
	old, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, Errorf(EINVALID, "malformed JSON merge patch: %s", jsonReason(err))
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, Errorf(EINVALID, "a merge patch must be a JSON object, like {\"properties\":{\"fatalities\":30}}")
	}
	cur, _ := json.Marshal(old)
	var doc any
	json.Unmarshal(cur, &doc)
	merged, _ := json.Marshal(MergePatch(doc, p))
	in, err := DecodeFeature(merged)
	if err != nil {
		return nil, err
	}
	return s.Replace(ctx, id, in)
}

// DecodeFeature reads one GeoJSON Feature, with an error that says what to
// fix when it is not one.
func DecodeFeature(data []byte) (*Incident, error) {
	var in Incident
	if err := strictObject(data, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// MergePatch applies an RFC 7396 JSON Merge Patch to a decoded JSON value.
func MergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = MergePatch(tm[k], v)
		}
	}
	return tm
}

// Delete removes an incident.
func (s *Service) Delete(ctx context.Context, id string) error {
	return s.Store.Delete(ctx, id)
}

// DecodeFeatures reads a GeoJSON FeatureCollection, a single Feature, or a
// GeoJSON text sequence (RFC 8142, or one Feature per line). Records that
// fail to decode are returned as rejections, not errors, so one bad record
// does not hide the rest; each incident's Line is its record number.
// Malformed JSON that is not a text sequence (a FeatureCollection broken
// part-way) is an error saying where it broke.
func DecodeFeatures(data []byte) ([]*Incident, []Rejected, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(data) == 0 {
		return nil, nil, Errorf(EINVALID, "empty input; want a GeoJSON FeatureCollection or text sequence")
	}
	var head struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	var raws []json.RawMessage
	whole := json.Unmarshal(data, &head)
	if data[0] == '{' && whole == nil {
		switch head.Type {
		case "FeatureCollection":
			raws = head.Features
		case "Feature":
			raws = []json.RawMessage{data}
		default:
			return nil, nil, Errorf(EINVALID, "type %q: want a GeoJSON FeatureCollection or Feature", clip(head.Type))
		}
	} else {
		// A text sequence: records separated by RS (0x1E) and/or newlines.
		for _, line := range bytes.FieldsFunc(data, func(r rune) bool { return r == 0x1e || r == '\n' }) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				raws = append(raws, json.RawMessage(line))
			}
		}
		if len(raws) > 0 && raws[0][0] != '{' {
			return nil, nil, Errorf(EINVALID, "not GeoJSON: want a FeatureCollection, or one Feature per line")
		}
		if len(raws) > 0 && !json.Valid(raws[0]) {
			// Not one Feature per line: a document, broken.
			return nil, nil, Errorf(EINVALID, "malformed GeoJSON: %s; nothing was imported", jsonReason(whole))
		}
	}
	var out []*Incident
	var rej []Rejected
	for i, raw := range raws {
		in, err := DecodeFeature(raw)
		if err != nil {
			rej = append(rej, RejectErr(i+1, "", err))
			continue
		}
		in.Line = i + 1
		out = append(out, in)
	}
	return out, rej, nil
}

// String is a short description for logs and messages.
func (in *Incident) String() string {
	return fmt.Sprintf("%s %s %s (%s)", in.ID, in.EventDate, in.SubEventType, in.Location)
}
