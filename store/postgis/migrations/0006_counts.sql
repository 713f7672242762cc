-- Counts kept in the writing transaction, so the commonest reads add up a
-- few thousand rows instead of reading one index entry per incident (the
-- SQLite store's migrations 0005, 0008 and 0011 keep the same):
--   stats_daily, stats_monthly: live incidents and their fatalities by day
--     (month), region, country, event type and border band, for stats
--     filtered by dates, regions, countries and event types (at 100,000:
--     a grouped scan read them all, 66 ms);
--   cell_counts: live incidents per s2 level-13 cell (about 1 km across;
--     the key is cell >> 34), for the count of a circle or a box (at
--     100,000, 8,300 rows fetched through GiST within 25 km of Niamey);
--   border_counts: live incidents per border key and whole kilometre, for
--     the count within N km of a border (21,641 index entries within 50 km
--     of Mali's).
-- Statement triggers add each statement's changes as deltas (an UPSERT of
-- incidents + excluded.incidents, never a read then a write), so counts
-- stay right whoever writes; a bulk load turns them off and rebuilds the
-- tables at its end with rebuild_counts(). Rows whose counts fall to 0 stay
-- (with 0): readers skip them. Tests compare every table with a recount
-- after each kind of write.

CREATE TABLE stats_daily (
	event_date text COLLATE "C" NOT NULL,
	region_code text COLLATE "C" NOT NULL, -- '' for none
	country text COLLATE "C" NOT NULL, -- '' for none
	event_type text COLLATE "C" NOT NULL,
	band text COLLATE "C" NOT NULL,
	incidents bigint NOT NULL,
	fatalities bigint NOT NULL,
	PRIMARY KEY (event_date, region_code, country, event_type, band)
);

CREATE TABLE stats_monthly (
	month text COLLATE "C" NOT NULL, -- YYYY-MM
	region_code text COLLATE "C" NOT NULL,
	country text COLLATE "C" NOT NULL,
	event_type text COLLATE "C" NOT NULL,
	band text COLLATE "C" NOT NULL,
	incidents bigint NOT NULL,
	fatalities bigint NOT NULL,
	PRIMARY KEY (month, region_code, country, event_type, band)
);

CREATE TABLE cell_counts (
	k bigint PRIMARY KEY, -- incidents.cell >> 34
	n bigint NOT NULL
);

CREATE TABLE border_counts (
	key text COLLATE "C" NOT NULL, -- incident_borders.key
	km integer NOT NULL, -- floor(incident_borders.km)
	n bigint NOT NULL,
	PRIMARY KEY (key, km)
);

-- A circle's incidents are read through their cell ranges (its edge cells
-- counted from this index alone), or tested row by row: the GiST index on
-- geography that ST_DWithin used goes (building it was 5% of a bulk load).
CREATE INDEX incidents_cell ON incidents (cell) INCLUDE (lon, lat) WHERE deleted_ns IS NULL;
DROP INDEX incidents_geog;

-- A page of a border filter walks the date index and probes each
-- incident's border row; both from the index alone now (483 probes for a
-- page of 100 within 50 km of Mali's border at 100,000: 5.4 → 3.4 ms).
DROP INDEX incidents_date;
CREATE INDEX incidents_date ON incidents (event_date DESC, id DESC) INCLUDE (seq, deleted_ns) WHERE deleted_ns IS NULL;
DROP INDEX incident_borders_seq;
CREATE UNIQUE INDEX incident_borders_seq ON incident_borders (seq, key) INCLUDE (km);

-- The border band of incident.BorderBands (the Go side's bandSQL for a
-- scan; a test compares the two).
CREATE FUNCTION border_band(d double precision) RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE sql
AS $$ SELECT CASE WHEN d < 10 THEN '0-10' WHEN d < 25 THEN '10-25' WHEN d < 50 THEN '25-50' ELSE '50+' END $$;

-- Adds the live rows of a statement's transition tables (new_rows with +1,
-- old_rows with -1) to the stats and cell counts. Keys are grouped, so an
-- UPSERT touches each row once, and sorted, so two writers would lock them
-- in the same order.
CREATE FUNCTION incidents_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	cols constant text := 'event_date, coalesce(region_code, '''') AS r, coalesce(country, '''') AS c, event_type, border_band(d_any) AS b, cell, fatalities';
	src text;
