-- Watches (saved filters), their notices (an outbox filled from the change
-- log, the revisions, with the position read up to kept in meta in the
-- same transaction).
CREATE TABLE watches (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	owner        TEXT NOT NULL,
	query        TEXT NOT NULL,
	within       BLOB,
	webhook      TEXT NOT NULL DEFAULT '',
	secret       TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	from_seq     INTEGER NOT NULL,
	-- Delivery: consecutive failures, when to try next, the last success.
	failures     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	next_at      TEXT NOT NULL DEFAULT '',
	last_success TEXT
);

CREATE TABLE notices (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	watch_id    TEXT NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	incident_id TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          TEXT NOT NULL,
	body        BLOB NOT NULL,
	-- pending (to post), delivered, dead (given up after 24 h), kept (no webhook)
	state       TEXT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	first_try   TEXT NOT NULL DEFAULT '', -- of this round: 24 h from it, it is given up on
	last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_watch ON notices (watch_id, id);
CREATE INDEX notices_pending ON notices (watch_id, id) WHERE state = 'pending';

-- Changes before this schema are not notices.
INSERT INTO meta (key, value) SELECT 'notice_seq', coalesce(max(seq), 0) FROM revisions;
