package sqlite

import (
	"context"
	"fmt"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
)

// Aggregate implements incident.Aggregator. A cell key (geo.CellKey) is a
// leaf cell id shifted right by one: 3 face bits, then 2 bits per level, so
// the level-L cell holding a key is its top 3+2L bits (key >> (60-2L)). The
// matching rows are read as a listing reads them (db.clause) and grouped by
// that prefix; lon, lat and cell come from the covering cell index
// (migration 0009), fatalities from the row.
func (db *DB) Aggregate(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	if level < 0 || level > incident.MaxAggregateLevel {
		return nil, incident.FieldErrorf("level", "%d: want 0 to %d", level, incident.MaxAggregateLevel)
	}
	f.Limit, f.Cursor, f.JSONOnly = 0, nil, false
	if f.UpdatedSince != nil {
		return nil, incident.FieldErrorf("updated_since", "counts per cell are of live incidents; leave updated_since out")
	}
	c := db.clause(ctx, f)
	shift := 60 - 2*level
	w := c.where
	if w == "" {
		w = " WHERE "
	} else {
		w += " AND "
	}
	// Rows without a cell (none since migration 0006) would be left out of
	// the cells; the count test in aggregate_test.go holds them to List.
	q := fmt.Sprintf("SELECT cell >> %d AS k, count(*), coalesce(sum(fatalities), 0), avg(lon), avg(lat)%s%scell IS NOT NULL GROUP BY k", shift, c.from, w)
	rows, err := db.read.QueryContext(ctx, q, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: aggregate: %w", err)
	}
	defer rows.Close()
	var out []incident.CellCount
	for rows.Next() {
		var k int64
		var cc incident.CellCount
		if err := rows.Scan(&k, &cc.Incidents, &cc.Fatalities, &cc.Lon, &cc.Lat); err != nil {
			return nil, err
		}
		// The prefix back to an s2 cell id: shifted into place, the key's
		// dropped low bit restored, and the level's trailing 1 bit set.
		id := s2.CellID(uint64(k)<<(shift+1) | 1<<(2*(30-level)))
		cc.Cell, cc.Level = id.ToToken(), level
		out = append(out, cc)
	}
	return out, rows.Err()
}
