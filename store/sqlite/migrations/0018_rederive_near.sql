-- Incidents now carry the named place nearest them ("12 km NE of
-- Makalondi", from the gazetteer of Africa's villages): every stored
-- incident is derived again, as after 0015 (store/sqlite/rederive.go), in
-- batches that resume if stopped, without revisions. Only when there are
-- incidents: on a new database the mark would make every incident written
-- later wait to be derived again (a million generated ones held `serve`
-- for 15 minutes before it listened).
INSERT INTO meta (key, value) SELECT 'rederive_after', '0' WHERE EXISTS (SELECT 1 FROM incidents)
  ON CONFLICT (key) DO NOTHING;
