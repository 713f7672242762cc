package postgis

import (
	"context"
	"io/fs"
	"math/rand"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/pgtest"
)

// Servers started together on a new database migrate it once: each waits
// for the advisory lock, and the later ones find nothing to do.
func TestPostgresConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	dbs := make([]*DB, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = Open(ctx, dbURL)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	var rows, max int
	if err := dbs[0].pool.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_migrations").Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != len(names) || max != len(names) {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d", rows, max, len(names))
	}
	// Each sees the others' writes at once.
	in := randomIncidents(t, rand.New(rand.NewSource(1)), 0, 1)[0]
	if err := dbs[1].Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[4].Get(ctx, in.ID); err != nil {
		t.Errorf("a write on one is not seen on another: %v", err)
	}
}

// A wrong password, host or database fails at start with a message that
// names the server, not the password.
func TestPostgresOpenErrors(t *testing.T) {
	ctx := context.Background()
	const secret = "s3cret-Pa55"
	base := pgtest.PasswordDatabase(t, secret)
	u, _ := url.Parse(base)
	u.User = url.UserPassword(pgtest.PasswordRole, secret)
	db, err := Open(ctx, u.String())
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	db.Close()

	u.User = url.UserPassword(pgtest.PasswordRole, "wrong-"+secret)
	_, err = Open(ctx, u.String())
	if err == nil || !strings.Contains(err.Error(), u.Host) || !strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), secret) {
		t.Errorf("a wrong password: %v; want an error naming %s and the password, without it", err, u.Host)
	}

	l, _ := net.Listen("tcp", "127.0.0.1:0") // a port nobody serves
	closed := l.Addr().String()
	l.Close()
	nowhere := *u
	nowhere.Host = closed
	nowhere.User = url.UserPassword("someone", secret)
	_, err = Open(ctx, nowhere.String())
	if err == nil || !strings.Contains(err.Error(), closed) || strings.Contains(err.Error(), secret) {
		t.Errorf("no server: %v; want an error naming %s, without the password", err, closed)
	}
	if _, err := Open(ctx, "postgres://x:"+secret+"@host:notaport/db"); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a malformed URL: %v; want an error without the password", err)
	}
}

