-- Live incidents and their fatalities per (event type, s2 level-13 cell),
-- kept by triggers in the writing transaction as the per-cell counts of
-- migration 0008 are, so the map's overview of a filter on event types
-- alone (its type boxes) adds up the rows of the ticked types: at a
-- million incidents 268,000 rows in all, where grouping the matches read
-- 1,000,000 entries of the cell index (0.8-1.8 s for five types of six).
-- Keyed by cell first, so they are added up in cell order as they are
-- read: five types of six from 196,000 rows at 1M took 64 ms in the C
-- SQLite, 98 ms keyed by type first (ranges of the types, then a sort).
-- No time buckets: at that million there are 895,000 (cell, type, month)
-- groups and 608,000 (cell, type, year), about one an incident, so they
-- would be read no faster than the cell index.
-- A test compares this table with a recount after every kind of write.
CREATE TABLE cell_type_counts (
	k          INTEGER NOT NULL, -- cell >> 34
	event_type TEXT NOT NULL,
	incidents  INTEGER NOT NULL,
	fatalities INTEGER NOT NULL,
	PRIMARY KEY (k, event_type)
) WITHOUT ROWID;

INSERT INTO cell_type_counts
SELECT cell >> 34, event_type, count(*), sum(fatalities) FROM incidents
WHERE deleted_at IS NULL AND cell IS NOT NULL GROUP BY 1, 2;

-- A bulk load drops this one with the other insert triggers and adds its
-- rows up in one statement (bulk.go).
CREATE TRIGGER cell_type_counts_insert AFTER INSERT ON incidents WHEN new.deleted_at IS NULL AND new.cell IS NOT NULL BEGIN
	INSERT INTO cell_type_counts VALUES (new.cell >> 34, new.event_type, 1, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + 1, fatalities = fatalities + excluded.fatalities;
END;

CREATE TRIGGER cell_type_counts_update_old AFTER UPDATE OF cell, event_type, fatalities, deleted_at ON incidents WHEN old.deleted_at IS NULL AND old.cell IS NOT NULL BEGIN
	UPDATE cell_type_counts SET incidents = incidents - 1, fatalities = fatalities - old.fatalities
	WHERE k = old.cell >> 34 AND event_type = old.event_type;
END;

-- The same as cell_type_counts_insert: a SQLite trigger fires on one kind
-- of event.
CREATE TRIGGER cell_type_counts_update_new AFTER UPDATE OF cell, event_type, fatalities, deleted_at ON incidents WHEN new.deleted_at IS NULL AND new.cell IS NOT NULL BEGIN
	INSERT INTO cell_type_counts VALUES (new.cell >> 34, new.event_type, 1, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + 1, fatalities = fatalities + excluded.fatalities;
END;
