-- A watch may be delivered by e-mail instead of a webhook (when the server
-- has SMTP): its notices are then pending until mailed, as a webhook's are
-- until posted.
ALTER TABLE watches ADD COLUMN email TEXT NOT NULL DEFAULT '';
