package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// contractDrafts stores a report with two drafts of known ids, for the
// contract's review cases.
func contractDrafts(t testing.TB, db *sqlite.DB) {
	t.Helper()
	now := time.Now().UTC()
	draft := func(id string) *incident.Draft {
		in := &incident.Incident{EventDate: "2023-09-28", TimePrecision: 1, EventType: "Battles", SubEventType: "Armed clash",
			Location: "near Torodi", GeoPrecision: 2, Fatalities: 12, Source: "Wire"}
		in.SetPoint(1.799, 13.119)
		return &incident.Draft{ID: id, ReportID: "rep-contract", Status: incident.DraftOpen, Incident: in,
			Evidence: map[string][]incident.Span{"fatalities": {{0, 21}}}, CreatedAt: now, UpdatedAt: now}
	}
	rep := &incident.Report{ID: "rep-contract", Text: "Twelve soldiers were killed on Thursday near Torodi.", Lang: "en",
		Published: "2023-10-03", Source: "Wire", Context: []incident.ContextSpan{}, CreatedAt: now}
	if err := db.CreateReport(context.Background(), rep, []*incident.Draft{draft("drf-contract-1"), draft("drf-contract-2")}); err != nil {
		t.Fatal(err)
	}
}
