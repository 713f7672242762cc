// Query planning: a filter becomes SQL (where, whereText) and the cheapest
// way in is chosen (clause, borderClause, otherIndexCount) from counts the
// rollups and indexes give cheaply, since SQLite keeps no statistics here
// and would guess wrong.

package sqlite

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// greatCircleSQL is the great-circle distance in km from the incident to a
// point (parameters: the point's latitude twice, then its longitude), by the
// haversine formula on the sphere geo uses. Computed inside SQLite, it
// spares a call into Go per row.
var greatCircleSQL = fmt.Sprintf("(2 * %v * asin(min(1, sqrt(pow(sin(radians(lat - ?) / 2), 2) + cos(radians(?)) * cos(radians(lat)) * pow(sin(radians(lon - ?) / 2), 2)))))", geo.EarthRadiusKM)

// clause is a filter in SQL: the tables to read (" FROM ..."), the WHERE
// clause, and the expression of the distance results carry ("" when none).
type clause struct {
	from, where string
	args        []any
	dist        string
	distArgs    []any
	// A bbox or near filter read through the cell index: its key ranges
	// and the test of points in ranges on its edge.
	ranges   []geo.KeyRange
	edgeTest string
	edgeArgs []any
}

// rangeValues is key ranges as a VALUES list: (lo, hi, inside) rows.
func rangeValues(ranges []geo.KeyRange) string {
	var v strings.Builder
	v.WriteString("(VALUES ")
	for i, r := range ranges {
		if i > 0 {
			v.WriteByte(',')
		}
		inside := 0
		if r.Inside {
			inside = 1
		}
		fmt.Fprintf(&v, "(%d,%d,%d)", r.Lo, r.Hi, inside)
	}
	v.WriteString(")")
	return v.String()
}

// countBucketBits: the counts table (migration 0008) counts live incidents
// per level-13 s2 cell, whose keys share all but their last 34 bits.
const countBucketBits = 34

// bucketCount answers the count of a filter that is a circle, a box or a
// border distance alone from the counts table (migration 0008): whole
// buckets are added up, and only what is left (the circle's edge, the last
// part of a kilometre) is read from the index.
func bucketCount(f incident.Filter, c clause) (string, []any, bool) {
	g := f
	g.Limit, g.Cursor, g.JSONOnly = 0, nil, false
	switch {
	case g.Q != "" && len(searchWords(g.Q)) > 0:
		// Text alone: the full-text index counts its matches, less the
		// few deleted incidents among them.
		g.Q = ""
		if !datesOnly(g) || g.Start != "" || g.End != "" {
			return "", nil, false
		}
		q := ftsQuery(searchWords(f.Q))
		return "SELECT (SELECT count(*) FROM incident_fts WHERE incident_fts MATCH ?) - (SELECT count(*) FROM incidents i WHERE deleted_at IS NOT NULL AND EXISTS (SELECT 1 FROM incident_fts WHERE incident_fts MATCH ? AND rowid = i.seq))",
			[]any{q, q}, true
	case g.Near != nil && g.BBox == nil:
		g.Near, g.RadiusKM = nil, 0
	case g.BBox != nil && g.Near == nil:
		g.BBox = nil
	case g.Border != "" && g.Near == nil && g.BBox == nil:
		g.Border, g.BorderKM, g.Countries = "", 0, nil
		if !datesOnly(g) || g.Start != "" || g.End != "" {
			return "", nil, false
		}
		q, args := borderCount(f)
		return q, args, true
	case len(g.Countries) > 0 && g.Near == nil && g.BBox == nil:
		g.Countries = nil
		if !datesOnly(g) || g.Start != "" || g.End != "" {
			return "", nil, false
		}
		q, args := countryCount(f.Countries)
		return q, args, true
	default:
		return "", nil, false
	}
	if !datesOnly(g) || g.Start != "" || g.End != "" || c.ranges == nil {
		return "", nil, false
	}
	buckets, rest := stored.SplitBuckets(c.ranges, countBucketBits)
	sum, count := "0", "0"
	var args []any
	if len(buckets) > 0 {
		sum = "(SELECT coalesce(sum(n), 0) FROM " + rangeValues(buckets) + " AS b CROSS JOIN counts WHERE dim = 'cell' AND k BETWEEN b.column1 AND b.column2)"
	}
	if len(rest) > 0 {
		count = "(SELECT count(*) FROM " + rangeValues(rest) + " AS k CROSS JOIN incidents WHERE deleted_at IS NULL AND cell BETWEEN k.column1 AND k.column2 AND (k.column3 OR (" + c.edgeTest + ")))"
		args = c.edgeArgs
	}
	return "SELECT " + sum + " + " + count, args, true
}

