-- Border distances in a form that scales with any number of borders: one
-- row per border within 300 km of an incident (key 'MLI-NER'), one per
-- country whose borders are within 300 km (key 'MLI': the nearest of
-- them) and one 'any' row (the nearest border, wherever it is). Every
-- border filter is one range of the primary key, key = ? AND km <= ?;
-- live says the incident is not deleted (a sync listing still finds a
-- deleted incident's borders), country is the incident's (so "the Niger
-- side of the Mali border" is counted and read without the incidents
-- table), and the seq index serves a write's deletes and a page's test of
-- one incident. It replaces the columns d_mli ...
-- d_dza, one per border of Niger. d_any stays: the nearest border's
-- distance, which the stats rollups (0005, 0011) cut their bands from.
CREATE TABLE incident_borders (
	key  TEXT NOT NULL,
	km   REAL NOT NULL,
	seq  INTEGER NOT NULL,
	live INTEGER NOT NULL DEFAULT 1,
	country TEXT,
	PRIMARY KEY (key, km, seq)
) WITHOUT ROWID;

-- Until every incident is derived again with the world's geography (Go,
-- after this file; `incidentmap rederive`), the rows come from the old
-- columns: Niger's borders, the country rows of its neighbours, and the
-- nearest.
INSERT INTO incident_borders (key, km, seq, live)
SELECT key, km, seq, live FROM (
	SELECT 'MLI-NER' AS key, d_mli AS km, seq, deleted_at IS NULL AS live FROM incidents WHERE d_mli <= 300
	UNION ALL SELECT 'BFA-NER', d_bfa, seq, deleted_at IS NULL FROM incidents WHERE d_bfa <= 300
	UNION ALL SELECT 'BEN-NER', d_ben, seq, deleted_at IS NULL FROM incidents WHERE d_ben <= 300
	UNION ALL SELECT 'NER-NGA', d_nga, seq, deleted_at IS NULL FROM incidents WHERE d_nga <= 300
	UNION ALL SELECT 'NER-TCD', d_tcd, seq, deleted_at IS NULL FROM incidents WHERE d_tcd <= 300
	UNION ALL SELECT 'LBY-NER', d_lby, seq, deleted_at IS NULL FROM incidents WHERE d_lby <= 300
	UNION ALL SELECT 'DZA-NER', d_dza, seq, deleted_at IS NULL FROM incidents WHERE d_dza <= 300
	UNION ALL SELECT 'MLI', d_mli, seq, deleted_at IS NULL FROM incidents WHERE d_mli <= 300
	UNION ALL SELECT 'BFA', d_bfa, seq, deleted_at IS NULL FROM incidents WHERE d_bfa <= 300
	UNION ALL SELECT 'BEN', d_ben, seq, deleted_at IS NULL FROM incidents WHERE d_ben <= 300
	UNION ALL SELECT 'NGA', d_nga, seq, deleted_at IS NULL FROM incidents WHERE d_nga <= 300
	UNION ALL SELECT 'TCD', d_tcd, seq, deleted_at IS NULL FROM incidents WHERE d_tcd <= 300
	UNION ALL SELECT 'LBY', d_lby, seq, deleted_at IS NULL FROM incidents WHERE d_lby <= 300
	UNION ALL SELECT 'DZA', d_dza, seq, deleted_at IS NULL FROM incidents WHERE d_dza <= 300
	UNION ALL SELECT 'NER', min(coalesce(d_mli, 1e9), coalesce(d_bfa, 1e9), coalesce(d_ben, 1e9), coalesce(d_nga, 1e9), coalesce(d_tcd, 1e9), coalesce(d_lby, 1e9), coalesce(d_dza, 1e9)), seq, deleted_at IS NULL FROM incidents
		WHERE min(coalesce(d_mli, 1e9), coalesce(d_bfa, 1e9), coalesce(d_ben, 1e9), coalesce(d_nga, 1e9), coalesce(d_tcd, 1e9), coalesce(d_lby, 1e9), coalesce(d_dza, 1e9)) <= 300
	UNION ALL SELECT 'any', d_any, seq, deleted_at IS NULL FROM incidents WHERE d_any IS NOT NULL
);
CREATE INDEX incident_borders_seq ON incident_borders (seq);

