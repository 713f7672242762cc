package postgis

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// A due watch is claimed by one caller of DueWebhooks (one server) until
// the lease ends or its deliveries are recorded, however many ask at once:
// no two servers post one watch's notices at the same time.
func TestDueWebhooksClaims(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	other, err := Open(ctx, db.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const watches = 20
	var ns []incident.Notice
	for k := range watches {
		id := fmt.Sprintf("w-%02d", k)
		if err := db.CreateWatch(ctx, &incident.Watch{ID: id, Name: id, Owner: "o", Query: "country=NER", Webhook: "http://127.0.0.1:9/", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, incident.Notice{WatchID: id, Seq: 1, IncidentID: "i", Kind: incident.NoticeMatch, At: time.Now(), Body: []byte("{}")})
	}
	v, _ := db.WatchesVersion(ctx)
	if err := db.AddNotices(ctx, ns, 1, v); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	claims := map[string]int{}
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := db
			if k%2 == 1 {
				s = other
			}
			ws, err := s.DueWebhooks(ctx, now)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, w := range ws {
				claims[w.ID]++
			}
		}()
	}
	wg.Wait()
	if len(claims) != watches {
		t.Errorf("%d watches claimed, want %d", len(claims), watches)
	}
	for id, n := range claims {
		if n != 1 {
			t.Errorf("%s claimed %d times at once", id, n)
		}
	}
	due := func(s *DB, at time.Time) []string {
		t.Helper()
		ws, err := s.DueWebhooks(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if got := due(other, now.Add(incident.DeliveryLease-time.Second)); len(got) != 0 {
		t.Errorf("claimed watches are due again within the lease: %v", got)
	}
	// Deliveries recorded keep the claim (the next batch is the same
	// server's); nothing delivered ends it.
	pending, _ := db.PendingNotices(ctx, "w-00", 10)
	if err := db.RecordDeliveries(ctx, "w-01", nil, now, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordDeliveries(ctx, "w-00", []int64{pending[0].ID}, now, nil); err != nil {
		t.Fatal(err)
	}
	if got := due(other, now); !slices.Equal(got, []string{"w-01"}) {
		t.Errorf("due after one claim ended: %v, want [w-01]", got)
	}
	// A server that died holds its claims no longer than the lease.
	if got := due(db, now.Add(incident.DeliveryLease)); len(got) != watches-1 {
		t.Errorf("%d due once the lease ended, want %d (all with notices pending)", len(got), watches-1)
	}
}

// A watch deleted while its notices are being stored waits for them, then
// goes with them: neither write fails. (The delete once locked the watch
// before the cursor's row, and the notices' foreign key waited for the
// watch while holding that row: a deadlock, one of them aborted.)
func TestDeleteWatchWhileNoticesAreStored(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.CreateWatch(ctx, &incident.Watch{ID: "w-1", Name: "w", Owner: "o", Query: "country=NER", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// What AddNotices does, held open: the cursor's row first.
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT seq FROM notice_cursor FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteWatch(ctx, "w-1") }()
	// The delete waits on a lock.
	deadline := time.Now().Add(10 * time.Second)
	for waiting := 0; waiting == 0; {
		if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the delete never waited")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notices (watch_id, seq, incident_id, kind, at, body, state)
		VALUES ('w-1', 1, 'i', 'match', now(), '{}', 'kept')`); err != nil {
		t.Fatalf("storing a notice while the watch is deleted: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("deleting the watch while its notices were stored: %v", err)
	}
	if ns, err := db.Notices(ctx, "w-1", "", 10); err != nil || len(ns) != 0 {
		t.Errorf("the deleted watch has %d notices (%v)", len(ns), err)
	}
}
