-- Incidents: the Feature as served (doc) plus the columns queries filter on.
CREATE TABLE incidents (
	seq            INTEGER PRIMARY KEY,  -- rowid, shared with the R*Tree
	id             TEXT NOT NULL UNIQUE,
	event_date     TEXT NOT NULL,
	event_type     TEXT NOT NULL,
	sub_event_type TEXT NOT NULL,
	region_code    TEXT,
	lon            REAL NOT NULL,
	lat            REAL NOT NULL,
	fatalities     INTEGER NOT NULL,
	d_mli REAL, d_bfa REAL, d_ben REAL, d_nga REAL, d_tcd REAL, d_lby REAL, d_dza REAL,
	d_any          REAL,                 -- to the nearest border
	search         TEXT NOT NULL,        -- folded text of location, actors, notes, admin names
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	doc            BLOB NOT NULL
);
CREATE INDEX incidents_date ON incidents (event_date DESC, id DESC);
CREATE INDEX incidents_region ON incidents (region_code, event_date);
CREATE INDEX incidents_type ON incidents (event_type, event_date);
CREATE INDEX incidents_d_mli ON incidents (d_mli);
CREATE INDEX incidents_d_bfa ON incidents (d_bfa);
CREATE INDEX incidents_d_ben ON incidents (d_ben);
CREATE INDEX incidents_d_nga ON incidents (d_nga);
CREATE INDEX incidents_d_tcd ON incidents (d_tcd);
CREATE INDEX incidents_d_lby ON incidents (d_lby);
CREATE INDEX incidents_d_dza ON incidents (d_dza);
CREATE INDEX incidents_d_any ON incidents (d_any);
CREATE INDEX incidents_updated ON incidents (updated_at);

CREATE VIRTUAL TABLE incidents_rtree USING rtree(seq, min_lon, max_lon, min_lat, max_lat);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
	hash       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
