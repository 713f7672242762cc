package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Review is the editors' workflow for extracted drafts: store a report's
// drafts, edit them, accept one (it becomes an incident through the
// Service, so every write rule applies) or reject it.
type Review struct {
	Service *Service
	Drafts  DraftStore
}

// newPrefixedID is NewID's alphabet under another prefix.
func newPrefixedID(prefix string) string {
	return prefix + strings.TrimPrefix(NewID(), "inc-")
}

// Submit stores a report and its drafts, each with the stored incidents it
// may duplicate.
func (r *Review) Submit(ctx context.Context, rep *Report, drafts []*Draft) error {
	now := r.Service.now()
	rep.ID, rep.CreatedAt = newPrefixedID("rep-"), now
	for _, d := range drafts {
		d.ID, d.ReportID, d.Status = newPrefixedID("drf-"), rep.ID, DraftOpen
		d.CreatedAt, d.UpdatedAt = now, now
		if err := r.checkDuplicates(ctx, d); err != nil {
			return err
		}
	}
	return r.Drafts.CreateReport(ctx, rep, drafts)
}

func (r *Review) checkDuplicates(ctx context.Context, d *Draft) error {
	dups, err := r.Service.Duplicates(ctx, d.Incident)
	if err != nil {
		return err
	}
	d.Duplicates = dups
	return nil
}

// Edit applies a JSON Merge Patch (RFC 7396) to an open draft's incident
// Feature. A new properties.location with no geometry places the draft
// again from it. Fields the editor sets lose their evidence: they no
// longer come from the report's words.
func (r *Review) Edit(ctx context.Context, id string, patch []byte) (*Draft, error) {
	d, err := r.Drafts.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != DraftOpen {
		return nil, Errorf(ECONFLICT, "draft %q was %s already; only open drafts can be edited", id, d.Status)
	}
	pm, err := parsePatch(patch)
	if err != nil {
		return nil, err
	}
	props, _ := pm["properties"].(map[string]any)
	_, newPlace := props["location"]
	_, hasGeometry := pm["geometry"]
	regeocode := newPlace && !hasGeometry
	if err := checkPatch(pm, PatchOptions{Regeocode: regeocode}); err != nil {
		return nil, err
	}
	cur, err := d.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var doc struct {
		Incident map[string]any `json:"incident"`
	}
	if err := json.Unmarshal(cur, &doc); err != nil {
		return nil, err
	}
	merged := MergePatch(doc.Incident, pm).(map[string]any)
	if regeocode {
		merged["geometry"] = nil
	}
	b, _ := json.Marshal(merged)
	in, err := DecodeFeature(b)
	if err != nil {
		return nil, err
	}
	if regeocode && strings.TrimSpace(in.Location) != "" {
		cs, reason := r.Service.Geocoder.Geocode(in.Location)
		if len(cs) == 0 {
			return nil, &Error{Code: EUNPROCESSABLE, Field: "properties.location", Message: reason}
		}
		in.SetPoint(cs[0].Lon, cs[0].Lat)
		in.GeoPrecision = cs[0].GeoPrecision
		rad := cs[0].RadiusKM
		in.UncertaintyKM = &rad
	}
	for k := range props {
		delete(d.Evidence, k)
		if k == "fatalities" || k == "fatalities_by" {
			for f := range d.Evidence {
				if strings.HasPrefix(f, "fatalities_by.") {
					delete(d.Evidence, f)
				}
			}
		}
	}
	if hasGeometry || regeocode {
		delete(d.Evidence, "location")
	}
	d.Incident = in
	d.UpdatedAt = r.Service.now()
	if err := r.checkDuplicates(ctx, d); err != nil {
		return nil, err
	}
	if err := r.Drafts.UpdateDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Accept makes an open draft a published incident: validated, derived and
// stored by the Service's rules, its history noting the editor (the
// context's actor), the draft and the report. A draft that breaks a rule
// (no point, no type) is refused with the field to fix by editing it.
func (r *Review) Accept(ctx context.Context, id string) (*Incident, error) {
	d, err := r.Drafts.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != DraftOpen {
		return nil, Errorf(ECONFLICT, "draft %q was %s already", id, d.Status)
	}
	in := d.Incident
	in.ID = ""
	if in.Extra == nil {
		in.Extra = map[string]any{}
	}
	in.Extra["draft_id"], in.Extra["report_id"] = d.ID, d.ReportID
	if !in.HasPoint() && strings.TrimSpace(in.Location) == "" {
		return nil, FieldErrorf("geometry", "the draft has no place: PATCH /api/v1/drafts/%s with a properties.location to geocode or a Point geometry", id)
	}
	if err := r.Service.Prepare(in); err != nil {
		return nil, err
	}
	in.CreatedAt = r.Service.now()
	in.UpdatedAt = in.CreatedAt
	note := fmt.Sprintf("accepted from draft %s of report %s", d.ID, d.ReportID)
	if rep, err := r.Drafts.Report(ctx, d.ReportID); err == nil && (rep.Source != "" || rep.SourceURL != "") {
		note += " (" + strings.TrimSpace(rep.Source+" "+rep.SourceURL) + ")"
	}
	if err := r.Drafts.AcceptDraft(ctx, d.ID, in, note); err != nil {
		return nil, err
	}
	return in, nil
}

// Reject marks an open draft rejected: it stays, for the record, but is
// no longer offered for review.
func (r *Review) Reject(ctx context.Context, id string) error {
	return r.Drafts.RejectDraft(ctx, id)
}
