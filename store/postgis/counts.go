// Counts and stats answered from the tables migration 0006 keeps: the
// daily and monthly rollups for stats, per-cell counts for a circle or a
// box, per-kilometre counts for a border distance. Each reads whole
// buckets and only what is left (the circle's edge, the last part of a
// kilometre, the days of a month a date filter cuts) from the incidents.

package postgis

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// cellBucketBits: cell_counts counts live incidents per level-13 s2 cell,
// whose keys (geo.CellKey) share all but their last 34 bits.
const cellBucketBits = 34

// coverBudget is how many s2 cells a circle or a box is covered with: a
// 25 km circle then leaves about 8% of its area in edge cells, whose
// points are tested one by one.
const coverBudget = 256

// rest is f without its paging (which no count depends on).
func rest(f incident.Filter) incident.Filter {
	f.Limit, f.Cursor, f.JSONOnly = 0, nil, false
	return f
}

// countSQL counts what f selects: from the counts tables when f is a
// border distance, a circle or a box alone, else through the incidents.
func countSQL(f incident.Filter, area *areaMatch) (string, []any) {
	if area == nil {
		if sql, args, ok := borderCount(f); ok {
			return sql, args
		}
		if sql, args, ok := placeCount(f); ok {
			return sql, args
		}
	}
	q := query{area: area}
	filter(&q, f)
	return "SELECT count(*)" + q.from() + q.where(), q.args
}

// borderCount counts a border filter alone: whole kilometres from
// border_counts, the last part of one from incident_borders' index.
func borderCount(f incident.Filter) (string, []any, bool) {
	g := rest(f)
	g.Border, g.BorderKM = "", 0
	if f.Border == "" || !reflect.ValueOf(g).IsZero() {
		return "", nil, false
	}
	return `SELECT (SELECT coalesce(sum(n), 0) FROM border_counts WHERE key = $1 AND km < floor($2::float8))
		+ (SELECT count(*) FROM incident_borders WHERE ` + borderKeySQL("key", "$1") + ` AND km >= floor($2::float8) AND km <= $2::float8 AND live)`,
		[]any{f.Border, f.BorderKM}, true
}

// placeCount counts a circle or a box alone: the level-13 cells wholly
// inside from cell_counts, the points of the ranges on the edge (and of
// inside ranges too small for a cell) from incidents_cell, each range an
// index scan of its own.
func placeCount(f incident.Filter) (string, []any, bool) {
	g := rest(f)
	var q query
	var ranges []geo.KeyRange
	var edge string
	switch {
	case g.Near != nil && g.BBox == nil:
		g.Near, g.RadiusKM = nil, 0
		ranges = geo.CoverCap(*f.Near, f.RadiusKM, coverBudget)
		edge = haversineSQL(q.arg(f.Near[0]), q.arg(f.Near[1])) + " <= " + q.arg(f.RadiusKM)
	case g.BBox != nil && g.Near == nil:
		g.BBox = nil
		b := f.BBox
		ranges = geo.CoverBound(*b, coverBudget)
		edge = fmt.Sprintf("i.lon BETWEEN %s AND %s AND i.lat BETWEEN %s AND %s", q.arg(b.Min[0]), q.arg(b.Max[0]), q.arg(b.Min[1]), q.arg(b.Max[1]))
	default:
		return "", nil, false
	}
	if !reflect.ValueOf(g).IsZero() {
		return "", nil, false
	}
	buckets, edges := stored.SplitBuckets(ranges, cellBucketBits)
	var blo, bhi, elo, ehi []int64
	var inside []bool
	for _, b := range buckets {
		blo, bhi = append(blo, b.Lo), append(bhi, b.Hi)
	}
	for _, r := range edges {
		elo, ehi, inside = append(elo, r.Lo), append(ehi, r.Hi), append(inside, r.Inside)
	}
	sql := fmt.Sprintf(`SELECT (SELECT coalesce(sum(c.n), 0) FROM unnest(%s::bigint[], %s::bigint[]) AS b(lo, hi)
			CROSS JOIN LATERAL (SELECT sum(n) AS n FROM cell_counts WHERE k BETWEEN b.lo AND b.hi) c)
		+ (SELECT coalesce(sum(e.n), 0) FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[]) AS r(lo, hi, inside)
			CROSS JOIN LATERAL (SELECT count(*) AS n FROM incidents i WHERE i.deleted_ns IS NULL AND i.cell BETWEEN r.lo AND r.hi AND (r.inside OR (%s))) e)`,
		q.arg(blo), q.arg(bhi), q.arg(elo), q.arg(ehi), q.arg(inside), edge)
	return sql, q.args, true
}

// rollupOK: the rollups answer stats filtered by dates, regions, countries
// and event types alone. It is asked before zone= and near_site= are
// resolved (resolveAreas tests them in Go on the incidents, so no rollup
// answers them): their fields are in f then, and a filter with them is not
// from the rollups, so the answer needs no reads.
func rollupOK(f incident.Filter) bool {
	g := rest(f)
	g.Start, g.End, g.Regions, g.Countries, g.EventTypes = "", "", nil, nil, nil
	return reflect.ValueOf(g).IsZero()
}

// statsDims are the dimensions of incident.Stats in the order statsSQL
// numbers them.
const statsDims = 5

// rollupStatsSQL is the stats of f from the rollups: whole months of its
// dates from stats_monthly, the days of a month it starts or ends in
// part-way from stats_daily, added up by each dimension on its own
// (grouping sets: a few hundred rows come back, not one per combination).
// Rows are (dimension, key, incidents, fatalities); dimension 0 is the
// region, then the country, month, event type and border band.
func rollupStatsSQL(f incident.Filter) (string, []any) {
	var q query
	var parts []string
	part := func(table, month, dateCol, lo, hi string) {
		conds := []string{"incidents > 0"}
		if lo != "" {
			conds = append(conds, dateCol+" >= "+q.arg(lo))
		}
		if hi != "" {
			conds = append(conds, dateCol+" <= "+q.arg(hi))
		}
		for _, in := range []struct {
			col  string
			vals []string
		}{{"region_code", f.Regions}, {"country", f.Countries}, {"event_type", f.EventTypes}} {
			if len(in.vals) > 0 {
				// '' stands for none here; a filter never selects those.
				conds = append(conds, in.col+" = ANY("+q.arg(in.vals)+") AND "+in.col+" <> ''")
			}
		}
		parts = append(parts, "SELECT region_code, country, "+month+" AS month, event_type, band, incidents, fatalities FROM "+table+" WHERE "+strings.Join(conds, " AND "))
	}
	stored.RollupParts(f.Start, f.End, part)
	return groupedStatsSQL("(" + strings.Join(parts, " UNION ALL ") + ")"), q.args
}

// groupedStatsSQL adds up rows (region_code, country, month, event_type,
// band, incidents, fatalities), none of them NULL, by each dimension.
func groupedStatsSQL(from string) string {
	return `SELECT CASE WHEN GROUPING(region_code) = 0 THEN 0 WHEN GROUPING(country) = 0 THEN 1
			WHEN GROUPING(month) = 0 THEN 2 WHEN GROUPING(event_type) = 0 THEN 3 ELSE 4 END,
		coalesce(region_code, country, month, event_type, band), sum(incidents)::bigint, sum(fatalities)::bigint
	FROM ` + from + ` x GROUP BY GROUPING SETS ((region_code), (country), (month), (event_type), (band)) HAVING sum(incidents) > 0`
}
