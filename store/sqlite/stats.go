// Counts and stats: Count, and Stats answered from the daily and monthly
// rollups (migrations 0005, 0011) when the filter allows, else from one
// grouped scan of the covering stats index. Kept apart from the listing
// reads (read.go): they add up rows and never decode a document.

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Count implements incident.Store.
func (db *DB) Count(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM incidents WHERE deleted_at IS NULL").Scan(&n)
	return n, err
}

// Stats implements incident.Store: from the rollups when StatsFromRollups
// says so, else from one grouped scan (of the covering stats index, under a
// date filter); either yields every dimension, and Go adds them up.
func (db *DB) Stats(ctx context.Context, f incident.Filter) (*incident.Stats, error) {
	if db.StatsFromRollups(f) {
		return db.stats(ctx, rollupQuery(f))
	}
	c := db.clause(ctx, f)
	if f.UpdatedSince != nil {
		// A sync filter lists deletions too, as markers (Filter.Match);
		// stats count incidents, and a deleted one is none. The filter's
		// own condition (updated_at > ?) makes the WHERE clause.
		c.where += " AND deleted_at IS NULL"
	}
	return db.stats(ctx, scanQuery(f, c))
}

var _ incident.CheapStats = (*DB)(nil)

// StatsFromRollups implements incident.CheapStats: the rollups answer a
// filter on dates, regions and event types alone (rollupOK) from thousands
// of rows, whatever the number of incidents it selects (migrations 0005,
// 0011).
func (db *DB) StatsFromRollups(f incident.Filter) bool {
	return rollupOK(f)
}

// liveByIndex selects live incidents without reading their rows.
const liveByIndex = "seq NOT IN (SELECT seq FROM incidents WHERE deleted_at IS NOT NULL)"

// datesOnly: a filter on dates alone (or none), which the date index answers.
func datesOnly(f incident.Filter) bool {
	return rollupOK(f) && f.Regions == nil && f.EventTypes == nil
}

// rollupOK: the daily rollup (migration 0005) can answer filters on dates,
// regions and event types alone.
func rollupOK(f incident.Filter) bool {
	g := f
	g.Start, g.End, g.Regions, g.EventTypes, g.Limit, g.Cursor, g.JSONOnly = "", "", nil, nil, 0, nil, false
	return g.BBox == nil && g.SubEventTypes == nil && g.Border == "" && g.Near == nil && g.MinFatalities == 0 && g.Q == "" && g.UpdatedSince == nil &&
		g.Admin1 == nil && g.Admin2 == nil && g.Flags == nil && g.Countries == nil && g.Zones == nil && g.Site == nil
}

type statsQuery struct {
	sql  string
	args []any
}

func rollupQuery(f incident.Filter) statsQuery {
	from, args := rollupFrom(f)
	return statsQuery{"SELECT nullif(region_code, ''), month, event_type, band, sum(incidents), sum(fatalities) FROM " + from + " GROUP BY 1, 2, 3, 4 HAVING sum(incidents) > 0", args}
}

// rollupCount counts what the rollups say f selects.
func rollupCount(f incident.Filter) (string, []any) {
	from, args := rollupFrom(f)
	return "SELECT coalesce(sum(incidents), 0) FROM " + from, args
}

// rollupFrom is the rollup rows (month, region_code, event_type, band,
// incidents, fatalities) for f: whole months of its dates from the monthly
// rollup (migration 0011), the days of a month it starts or ends in part-way
// from the daily one (0005).
func rollupFrom(f incident.Filter) (string, []any) {
	var parts []string
	var args []any
	part := func(table, month, dateCol, lo, hi string) {
		var conds []string
		if lo != "" {
			conds, args = append(conds, dateCol+" >= ?"), append(args, lo)
		}
		if hi != "" {
			conds, args = append(conds, dateCol+" <= ?"), append(args, hi)
		}
		for _, in := range []struct {
			col  string
			vals []string
		}{{"region_code", f.Regions}, {"event_type", f.EventTypes}} {
			if len(in.vals) > 0 {
				conds = append(conds, in.col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(in.vals)), ",")+")")
				for _, v := range in.vals {
					args = append(args, v)
				}
			}
		}
		q := "SELECT " + month + " AS month, region_code, event_type, band, incidents, fatalities FROM " + table
		if len(conds) > 0 {
			q += " WHERE " + strings.Join(conds, " AND ")
		}
		parts = append(parts, q)
	}
	stored.RollupParts(f.Start, f.End, part)
	return "(" + strings.Join(parts, " UNION ALL ") + ")", args
}

// bandSQL is the border band (incident.BorderBands) of an incident's d_any
// as the daily rollup's triggers (migration 0005) file it: the last band
// takes the rest.
func bandSQL() string {
	var b strings.Builder
	b.WriteString("CASE")
	bands := incident.BorderBands
	for _, band := range bands[:len(bands)-1] {
		fmt.Fprintf(&b, " WHEN d_any < %g THEN '%s'", band.Max, band.Key)
	}
	fmt.Fprintf(&b, " ELSE '%s' END", bands[len(bands)-1].Key)
	return b.String()
}

func scanQuery(f incident.Filter, c clause) statsQuery {
	return statsQuery{"SELECT region_code, substr(event_date, 1, 7), event_type, " + bandSQL() + ", count(*), coalesce(sum(fatalities), 0)" + c.from + c.where + " GROUP BY 1, 2, 3, 4", c.args}
}

func (db *DB) stats(ctx context.Context, sq statsQuery) (*incident.Stats, error) {
	q, args := sq.sql, sq.args
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: stats: %w", err)
	}
	defer rows.Close()
	dims := [4]stored.Buckets{{}, {}, {}, {}}
	st := &incident.Stats{Total: incident.Bucket{Key: "total"}}
	for rows.Next() {
		var keys [4]sql.NullString
		var n, fat int
		if err := rows.Scan(&keys[0], &keys[1], &keys[2], &keys[3], &n, &fat); err != nil {
			return nil, err
		}
		st.Total.Incidents += n
		st.Total.Fatalities += fat
		for i, k := range keys {
			dims[i].Add(k.String, n, fat)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	st.ByRegion, st.ByMonth, st.ByType, st.ByBorderKM = dims[0].Sorted(), dims[1].Sorted(), dims[2].Sorted(), dims[3].Bands()
	if st.ByCountry, err = db.byCountry(ctx, st.ByRegion); err != nil {
		return nil, err
	}
	return st, nil
}
