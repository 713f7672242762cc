package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/store/sqlite"
)

// rederive derives every stored incident again and says how many: the
// documents stay as they were when the geography has not changed, and it
// explains itself with --help.
func TestRederive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	if _, _, err := runCLI(t, "", "import", "--db", db, "--create", "../../docs/examples/incidents.geojson"); err != nil {
		t.Fatal(err)
	}
	before, _, err := runCLI(t, "", "export", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "", "rederive", "--db", db)
	if err != nil || out != "derived 3 incidents again\n" {
		t.Fatalf("rederive: %q %v", out, err)
	}
	after, _, _ := runCLI(t, "", "export", "--db", db)
	features := func(fc string) string { s, _, _ := strings.Cut(fc, `"timeStamp"`); return s }
	if features(after) != features(before) {
		t.Errorf("the export changed:\n%s\nwas\n%s", after, before)
	}
	out, errOut, err := runCLI(t, "", "rederive", "--help")
	if help := out + errOut; err != nil || !strings.Contains(help, "Usage: incidentmap rederive") || !strings.Contains(help, "the history does not") || !strings.Contains(help, "-db") {
		t.Errorf("rederive --help: %v\n%s", err, help)
	}
	if out, _, _ := runCLI(t, "", "--help"); !strings.Contains(out, "incidentmap rederive") {
		t.Errorf("the command list leaves out rederive:\n%s", out)
	}
}

// A server whose incidents wait to be derived again (a new geography came
// with an upgrade) listens at once and derives them while it serves, and
// says so in its log (resuming after a stop is the store's, tested there).
func TestServeDerivesInTheBackground(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bg.db")
	if _, stderr, err := runCLI(t, "", "gen", "--n", "3000", "--seed", "5", "--db", db); err != nil {
		t.Fatalf("gen: %v %s", err, stderr)
	}
	mark := func() {
		t.Helper()
		s, err := sqlite.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.DerivedWith(context.Background(), "an older geography"); err != nil {
			t.Fatal(err)
		}
	}
	mark()
	s := start(t, db, "--no-seed")
	// It answers while deriving, and says when it is done.
	if r := s.get("/api/v1/incidents?limit=1"); r.status != 200 {
		t.Fatalf("listing while deriving: %d", r.status)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.logs.String(), "derived incidents again") {
		if time.Now().After(deadline) {
			t.Fatalf("no end of the derivation in the log:\n%s", s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(s.logs.String(), "waiting=3000") {
		t.Errorf("the log does not say how many wait:\n%s", s.logs)
	}
	if r := s.get("/readyz"); r.status != 200 || strings.Contains(string(r.body), "deriving") {
		t.Errorf("/readyz after deriving: %d %s", r.status, r.body)
	}
	s.stop()
	check, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	left, total, err := check.RederivePending(context.Background())
	check.Close()
	if err != nil || left != 0 || total != 3000 {
		t.Errorf("after the server derived them: %d of %d wait (%v)", left, total, err)
	}
}
