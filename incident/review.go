package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	open, err := r.Drafts.Drafts(ctx, DraftOpen, draftCandidates)
	if err != nil {
		return err
	}
	for _, d := range drafts {
		d.ID, d.ReportID, d.Status = newPrefixedID("drf-"), rep.ID, DraftOpen
		d.CreatedAt, d.UpdatedAt = now, now
		if err := r.checkDuplicates(ctx, d, open); err != nil {
			return err
		}
	}
	if err := r.Drafts.CreateReport(ctx, rep, drafts); err != nil {
		return err
	}
	return r.pointBack(ctx, drafts, open)
}

// draftCandidates bounds the open drafts a new draft is compared with (the
// newest first): a desk reviews its drafts within days, so a thousand
// covers the reports of weeks, and comparing with each costs about a
// microsecond.
const draftCandidates = 1000

// checkDuplicates sets d's possible duplicates: the stored incidents that
// may tell of the same event, and the open drafts of other reports that
// may (the same attack pasted from two sources before either was
// accepted). Drafts of d's own report are left out: one report tells of
// several events, and the extractor already keeps them apart.
func (r *Review) checkDuplicates(ctx context.Context, d *Draft, open []*Draft) error {
	dups, err := r.Service.Duplicates(ctx, d.Incident)
	if err != nil {
		return err
	}
	for _, o := range open {
		if o.ID == d.ID || o.ReportID == d.ReportID || !o.Incident.HasPoint() || !d.Incident.HasPoint() {
			continue
		}
		if score, reasons, ok := CompareIncidents(d.Incident, o.Incident); ok && score >= DuplicateMinScore {
			dups = append(dups, Duplicate{ID: o.ID, Kind: "draft", Score: score, Reasons: reasons,
				EventDate: o.Incident.EventDate, Location: o.Incident.Location, Fatalities: o.Incident.Fatalities})
		}
	}
	sortDuplicates(dups)
	d.Duplicates = dups
	return nil
}

// pointBack adds each new draft to the possible duplicates of the older
// open drafts it may duplicate, so the editor who opens the older one
// first sees the newer too. It is a second write after the report's
// transaction: if it fails, the new drafts are stored and still name the
// old ones, and the error says so.
func (r *Review) pointBack(ctx context.Context, drafts, open []*Draft) error {
	byID := map[string]*Draft{}
	for _, o := range open {
		byID[o.ID] = o
	}
	changed := map[string]bool{}
	for _, d := range drafts {
		for _, dup := range d.Duplicates {
			o := byID[dup.ID]
			if dup.Kind != "draft" || o == nil || slices.ContainsFunc(o.Duplicates, func(x Duplicate) bool { return x.ID == d.ID }) {
				continue
			}
			score, reasons, _ := CompareIncidents(o.Incident, d.Incident)
			o.Duplicates = append(o.Duplicates, Duplicate{ID: d.ID, Kind: "draft", Score: score, Reasons: reasons,
				EventDate: d.Incident.EventDate, Location: d.Incident.Location, Fatalities: d.Incident.Fatalities})
			sortDuplicates(o.Duplicates)
			changed[o.ID] = true
		}
	}
	for id := range changed {
		if err := r.Drafts.UpdateDraft(ctx, byID[id]); err != nil && ErrorCode(err) != ECONFLICT {
			return fmt.Errorf("the report's drafts are stored; noting them on draft %s failed: %w", id, err)
		}
	}
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
	open, err := r.Drafts.Drafts(ctx, DraftOpen, draftCandidates)
	if err != nil {
		return nil, err
	}
	if err := r.checkDuplicates(ctx, d, open); err != nil {
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
