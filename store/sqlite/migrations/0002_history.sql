-- Soft deletes, revision history and token expiry.
ALTER TABLE incidents ADD COLUMN deleted_at TEXT;
CREATE INDEX incidents_deleted ON incidents (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE revisions (
	seq         INTEGER PRIMARY KEY,
	incident_id TEXT NOT NULL,
	action      TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
	actor       TEXT NOT NULL,
	at          TEXT NOT NULL,
	before      BLOB,
	after       BLOB
);
CREATE INDEX revisions_incident ON revisions (incident_id, seq);

ALTER TABLE tokens ADD COLUMN expires_at TEXT;
