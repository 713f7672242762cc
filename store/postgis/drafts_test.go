package postgis

import (
	"context"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// A report's drafts are kept apart from incidents until accepted; an
// accepted draft becomes an incident whose history names it, and a draft
// decided once cannot be decided again.
func TestPostgresDrafts(t *testing.T) {
	ctx := incident.WithActor(context.Background(), "editor")
	db := openTest(t)
	ins := randomIncidents(t, rand.New(rand.NewSource(2)), 0, 2)
	at := time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)
	rep := &incident.Report{ID: "r1", Text: "Deux civils tués à Téra.", Lang: "fr", Published: "2024-05-31", Context: []incident.ContextSpan{{Span: incident.Span{0, 4}, Reason: "background"}}, CreatedAt: at}
	drafts := []*incident.Draft{
		{ID: "d1", ReportID: "r1", Status: incident.DraftOpen, Incident: ins[0], Evidence: map[string][]incident.Span{"fatalities": {{0, 4}}}, CreatedAt: at, UpdatedAt: at},
		{ID: "d2", ReportID: "r1", Status: incident.DraftOpen, Incident: ins[1], CreatedAt: at, UpdatedAt: at},
	}
	if err := db.CreateReport(ctx, rep, drafts); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Count(ctx); n != 0 {
		t.Errorf("drafts are listed as incidents: %d", n)
	}
	got, err := db.Report(ctx, "r1")
	if err != nil || got.Text != rep.Text || len(got.Context) != 1 || !got.CreatedAt.Equal(at) {
		t.Errorf("report: %+v %v", got, err)
	}
	open, err := db.Drafts(ctx, incident.DraftOpen, 10)
	if err != nil || len(open) != 2 || open[0].ID != "d2" || open[1].Evidence["fatalities"][0] != (incident.Span{0, 4}) || open[1].Incident.ID != ins[0].ID {
		t.Fatalf("open drafts, newest first: %+v %v", open, err)
	}
	open[1].Incident.Fatalities = 2
	open[1].UpdatedAt = at.Add(time.Hour)
	if err := db.UpdateDraft(ctx, open[1]); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptDraft(ctx, "d1", open[1].Incident, "from draft d1 of report r1"); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptDraft(ctx, "d1", open[1].Incident, "again"); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Errorf("accepting twice: %v, want a conflict", err)
	}
	if err := db.RejectDraft(ctx, "d2"); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateDraft(ctx, open[0]); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Errorf("editing a rejected draft: %v, want a conflict", err)
	}
	d1, err := db.Draft(ctx, "d1")
	if err != nil || d1.Status != incident.DraftAccepted || d1.IncidentID != ins[0].ID || d1.Reviewer != "editor" {
		t.Errorf("accepted draft: %+v %v", d1, err)
	}
	if _, err := db.Draft(ctx, "none"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("no draft: %v", err)
	}
	in, err := db.Get(ctx, ins[0].ID)
	if err != nil || in.Fatalities != 2 {
		t.Fatalf("the accepted incident: %+v %v", in, err)
	}
	h, err := db.History(ctx, in.ID)
	if err != nil || len(h) != 1 || !strings.Contains(h[0].Note, "draft d1") {
		t.Errorf("history of the accepted incident: %+v %v", h, err)
	}
	if all, _ := db.Drafts(ctx, "", 10); len(all) != 2 {
		t.Errorf("all drafts: %d", len(all))
	}
}
