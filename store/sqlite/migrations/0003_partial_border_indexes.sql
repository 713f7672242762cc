-- Border distances are asked about near borders: index each only within
-- 200 km, which keeps most incidents out of most of the eight indexes and
-- makes bulk loads several times faster. Queries beyond 200 km scan.
DROP INDEX incidents_d_mli;
DROP INDEX incidents_d_bfa;
DROP INDEX incidents_d_ben;
DROP INDEX incidents_d_nga;
DROP INDEX incidents_d_tcd;
DROP INDEX incidents_d_lby;
DROP INDEX incidents_d_dza;
DROP INDEX incidents_d_any;
CREATE INDEX incidents_d_mli ON incidents (d_mli) WHERE d_mli <= 200;
CREATE INDEX incidents_d_bfa ON incidents (d_bfa) WHERE d_bfa <= 200;
CREATE INDEX incidents_d_ben ON incidents (d_ben) WHERE d_ben <= 200;
CREATE INDEX incidents_d_nga ON incidents (d_nga) WHERE d_nga <= 200;
CREATE INDEX incidents_d_tcd ON incidents (d_tcd) WHERE d_tcd <= 200;
CREATE INDEX incidents_d_lby ON incidents (d_lby) WHERE d_lby <= 200;
CREATE INDEX incidents_d_dza ON incidents (d_dza) WHERE d_dza <= 200;
CREATE INDEX incidents_d_any ON incidents (d_any) WHERE d_any <= 200;