-- The country the incident is in (ISO3), for country= and stats by
-- country; filled when incidents are derived again.
ALTER TABLE incidents ADD COLUMN country TEXT;
CREATE INDEX incidents_country ON incidents (country, event_date) WHERE deleted_at IS NULL;

-- The old columns go, with their indexes, counts and triggers.
DROP TRIGGER counts_insert;
DROP TRIGGER counts_update_old;
DROP TRIGGER counts_update_new;
DROP INDEX incidents_d_mli;
DROP INDEX incidents_d_bfa;
DROP INDEX incidents_d_ben;
DROP INDEX incidents_d_nga;
DROP INDEX incidents_d_tcd;
DROP INDEX incidents_d_lby;
DROP INDEX incidents_d_dza;
DROP INDEX incidents_d_any;
ALTER TABLE incidents DROP COLUMN d_mli;
ALTER TABLE incidents DROP COLUMN d_bfa;
ALTER TABLE incidents DROP COLUMN d_ben;
ALTER TABLE incidents DROP COLUMN d_nga;
ALTER TABLE incidents DROP COLUMN d_tcd;
ALTER TABLE incidents DROP COLUMN d_lby;
ALTER TABLE incidents DROP COLUMN d_dza;
DELETE FROM counts WHERE dim != 'cell';

-- Counts per whole km of each border row ('b:MLI-NER', 'b:MLI', 'b:any'),
-- of each border row by the incident's country ('b:MLI-NER@NER': the
-- Niger side), and per country ('c:NER', k 0), kept as before: a border
-- count adds whole kilometres and reads only the last one from
-- incident_borders. (The rows made above have no country yet.)
INSERT INTO counts SELECT 'b:' || key, CAST(km AS INTEGER), count(*) FROM incident_borders WHERE live GROUP BY 1, 2;

CREATE TRIGGER incident_borders_insert AFTER INSERT ON incident_borders WHEN new.live BEGIN
	INSERT INTO counts
	SELECT 'b:' || new.key, CAST(new.km AS INTEGER), 1 WHERE 1
	UNION ALL SELECT 'b:' || new.key || '@' || new.country, CAST(new.km AS INTEGER), 1 WHERE new.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER incident_borders_delete AFTER DELETE ON incident_borders WHEN old.live BEGIN
	INSERT INTO counts
	SELECT 'b:' || old.key, CAST(old.km AS INTEGER), -1 WHERE 1
	UNION ALL SELECT 'b:' || old.key || '@' || old.country, CAST(old.km AS INTEGER), -1 WHERE old.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER incident_borders_live AFTER UPDATE OF live ON incident_borders WHEN old.live != new.live BEGIN
	INSERT INTO counts
	SELECT 'b:' || new.key, CAST(new.km AS INTEGER), CASE WHEN new.live THEN 1 ELSE -1 END WHERE 1
	UNION ALL SELECT 'b:' || new.key || '@' || new.country, CAST(new.km AS INTEGER), CASE WHEN new.live THEN 1 ELSE -1 END WHERE new.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER counts_insert AFTER INSERT ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', new.cell >> 34, 1 WHERE new.cell IS NOT NULL
	UNION ALL SELECT 'c:' || new.country, 0, 1 WHERE new.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER counts_update_old AFTER UPDATE OF cell, country, deleted_at ON incidents WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', old.cell >> 34, -1 WHERE old.cell IS NOT NULL
	UNION ALL SELECT 'c:' || old.country, 0, -1 WHERE old.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER counts_update_new AFTER UPDATE OF cell, country, deleted_at ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', new.cell >> 34, 1 WHERE new.cell IS NOT NULL
	UNION ALL SELECT 'c:' || new.country, 0, 1 WHERE new.country IS NOT NULL
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- Every stored incident is to be derived again (rederive.go): the last seq
-- done, so an interrupted run resumes.
INSERT INTO meta (key, value) SELECT 'rederive_after', '0' WHERE EXISTS (SELECT 1 FROM incidents)
	ON CONFLICT (key) DO UPDATE SET value = '0';
