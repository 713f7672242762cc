-- Sub-event types had no index: sub_event_type=Armed clash read every row at
-- 1M (7 s for a count and a page). Live incidents only, so counts read the
-- index alone.
CREATE INDEX incidents_subtype ON incidents (sub_event_type, event_date) WHERE deleted_at IS NULL;
