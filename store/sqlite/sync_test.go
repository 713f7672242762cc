package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// updated_since compares instants, not the text of stored times, whose
// decimals vary in number (…:00.51006Z sorted after …:00.510061Z as text,
// and …:00Z after …:00.5Z). Found by the conformance suite.
func TestUpdatedSinceComparesInstants(t *testing.T) {
	db := openTest(t)
	ins := newIncidents(t, 0, 3)
	base := time.Date(2024, 12, 18, 21, 29, 0, 0, time.UTC)
	ins[0].UpdatedAt = base.Add(510061 * time.Microsecond) // .510061
	ins[1].UpdatedAt = base.Add(500 * time.Millisecond)    // .5
	ins[2].UpdatedAt = base.Add(time.Second)               // :01, no decimals
	ctx := context.Background()
	if err := db.CreateMany(ctx, ins); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		since time.Time
		want  int
	}{
		{base.Add(510060 * time.Microsecond), 2}, // .51006: the first is after it
		{base, 3},                                // :00, no decimals: all after it
		{base.Add(510061 * time.Microsecond), 1},
		{base.Add(time.Second), 0},
		{base.Add(999 * time.Millisecond), 1},
	} {
		page, err := db.List(ctx, incident.Filter{UpdatedSince: &c.since})
		if err != nil {
			t.Fatal(err)
		}
		if page.NumberMatched != c.want || len(page.Incidents) != c.want {
			t.Errorf("updated_since=%s: %d matched, %d listed; want %d", c.since.Format(time.RFC3339Nano), page.NumberMatched, len(page.Incidents), c.want)
		}
	}
}
