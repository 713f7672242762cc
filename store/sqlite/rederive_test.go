package sqlite

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"
)

// A new database has nothing to derive again, and incidents written to it
// afterwards were derived with this program's geography: none waits. (The
// migrations that mark stored incidents must not mark an empty database,
// or a generated million waits 15 minutes at the next start.)
func TestNewDatabaseHasNothingToRederive(t *testing.T) {
	db := openTest(t)
	fill(t, db, 50)
	left, total, err := db.RederivePending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if left != 0 || total != 50 {
		t.Errorf("a new database with 50 incidents has %d of %d waiting to be derived again; want 0 of 50", left, total)
	}
}

// The schema version is the count of migrations applied, in name order, so
// the files must be numbered 0001, 0002, … without a gap or a repeat: a
// gap or a number taken twice (two branches adding a migration at once)
// would make a database skip one, or apply one twice, after an upgrade.
func TestMigrationsNumberedInOrder(t *testing.T) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	for i, n := range names {
		if want := fmt.Sprintf("migrations/%04d_", i+1); !strings.HasPrefix(n, want) {
			t.Errorf("migration %d is %s; want a name starting %s", i+1, n, strings.TrimPrefix(want, "migrations/"))
		}
	}
}

// Incidents derived with one geography are derived again when the program
// brings another (new data, other zone widths): all of them, even when a
// run for an older change was under way; the same version changes nothing.
func TestDerivedWithMarksStaleIncidents(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if stale, err := db.DerivedWith(ctx, "v1"); err != nil || stale {
		t.Fatalf("an empty database: stale %v, %v", stale, err)
	}
	fill(t, db, 30)
	if stale, err := db.DerivedWith(ctx, "v1"); err != nil || stale {
		t.Fatalf("the same version: stale %v, %v", stale, err)
	}
	if left, _, _ := db.RederivePending(ctx); left != 0 {
		t.Fatalf("%d wait after the same version", left)
	}
	if stale, err := db.DerivedWith(ctx, "v2"); err != nil || !stale {
		t.Fatalf("another version: stale %v, %v", stale, err)
	}
	if left, total, _ := db.RederivePending(ctx); left != 30 || total != 30 {
		t.Fatalf("%d of %d wait after a new version; want all 30", left, total)
	}
	// A run half done, then yet another version: from the start again.
	if _, err := db.write.ExecContext(ctx, "UPDATE meta SET value = (SELECT max(seq) FROM incidents) - 5 WHERE key = ?", rederiveKey); err != nil {
		t.Fatal(err)
	}
	if stale, err := db.DerivedWith(ctx, "v3"); err != nil || !stale {
		t.Fatalf("a third version: stale %v, %v", stale, err)
	}
	if left, _, _ := db.RederivePending(ctx); left != 30 {
		t.Fatalf("%d wait after a version changed mid-run; want all 30", left)
	}
}
