-- The spatial index becomes a B-tree on s2 cell keys (geo.CellKey), with
-- lon and lat beside them so counts read the index alone: a circle or a box
-- is a hundred or so key ranges, most wholly inside (no distance to compute),
-- the rest tested on lon/lat from the index. It replaces the R*Tree, which
-- made near queries read every candidate row and every insert slow.
-- The keys are filled in by Go after this file runs (fillCellKeys), which
-- then builds the index.
ALTER TABLE incidents ADD COLUMN cell INTEGER;
DROP TABLE incidents_rtree;

-- The rollup only changes when a column it groups or sums by changes.
DROP TRIGGER stats_update_old;
DROP TRIGGER stats_update_new;
CREATE TRIGGER stats_update_old AFTER UPDATE OF event_date, region_code, event_type, d_any, fatalities, deleted_at ON incidents WHEN old.deleted_at IS NULL BEGIN
	UPDATE stats_daily SET incidents = incidents - 1, fatalities = fatalities - old.fatalities
	WHERE event_date = old.event_date AND region_code = coalesce(old.region_code, '') AND event_type = old.event_type
		AND band = CASE WHEN old.d_any < 10 THEN '0-10' WHEN old.d_any < 25 THEN '10-25' WHEN old.d_any < 50 THEN '25-50' ELSE '50+' END;
END;
CREATE TRIGGER stats_update_new AFTER UPDATE OF event_date, region_code, event_type, d_any, fatalities, deleted_at ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO stats_daily VALUES (new.event_date, coalesce(new.region_code, ''), new.event_type,
		CASE WHEN new.d_any < 10 THEN '0-10' WHEN new.d_any < 25 THEN '10-25' WHEN new.d_any < 50 THEN '25-50' ELSE '50+' END,
		1, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + 1, fatalities = fatalities + excluded.fatalities;
END;
