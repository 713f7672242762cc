-- Watches (saved filters), their notices (an outbox filled from the change
-- log, the revisions) and the position the notices were made up to, as the
-- SQLite store keeps them, for several servers at once:
--
-- notice_cursor is one row that every server's notifier locks (FOR UPDATE)
-- while it stores notices: the first to store a batch moves the cursor, the
-- others find it passed and store nothing, so a change becomes its notices
-- once. watches_version moves with every change to a watch (in the same
-- row, under the same lock), so notices are never stored from watches
-- another server changed meanwhile.
--
-- A watch's deliveries are claimed until claimed_until (DueWebhooks), so no
-- two servers post its notices at once; next_at is when to try again after
-- a failure. Times are timestamptz (microseconds: what the notifier's
-- clock compares); created_ns is the watch's creation time kept whole, for
-- its listing order.
CREATE TABLE watches (
	id text PRIMARY KEY,
	name text NOT NULL,
	owner text NOT NULL,
	query text NOT NULL,
	within text, -- GeoJSON as sent
	webhook text NOT NULL DEFAULT '',
	email text NOT NULL DEFAULT '',
	secret text NOT NULL DEFAULT '',
	created_ns bigint NOT NULL,
	from_seq bigint NOT NULL,
	failures integer NOT NULL DEFAULT 0,
	last_error text NOT NULL DEFAULT '',
	next_at timestamptz NOT NULL DEFAULT '-infinity',
	claimed_until timestamptz,
	last_success timestamptz
);
CREATE INDEX watches_created ON watches (created_ns, id);

CREATE TABLE notices (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	watch_id text NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
	seq bigint NOT NULL,
	incident_id text NOT NULL,
	kind text NOT NULL,
	at timestamptz NOT NULL,
	body text NOT NULL,
	-- pending (to post), delivered, dead (given up after 24 h), kept (no
	-- webhook or e-mail)
	state text NOT NULL,
	attempts integer NOT NULL DEFAULT 0,
	first_try timestamptz, -- of this round: 24 h from it, it is given up on
	last_error text NOT NULL DEFAULT ''
);
CREATE INDEX notices_watch ON notices (watch_id, id);
CREATE INDEX notices_pending ON notices (watch_id, id) WHERE state = 'pending';

CREATE TABLE notice_cursor (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint NOT NULL,
	watches_version bigint NOT NULL DEFAULT 0
);
-- Changes before this schema are not notices.
INSERT INTO notice_cursor (seq) SELECT coalesce(max(seq), 0) FROM revisions;
