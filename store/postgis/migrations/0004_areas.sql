-- The zones editors draw (zone=; kind 'zone', a Polygon or MultiPolygon)
-- and the sites an organisation keeps (near_site=; kind 'site', a Point,
-- LineString or Polygon), as the SQLite store keeps them: the geometry is
-- GeoJSON as sent (at most 100,000 positions), listed back exactly;
-- name_key is the name folded as zone= reads it, unique among zones so a
-- name means one zone. Times are Unix nanoseconds, kept whole (timestamptz
-- holds microseconds only).
CREATE TABLE areas (
	id text PRIMARY KEY,
	kind text NOT NULL CHECK (kind IN ('zone', 'site')),
	name text NOT NULL,
	name_key text NOT NULL,
	geometry text NOT NULL,
	owner text NOT NULL,
	created_ns bigint NOT NULL,
	updated_ns bigint NOT NULL
);
CREATE UNIQUE INDEX areas_zone_name ON areas (name_key) WHERE kind = 'zone';
CREATE INDEX areas_kind ON areas (kind, created_ns, id);
