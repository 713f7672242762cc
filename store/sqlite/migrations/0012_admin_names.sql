-- The admin1 and admin2 an incident's source reported, as geo.NameKey folds
-- them (so admin1=Tillabery finds "Tillabéri"), and its derived flags (bit
-- 1: the point lies outside the reported admin1). Filled for stored
-- incidents from their documents by fillAdminNames.
ALTER TABLE incidents ADD COLUMN admin1_key TEXT;
ALTER TABLE incidents ADD COLUMN admin2_key TEXT;
ALTER TABLE incidents ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
