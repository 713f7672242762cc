-- Named geometries that filters refer to by id: the zones editors draw
-- (zone=; kind 'zone', a Polygon or MultiPolygon) and the sites an
-- organisation keeps (near_site=; kind 'site', a Point, LineString or
-- Polygon). The geometry is GeoJSON as sent, at most 100,000 positions;
-- name_key is the name folded as zone= reads it, unique among zones so a
-- name means one zone.
CREATE TABLE areas (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('zone', 'site')),
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	geometry   BLOB NOT NULL,
	owner      TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX areas_zone_name ON areas (name_key) WHERE kind = 'zone';
CREATE INDEX areas_kind ON areas (kind, created_at);
