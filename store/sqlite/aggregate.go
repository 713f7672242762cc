package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Aggregate implements incident.Aggregator. A cell key (geo.CellKey) is a
// leaf cell id shifted right by one: 3 face bits, then 2 bits per level, so
// the level-L cell holding a key is its top 3+2L bits (key >> (60-2L)).
//
// At level 13 or coarser, with no filter the per-cell counts (migration
// 0008) are added up: 114,000 rows at 1M instead of every incident (0.1 s,
// not 1.4 s), and fatalities are not known; with event types alone, the
// per-(event type, cell) counts (0021) of those types, fatalities too.
// Positions are then the count-weighted centres of the level-13 cells
// (within a kilometre of the incidents' mean). Any other filter matching
// most incidents on columns the cell index holds reads that index
// (aggregateCellIndex); otherwise the matching rows are read as a listing
// reads them (db.clause). Either way they are grouped by that prefix.
func (db *DB) Aggregate(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	if err := stored.CheckAggregate(f, level); err != nil {
		return nil, err
	}
	f.Limit, f.Cursor, f.JSONOnly = 0, nil, false
	if db.AggregateFromCounts(f, level) {
		return db.aggregateCounts(ctx, f.EventTypes, level)
	}
	if db.cellIndexScans(ctx, f) {
		return db.aggregateCellIndex(ctx, f, level)
	}
	out, err := db.groupCells(ctx, db.clause(ctx, f), level, "")
	stored.RoundPositions(out)
	return out, err
}

// groupCells groups the rows of c (further limited by the condition more,
// when given) by their level-L cells, in cell order.
func (db *DB) groupCells(ctx context.Context, c clause, level int, more string, moreArgs ...any) ([]incident.CellCount, error) {
	where, args := c.where, c.args
	if more != "" {
		where, args = where+" AND "+more, append(append([]any{}, args...), moreArgs...)
	}
	rows, err := db.read.QueryContext(ctx, stored.GroupCellsSQL(level, "", c.from, where), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	defer rows.Close()
	return stored.ScanCells(rows, level)
}

// aggregateCellIndex groups the matches of f reading the cell index in two
// halves at once, one a core (the machine this was measured on has two):
// unticking Battles at 1M took 0.55 s of CPU in one scan. The halves meet
// at the median of the per-cell counts; a cell on the seam is merged.
func (db *DB) aggregateCellIndex(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	c := where(f, false)
	c.from = " FROM incidents INDEXED BY incidents_cell"
	// The cell index holds live incidents only (a partial index), so it
	// serves a query that says so in its own words.
	c.where = strings.Replace(c.where, liveByIndex, "deleted_at IS NULL", 1)
	seam, err := db.cellMedian(ctx)
	if err != nil {
		return nil, err
	}
	var halves [2][]incident.CellCount
	var errs [2]error
	var wg sync.WaitGroup
	for i, cond := range []string{"cell < ?", "cell >= ?"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			halves[i], errs[i] = db.groupCells(ctx, c, level, cond, seam)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return nil, err
	}
	out, rest := halves[0], halves[1]
	if n := len(out); n > 0 && len(rest) > 0 && out[n-1].Cell == rest[0].Cell {
		a, b := &out[n-1], rest[0]
		w := float64(a.Incidents + b.Incidents)
		a.Lon = (a.Lon*float64(a.Incidents) + b.Lon*float64(b.Incidents)) / w
		a.Lat = (a.Lat*float64(a.Incidents) + b.Lat*float64(b.Incidents)) / w
		a.Incidents += b.Incidents
		*a.Fatalities += *b.Fatalities
		rest = rest[1:]
	}
	out = append(out, rest...)
	stored.RoundPositions(out)
	return out, nil
}

// cellMedian is a cell key with about half the live incidents below it,
// from the per-cell counts (migration 0008): 114,000 rows at 1M, so it is
// kept for a while; a seam gone stale splits the work unevenly, never
// wrongly.
func (db *DB) cellMedian(ctx context.Context) (int64, error) {
	db.seam.Lock()
	defer db.seam.Unlock()
	if !db.seam.at.IsZero() && time.Since(db.seam.at) < 10*time.Minute {
		return db.seam.key, nil
	}
	var k sql.NullInt64
	err := db.read.QueryRowContext(ctx, "SELECT k FROM (SELECT k, sum(n) OVER (ORDER BY k) AS below FROM counts WHERE dim = 'cell') WHERE below * 2 >= (SELECT sum(n) FROM counts WHERE dim = 'cell') ORDER BY k LIMIT 1").Scan(&k)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	db.seam.key, db.seam.at = k.Int64<<countBucketBits, time.Now()
	return db.seam.key, nil
}

// cellIndexScans says whether the matches of f are best grouped by reading
// the whole cell index: it holds every column f tests (dates, regions, event
// types, fatalities) and every column the overview reads, so each incident
// costs one index entry, where through another index it costs a row lookup
// (about four times as much). At 1M, unticking Battles (640,000 matches)
// took 1.8 s through the event-type index and 0.9 s reading the cell index.
func (db *DB) cellIndexScans(ctx context.Context, f incident.Filter) bool {
	if !cellIndexHolds(f) {
		return false
	}
	if f.MinFatalities == 0 && datesOnly(f) && f.Start == "" && f.End == "" {
		return false // the counts table answers
	}
	var live int64
	if q, args := rollupCount(incident.Filter{}); db.read.QueryRowContext(ctx, q, args...).Scan(&live) != nil {
		return false
	}
	rest := f
	rest.MinFatalities = 0
	_, _, narrower := db.otherIndexCount(ctx, rest, live/4)
	return !narrower
}

// cellIndexHolds: f tests only columns the cell index (migration 0009)
// holds.
func cellIndexHolds(f incident.Filter) bool {
	g := f
	g.MinFatalities = 0
	return rollupOK(g)
}

var _ incident.CheapAggregator = (*DB)(nil)

// AggregateFromCounts implements incident.CheapAggregator: the level-13
// counts answer f at level when f has no filter but event types and level
// is no finer than theirs (at 1M, 0.15–0.3 s for any set of types at the
// map's level 9, against 0.5–1.1 s reading the cell index).
func (db *DB) AggregateFromCounts(f incident.Filter, level int) bool {
	g := f
	g.EventTypes = nil
	return level <= stored.CountBucketLevel && datesOnly(g) && g.Start == "" && g.End == ""
}

// aggregateCounts adds up level-13 counts into level-L cells: of every live
// incident (migration 0008), or of those of the given event types with
// their fatalities (0021).
func (db *DB) aggregateCounts(ctx context.Context, types []string, level int) ([]incident.CellCount, error) {
	q, args := "SELECT k, n, NULL FROM counts WHERE dim = 'cell' AND n > 0 ORDER BY k", []any(nil)
	if len(types) > 0 {
		q = "SELECT k, sum(incidents), sum(fatalities) FROM cell_type_counts WHERE event_type IN (" + placeholders(len(types)) + ") GROUP BY k HAVING sum(incidents) > 0 ORDER BY k"
		for _, t := range types {
			args = append(args, t)
		}
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	defer rows.Close()
	cells := stored.NewCountedCells(level)
	for rows.Next() {
		var k13 int64
		var n int
		var fat sql.NullInt64
		if err := rows.Scan(&k13, &n, &fat); err != nil {
			return nil, err
		}
		var fp *int
		if fat.Valid {
			fp = new(int(fat.Int64))
		}
		cells.Add(k13, n, fp)
	}
	return cells.Cells(), rows.Err()
}
