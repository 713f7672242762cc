package incident

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// Span is a range of characters (Unicode code points, not bytes)
// [start, end) in a report's text: the words a field was read from.
type Span [2]int

// Report is a news report incidents were extracted from, kept so an editor
// sees each draft beside the words it came from.
type Report struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Lang      string `json:"lang"`
	Published string `json:"published"` // YYYY-MM-DD
	Source    string `json:"source,omitempty"`
	SourceURL string `json:"source_url,omitempty"`
	// Context lists the sentences read as background (a withdrawal, an
	// agreement, a mourning period), with why: they made no draft.
	Context   []ContextSpan `json:"context"`
	CreatedAt time.Time     `json:"created_at"`
}

// ContextSpan is a sentence of a report that tells of no incident.
type ContextSpan struct {
	Span   Span   `json:"span"`
	Reason string `json:"reason"`
}

// Draft statuses. A draft is never in the incidents' listings, maps,
// stats, tiles or exports: drafts live apart from incidents until an
// editor accepts one, which makes it an incident through Service.Create.
const (
	DraftOpen     = "draft"
	DraftAccepted = "accepted"
	DraftRejected = "rejected"
)

// Draft is an incident proposed by extraction, waiting for an editor.
// Incident may have no point (the place could not be geocoded); Evidence
// maps each field (properties' names, "fatalities_by.soldiers") to the
// spans of the report it was read from.
type Draft struct {
	ID         string
	ReportID   string
	Status     string
	Incident   *Incident
	Evidence   map[string][]Span
	Duplicates []Duplicate
	IncidentID string // the incident it became, once accepted
	Reviewer   string // who accepted or rejected it
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MarshalJSON writes a draft with its incident as a GeoJSON Feature, whose
// geometry is null until the draft has a point.
func (d *Draft) MarshalJSON() ([]byte, error) {
	var feat bytes.Buffer
	d.Incident.AppendFeature(&feat)
	f := feat.Bytes()
	if !d.Incident.HasPoint() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(f, &m); err != nil {
			return nil, err
		}
		m["geometry"] = json.RawMessage("null")
		f, _ = json.Marshal(m)
	}
	dups := d.Duplicates
	if dups == nil {
		dups = []Duplicate{}
	}
	ev := d.Evidence
	if ev == nil {
		ev = map[string][]Span{}
	}
	return json.Marshal(struct {
		ID         string            `json:"id"`
		ReportID   string            `json:"report_id"`
		Status     string            `json:"status"`
		Incident   json.RawMessage   `json:"incident"`
		Evidence   map[string][]Span `json:"evidence"`
		Duplicates []Duplicate       `json:"possible_duplicates"`
		IncidentID string            `json:"incident_id,omitempty"`
		Reviewer   string            `json:"reviewer,omitempty"`
		CreatedAt  time.Time         `json:"created_at"`
		UpdatedAt  time.Time         `json:"updated_at"`
	}{d.ID, d.ReportID, d.Status, f, ev, dups, d.IncidentID, d.Reviewer, d.CreatedAt, d.UpdatedAt})
}

// DraftStore keeps reports and their drafts, apart from incidents.
type DraftStore interface {
	// CreateReport stores a report and its drafts in one transaction.
	CreateReport(ctx context.Context, r *Report, drafts []*Draft) error
	// Report returns a report; ENOTFOUND if there is none.
	Report(ctx context.Context, id string) (*Report, error)
	// Drafts lists the drafts of a status ("" for all), newest first.
	Drafts(ctx context.Context, status string, limit int) ([]*Draft, error)
	// Draft returns a draft; ENOTFOUND if there is none.
	Draft(ctx context.Context, id string) (*Draft, error)
	// UpdateDraft overwrites an open draft; ENOTFOUND if there is none,
	// ECONFLICT if it was accepted or rejected.
	UpdateDraft(ctx context.Context, d *Draft) error
	// AcceptDraft stores in as a new incident and marks the draft accepted,
	// in one transaction, the incident's history noting the draft and
	// report it came from.
	AcceptDraft(ctx context.Context, draftID string, in *Incident, note string) error
	// RejectDraft marks an open draft rejected.
	RejectDraft(ctx context.Context, draftID string) error
}

// draftDoc is what a store keeps of a draft besides its columns.
type draftDoc struct {
	Incident   json.RawMessage   `json:"incident"`
	Evidence   map[string][]Span `json:"evidence"`
	Duplicates []Duplicate       `json:"possible_duplicates"`
}

// UnmarshalJSON reads what MarshalJSON writes: the incident, its evidence
// and possible duplicates (the other fields are the store's).
func (d *Draft) UnmarshalJSON(data []byte) error {
	var doc draftDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	in := &Incident{}
	if err := in.UnmarshalJSON(doc.Incident); err != nil {
		return err
	}
	d.Incident, d.Evidence, d.Duplicates = in, doc.Evidence, doc.Duplicates
	return nil
}
