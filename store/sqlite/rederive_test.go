package sqlite

import (
	"context"
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
