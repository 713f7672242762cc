package main

// The plain-PostGIS side of the comparison: the schema a PostGIS expert
// would build (points with GiST, border distances precomputed and indexed),
// loaded with COPY from the SQLite database the other side uses, and the
// geocoding import and reverse geocoding done in SQL.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func pgSetup(ctx context.Context, pool *pgxpool.Pool) error {
	stmts := []string{
		`CREATE EXTENSION IF NOT EXISTS postgis`,
		`DROP TABLE IF EXISTS incidents, incident_borders, staging, regions, borders, border_pieces`,
		`CREATE TABLE regions (code text, country text, geom geometry(MultiPolygon, 4326))`,
		`CREATE TABLE borders (country text, geom geometry(LineString, 4326))`,
	}
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	g, err := geo.Default()
	if err != nil {
		return err
	}
	// The same layers as incidentmap's: Niger and its neighbours' regions,
	// Niger's borders named by the neighbour.
	for _, f := range g.RegionFeatures(g.Focus()...) {
		gj, _ := json.Marshal(geojson.NewGeometry(f.Geometry))
		if _, err := pool.Exec(ctx, `INSERT INTO regions VALUES ($1, $2, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326)))`, f.Properties["code"], f.Properties["country"], string(gj)); err != nil {
			return err
		}
	}
	for _, b := range g.BordersOf(geo.Niger) {
		for _, l := range b.Geometry {
			gj, _ := json.Marshal(geojson.NewGeometry(l))
			if _, err := pool.Exec(ctx, `INSERT INTO borders VALUES ($1, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326))`, b.Other(geo.Niger), string(gj)); err != nil {
				return err
			}
		}
	}
	// What a PostGIS expert would build: GiST on geography, the border cut
	// into short pieces so each piece's bounding box is tight.
	for _, s := range []string{
		`CREATE INDEX ON regions USING gist (geom)`,
		`CREATE TABLE border_pieces AS SELECT country, ST_Subdivide(ST_Segmentize(geom, 0.05), 16)::geography AS geog FROM borders`,
		`CREATE INDEX ON border_pieces USING gist (geog)`,
		`CREATE INDEX ON border_pieces (country)`,
		`ANALYZE regions`, `ANALYZE border_pieces`,
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// resetDatabase drops the database of dbURL and makes it again, empty,
// through pool (a connection to another database of the same server).
func resetDatabase(ctx context.Context, pool *pgxpool.Pool, dbURL string) error {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	name := pgx.Identifier{cfg.Database}.Sanitize()
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// pgLoad copies the same rows into PostGIS and builds the indexes.
func pgLoad(ctx context.Context, pool *pgxpool.Pool, dbPath string) error {
	for _, s := range []string{`DROP TABLE IF EXISTS incidents`, `CREATE TABLE incidents (id text PRIMARY KEY, event_date date NOT NULL, event_type text, sub_event_type text, fatalities int, region_code text, props jsonb, geog geography(Point, 4326))`} {
		if _, err := pool.Exec(ctx, s); err != nil {
			return err
		}
	}
	src, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		return err
	}
	defer src.Close()
	rs, err := src.QueryContext(ctx, `SELECT i.id, i.event_date, i.event_type, i.sub_event_type, i.fatalities, coalesce(i.region_code, ''), i.lon, i.lat, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.deleted_at IS NULL`)
	if err != nil {
		return err
	}
	defer rs.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE load (id text, event_date date, event_type text, sub_event_type text, fatalities int, region_code text, lon float8, lat float8, props jsonb)`); err != nil {
		return err
	}
	src2 := &sqliteRows{rs: rs}
	if _, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"load"}, []string{"id", "event_date", "event_type", "sub_event_type", "fatalities", "region_code", "lon", "lat", "props"}, src2); err != nil {
		return err
	}
	// The border distances incidentmap computed for each incident (one
	// row per border, country and "any" within 300 km), as a PostGIS
	// expert would precompute them.
	bs, err := src.QueryContext(ctx, `SELECT i.id, b.key, b.km FROM incident_borders b JOIN incidents i ON i.seq = b.seq WHERE b.live`)
	if err != nil {
		return err
	}
	defer bs.Close()
	if _, err := conn.Exec(ctx, `DROP TABLE IF EXISTS incident_borders; CREATE TABLE incident_borders (id text NOT NULL, key text NOT NULL, km float8 NOT NULL)`); err != nil {
		return err
	}
	if _, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"incident_borders"}, []string{"id", "key", "km"}, &borderRows{rs: bs}); err != nil {
		return err
	}
	for _, s := range []string{
		`CREATE INDEX ON incident_borders (key, km) INCLUDE (id)`,
		`INSERT INTO incidents SELECT id, event_date, event_type, sub_event_type, fatalities, nullif(region_code, ''), props, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography FROM load`,
		`DROP TABLE load`,
		`CREATE INDEX ON incidents USING gist (geog)`,
		`CREATE INDEX ON incidents (event_date DESC, id DESC)`,
		`CREATE INDEX ON incidents (region_code, event_date)`,
		`VACUUM ANALYZE incidents`,
		`VACUUM ANALYZE incident_borders`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// borderRows feeds (id, key, km) rows of SQLite to COPY.
type borderRows struct {
	rs  *sql.Rows
	err error
	row []any
}

func (b *borderRows) Next() bool {
	if !b.rs.Next() {
		return false
	}
	var id, key string
	var km float64
	if b.err = b.rs.Scan(&id, &key, &km); b.err != nil {
		return false
	}
	b.row = []any{id, key, km}
	return true
}
func (b *borderRows) Values() ([]any, error) { return b.row, nil }
func (b *borderRows) Err() error {
	if b.err != nil {
		return b.err
	}
	return b.rs.Err()
}

type sqliteRows struct {
	rs  *sql.Rows
	err error
	row []any
}

func (s *sqliteRows) Next() bool {
	if !s.rs.Next() {
		return false
	}
	var id, date, typ, sub, region string
	var fat int
	var lon, lat float64
	var doc []byte
	if s.err = s.rs.Scan(&id, &date, &typ, &sub, &fat, &region, &lon, &lat, &doc); s.err != nil {
		return false
	}
	var f struct{ Properties json.RawMessage }
	json.Unmarshal(doc, &f)
	d, _ := time.Parse("2006-01-02", date)
	s.row = []any{id, d, typ, sub, fat, region, lon, lat, []byte(f.Properties)}
	return true
}
func (s *sqliteRows) Values() ([]any, error) { return s.row, nil }
func (s *sqliteRows) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rs.Err()
}

// pgGeocodeImport times what incidentmap does on import, in PostGIS: load
// raw points, then find each one's region and its distance to each border.
func pgGeocodeImport(ctx context.Context, pool *pgxpool.Pool) error {
	var dist []string
	for _, c := range []string{"MLI", "BFA", "BEN", "NGA", "TCD", "LBY", "DZA"} {
		dist = append(dist, fmt.Sprintf(`(SELECT ST_Distance(s.geog, b.geog) FROM border_pieces b WHERE b.country = '%s' ORDER BY b.geog <-> s.geog LIMIT 1) AS d_%s`, c, strings.ToLower(c)))
	}
	for _, s := range []string{
		`DROP TABLE IF EXISTS staging, staged`,
		`CREATE UNLOGGED TABLE staging AS SELECT id, event_date, geog, geog::geometry AS geom FROM incidents`,
		`CREATE TABLE staged AS SELECT s.id, (SELECT r.code FROM regions r WHERE ST_Intersects(r.geom, s.geom) LIMIT 1) AS region, ` + strings.Join(dist, ", ") + ` FROM staging s`,
		`DROP TABLE staging, staged`,
	} {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.60s: %w", s, err)
		}
	}
	return nil
}

func pgReverse(ctx context.Context, pool *pgxpool.Pool, pts []orb.Point) error {
	var lons, lats []float64
	for _, p := range pts {
		lons = append(lons, p[0])
		lats = append(lats, p[1])
	}
	var dist []string
	for _, c := range []string{"MLI", "BFA", "BEN", "NGA", "TCD", "LBY", "DZA"} {
		dist = append(dist, fmt.Sprintf(`(SELECT ST_Distance(p.g, b.geog) FROM border_pieces b WHERE b.country = '%s' ORDER BY b.geog <-> p.g LIMIT 1) AS d%d`, c, len(dist)))
	}
	// Sum what is computed, so the planner cannot skip computing it.
	q := `SELECT count(region), sum(` + strings.Join([]string{"d0", "d1", "d2", "d3", "d4", "d5", "d6"}, "+") + `) FROM (SELECT (SELECT r.code FROM regions r WHERE ST_Intersects(r.geom, p.g::geometry) LIMIT 1) AS region, ` + strings.Join(dist, ", ") + `
		FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326)::geography AS g FROM unnest($1::float8[], $2::float8[]) AS t(x, y)) p) q`
	var n int
	var total float64
	return pool.QueryRow(ctx, q, lons, lats).Scan(&n, &total)
}
