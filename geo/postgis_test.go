package geo

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/incidentmap/incidentmap/internal/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// continents are boxes of land on every continent to draw test points
// from (points at sea are drawn again).
var continents = []struct {
	name string
	box  orb.Bound
}{
	{"Africa", orb.Bound{Min: orb.Point{-17, -34}, Max: orb.Point{51, 37}}},
	{"Europe", orb.Bound{Min: orb.Point{-10, 36}, Max: orb.Point{40, 70}}},
	{"Asia", orb.Bound{Min: orb.Point{40, 5}, Max: orb.Point{145, 55}}},
	{"North America", orb.Bound{Min: orb.Point{-125, 15}, Max: orb.Point{-60, 60}}},
	{"South America", orb.Bound{Min: orb.Point{-80, -55}, Max: orb.Point{-35, 12}}},
	{"Oceania", orb.Bound{Min: orb.Point{113, -44}, Max: orb.Point{154, -10}}},
}

// The geography agrees with PostGIS on the same polygons and lines: for 300
// random land points on every continent, more than 2 km from any boundary,
// the admin-1 unit (and so the country) ST_Covers finds is ours; and every
// border within 300 km of them is the set PostGIS finds within that
// distance, at the distance ST_Distance measures on PostGIS's sphere
// (within 0.05%: the same great-circle geometry) and on the WGS 84
// ellipsoid within 0.6%. Not 0.5%: we measure on the sphere of mean radius,
// and a north–south distance at the equator is 0.56% shorter on the
// ellipsoid (its meridian radius there is 6,335 km, against 6,371).
func TestAgreesWithPostGIS(t *testing.T) {
	ctx := context.Background()
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	r := rand.New(rand.NewSource(3))
	var points []orb.Point
	for _, c := range continents {
		for n := 0; n < 50; {
			p := orb.Point{c.box.Min[0] + r.Float64()*(c.box.Max[0]-c.box.Min[0]), c.box.Min[1] + r.Float64()*(c.box.Max[1]-c.box.Min[1])}
			if g.RegionAt(p) == nil {
				continue
			}
			if u, _ := g.nearestRegion(p, 2, ""); u != nil {
				continue // within 2 km of a boundary
			}
			points = append(points, p)
			n++
		}
	}
	// Any unit covering a point has the point in its bounding box: those
	// are the units to load.
	if _, err := conn.Exec(ctx, "CREATE TABLE units (code text, country text, geom geometry(MultiPolygon, 4326))"); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	loaded := map[*Region]bool{}
	for _, p := range points {
		for _, u := range g.Regions {
			if u.Bound.Contains(p) && !loaded[u] {
				loaded[u] = true
				b.Queue("INSERT INTO units VALUES ($1, $2, ST_Multi(ST_GeomFromText($3, 4326)))", u.Code, u.Country, wkt.MarshalString(u.Geometry))
			}
		}
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE borders (key text, geog geography)"); err != nil {
		t.Fatal(err)
	}
	for _, br := range g.Borders {
		b.Queue("INSERT INTO borders VALUES ($1, ST_GeogFromText($2))", br.Key, "SRID=4326;"+wkt.MarshalString(br.Geometry))
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, p := range points {
		loc := g.Reverse(p[0], p[1])
		pt := wkt.MarshalString(p)
		var code, country string
		err := conn.QueryRow(ctx, "SELECT string_agg(code, ','), string_agg(country, ',') FROM units WHERE ST_Covers(geom, ST_GeomFromText($1, 4326))", pt).Scan(&code, &country)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if loc.Admin1 == nil || code != loc.Admin1.Code || country != *loc.Country {
			t.Errorf("%v: PostGIS puts it in %s (%s), we in %v (%v)", p, code, country, loc.Admin1, loc.Country)
		}
		ours := map[string]float64{}
		for _, bd := range loc.Borders {
			ours[bd.Border] = bd.DistanceKM
		}
		rows, err := conn.Query(ctx, "SELECT key, ST_Distance(geog, ST_GeogFromText($1)) / 1000, ST_Distance(geog, ST_GeogFromText($1), false) / 1000 FROM borders WHERE ST_DWithin(geog, ST_GeogFromText($1), $2)", "SRID=4326;"+pt, ReportKM*1000)
		if err != nil {
			t.Fatal(err)
		}
		theirs, sphere := map[string]float64{}, map[string]float64{}
		for rows.Next() {
			var key string
			var km, skm float64
			if err := rows.Scan(&key, &km, &skm); err != nil {
				t.Fatal(err)
			}
			theirs[key], sphere[key] = km, skm
		}
		rows.Close()
		for key, km := range theirs {
			d, ok := ours[key]
			switch {
			case !ok && km < ReportKM*0.995:
				t.Errorf("%v: PostGIS has %s at %.3f km, we do not list it", p, key, km)
			case ok && math.Abs(d-km) > 0.006*km+0.01:
				t.Errorf("%v: %s at %.3f km, PostGIS on the ellipsoid %.3f km (%.2f%%)", p, key, d, km, 100*(d-km)/km)
			case ok && math.Abs(d-sphere[key]) > 0.0005*km+0.01:
				t.Errorf("%v: %s at %.3f km, PostGIS on the sphere %.3f km (%.3f%%)", p, key, d, sphere[key], 100*(d-sphere[key])/sphere[key])
			case ok:
				compared++
			}
		}
		for key, d := range ours {
			if _, ok := theirs[key]; !ok && d < ReportKM*0.995 {
				t.Errorf("%v: we list %s at %.3f km, PostGIS not within %v km", p, key, d, ReportKM)
			}
		}
	}
	if len(points) != 300 || compared < 100 {
		t.Errorf("%d points, %d border distances compared: too few to tell", len(points), compared)
	}
	t.Logf("%d points in %d units, %d border distances compared", len(points), len(loaded), compared)
}
