package postgis

import (
	"context"
	"reflect"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Stats implements incident.Store: from the rollups when StatsFromRollups
// says so, else from one scan of what f selects; either way each dimension
// is added up in the database. Stats count live incidents: a sync filter's
// deletion markers are not among them.
func (db *DB) Stats(ctx context.Context, f incident.Filter) (*incident.Stats, error) {
	var sql string
	var args []any
	if db.StatsFromRollups(f) {
		sql, args = rollupStatsSQL(f)
	} else {
		f, area, err := db.resolveAreas(ctx, db.pool, f)
		if err != nil {
			return nil, err
		}
		q := query{area: area}
		filter(&q, f)
		if f.UpdatedSince != nil {
			q.conds = append(q.conds, "i.deleted_ns IS NULL")
		}
		sql = groupedStatsSQL("(SELECT coalesce(i.region_code, '') AS region_code, coalesce(i.country, '') AS country, substr(i.event_date, 1, 7) AS month, i.event_type, " +
			"border_band(i.d_any) AS band, 1 AS incidents, i.fatalities" + q.from() + q.where() + ")")
		args = q.args
	}
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, db.fail("stats", err)
	}
	defer rows.Close()
	var dims [statsDims]stored.Buckets
	for i := range dims {
		dims[i] = stored.Buckets{}
	}
	st := &incident.Stats{Total: incident.Bucket{Key: "total"}}
	for rows.Next() {
		var dim, n, fat int
		var key string
		if err := rows.Scan(&dim, &key, &n, &fat); err != nil {
			return nil, db.fail("stats", err)
		}
		if dim == 0 {
			st.Total.Incidents += n
			st.Total.Fatalities += fat
		}
		dims[dim].Add(key, n, fat)
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("stats", err)
	}
	st.ByRegion, st.ByCountry, st.ByMonth, st.ByType, st.ByBorderKM = dims[0].Sorted(), dims[1].Sorted(), dims[2].Sorted(), dims[3].Sorted(), dims[4].Bands()
	return st, nil
}

var (
	_ incident.CheapStats      = (*DB)(nil)
	_ incident.CheapAggregator = (*DB)(nil)
)

// StatsFromRollups implements incident.CheapStats: stats_daily and
// stats_monthly (migration 0006) answer a filter on dates, regions,
// countries and event types alone (rollupOK; at 100,000 a grouped scan of
// every incident took 66 ms, and it grows with them).
func (db *DB) StatsFromRollups(f incident.Filter) bool {
	return rollupOK(f)
}

// AggregateFromCounts implements incident.CheapAggregator: cell_counts
// (migration 0006) answers an aggregate of every live incident, with no
// filter, at level 13 or coarser. It keeps no event types, so any filter
// reads the incidents.
func (db *DB) AggregateFromCounts(f incident.Filter, level int) bool {
	return level <= stored.CountBucketLevel && reflect.ValueOf(rest(f)).IsZero()
}

// Aggregate implements incident.Aggregator. A cell key (geo.CellKey) is a
// leaf cell id shifted right by one: 3 face bits, then 2 bits per level, so
// the level-L cell holding a key is its top 3+2L bits (key >> (60-2L)).
// With no filter at level 13 or coarser the level-13 counts are added up
// (one row per cell_counts row, not per incident), fatalities unknown and
// positions the count-weighted centres of the level-13 cells; otherwise
// positions are the means of the cells' incidents.
func (db *DB) Aggregate(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	if err := stored.CheckAggregate(f, level); err != nil {
		return nil, err
	}
	f.Limit, f.Cursor, f.JSONOnly = 0, nil, false
	if db.AggregateFromCounts(f, level) {
		return db.aggregateCounts(ctx, level)
	}
	f, area, err := db.resolveAreas(ctx, db.pool, f)
	if err != nil {
		return nil, err
	}
	q := query{area: area}
	filter(&q, f)
	rows, err := db.pool.Query(ctx, stored.GroupCellsSQL(level, "i.", q.from(), q.where()), q.args...)
	if err != nil {
		return nil, db.fail("aggregate", err)
	}
	defer rows.Close()
	out, err := stored.ScanCells(rows, level)
	if err != nil {
		return nil, db.fail("aggregate", err)
	}
	stored.RoundPositions(out)
	return out, nil
}

// aggregateCounts adds up cell_counts (live incidents per level-13 cell)
// into level-L cells. Rows whose count fell to 0 stay in the table: they
// are skipped.
func (db *DB) aggregateCounts(ctx context.Context, level int) ([]incident.CellCount, error) {
	rows, err := db.pool.Query(ctx, "SELECT k, n FROM cell_counts WHERE n > 0 ORDER BY k")
	if err != nil {
		return nil, db.fail("aggregate", err)
	}
	defer rows.Close()
	cells := stored.NewCountedCells(level)
	for rows.Next() {
		var k13 int64
		var n int
		if err := rows.Scan(&k13, &n); err != nil {
			return nil, db.fail("aggregate", err)
		}
		cells.Add(k13, n, nil)
	}
	return cells.Cells(), db.fail("aggregate", rows.Err())
}

// Coverage says which countries the live incidents are in (and how many
// are in one) and the box around them.
func (db *DB) Coverage(ctx context.Context) (*incident.Coverage, error) {
	cov := &incident.Coverage{Countries: []string{}}
	rows, err := db.pool.Query(ctx, "SELECT country, count(*) FROM incidents WHERE deleted_ns IS NULL AND country IS NOT NULL GROUP BY country ORDER BY country")
	if err != nil {
		return nil, db.fail("coverage", err)
	}
	defer rows.Close()
	for rows.Next() {
		var iso string
		var n int
		if err := rows.Scan(&iso, &n); err != nil {
			return nil, db.fail("coverage", err)
		}
		cov.Countries = append(cov.Countries, iso)
		cov.Incidents += n
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail("coverage", err)
	}
	ext, err := db.Extent(ctx)
	if err != nil || ext == nil {
		return cov, err
	}
	cov.BBox = &[4]float64{ext.BBox.Min[0], ext.BBox.Min[1], ext.BBox.Max[0], ext.BBox.Max[1]}
	return cov, nil
}
