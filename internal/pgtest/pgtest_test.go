package pgtest_test

import (
	"context"
	"math"
	"testing"

	"github.com/incidentmap/incidentmap/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostGIS starts the throwaway cluster, makes a database and measures
// Niamey–Ouagadougou on the ellipsoid, which is about 414 km.
func TestPostGIS(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var km float64
	err = conn.QueryRow(ctx, `SELECT ST_Distance('SRID=4326;POINT(2.1098 13.5137)'::geography,
		'SRID=4326;POINT(-1.5197 12.3714)'::geography) / 1000`).Scan(&km)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(km-414) > 5 {
		t.Errorf("Niamey–Ouagadougou = %.1f km, want about 414", km)
	}
}
