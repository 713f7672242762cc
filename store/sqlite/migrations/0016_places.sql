-- Places users add to the gazetteer: imported from files, posted to
-- /api/v1/places, or learned from incidents stored at geo_precision 1
-- (source 'learned', incident_id the incident that taught it). The
-- embedded gazetteer is not here; this table is what a user adds to it.
CREATE TABLE places (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	variants    TEXT NOT NULL DEFAULT '[]', -- JSON array of spellings
	kind        TEXT NOT NULL,
	lon         REAL NOT NULL,
	lat         REAL NOT NULL,
	source      TEXT NOT NULL,
	incident_id TEXT,
	created_at  TEXT NOT NULL,
	created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX places_source ON places (source);