// Creates conflict on taken ids, live or deleted, and leave nothing
// written; writes are recorded in the history and the change log.
func TestPostgresHistoryAndConflicts(t *testing.T) {
	ctx := incident.WithActor(context.Background(), "ana")
	db := openTest(t)
	ins := randomIncidents(t, rand.New(rand.NewSource(1)), 0, 3)
	if err := db.CreateMany(ctx, ins[:2]); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateMany(ctx, ins[1:]); incident.ErrorCode(err) != incident.ECONFLICT || !strings.Contains(err.Error(), ins[1].ID) {
		t.Errorf("a taken id in a bulk load: %v, want a conflict naming %s", err, ins[1].ID)
	}
	if _, err := db.Get(ctx, ins[2].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("a failed load left %s stored: %v", ins[2].ID, err)
	}
	if err := db.CreateMany(ctx, []*incident.Incident{ins[2], ins[2]}); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Errorf("an id twice in a load: %v, want a conflict", err)
	}
	moved := *ins[0]
	moved.Fatalities++
	if err := db.Replace(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(ctx, ins[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, ins[0]); incident.ErrorCode(err) != incident.ECONFLICT || !strings.Contains(err.Error(), "restore") {
		t.Errorf("creating a deleted id: %v, want a conflict saying how to restore it", err)
	}
	if err := db.Delete(ctx, ins[0].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("deleting twice: %v, want not found", err)
	}
	got, err := db.GetMany(ctx, []string{ins[0].ID, ins[1].ID, "none"})
	if err != nil || len(got) != 2 || !got[ins[0].ID].Deleted || got[ins[1].ID].Deleted {
		t.Errorf("GetMany: %v %v", got, err)
	}
	if ex, err := db.Existing(ctx, []string{ins[0].ID, ins[1].ID}); err != nil || ex[ins[0].ID] || !ex[ins[1].ID] {
		t.Errorf("Existing: %v %v", ex, err)
	}
	if _, err := db.Restore(ctx, ins[0].ID); err != nil {
		t.Fatal(err)
	}
	h, err := db.History(ctx, ins[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range h {
		actions = append(actions, r.Action+":"+r.Actor)
	}
	if strings.Join(actions, " ") != "create:ana update:ana delete:ana restore:ana" {
		t.Errorf("history: %v", actions)
	}
	if !strings.Contains(string(h[0].After), `"fatalities":`+strconv.Itoa(ins[0].Fatalities)+",") || h[0].Before != nil && string(h[0].Before) != "null" {
		t.Errorf("history of the create: before %s, after %s", h[0].Before, h[0].After)
	}
	if !strings.Contains(string(h[1].After), `"fatalities":`+strconv.Itoa(moved.Fatalities)) || string(h[2].After) != "null" {
		t.Errorf("history documents: update after %s, delete after %s", h[1].After, h[2].After)
	}
	last, err := db.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chs, err := db.ChangesSince(ctx, last-2, 10)
	if err != nil || len(chs) != 2 || chs[0].Action != "delete" || chs[0].Before == nil || chs[1].Action != "restore" || chs[1].After == nil {
		t.Errorf("changes since %d: %+v %v", last-2, chs, err)
	}
}

// Tokens made through one store are found through another on the same
// database, and revoked ones are gone from both.
func TestPostgresTokens(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	a, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := &incident.Token{ID: "tk1", Name: "desk", Role: incident.RoleEditor, Hash: "abc", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ExpiresAt: &exp}
	if err := a.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := b.TokenByHash(ctx, "abc")
	if err != nil || got.ID != "tk1" || got.Role != incident.RoleEditor || !got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Errorf("token by hash on the other store: %+v %v", got, err)
	}
	if ts, err := b.Tokens(ctx); err != nil || len(ts) != 1 || ts[0].Hash != "" {
		t.Errorf("tokens: %+v %v", ts, err)
	}
	if err := b.RevokeToken(ctx, "tk1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TokenByHash(ctx, "abc"); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
		t.Errorf("a revoked token: %v, want unauthorized", err)
	}
	if err := a.RevokeToken(ctx, "tk1"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("revoking twice: %v, want not found", err)
	}
}

// The database going away makes reads and writes EUNAVAILABLE (nothing
// written), and the store works again once it is back, with no restart.
// It stops the package's cluster: not parallel with other tests.
func TestPostgresDatabaseGoesAway(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ins := randomIncidents(t, rand.New(rand.NewSource(1)), 0, 2)
	if err := db.Create(ctx, ins[0]); err != nil {
		t.Fatal(err)
	}
	pgtest.StopServer(t)
	stopped := true
	defer func() {
		if stopped {
			pgtest.StartServer(t)
		}
	}()
	if _, err := db.Get(ctx, ins[0].ID); incident.ErrorCode(err) != incident.EUNAVAILABLE {
		t.Errorf("a read with the database gone: %v, want %s", err, incident.EUNAVAILABLE)
	}
	if err := db.Create(ctx, ins[1]); incident.ErrorCode(err) != incident.EUNAVAILABLE || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("a write with the database gone: %v, want %s", err, incident.EUNAVAILABLE)
	}
	pgtest.StartServer(t)
	stopped = false
	if _, err := db.Get(ctx, ins[0].ID); err != nil {
		t.Errorf("a read once the database is back: %v", err)
	}
	if _, err := db.Get(ctx, ins[1].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("the write that failed is stored: %v", err)
	}
	if err := db.Create(ctx, ins[1]); err != nil {
		t.Errorf("a write once the database is back: %v", err)
	}
}
