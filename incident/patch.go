package incident

import (
	"context"
	"encoding/json"
	"slices"
)

// PatchOptions are the choices of one PATCH.
type PatchOptions struct {
	// Regeocode places the incident again from its properties.location (as
	// patched), dropping its point. Without it, a patch cannot take the
	// point away: "geometry": null is refused rather than quietly moving
	// the incident.
	Regeocode bool
}

// Patch applies a JSON Merge Patch (RFC 7396) to the incident's Feature. The
// patch may set "geometry" (a Point) and "properties"; the properties
// incidentmap sets itself (derived from the point, or stamped) are refused
// by name, as is any other member. A patch that changes nothing writes
// nothing.
func (s *Service) Patch(ctx context.Context, id string, patch []byte, opts PatchOptions) (*Incident, error) {
	old, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	pm, err := parsePatch(patch)
	if err != nil {
		return nil, err
	}
	if err := checkPatch(pm, opts); err != nil {
		return nil, err
	}
	cur, _ := json.Marshal(old)
	var doc map[string]any
	json.Unmarshal(cur, &doc)
	merged := MergePatch(doc, pm).(map[string]any)
	if opts.Regeocode {
		delete(merged, "geometry")
		// An admin1 that only repeats what the old point derived is no
		// report: left in, it would tell the geocoder to look for the new
		// location in the old place's region.
		props, _ := merged["properties"].(map[string]any)
		patched, _ := pm["properties"].(map[string]any)
		if _, set := patched["admin1"]; !set && props != nil && old.derivedAdmin1() != "" && props["admin1"] == old.derivedAdmin1() {
			delete(props, "admin1")
		}
	}
	b, _ := json.Marshal(merged)
	in, err := DecodeFeature(b)
	if err != nil {
		return nil, err
	}
	if _, moved := pm["geometry"]; moved || opts.Regeocode {
		// The stored country belonged to the old point.
		in.ReportedCountry = ""
	}
	return s.replace(ctx, old, in)
}

// parsePatch reads a JSON Merge Patch, which must be an object.
func parsePatch(patch []byte) (map[string]any, error) {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, Errorf(EINVALID, "malformed JSON merge patch: %s", jsonReason(err))
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return nil, Errorf(EINVALID, "a merge patch must be a JSON object, like {\"properties\":{\"fatalities\":30}}")
	}
	return pm, nil
}

// derivedAdmin1 is the name of the admin-1 region the incident's point
// lies in, as Derive fills admin1 when a report gave none.
func (in *Incident) derivedAdmin1() string {
	if in.Region == nil {
		return ""
	}
	return in.Region.Name
}

// checkPatch refuses what a patch cannot mean: members outside an incident's
// Feature (often properties left at the top level), properties incidentmap
// sets itself, and taking the point away without asking for a new one.
func checkPatch(p map[string]any, opts PatchOptions) error {
	for _, k := range sortedKeys(p) {
		v := p[k]
		switch {
		case k == "type" || k == "id":
			// Checked when the patched Feature is decoded and stored.
		case k == "geometry" && v == nil && !opts.Regeocode:
			return FieldErrorf("geometry", "null would take the incident's point away; to place it again from properties.location, send the patch with ?regeocode=true; to move it, send a Point")
		case k == "geometry" && v != nil && opts.Regeocode:
			return FieldErrorf("geometry", "?regeocode=true places the incident from properties.location; send a geometry or regeocode, not both")
		case k == "geometry":
		case k == "properties":
			if err := checkPatchProperties(v); err != nil {
				return err
			}
		case known[k] || derivedProps[k]:
			return FieldErrorf(k, "a merge patch applies to the whole Feature, so properties go under \"properties\": {\"properties\":{%q:...}}", k)
		default:
			return FieldErrorf(k, "not a member a patch can set; an incident's Feature takes \"geometry\" and \"properties\"")
		}
	}
	return nil
}

func checkPatchProperties(v any) error {
	if v == nil {
		return FieldErrorf("properties", "null would remove every property; to remove one, set it to null: {\"properties\":{\"notes\":null}}")
	}
	props, ok := v.(map[string]any)
	if !ok {
		raw, _ := json.Marshal(v)
		return typeError("properties", "an object", raw)
	}
	var set []string
	for _, k := range sortedKeys(props) {
		switch {
		case k == "latitude" || k == "longitude":
			return FieldErrorf("properties."+k, "the point is the Feature's \"geometry\": patch {\"geometry\":{\"type\":\"Point\",\"coordinates\":[longitude, latitude]}}")
		case k == "id":
			return FieldErrorf("properties.id", "the id is the Feature's \"id\" and the URL's; a patch cannot change it")
		case derivedProps[k] || k == "created_at" || k == "updated_at":
			set = append(set, k)
		}
	}
	if len(set) > 0 {
		return FieldErrorf("properties."+set[0], "%s: set by incidentmap (derived from the point, or stamped on each write), never by a patch; to move the incident, patch \"geometry\", or send ?regeocode=true to place it from properties.location", quoteList(set))
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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
