package notify

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/pgtest"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/paulmach/orb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// server is one incidentmap server's notifier and service on a shared
// PostgreSQL database.
type server struct {
	db  *postgis.DB
	n   *Notifier
	svc *incident.Service
}

func startServer(t *testing.T, ctx context.Context, dbURL string) *server {
	t.Helper()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgis.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	allow, _ := ParseAllow("127.0.0.1")
	n := &Notifier{Store: db, Allow: allow, Logger: slog.New(slog.DiscardHandler), Places: g, Poll: 10 * time.Millisecond, Retry: 10 * time.Millisecond}
	sctx, stop := context.WithCancel(ctx)
	if err := n.Start(sctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); n.Wait(); db.Close() })
	return &server{db: db, n: n, svc: &incident.Service{Store: db, Locator: g, Geocoder: g, OnChange: n.Wake}}
}

// Two servers' notifiers on one database, both matching and posting at
// once: a watch made through one hears of writes through the other, each
// change becomes its notice once, each notice is posted once, and each
// server's stream hears of the other's writes.
func TestPostgresTwoNotifiers(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	a, b := startServer(t, ctx, dbURL), startServer(t, ctx, dbURL)
	r := newReceiver(t, "s3cret")
	w := &incident.Watch{ID: "w-torodi", Name: "Torodi base", Owner: "tok", Query: "near=1.7987,13.1192&radius_km=25", Webhook: r.srv.URL, Secret: "s3cret", CreatedAt: time.Now()}
	if err := incident.ParseWatch(w, a.n.Places); err != nil {
		t.Fatal(err)
	}
	if err := a.n.CreateWatch(ctx, w); err != nil {
		t.Fatal(err)
	}
	streamA, streamB := a.n.Hub.Subscribe(), b.n.Hub.Subscribe()
	defer a.n.Hub.Unsubscribe(streamA)
	defer b.n.Hub.Unsubscribe(streamB)
	// Writes through both servers at once, most through b, whose
	// notifier read the watches before a made it.
	const writes = 40
	var wg sync.WaitGroup
	for k := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := torodi(1.7987, 13.1192, k)
			in.ID = fmt.Sprintf("torodi-%02d", k)
			on := b
			if k%4 == 0 {
				on = a
			}
			if _, err := on.svc.Create(ctx, in); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	r.wait(writes)
	// Both deliverers look again (they poll every 10 ms) before counting.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := a.db.Watch(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Delivery.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notices still pending", got.Delivery.Pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range []*server{a, b} {
		s.n.Kick()
	}
	time.Sleep(100 * time.Millisecond)
	r.mu.Lock()
	posts := map[string]int{}
	for _, k := range r.keys {
		posts[k]++
	}
	r.mu.Unlock()
	if len(posts) != writes {
		t.Errorf("%d notices posted, want %d", len(posts), writes)
	}
	for k, n := range posts {
		if n != 1 {
			t.Errorf("notice %s posted %d times", k, n)
		}
	}
	ns, err := b.db.Notices(ctx, w.ID, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	made := map[int64]int{}
	for _, n := range ns {
		made[n.Seq]++
	}
	if len(ns) != writes || len(made) != writes {
		t.Errorf("%d notices of %d changes stored, want %d of %d: each change once", len(ns), len(made), writes, writes)
	}
	for name, sub := range map[string]chan incident.Change{"a": streamA, "b": streamB} {
		seen := map[string]bool{}
		timeout := time.After(10 * time.Second)
		for len(seen) < writes {
			select {
			case ch := <-sub:
				seen[ch.ID] = true
			case <-timeout:
				t.Fatalf("server %s's stream heard of %d of the %d writes", name, len(seen), writes)
			}
		}
	}
}

// A zone a watch names, redrawn through another server, is the zone the
// watch hears of at once: the notifier reads the zones again (Refresh)
// when the watches' version moves, as it does with any change to a zone.
func TestPostgresZoneRedrawnElsewhere(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	other, err := postgis.Open(ctx, dbURL) // the other server: no notifier
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	square := func(lon, lat float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{lon, lat}, {lon + 0.2, lat}, {lon + 0.2, lat + 0.2}, {lon, lat + 0.2}, {lon, lat}}}}
	}
	z := incident.NewDrawnZone("z-camp", "Camp", square(1, 13))
	z.CreatedAt, z.UpdatedAt = time.Now(), time.Now()
	if err := other.CreateZone(ctx, z); err != nil {
		t.Fatal(err)
	}
	db, err := postgis.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	areas := geo.NewAreas(g)
	if err := areas.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	allow, _ := ParseAllow("127.0.0.1")
	n := &Notifier{Store: db, Allow: allow, Logger: slog.New(slog.DiscardHandler), Places: areas, Poll: 10 * time.Millisecond,
		Refresh: func(ctx context.Context) error { return areas.Load(ctx, db) }}
	sctx, stop := context.WithCancel(ctx)
	if err := n.Start(sctx); err != nil {
		t.Fatal(err)
	}
	defer func() { stop(); n.Wait(); db.Close() }()
	w := &incident.Watch{ID: "w-camp", Name: "Camp", Owner: "tok", Query: "zone=Camp", CreatedAt: time.Now()}
	if err := incident.ParseWatch(w, areas); err != nil {
		t.Fatal(err)
	}
	if err := n.CreateWatch(ctx, w); err != nil {
		t.Fatal(err)
	}
	z.Geometry, z.UpdatedAt = square(1.7, 13), time.Now()
	if err := other.ReplaceZone(ctx, z); err != nil {
		t.Fatal(err)
	}
	svc := &incident.Service{Store: db, Locator: g, Geocoder: g, OnChange: n.Wake}
	if _, err := svc.Create(ctx, torodi(1.7987, 13.1192, 2)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ns, err := db.Notices(ctx, w.ID, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) == 1 && ns[0].IncidentID == "torodi-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch has %d notices; want one of torodi-1, in the zone as redrawn", len(ns))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
