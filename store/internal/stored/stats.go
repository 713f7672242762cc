package stored

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
)

// Buckets adds up incidents and fatalities by key, for one dimension of
// incident.Stats.
type Buckets map[string]*incident.Bucket

// Add counts n incidents with fat fatalities under key.
func (m Buckets) Add(key string, n, fat int) {
	b := m[key]
	if b == nil {
		b = &incident.Bucket{Key: key}
		m[key] = b
	}
	b.Incidents += n
	b.Fatalities += fat
}

// Sorted is the buckets in key order (never nil).
func (m Buckets) Sorted() []incident.Bucket {
	out := make([]incident.Bucket, 0, len(m))
	for _, b := range m {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b incident.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Bands is the border-band buckets in distance order
// (incident.BorderBands), not text order.
func (m Buckets) Bands() []incident.Bucket {
	out := m.Sorted()
	slices.SortStableFunc(out, func(a, b incident.Bucket) int { return bandIndex(a.Key) - bandIndex(b.Key) })
	return out
}

func bandIndex(k string) int {
	for i, b := range incident.BorderBands {
		if b.Key == k {
			return i
		}
	}
	return len(incident.BorderBands)
}

// CheckAggregate refuses what incident.Aggregator cannot count: a level
// out of range, or a sync filter.
func CheckAggregate(f incident.Filter, level int) error {
	if level < 0 || level > incident.MaxAggregateLevel {
		return incident.FieldErrorf("level", "%d: want 0 to %d", level, incident.MaxAggregateLevel)
	}
	if f.UpdatedSince != nil {
		return incident.FieldErrorf("updated_since", "counts per cell are of live incidents; leave updated_since out")
	}
	return nil
}

// CellToken is the s2 token of CellID(k, level).
func CellToken(k int64, level int) string { return CellID(k, level).ToToken() }

// CellID is the level-L cell whose cell-key prefix is k (geo.CellKey >>
// (60-2L)): the prefix shifted into place, the key's dropped low bit
// restored, and the level's trailing 1 bit set.
func CellID(k int64, level int) s2.CellID {
	shift := 60 - 2*level
	return s2.CellID(uint64(k)<<(shift+1) | 1<<shift)
}

// GroupCellsSQL is the query that groups the incidents of from and where
// by their level-L cells, in cell order: key prefix, count, fatalities and
// mean position per cell (col qualifies the incidents' columns, "" or "i.").
// Both stores group this way; ScanCells reads the rows.
func GroupCellsSQL(level int, col, from, where string) string {
	return fmt.Sprintf("SELECT %[1]scell >> %[2]d AS k, count(*), coalesce(sum(%[1]sfatalities), 0), avg(%[1]slon), avg(%[1]slat)%[3]s%[4]s GROUP BY k ORDER BY k",
		col, 60-2*level, from, where)
}

// Rows is what ScanCells reads: *sql.Rows and pgx.Rows both are.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanCells reads the rows of GroupCellsSQL as level-L cell counts, the
// positions unrounded (a caller may still merge cells: RoundPositions
// after).
func ScanCells(rows Rows, level int) ([]incident.CellCount, error) {
	var out []incident.CellCount
	for rows.Next() {
		var k int64
		var fat int
		cc := incident.CellCount{Level: level, Fatalities: &fat}
		if err := rows.Scan(&k, &cc.Incidents, &fat, &cc.Lon, &cc.Lat); err != nil {
			return nil, err
		}
		cc.Cell = CellToken(k, level)
		out = append(out, cc)
	}
	return out, rows.Err()
}

// RoundPositions rounds the cells' positions with Round5.
func RoundPositions(cs []incident.CellCount) {
	for i := range cs {
		cs[i].Lon, cs[i].Lat = Round5(cs[i].Lon), Round5(cs[i].Lat)
	}
}

// Round5 keeps a degree to 5 decimals (about a metre): cell positions are
// means, and 17 digits would double the response.
func Round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

// RollupParts calls part for each part of the rollups (both stores keep
// stats_monthly by month and stats_daily by event_date) that holds the
// dates from start to end (YYYY-MM-DD, "" open): the whole months from the
// monthly table, the days of a month cut part-way from the daily one. lo
// and hi bound dateCol ("" open); month is the month's expression.
func RollupParts(start, end string, part func(table, month, dateCol, lo, hi string)) {
	months, days := MonthSplit(start, end)
	if months != nil {
		part("stats_monthly", "month", "month", months[0], months[1])
	}
	for _, d := range days {
		part("stats_daily", "substr(event_date, 1, 7)", "event_date", d[0], d[1])
	}
}

// MonthSplit splits the dates from start to end (inclusive, YYYY-MM-DD; ""
// is open) into whole months, the first and last as YYYY-MM ("" open; nil
// when there are none), and the ranges of days left at either end.
func MonthSplit(start, end string) (months []string, days [][2]string) {
	const day, month = "2006-01-02", "2006-01"
	s, errS := time.Parse(day, start)
	e, errE := time.Parse(day, end)
	if start != "" && errS != nil || end != "" && errE != nil {
		return nil, [][2]string{{start, end}} // not dates: compared as text, day by day
	}
	if start != "" && end != "" && start > end {
		// Nothing: not the days at either end of an empty range of months
		// (2023-11-02..2023-05-02 counted November's end and May's start).
		return nil, [][2]string{{start, end}}
	}
	first := func(t time.Time) time.Time { return t.AddDate(0, 0, 1-t.Day()) }
	last := func(t time.Time) time.Time { return first(t).AddDate(0, 1, -1) }
	if start != "" && end != "" && s.Format(month) == e.Format(month) {
		if s.Day() == 1 && e.Equal(last(e)) {
			return []string{s.Format(month), e.Format(month)}, nil
		}
		return nil, [][2]string{{start, end}}
	}
	lo, hi := "", ""
	if start != "" {
		lo = s.Format(month)
		if s.Day() != 1 {
			lo = first(s).AddDate(0, 1, 0).Format(month)
			days = append(days, [2]string{start, last(s).Format(day)})
		}
	}
	if end != "" {
		hi = e.Format(month)
		if !e.Equal(last(e)) {
			hi = first(e).AddDate(0, -1, 0).Format(month)
			days = append(days, [2]string{first(e).Format(day), end})
		}
	}
	if lo != "" && hi != "" && lo > hi {
		return nil, days
	}
	return []string{lo, hi}, days
}

// SplitBuckets splits cell key ranges (geo.CoverCap, geo.CoverBound) for a
// count from per-cell counts whose buckets are keys sharing all but their
// last bits bits: the buckets wholly inside a range that is inside the
// region (as bucket numbers, key >> bits), and the ranges left (the
// region's edge, and the parts of inside ranges that fill no bucket),
// whose points are counted one by one.
func SplitBuckets(ranges []geo.KeyRange, bits int) (buckets, rest []geo.KeyRange) {
	size := int64(1) << bits
	for _, r := range ranges {
		lo := (r.Lo + size - 1) / size * size // whole buckets inside the range
		hi := (r.Hi+1)/size*size - 1
		if !r.Inside || lo > hi {
			rest = append(rest, r)
			continue
		}
		buckets = append(buckets, geo.KeyRange{Lo: lo >> bits, Hi: (hi+1)>>bits - 1})
		if r.Lo < lo {
			rest = append(rest, geo.KeyRange{Lo: r.Lo, Hi: lo - 1, Inside: true})
		}
		if hi < r.Hi {
			rest = append(rest, geo.KeyRange{Lo: hi + 1, Hi: r.Hi, Inside: true})
		}
	}
	return buckets, rest
}

// CountBucketLevel is the level of the cells both stores keep live
// incidents counted by (key geo.CellKey >> 34: about 1 km across), which
// answer an aggregate of every incident at that level or coarser.
const CountBucketLevel = 13

// CountedCells adds up counts kept per level-13 cell, fed in key order,
// into the cells of a level no finer, each placed at the count-weighted
// mean of its level-13 cells' centres: the counts keep no positions, and
// that mean is within a kilometre of the incidents' own.
type CountedCells struct {
	level    int
	last     int64
	lon, lat float64
	out      []incident.CellCount
}

// NewCountedCells adds up level-13 counts into level-L cells.
func NewCountedCells(level int) *CountedCells {
	return &CountedCells{level: level, last: -1}
}

// Add counts n incidents in level-13 cell k13 (geo.CellKey >> 34), and
// their fatalities when fat is not nil (a cell has them when its first
// count does).
func (c *CountedCells) Add(k13 int64, n int, fat *int) {
	k := k13 >> (2 * (CountBucketLevel - c.level))
	if k != c.last {
		c.flush()
		cc := incident.CellCount{Cell: CellToken(k, c.level), Level: c.level}
		if fat != nil {
			cc.Fatalities = new(int)
		}
		c.out = append(c.out, cc)
		c.lon, c.lat, c.last = 0, 0, k
	}
	centre := s2.LatLngFromPoint(CellID(k13, CountBucketLevel).Point())
	cc := &c.out[len(c.out)-1]
	cc.Incidents += n
	if cc.Fatalities != nil && fat != nil {
		*cc.Fatalities += *fat
	}
	c.lon += centre.Lng.Degrees() * float64(n)
	c.lat += centre.Lat.Degrees() * float64(n)
}

// Cells is the cells added up, in cell order.
func (c *CountedCells) Cells() []incident.CellCount {
	c.flush()
	c.last = -1
	return c.out
}

func (c *CountedCells) flush() {
	if n := len(c.out); n > 0 && c.last >= 0 {
		cc := &c.out[n-1]
		cc.Lon, cc.Lat = Round5(c.lon/float64(cc.Incidents)), Round5(c.lat/float64(cc.Incidents))
	}
}
