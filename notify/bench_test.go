package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// Notices posted to a local receiver per second: 10,000 notices waiting
// for 1 watch (posted one after another, in order) and for 8 (in
// parallel), from the outbox to the receiver and recorded as delivered.
func BenchmarkDeliver(b *testing.B) {
	for _, watches := range []int{1, 8} {
		b.Run(fmt.Sprintf("watches=%d", watches), func(b *testing.B) { benchmarkDeliver(b, watches) })
	}
}

func benchmarkDeliver(b *testing.B, watches int) {
	const n = 10000
	var got atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer rcv.Close()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		got.Store(0)
		ctx, cancel := context.WithCancel(context.Background())
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		allow, _ := ParseAllow("127.0.0.1")
		nt := &Notifier{Store: db, Allow: allow, Logger: slog.New(slog.DiscardHandler), Poll: 10 * time.Millisecond}
		var ns []incident.Notice
		in := torodi(1.8, 13.1, 3)
		for w := range watches {
			id := fmt.Sprintf("w-%d", w)
			if err := db.CreateWatch(ctx, &incident.Watch{ID: id, Name: "b", Owner: "o", Webhook: rcv.URL, Secret: "s", CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			for k := range n / watches {
				nt := incident.Notice{WatchID: id, Seq: int64(k + 1), Kind: incident.NoticeMatch, Action: "create", IncidentID: in.ID, Incident: in, At: time.Now()}
				nt.Body = Body(nt, "b")
				ns = append(ns, nt)
			}
		}
		v, err := db.WatchesVersion(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.AddNotices(ctx, ns, int64(n/watches), v); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := nt.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for {
			ws, _ := db.Watches(ctx)
			pending := 0
			for _, w := range ws {
				pending += w.Delivery.Pending
			}
			if pending == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "notices/s")
		b.StopTimer()
		if got.Load() < n {
			b.Fatalf("the receiver got %d of %d", got.Load(), n)
		}
		cancel()
		nt.Wait()
		db.Close()
		b.StartTimer()
	}
}
