// Tests of bulk loads: afterwards the schema, rollups, counts and indexes
// are as row-by-row inserts leave them, a failed load leaves nothing, and a
// write waiting on another process's load gives up cleanly.

package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// A bulk load (CreateMany or CreateBatches of at least bulkMin incidents,
// and at least as many as are stored) drops and rebuilds the indexes and
// catches up the rollup, the counts and the full-text index: afterwards the
// schema, those tables and every index are as row-by-row inserts leave
// them; a failed one leaves nothing behind.
func TestBulkLoad(t *testing.T) {
	defer func(min int) { bulkMin = min }(bulkMin)
	bulkMin = 100
	db := openTest(t)
	ctx := context.Background()
	schema := func() string {
		var out []string
		rows, err := db.read.QueryContext(ctx, "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return strings.Join(out, "\n")
	}
	before := schema()
	fill(t, db, 60) // row by row: fewer than bulkMin
	// 150 more in batches of 40: a bulk load (150 ≥ 100 and ≥ 60).
	more := newIncidents(t, 60, 150)
	batches := slices.Collect(slices.Chunk(more, 40))
	if err := db.CreateBatches(ctx, len(more), func() ([]*incident.Incident, error) {
		if len(batches) == 0 {
			return nil, nil
		}
		b := batches[0]
		batches = batches[1:]
		return b, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := schema(); got != before {
		t.Errorf("schema after a bulk load:\n%s\nwant\n%s", got, before)
	}
	checkRollups(t, db, 210)
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	for q, want := range map[string]int{"note": 210, "note 3": 30} {
		p, err := db.List(ctx, incident.Filter{Q: q, Limit: 1000})
		if err != nil || p.NumberMatched != want || len(p.Incidents) != want {
			t.Errorf("q=%s after a bulk load: %d matched, %d listed (%v), want %d", q, p.NumberMatched, len(p.Incidents), err, want)
		}
	}
	// The triggers are back: later writes keep the rollups.
	if err := db.Delete(ctx, more[0].ID); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db, 209)
	// A bulk load that fails (an id already stored, in its last batch)
	// stores none of its incidents and leaves the schema as it was.
	last := newIncidents(t, 210, 300)
	last[299].ID = more[5].ID
	if err := db.CreateMany(ctx, last); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Fatalf("a load with a taken id: %v, want ECONFLICT", err)
	}
	if n, _ := db.Count(ctx); n != 209 {
		t.Errorf("%d incidents after a failed load, want 209", n)
	}
	if got := schema(); got != before {
		t.Errorf("schema after a failed bulk load:\n%s\nwant\n%s", got, before)
	}
	checkRollups(t, db, 209)
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

// A write that cannot get the write lock (another process's bulk load holds
// it) fails, after the busy timeout, with EUNAVAILABLE and changes nothing.
func TestWriteDuringAnotherBulkLoad(t *testing.T) {
	defer func(d time.Duration) { busyTimeout = d }(busyTimeout)
	busyTimeout = 200 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	loader, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer loader.Close()
	server := openAt(t, path)
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	ins := newIncidents(t, 0, 2)
	go func() {
		calls := 0
		done <- loader.CreateBatches(ctx, 1, func() ([]*incident.Incident, error) {
			if calls++; calls == 1 {
				close(started)
				<-release
				return ins[:1], nil
			}
			return nil, nil
		})
	}()
	<-started
	if err := server.Create(ctx, ins[1]); incident.ErrorCode(err) != incident.EUNAVAILABLE {
		t.Errorf("a write while another holds the lock: %v, want EUNAVAILABLE", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := server.Count(ctx); n != 1 {
		t.Errorf("%d incidents, want the loader's 1", n)
	}
	if err := server.Create(ctx, ins[1]); err != nil {
		t.Errorf("the same write after the load: %v", err)
	}
}
