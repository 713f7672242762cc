-- The OGC incidents collection states its extent, the box and the dates of
-- the live incidents, and clients ask for it on every connection (QGIS, GDAL).
-- With these, min and max of lon and lat are one index probe each instead of
-- a read of every row's index entry (an index-only scan of a million
-- incidents); the dates come from incidents_stats the same way.
CREATE INDEX incidents_lon ON incidents (lon) WHERE deleted_at IS NULL;
CREATE INDEX incidents_lat ON incidents (lat) WHERE deleted_at IS NULL;
