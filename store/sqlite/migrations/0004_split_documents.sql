-- Keep the incidents table narrow: the stored Feature (about 1 KB) and the
-- search text move to tables of their own, so counts, filters and stats over
-- a million rows read a few hundred bytes a row, not kilobytes.
CREATE TABLE incident_docs (seq INTEGER PRIMARY KEY, doc BLOB NOT NULL);
CREATE TABLE incident_search (seq INTEGER PRIMARY KEY, search TEXT NOT NULL);
INSERT INTO incident_docs SELECT seq, doc FROM incidents;
INSERT INTO incident_search SELECT seq, search FROM incidents;
ALTER TABLE incidents DROP COLUMN doc;
ALTER TABLE incidents DROP COLUMN search;

-- The R*Tree holds live incidents only, so bbox and near queries need not
-- look at deleted_at.
DELETE FROM incidents_rtree WHERE seq IN (SELECT seq FROM incidents WHERE deleted_at IS NOT NULL);

-- Border indexes hold live incidents only: a border count reads the index
-- alone.
DROP INDEX incidents_d_mli;
DROP INDEX incidents_d_bfa;
DROP INDEX incidents_d_ben;
DROP INDEX incidents_d_nga;
DROP INDEX incidents_d_tcd;
DROP INDEX incidents_d_lby;
DROP INDEX incidents_d_dza;
DROP INDEX incidents_d_any;
CREATE INDEX incidents_d_mli ON incidents (d_mli) WHERE d_mli <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_bfa ON incidents (d_bfa) WHERE d_bfa <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_ben ON incidents (d_ben) WHERE d_ben <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_nga ON incidents (d_nga) WHERE d_nga <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_tcd ON incidents (d_tcd) WHERE d_tcd <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_lby ON incidents (d_lby) WHERE d_lby <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_dza ON incidents (d_dza) WHERE d_dza <= 200 AND deleted_at IS NULL;
CREATE INDEX incidents_d_any ON incidents (d_any) WHERE d_any <= 200 AND deleted_at IS NULL;

-- Stats under a date filter read this index alone.
CREATE INDEX incidents_stats ON incidents (event_date, region_code, event_type, fatalities, d_any) WHERE deleted_at IS NULL;
