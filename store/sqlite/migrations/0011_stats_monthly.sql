-- Monthly counts, kept from the daily rollup (migration 0005) by triggers on
-- it, so stats over years read thousands of rows, not hundreds of
-- thousands: at a million incidents, grouping the 147,100 daily rows since
-- 2020 by month took 280 ms (a sort in SQLite). Whole months of a date
-- filter are read here, the days at either end from stats_daily.
CREATE TABLE stats_monthly (
	month       TEXT NOT NULL, -- YYYY-MM
	region_code TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	band        TEXT NOT NULL,
	incidents   INTEGER NOT NULL,
	fatalities  INTEGER NOT NULL,
	PRIMARY KEY (month, region_code, event_type, band)
) WITHOUT ROWID;

INSERT INTO stats_monthly
SELECT substr(event_date, 1, 7), region_code, event_type, band, sum(incidents), sum(fatalities)
FROM stats_daily GROUP BY 1, 2, 3, 4;

-- stats_daily's rows change only by these two: an insert, or an update of
-- the counts (its keys never change, and no row is deleted).
CREATE TRIGGER stats_monthly_insert AFTER INSERT ON stats_daily BEGIN
	INSERT INTO stats_monthly VALUES (substr(new.event_date, 1, 7), new.region_code, new.event_type, new.band, new.incidents, new.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + excluded.incidents, fatalities = fatalities + excluded.fatalities;
END;

CREATE TRIGGER stats_monthly_update AFTER UPDATE ON stats_daily BEGIN
	INSERT INTO stats_monthly VALUES (substr(new.event_date, 1, 7), new.region_code, new.event_type, new.band, new.incidents - old.incidents, new.fatalities - old.fatalities)
	ON CONFLICT DO UPDATE SET incidents = incidents + excluded.incidents, fatalities = fatalities + excluded.fatalities;
END;
