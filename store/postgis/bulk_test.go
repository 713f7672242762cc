package postgis

import (
	"context"
	"math/rand"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// A bulk load drops the secondary indexes and builds them again in its
// transaction: after it, and after one that failed, every index is there,
// and what was loaded is found through them.
func TestPostgresBulkLoad(t *testing.T) {
	defer func(n int) { bulkMin = n }(bulkMin)
	bulkMin = 50
	ctx := context.Background()
	db := openTest(t)
	indexes := func() int {
		var n int
		if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE tablename IN ('incidents', 'incident_borders', 'revisions')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := indexes()
	ins := randomIncidents(t, rand.New(rand.NewSource(4)), 0, 200)
	if err := db.CreateMany(ctx, ins[:100]); err != nil {
		t.Fatal(err)
	}
	if n := indexes(); n != want {
		t.Errorf("after a bulk load: %d indexes, want %d", n, want)
	}
	// A second bulk load that fails on a taken id leaves all as it was.
	if err := db.CreateMany(ctx, append(ins[100:], ins[0])); incident.ErrorCode(err) != incident.ECONFLICT {
		t.Errorf("a bulk load with a taken id: %v, want a conflict", err)
	}
	if n := indexes(); n != want {
		t.Errorf("after a failed bulk load: %d indexes, want %d", n, want)
	}
	if n, _ := db.Count(ctx); n != 100 {
		t.Errorf("count %d after a failed bulk load, want 100", n)
	}
	f := incident.Filter{Q: incident.SearchWords(ins[7].Notes)[0], Border: "any", BorderKM: 300}
	p, err := db.List(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(reference(f, ins[:100])); p.NumberMatched != want {
		t.Errorf("after the loads: %d match %+v, Match says %d", p.NumberMatched, f, want)
	}
}
