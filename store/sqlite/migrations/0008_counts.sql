-- Counts kept by triggers, so the commonest counts need not read one index
-- entry per incident: "within N km of a border" (for every border, live
-- incidents per whole kilometre up to 200 km) and "in this circle or box"
-- (live incidents per s2 level-13 cell, about 1 km across; the key is
-- cell >> 34). A count then adds up whole buckets and reads the index only
-- for the part of the last kilometre, or the cells on the region's edge.
-- A test compares this table with a recount after every kind of write.
CREATE TABLE counts (
	dim TEXT NOT NULL,    -- 'cell', or a border distance column
	k   INTEGER NOT NULL, -- cell >> 34, or whole kilometres
	n   INTEGER NOT NULL,
	PRIMARY KEY (dim, k)
) WITHOUT ROWID;

INSERT INTO counts SELECT 'cell', cell >> 34, count(*) FROM incidents WHERE deleted_at IS NULL GROUP BY 2;
INSERT INTO counts SELECT 'd_mli', CAST(d_mli AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_mli <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_bfa', CAST(d_bfa AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_bfa <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_ben', CAST(d_ben AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_ben <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_nga', CAST(d_nga AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_nga <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_tcd', CAST(d_tcd AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_tcd <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_lby', CAST(d_lby AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_lby <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_dza', CAST(d_dza AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_dza <= 200 GROUP BY 2;
INSERT INTO counts SELECT 'd_any', CAST(d_any AS INTEGER), count(*) FROM incidents WHERE deleted_at IS NULL AND d_any <= 200 GROUP BY 2;

-- One statement per trigger: a trigger's statements each cost a run of the
-- VDBE, which a bulk load feels (nine statements cost it about 30%).
CREATE TRIGGER counts_insert AFTER INSERT ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', new.cell >> 34, 1 WHERE new.cell IS NOT NULL
	UNION ALL SELECT 'd_mli', CAST(new.d_mli AS INTEGER), 1 WHERE new.d_mli <= 200
	UNION ALL SELECT 'd_bfa', CAST(new.d_bfa AS INTEGER), 1 WHERE new.d_bfa <= 200
	UNION ALL SELECT 'd_ben', CAST(new.d_ben AS INTEGER), 1 WHERE new.d_ben <= 200
	UNION ALL SELECT 'd_nga', CAST(new.d_nga AS INTEGER), 1 WHERE new.d_nga <= 200
	UNION ALL SELECT 'd_tcd', CAST(new.d_tcd AS INTEGER), 1 WHERE new.d_tcd <= 200
	UNION ALL SELECT 'd_lby', CAST(new.d_lby AS INTEGER), 1 WHERE new.d_lby <= 200
	UNION ALL SELECT 'd_dza', CAST(new.d_dza AS INTEGER), 1 WHERE new.d_dza <= 200
	UNION ALL SELECT 'd_any', CAST(new.d_any AS INTEGER), 1 WHERE new.d_any <= 200
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER counts_update_old AFTER UPDATE OF cell, d_mli, d_bfa, d_ben, d_nga, d_tcd, d_lby, d_dza, d_any, deleted_at ON incidents WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', old.cell >> 34, -1 WHERE old.cell IS NOT NULL
	UNION ALL SELECT 'd_mli', CAST(old.d_mli AS INTEGER), -1 WHERE old.d_mli <= 200
	UNION ALL SELECT 'd_bfa', CAST(old.d_bfa AS INTEGER), -1 WHERE old.d_bfa <= 200
	UNION ALL SELECT 'd_ben', CAST(old.d_ben AS INTEGER), -1 WHERE old.d_ben <= 200
	UNION ALL SELECT 'd_nga', CAST(old.d_nga AS INTEGER), -1 WHERE old.d_nga <= 200
	UNION ALL SELECT 'd_tcd', CAST(old.d_tcd AS INTEGER), -1 WHERE old.d_tcd <= 200
	UNION ALL SELECT 'd_lby', CAST(old.d_lby AS INTEGER), -1 WHERE old.d_lby <= 200
	UNION ALL SELECT 'd_dza', CAST(old.d_dza AS INTEGER), -1 WHERE old.d_dza <= 200
	UNION ALL SELECT 'd_any', CAST(old.d_any AS INTEGER), -1 WHERE old.d_any <= 200
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The same as counts_insert: a SQLite trigger fires on one kind of event.
CREATE TRIGGER counts_update_new AFTER UPDATE OF cell, d_mli, d_bfa, d_ben, d_nga, d_tcd, d_lby, d_dza, d_any, deleted_at ON incidents WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO counts
	SELECT 'cell', new.cell >> 34, 1 WHERE new.cell IS NOT NULL
	UNION ALL SELECT 'd_mli', CAST(new.d_mli AS INTEGER), 1 WHERE new.d_mli <= 200
	UNION ALL SELECT 'd_bfa', CAST(new.d_bfa AS INTEGER), 1 WHERE new.d_bfa <= 200
	UNION ALL SELECT 'd_ben', CAST(new.d_ben AS INTEGER), 1 WHERE new.d_ben <= 200
	UNION ALL SELECT 'd_nga', CAST(new.d_nga AS INTEGER), 1 WHERE new.d_nga <= 200
	UNION ALL SELECT 'd_tcd', CAST(new.d_tcd AS INTEGER), 1 WHERE new.d_tcd <= 200
	UNION ALL SELECT 'd_lby', CAST(new.d_lby AS INTEGER), 1 WHERE new.d_lby <= 200
	UNION ALL SELECT 'd_dza', CAST(new.d_dza AS INTEGER), 1 WHERE new.d_dza <= 200
	UNION ALL SELECT 'd_any', CAST(new.d_any AS INTEGER), 1 WHERE new.d_any <= 200
	ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
