-- Reports and the draft incidents extracted from them, apart from incidents:
-- no listing, map, stats rollup, tile, export or OGC query reads these
-- tables, so a draft cannot leak into any of them (a status column on
-- incidents would need a condition in every one of those paths and in the
-- rollup triggers). Revisions get a note: which draft and report an
-- accepted incident came from, what a merge joined.
CREATE TABLE reports (
	id         TEXT PRIMARY KEY,
	text       TEXT NOT NULL,
	lang       TEXT NOT NULL,
	published  TEXT NOT NULL,
	source     TEXT NOT NULL,
	source_url TEXT NOT NULL,
	context    BLOB NOT NULL, -- JSON: the sentences read as background
	created_at TEXT NOT NULL
);

CREATE TABLE drafts (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	report_id   TEXT NOT NULL REFERENCES reports (id),
	status      TEXT NOT NULL CHECK (status IN ('draft', 'accepted', 'rejected')),
	doc         BLOB NOT NULL, -- JSON: the incident Feature, evidence, possible duplicates
	incident_id TEXT,
	reviewer    TEXT,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX drafts_status ON drafts (status, seq);
CREATE INDEX drafts_report ON drafts (report_id);

ALTER TABLE revisions ADD COLUMN note TEXT;
