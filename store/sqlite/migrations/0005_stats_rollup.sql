-- Daily counts by region, event type and border band, kept by triggers in the
-- writing transaction, so stats filtered by dates, regions and event types
-- read thousands of rows instead of every incident. The bands must match
-- incident.BorderBands (a test compares this table with a full scan).
CREATE TABLE stats_daily (
	event_date  TEXT NOT NULL,
	region_code TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	band        TEXT NOT NULL,
	incidents   INTEGER NOT NULL,
	fatalities  INTEGER NOT NULL,
	PRIMARY KEY (event_date, region_code, event_type, band)
) WITHOUT ROWID;

INSERT INTO stats_daily
SELECT event_date, coalesce(region_code, ''), event_type,
	CASE WHEN d_any < 10 THEN '0-10' WHEN d_any < 25 THEN '10-25' WHEN d_any < 50 THEN '25-50' ELSE '50+' END,
	count(*), sum(fatalities)
FROM incidents WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4;

CREATE TRIGGER stats_insert AFTER INSERT ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO stats_daily VALUES (new.event_date, coalesce(new.region_code, ''), new.event_type,
		CASE WHEN new.d_any < 10 THEN '0-10' WHEN new.d_any < 25 THEN '10-25' WHEN new.d_any < 50 THEN '25-50' ELSE '50+' END,
		1, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + 1, fatalities = fatalities + excluded.fatalities;
END;

CREATE TRIGGER stats_update_old AFTER UPDATE ON incidents WHEN old.deleted_at IS NULL BEGIN
	UPDATE stats_daily SET incidents = incidents - 1, fatalities = fatalities - old.fatalities
	WHERE event_date = old.event_date AND region_code = coalesce(old.region_code, '') AND event_type = old.event_type
		AND band = CASE WHEN old.d_any < 10 THEN '0-10' WHEN old.d_any < 25 THEN '10-25' WHEN old.d_any < 50 THEN '25-50' ELSE '50+' END;
END;

CREATE TRIGGER stats_update_new AFTER UPDATE ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO stats_daily VALUES (new.event_date, coalesce(new.region_code, ''), new.event_type,
		CASE WHEN new.d_any < 10 THEN '0-10' WHEN new.d_any < 25 THEN '10-25' WHEN new.d_any < 50 THEN '25-50' ELSE '50+' END,
		1, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + 1, fatalities = fatalities + excluded.fatalities;
END;
