-- Incidents now carry the named place nearest them ("12 km NE of
-- Makalondi", from the gazetteer of Africa's villages): every stored
-- incident is derived again, as after 0015 (store/sqlite/rederive.go), in
-- batches that resume if stopped, without revisions.
INSERT INTO meta (key, value) VALUES ('rederive_after', '0') ON CONFLICT (key) DO NOTHING;
