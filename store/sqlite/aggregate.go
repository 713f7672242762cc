package sqlite

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
)

// Aggregate implements incident.Aggregator. A cell key (geo.CellKey) is a
// leaf cell id shifted right by one: 3 face bits, then 2 bits per level, so
// the level-L cell holding a key is its top 3+2L bits (key >> (60-2L)).
//
// With no filter, at level 13 or coarser, the per-cell counts (migration
// 0008) are added up: 114,000 rows at 1M instead of every incident (0.1 s,
// not 1.4 s), positions are the count-weighted centres of the level-13
// cells (within a kilometre of the incidents' mean) and fatalities are not
// known. Otherwise the matching rows are read as a listing reads them
// (db.clause) and grouped by that prefix.
func (db *DB) Aggregate(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	if level < 0 || level > incident.MaxAggregateLevel {
		return nil, incident.FieldErrorf("level", "%d: want 0 to %d", level, incident.MaxAggregateLevel)
	}
	f.Limit, f.Cursor, f.JSONOnly = 0, nil, false
	if f.UpdatedSince != nil {
		return nil, incident.FieldErrorf("updated_since", "counts per cell are of live incidents; leave updated_since out")
	}
	if datesOnly(f) && f.Start == "" && f.End == "" && level <= 13 {
		return db.aggregateCounts(ctx, level)
	}
	c := db.clause(ctx, f)
	if db.cellIndexScans(ctx, f) {
		c = where(f, false)
		c.from = " FROM incidents INDEXED BY incidents_cell"
		// The cell index holds live incidents only (a partial index), so it
		// serves a query that says so in its own words.
		c.where = strings.Replace(c.where, liveByIndex, "deleted_at IS NULL", 1)
	}
	shift := 60 - 2*level
	q := fmt.Sprintf("SELECT cell >> %d AS k, count(*), coalesce(sum(fatalities), 0), avg(lon), avg(lat)%s%s GROUP BY k", shift, c.from, c.where)
	rows, err := db.read.QueryContext(ctx, q, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	defer rows.Close()
	var out []incident.CellCount
	for rows.Next() {
		var k int64
		var fat int
		cc := incident.CellCount{Level: level, Fatalities: &fat}
		if err := rows.Scan(&k, &cc.Incidents, &fat, &cc.Lon, &cc.Lat); err != nil {
			return nil, err
		}
		cc.Cell, cc.Lon, cc.Lat = cellToken(k, level), round5(cc.Lon), round5(cc.Lat)
		out = append(out, cc)
	}
	return out, rows.Err()
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

// cellToken is the s2 token of the level-L cell whose key prefix is k: the
// prefix shifted into place, the key's dropped low bit restored, and the
// level's trailing 1 bit set.
func cellToken(k int64, level int) string {
	shift := 60 - 2*level
	return s2.CellID(uint64(k)<<(shift+1) | 1<<shift).ToToken()
}

// aggregateCounts adds up the level-13 counts into level-L cells.
func (db *DB) aggregateCounts(ctx context.Context, level int) ([]incident.CellCount, error) {
	up := countBucketBits - (60 - 2*level) // level 13 → level L: drop 2 bits a level
	rows, err := db.read.QueryContext(ctx, "SELECT k, n FROM counts WHERE dim = 'cell' AND n > 0 ORDER BY k")
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	defer rows.Close()
	var out []incident.CellCount
	var lon, lat float64
	flush := func() {
		if n := len(out); n > 0 {
			out[n-1].Lon, out[n-1].Lat = round5(lon/float64(out[n-1].Incidents)), round5(lat/float64(out[n-1].Incidents))
		}
	}
	last := int64(-1)
	for rows.Next() {
		var k13 int64
		var n int
		if err := rows.Scan(&k13, &n); err != nil {
			return nil, err
		}
		k := k13 >> -up
		if k != last {
			flush()
			out = append(out, incident.CellCount{Cell: cellToken(k, level), Level: level})
			lon, lat, last = 0, 0, k
		}
		centre := s2.LatLngFromPoint(s2.CellIDFromToken(cellToken(k13, 13)).Point())
		out[len(out)-1].Incidents += n
		lon += centre.Lng.Degrees() * float64(n)
		lat += centre.Lat.Degrees() * float64(n)
	}
	flush()
	return out, rows.Err()
}

// round5 keeps a degree to 5 decimals (about a metre): the positions are
// means, and 17 digits would double the response.
func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }
