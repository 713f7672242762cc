package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// A sync filter (updated_since) lists deletions as markers, but stats
// count incidents: a deleted one is not counted. Found by the conformance
// suite: the scan counted it.
func TestStatsLeaveDeletionsOut(t *testing.T) {
	db := openTest(t)
	ins := fill(t, db, 20)
	ctx := context.Background()
	if err := db.Delete(ctx, ins[0].ID); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-24 * time.Hour)
	page, err := db.List(ctx, incident.Filter{UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.Stats(ctx, incident.Filter{UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	if page.NumberMatched != 20 || st.Total.Incidents != 19 {
		t.Errorf("updated_since: %d listed (with the deletion marker), %d counted by stats; want 20 and 19", page.NumberMatched, st.Total.Incidents)
	}
}