// coverBudget is how many s2 cells a circle or box is covered with.
const coverBudget = 256

// where builds the SQL of a filter. A bbox or near filter reads the cell
// index range by range, joined to a list of the ranges, unless rowwise: then
// (for plans that walk another index) it is a test on each row's lon/lat.
func where(f incident.Filter, rowwise bool) clause {
	bp := borderLeads
	if rowwise {
		bp = borderTested
	}
	return whereText(f, rowwise, textAsPlanned, bp)
}

// textPlan is how free text enters a query.
type textPlan int

const (
	textAsPlanned textPlan = iota // SQLite chooses
	textFirst                     // the matches are read, then their rows
	textLast                      // rows found otherwise are tested against the set of matches
)

// whereText is where with free text entering as tp says (always textLast
// after cell ranges) and a border filter as bp says (always tested after
// cell ranges or text read first).
func whereText(f incident.Filter, rowwise bool, tp textPlan, bp borderPlan) clause {
	var conds []string
	var args []any
	var c clause
	c.from = " FROM incidents"
	f, areaConds, areaArgs := areaFilter(f)
	switch {
	case datesOnly(f):
		// Read from the date index alone, skipping the few deleted
		// incidents through their own index (migration 0002).
		conds = append(conds, liveByIndex)
	case f.UpdatedSince == nil:
		conds = append(conds, "deleted_at IS NULL")
	default:
		// A sync listing includes deletions, as markers. The cell index
		// holds live incidents only, so places are tested row by row on
		// the (few) incidents changed since then.
		rowwise = true
	}
	var ranges []geo.KeyRange
	var edgeTest string
	var edgeArgs []any
	if f.Near != nil {
		b := geo.CircleBound(*f.Near, f.RadiusKM)
		edgeTest = "lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? AND " + greatCircleSQL + " <= ?"
		edgeArgs = []any{b.Min[0], b.Max[0], b.Min[1], b.Max[1], f.Near[1], f.Near[1], f.Near[0], f.RadiusKM}
		if !rowwise {
			ranges = geo.CoverCap(*f.Near, f.RadiusKM, coverBudget)
		}
		c.dist = greatCircleSQL
		c.distArgs = []any{f.Near[1], f.Near[1], f.Near[0]}
	} else if f.Site != nil {
		c.dist, c.distArgs = siteDist(f)
	}
	if f.BBox != nil {
		test := "lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?"
		targs := []any{f.BBox.Min[0], f.BBox.Max[0], f.BBox.Min[1], f.BBox.Max[1]}
		if f.Near != nil {
			conds, args = append(conds, test), append(args, targs...)
		} else {
			edgeTest, edgeArgs = test, targs
			if !rowwise {
				ranges = geo.CoverBound(*f.BBox, coverBudget)
			}
		}
	}
	switch {
	case edgeTest == "":
	case rowwise:
		conds, args = append(conds, edgeTest), append(args, edgeArgs...)
	case len(ranges) == 0:
		conds = append(conds, "0")
	default:
		// Each range is one seek in the index; only points in ranges on the
		// region's edge are tested.
		c.from = " FROM " + rangeValues(ranges) + " AS k CROSS JOIN incidents INDEXED BY incidents_cell"
		conds = append(conds, "cell BETWEEN k.column1 AND k.column2", "(k.column3 OR ("+edgeTest+"))")
		args = append(args, edgeArgs...)
		c.ranges, c.edgeTest, c.edgeArgs = ranges, edgeTest, edgeArgs
	}
	conds, args = append(conds, areaConds...), append(args, areaArgs...)
	if f.Start != "" {
		conds = append(conds, "event_date >= ?")
		args = append(args, f.Start)
	}
	if f.End != "" {
		conds = append(conds, "event_date <= ?")
		args = append(args, f.End)
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("event_type", f.EventTypes)
	in("sub_event_type", f.SubEventTypes)
	in("region_code", f.Regions)
	in("country", f.Countries)
	in("admin1_key", nameKeys(f.Admin1))
	in("admin2_key", nameKeys(f.Admin2))
	if len(f.Flags) > 0 {
		conds = append(conds, "flags & ? = ?")
		args = append(args, flagMask(f.Flags), flagMask(f.Flags))
	}
	if f.Border != "" {
		if c.ranges != nil || tp == textFirst && len(searchWords(f.Q)) > 0 {
			bp = borderTested
		}
		cond, cargs := borderCond(f, bp)
		conds, args = append(conds, cond), append(args, cargs...)
		if c.dist == "" {
			c.dist, c.distArgs = borderDist(f)
		}
	}
	if f.MinFatalities > 0 {
		conds = append(conds, "fatalities >= ?")
		args = append(args, f.MinFatalities)
	}
	if f.Q != "" {
		// Every word, as a prefix (migration 0007). Text with no word in it
		// matches nothing: "seq < 0" is never true, and unlike a constant
		// false it leaves SQLite a plan with the index a place forces
		// (INDEXED BY incidents_cell); with "0", q=/ and a bbox failed with
		// "no query solution".
		words := searchWords(f.Q)
		if len(words) == 0 {
			conds = append(conds, "seq < 0")
		} else {
			// Not EXISTS (… MATCH ? AND rowid = incidents.seq) per row: FTS5
			// runs the whole MATCH for each probe (a page of q=jnim at 1M
			// took 22 s that way); the set of matches is built once.
			switch {
			case c.ranges != nil || tp == textLast:
				// Read the cell ranges (or the index clause chose) and test
				// each row against the set: after cell ranges, SQLite would
				// otherwise look up every match once per range.
				conds = append(conds, "+seq IN (SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?)")
				args = append(args, ftsQuery(words))
			case tp == textFirst:
				// Left to choose, SQLite may prefer an equality on another
				// index (region_code = ?) to a few matches.
				c.from = " FROM (SELECT rowid AS match FROM incident_fts WHERE incident_fts MATCH ?) AS t CROSS JOIN incidents"
				conds = append(conds, "seq = t.match")
				args = append([]any{ftsQuery(words)}, args...)
			default:
				conds = append(conds, "seq IN (SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?)")
				args = append(args, ftsQuery(words))
			}
		}
	}
	if f.UpdatedSince != nil {
		// Times are stored as RFC 3339 with as many decimals as they need
		// (…:00.51006Z, …:00.510061Z), which do not compare as text: the
		// index finds the rows from the same second on, and the test is on
		// the fractions padded to nine digits.
		since := f.UpdatedSince.UTC()
		conds = append(conds, "updated_at >= ?", paddedTimeSQL+" > ?")
		args = append(args, since.Format("2006-01-02T15:04:05"), since.Format(paddedTime))
	}
	c.args = args
	if len(conds) > 0 {
		c.where = " WHERE " + strings.Join(conds, " AND ")
	}
	return c
}

// paddedTime is an RFC 3339 time in UTC with nine decimals, without its
// Z: what paddedTimeSQL makes of a stored one, so two compare as text.
const paddedTime = "2006-01-02T15:04:05.000000000"

// paddedTimeSQL is the stored updated_at (RFC 3339 in UTC, Z last, with
// no decimals or up to nine) as paddedTime.
const paddedTimeSQL = "(substr(updated_at, 1, 19) || substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN rtrim(substr(updated_at, 20), 'Z') ELSE '.' END || '000000000', 1, 10))"

// ftsQuery is the full-text query for words: each a prefix, all required.
func ftsQuery(words []string) string {
	return `"` + strings.Join(words, `"* AND "`) + `"*`
}

// searchWords are the words of a text as the full-text index has them:
// folded (lower case, no accents), split at anything not a letter or digit.
func searchWords(q string) []string { return incident.SearchWords(q) }

// placeFirstMax: a box or circle holding fewer incidents than this is read
// first whatever else the filter says; its rows are few.
var placeFirstMax int64 = 5000 // a variable for tests

// clause is where(f) with the cheaper way in, where SQLite, which keeps no
// statistics here, would guess wrong:
//   - a box or circle with other filters: either the place's cell ranges are
//     read and each row tested on the rest, or another index (dates, region,
//     type, sub-type, border distance, the full-text index) is read and each
//     row tested on the place. Left to itself, SQLite read the other index
//     once per cell range: a box with a region took 30 s at 1M.
//   - free text with other filters: the text's matches lead, or another
//     index does and each row is tested against the set of matches (a month
//     of q=jnim at 1M: 0.85 → 0.18 s).
//
// The place's count is cheap (the counts table), and so is a count for each
// other index (otherIndexCount); the smallest leads.
func (db *DB) clause(ctx context.Context, f incident.Filter) clause {
	if f.UpdatedSince != nil {
		return where(f, false)
	}
	rest := f
	rest.BBox, rest.Near, rest.RadiusKM, rest.Limit, rest.Cursor, rest.JSONOnly = nil, nil, 0, 0, nil, false
	if f.BBox == nil && f.Near == nil && f.Border != "" {
		return db.borderClause(ctx, f, rest)
	}
	if f.BBox == nil && f.Near == nil {
		rest.Q = ""
		if len(searchWords(f.Q)) == 0 || datesOnly(rest) && rest.Start == "" && rest.End == "" {
			return where(f, false) // no text, or text alone
		}
		if _, lead, ok := db.otherIndexCount(ctx, f, math.MaxInt64); ok && lead != leadText {
			return whereText(f, false, textLast, borderTested)
		}
		return whereText(f, false, textFirst, borderTested)
	}
	if datesOnly(rest) && rest.Start == "" && rest.End == "" {
		return where(f, false) // the place alone
	}
	place := incident.Filter{BBox: f.BBox, Near: f.Near, RadiusKM: f.RadiusKM}
	pc := where(place, false)
	q, args, ok := bucketCount(place, pc)
	if !ok {
		q, args = "SELECT count(*)"+pc.from+pc.where, pc.args
	}
	var inPlace int64
	if err := db.read.QueryRowContext(ctx, q, args...).Scan(&inPlace); err != nil || inPlace < placeFirstMax {
		return where(f, false)
	}
	// When the rest tests only columns the cell index holds (migration
	// 0009), reading the place costs no row lookups: about a quarter of
	// what each row found through another index costs.
	weight := int64(1)
	if rest.SubEventTypes == nil && rest.Border == "" && rest.Q == "" {
		weight = 4
	}
	if n, lead, ok := db.otherIndexCount(ctx, rest, inPlace/weight); ok && n*weight < inPlace {
		tp, bp := textLast, borderTested
		switch lead {
		case leadText:
			tp = textFirst
		case leadBorder:
			bp = borderLeads
		}
		return whereText(f, true, tp, bp)
	}
	return where(f, false)
}

// borderClause is clause for a border filter with no place: the border's
// rows lead, unless another index hands fewer rows (then each is looked up
// in incident_borders). At 1M, border=any&border_km=300&region=NE-6 read
// 990,000 border rows to find 170,000 incidents the region index holds.
func (db *DB) borderClause(ctx context.Context, f, rest incident.Filter) clause {
	other := rest
	other.Border, other.BorderKM = "", 0
	if len(searchWords(f.Q)) == 0 && datesOnly(other) && other.Start == "" && other.End == "" {
		return where(f, false) // the border alone
	}
	q, args := borderCount(f)
	var inBorder int64
	if err := db.read.QueryRowContext(ctx, q, args...).Scan(&inBorder); err != nil {
		return where(f, false)
	}
	if n, lead, ok := db.otherIndexCount(ctx, other, inBorder); ok && n < inBorder {
		tp := textLast
		if lead == leadText {
			tp = textFirst
		}
		return whereText(f, false, tp, borderTested)
	}
	return whereText(f, false, textLast, borderLeads)
}

// Which index otherIndexCount found smallest.
const (
	leadOther  = iota // dates, region, type, sub-type, country: SQLite chooses among them
	leadText          // the full-text index
	leadBorder        // incident_borders
)

// otherIndexCount is the fewest rows an index other than the cell index
// would hand a query for f (which has no place), or false when none of them
// serves f; text says the full-text index is that one. Counts above max
// may be given as max. Each is read from a rollup or an index alone
// (sub-event types from migration 0010's), the text's last, capped at the
// best so far.
func (db *DB) otherIndexCount(ctx context.Context, f incident.Filter, max int64) (best int64, lead int, found bool) {
	best = max
	try := func(q string, args ...any) bool {
		var n int64
		if err := db.read.QueryRowContext(ctx, q, args...).Scan(&n); err == nil && n < best {
			best, found = n, true
			return true
		}
		return false
	}
	rollup := func(g incident.Filter) {
		q, args := rollupCount(g)
		try(q, args...)
	}
	dates := incident.Filter{Start: f.Start, End: f.End}
	if f.Start != "" || f.End != "" {
		rollup(dates)
	}
	if len(f.Regions) > 0 {
		g := dates
		g.Regions = f.Regions
		rollup(g)
	}
	if len(f.EventTypes) > 0 {
		g := dates
		g.EventTypes = f.EventTypes
		rollup(g)
	}
	if len(f.SubEventTypes) > 0 {
		g := dates
		g.SubEventTypes = f.SubEventTypes
		c := where(g, false)
		try("SELECT count(*) FROM (SELECT 1"+c.from+c.where+" LIMIT ?)", append(c.args, max)...)
	}
	if len(f.Countries) > 0 {
		q, args := countryCount(f.Countries)
		try(q, args...)
	}
	if f.Border != "" {
		if q, args := borderCount(f); try(q, args...) {
			lead = leadBorder
		}
	}
	if words := searchWords(f.Q); len(words) > 0 {
		if try("SELECT count(*) FROM (SELECT 1 FROM incident_fts WHERE incident_fts MATCH ? LIMIT ?)", ftsQuery(words), best) {
			lead = leadText
		}
	}
	return best, lead, found
}