BEGIN
	src := CASE TG_OP
		WHEN 'INSERT' THEN format('SELECT %s, 1 AS s FROM new_rows WHERE deleted_ns IS NULL', cols)
		WHEN 'DELETE' THEN format('SELECT %s, -1 AS s FROM old_rows WHERE deleted_ns IS NULL', cols)
		ELSE format('SELECT %s, 1 AS s FROM new_rows WHERE deleted_ns IS NULL UNION ALL SELECT %s, -1 FROM old_rows WHERE deleted_ns IS NULL', cols, cols)
	END;
	EXECUTE format($q$
		WITH d AS MATERIALIZED (%s),
		daily AS (
			INSERT INTO stats_daily AS t
			SELECT event_date, r, c, event_type, b, sum(s), sum(s * fatalities) FROM d
			GROUP BY 1, 2, 3, 4, 5 HAVING sum(s) <> 0 OR sum(s * fatalities) <> 0 ORDER BY 1, 2, 3, 4, 5
			ON CONFLICT (event_date, region_code, country, event_type, band)
			DO UPDATE SET incidents = t.incidents + excluded.incidents, fatalities = t.fatalities + excluded.fatalities),
		monthly AS (
			INSERT INTO stats_monthly AS t
			SELECT substr(event_date, 1, 7), r, c, event_type, b, sum(s), sum(s * fatalities) FROM d
			GROUP BY 1, 2, 3, 4, 5 HAVING sum(s) <> 0 OR sum(s * fatalities) <> 0 ORDER BY 1, 2, 3, 4, 5
			ON CONFLICT (month, region_code, country, event_type, band)
			DO UPDATE SET incidents = t.incidents + excluded.incidents, fatalities = t.fatalities + excluded.fatalities)
		INSERT INTO cell_counts AS t
		SELECT cell >> 34, sum(s) FROM d GROUP BY 1 HAVING sum(s) <> 0 ORDER BY 1
		ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n
	$q$, src);
	RETURN NULL;
END
$fn$;

-- The same for border rows: live ones per key and whole kilometre.
CREATE FUNCTION incident_borders_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	src text;
BEGIN
	src := CASE TG_OP
		WHEN 'INSERT' THEN 'SELECT key, km, 1 AS s FROM new_rows WHERE live'
		WHEN 'DELETE' THEN 'SELECT key, km, -1 AS s FROM old_rows WHERE live'
		ELSE 'SELECT key, km, 1 AS s FROM new_rows WHERE live UNION ALL SELECT key, km, -1 FROM old_rows WHERE live'
	END;
	EXECUTE format($q$
		INSERT INTO border_counts AS t
		SELECT key, floor(km)::integer, sum(s) FROM (%s) d GROUP BY 1, 2 HAVING sum(s) <> 0 ORDER BY 1, 2
		ON CONFLICT (key, km) DO UPDATE SET n = t.n + excluded.n
	$q$, src);
	RETURN NULL;
END
$fn$;

-- A trigger with transition tables fires on one kind of event.
CREATE TRIGGER incidents_counts_insert AFTER INSERT ON incidents REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incidents_counts();
CREATE TRIGGER incidents_counts_update AFTER UPDATE ON incidents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incidents_counts();
CREATE TRIGGER incidents_counts_delete AFTER DELETE ON incidents REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incidents_counts();
CREATE TRIGGER incident_borders_counts_insert AFTER INSERT ON incident_borders REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incident_borders_counts();
CREATE TRIGGER incident_borders_counts_update AFTER UPDATE ON incident_borders REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incident_borders_counts();
CREATE TRIGGER incident_borders_counts_delete AFTER DELETE ON incident_borders REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION incident_borders_counts();

-- Counts everything again, in one grouped INSERT … SELECT a table: a bulk
-- load's last step (its triggers off), and this migration's first fill.
CREATE FUNCTION rebuild_counts() RETURNS void LANGUAGE sql AS $$
	DELETE FROM stats_daily;
	DELETE FROM stats_monthly;
	DELETE FROM cell_counts;
	DELETE FROM border_counts;
	INSERT INTO stats_daily
	SELECT event_date, coalesce(region_code, ''), coalesce(country, ''), event_type, border_band(d_any), count(*), sum(fatalities)
	FROM incidents WHERE deleted_ns IS NULL GROUP BY 1, 2, 3, 4, 5;
	INSERT INTO stats_monthly
	SELECT substr(event_date, 1, 7), region_code, country, event_type, band, sum(incidents), sum(fatalities)
	FROM stats_daily GROUP BY 1, 2, 3, 4, 5;
	INSERT INTO cell_counts SELECT cell >> 34, count(*) FROM incidents WHERE deleted_ns IS NULL GROUP BY 1;
	INSERT INTO border_counts SELECT key, floor(km)::integer, count(*) FROM incident_borders WHERE live GROUP BY 1, 2;
$$;

SELECT rebuild_counts();
