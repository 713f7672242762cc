-- Two indexes a million incidents showed to be slow (BENCHMARKS.md, issue
-- 15):
--
-- A box's page (about 1,000 incidents) went through the GiST index on
-- geometry, read 959 heap pages of incidents to sort them by date, then
-- fetched each document: 4,882 buffers, 32 ms. Holding a few thousand, it
-- is read now from the box's cell ranges on incidents_cell alone, which
-- carries what the page sorts and pages by (date, id) and what finds the
-- documents (seq); deleted_ns is always NULL here but the page returns it.
DROP INDEX incidents_cell;
CREATE INDEX incidents_cell ON incidents (cell) INCLUDE (lon, lat, event_date, id, seq, deleted_ns) WHERE deleted_ns IS NULL;

-- Building (key, km) over ten million border rows was 32.7 s of an 85 s
-- load of a million: a sort on a text key of a few hundred values, each
-- comparison of equal keys a full comparison of the text (alone, serially:
-- 62 s, against 10.1 s for (km, key)). The index now sorts hashtext(key),
-- an integer, first; the key itself is carried to tell apart two keys of
-- one hash, so a border filter is still read from the index alone
-- (hashtext(key) = hashtext($1) AND key = $1 AND km <= $2).
DROP INDEX incident_borders_key;
CREATE INDEX incident_borders_key ON incident_borders (hashtext(key), km) INCLUDE (key, seq, live);

-- key decides hashtext(key): without saying so, the planner takes the two
-- conditions as independent and expects a twelfth of a border's rows (a
-- page within 50 km of Mali's border at 1,000,000 was then planned with
-- parallel workers: 43.6 ms, against 5.9 ms).
CREATE STATISTICS incident_borders_key_hash (dependencies) ON key, hashtext(key) FROM incident_borders;
ANALYZE incident_borders;
