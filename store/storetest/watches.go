package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// WatchStore is what Watches tests: a store that keeps watches, their
// notices and the change log they are made from.
type WatchStore interface {
	incident.Store
	incident.ChangeLog
	incident.WatchStore
	incident.Outbox
}

// Watches checks the watches and the outbox of a store that keeps them
// (the in-memory reference does not): a watch hears of changes after the
// last stored when it was made; every change to a watch, or to a zone,
// moves the version;
// notices are stored once, whoever stores them (a second AddNotices of the
// same changes stores nothing, one made with watches since changed stores
// nothing and fails with ECONFLICT, and the cursor never moves back); and
// deliveries go oldest first, a failure waits until its next attempt, one
// given up on is dead until resent.
func Watches(t *testing.T, open Open) {
	s, ok := open(t).(WatchStore)
	if !ok {
		return
	}
	ctx := context.Background()
	code := func(err error) string { return incident.ErrorCode(err) }
	version := func() int64 {
		t.Helper()
		v, err := s.WatchesVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := mustData(t, newRand(t), 2)
	if err := s.Create(ctx, copyIncident(d.Incidents[0])); err != nil {
		t.Fatal(err)
	}
	last, err := s.LastChange(ctx)
	if err != nil || last == 0 {
		t.Fatalf("last change %d, %v", last, err)
	}
	at := time.Date(2024, 5, 1, 6, 0, 0, 123456789, time.UTC)
	hook := &incident.Watch{ID: "w-hook", Name: "Torodi", Owner: "tok-1", Query: "country=NER", Webhook: "http://127.0.0.1:9/h", Secret: "s3cret",
		Within: []byte(`{"type":"Polygon","coordinates":[[[1,13],[2,13],[2,14],[1,14],[1,13]]]}`), CreatedAt: at}
	feed := &incident.Watch{ID: "w-feed", Name: "Feed", Owner: "tok-2", Query: "q=jnim", CreatedAt: at.Add(time.Minute)}
	v0 := version()
	for _, w := range []*incident.Watch{feed, hook} {
		if err := s.CreateWatch(ctx, w); err != nil {
			t.Fatal(err)
		}
		if w.FromSeq != last {
			t.Errorf("%s hears of changes after %d; want after the last stored, %d", w.ID, w.FromSeq, last)
		}
	}
	if err := s.CreateWatch(ctx, &incident.Watch{ID: "w-hook", Name: "again", CreatedAt: at}); code(err) != incident.ECONFLICT {
		t.Errorf("a second watch w-hook: %v, want %s", err, incident.ECONFLICT)
	}
	v1 := version()
	if v1 == v0 {
		t.Error("creating watches did not move the watches' version")
	}
	got, err := s.Watch(ctx, "w-hook")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != hook.Name || got.Query != hook.Query || string(got.Within) != string(hook.Within) || got.Secret != hook.Secret ||
		!got.CreatedAt.Equal(at) || got.FromSeq != last || got.Delivery == nil || got.Delivery.Pending != 0 {
		t.Errorf("read back %+v", got)
	}
	if ws, err := s.Watches(ctx); err != nil || len(ws) != 2 || ws[0].ID != "w-hook" || ws[1].Delivery != nil {
		t.Errorf("watches %v, %v: want w-hook then w-feed (no delivery)", watchIDs(ws), err)
	}
	if _, err := s.Watch(ctx, "nope"); code(err) != incident.ENOTFOUND {
		t.Errorf("watch nope: %v", err)
	}
	for what, err := range map[string]error{
		"replace": s.ReplaceWatch(ctx, &incident.Watch{ID: "nope", Name: "x"}),
		"delete":  s.DeleteWatch(ctx, "nope"),
		"resend":  func() error { _, err := s.ResendDead(ctx, "nope"); return err }(),
	} {
		if code(err) != incident.ENOTFOUND {
			t.Errorf("%s of a watch that is not there: %v, want %s", what, err, incident.ENOTFOUND)
		}
	}
	if version() != v1 {
		t.Error("writes that changed nothing moved the watches' version")
	}
	hook.Name = "Torodi base"
	if err := s.ReplaceWatch(ctx, hook); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 == v1 {
		t.Error("replacing a watch did not move the watches' version")
	}
	if as, ok := s.(incident.AreaStore); ok {
		// A watch's filter may name a zone or a site.
		z := incident.NewDrawnZone("z-1", "Torodi box", orb.MultiPolygon{{{{1, 13}, {2, 13}, {2, 14}, {1, 14}, {1, 13}}}})
		z.CreatedAt, z.UpdatedAt = at, at
		if err := as.CreateZone(ctx, z); err != nil {
			t.Fatal(err)
		}
		if v := version(); v == v2 {
			t.Error("drawing a zone did not move the watches' version")
		} else {
			v2 = v
		}
	}

	// Notices, made once.
	notice := func(w string, seq int64) incident.Notice {
		return incident.Notice{WatchID: w, Seq: seq, IncidentID: d.Incidents[0].ID, Kind: incident.NoticeMatch, At: at, Body: fmt.Appendf(nil, `{"seq":%d}`, seq)}
	}
	cursor := func() int64 {
		t.Helper()
		c, err := s.NoticeCursor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c0 := cursor()
	batch := []incident.Notice{notice("w-hook", c0+1), notice("w-feed", c0+1), notice("w-hook", c0+2), notice("w-gone", c0+2)}
	if err := s.AddNotices(ctx, batch, c0+2, v1); code(err) != incident.ECONFLICT {
		t.Errorf("notices made with watches since changed: %v, want %s", err, incident.ECONFLICT)
	}
	if cursor() != c0 {
		t.Error("notices refused moved the cursor")
	}
	for range 2 { // the second as another server would: nothing again
		if err := s.AddNotices(ctx, batch, c0+2, v2); err != nil {
			t.Fatal(err)
		}
	}
	// Partly made already: only the changes after the cursor.
	if err := s.AddNotices(ctx, []incident.Notice{notice("w-hook", c0+2), notice("w-hook", c0+3)}, c0+3, v2); err != nil {
		t.Fatal(err)
	}
	if err := s.AddNotices(ctx, nil, c0+1, v2); err != nil || cursor() != c0+3 {
		t.Errorf("the cursor moved back to %d (%v); want it at %d", cursor(), err, c0+3)
	}
	noticeSeqs := func(w, state string) []int64 {
		t.Helper()
		ns, err := s.Notices(ctx, w, state, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, n := range ns {
			out = append(out, n.Seq)
		}
		return out
	}
	if got := noticeSeqs("w-hook", ""); !slices.Equal(got, []int64{c0 + 3, c0 + 2, c0 + 1}) {
		t.Errorf("w-hook's notices are of changes %v; want each once, newest first: %v", got, []int64{c0 + 3, c0 + 2, c0 + 1})
	}
	if got := noticeSeqs("w-feed", "kept"); !slices.Equal(got, []int64{c0 + 1}) {
		t.Errorf("w-feed's kept notices %v (a watch without delivery keeps them)", got)
	}

	// Deliveries: oldest first; a failure waits; given up on, dead.
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	due := func(at time.Time) []string {
		t.Helper()
		ws, err := s.DueWebhooks(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		return watchIDs(ws)
	}
	if got := due(now); !slices.Equal(got, []string{"w-hook"}) {
		t.Fatalf("due %v, want [w-hook]", got)
	}
	pending, err := s.PendingNotices(ctx, "w-hook", 2)
	if err != nil || len(pending) != 2 || pending[0].Seq != c0+1 || pending[1].Seq != c0+2 || string(pending[0].Body) != fmt.Sprintf(`{"seq":%d}`, c0+1) {
		t.Fatalf("pending %+v, %v: want the two oldest, with their bodies", pending, err)
	}
	fail := &incident.DeliveryFailure{NoticeID: pending[1].ID, Err: "503", NextAt: now.Add(time.Minute), GiveUp: now.Add(-time.Hour)}
	if err := s.RecordDeliveries(ctx, "w-hook", []int64{pending[0].ID}, now, fail); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Watch(ctx, "w-hook")
	if st := got.Delivery; st.Failures != 1 || st.LastError != "503" || st.Pending != 2 || st.LastSuccess == nil || !st.LastSuccess.Equal(now) {
		t.Errorf("after one delivered and one failed: %+v", st)
	}
	if got := due(now.Add(30 * time.Second)); len(got) != 0 {
		t.Errorf("due before the next attempt: %v", got)
	}
	if got := due(now.Add(time.Minute)); !slices.Equal(got, []string{"w-hook"}) {
		t.Errorf("due at the next attempt: %v", got)
	}
	fail.GiveUp, fail.NextAt = now.Add(time.Minute), now.Add(2*time.Minute)
	if err := s.RecordDeliveries(ctx, "w-hook", nil, now.Add(time.Minute), fail); err != nil {
		t.Fatal(err)
	}
	if got := noticeSeqs("w-hook", "dead"); !slices.Equal(got, []int64{c0 + 2}) {
		t.Errorf("dead %v, want the notice tried since before the give-up time", got)
	}
	if got := noticeSeqs("w-hook", "pending"); !slices.Equal(got, []int64{c0 + 3}) {
		t.Errorf("pending %v", got)
	}
	if k, err := s.ResendDead(ctx, "w-hook"); err != nil || k != 1 {
		t.Errorf("resend: %d, %v; want 1", k, err)
	}
	got, _ = s.Watch(ctx, "w-hook")
	if st := got.Delivery; st.Failures != 0 || st.Dead != 0 || st.Pending != 2 {
		t.Errorf("after resending: %+v", st)
	}
	if got := due(now.Add(time.Minute)); !slices.Equal(got, []string{"w-hook"}) {
		t.Errorf("due after resending: %v", got)
	}
	pending, _ = s.PendingNotices(ctx, "w-hook", 10)
	if len(pending) != 2 || pending[0].Seq != c0+2 || pending[0].Attempts != 0 {
		t.Fatalf("pending after resending %+v: want the resent first, its attempts anew", pending)
	}
	if err := s.RecordDeliveries(ctx, "w-hook", []int64{pending[0].ID, pending[1].ID}, now.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if got := noticeSeqs("w-hook", "delivered"); len(got) != 3 {
		t.Errorf("delivered %v, want all three", got)
	}
	if got := due(now.Add(time.Hour)); len(got) != 0 {
		t.Errorf("due with nothing pending: %v", got)
	}

	if err := s.DeleteWatch(ctx, "w-hook"); err != nil {
		t.Fatal(err)
	}
	if version() == v2 {
		t.Error("deleting a watch did not move the watches' version")
	}
	if got := noticeSeqs("w-hook", ""); len(got) != 0 {
		t.Errorf("a deleted watch's notices are there: %v", got)
	}
}

func watchIDs(ws []*incident.Watch) []string {
	var ids []string
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	return ids
}
