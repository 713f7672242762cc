package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// extentSQL reads each bound on its own, so each is a single probe of a
// partial index on live incidents (incidents_lon, incidents_lat from
// migration 0013, incidents_stats for dates); min and max together in one
// SELECT would scan instead.
const extentSQL = `SELECT
	(SELECT min(lon) FROM incidents WHERE deleted_at IS NULL),
	(SELECT min(lat) FROM incidents WHERE deleted_at IS NULL),
	(SELECT max(lon) FROM incidents WHERE deleted_at IS NULL),
	(SELECT max(lat) FROM incidents WHERE deleted_at IS NULL),
	(SELECT min(event_date) FROM incidents WHERE deleted_at IS NULL),
	(SELECT max(event_date) FROM incidents WHERE deleted_at IS NULL)`

// Extent implements incident.Store.
func (db *DB) Extent(ctx context.Context) (*incident.Extent, error) {
	var minLon, minLat, maxLon, maxLat sql.NullFloat64
	var first, last sql.NullString
	if err := db.read.QueryRowContext(ctx, extentSQL).Scan(&minLon, &minLat, &maxLon, &maxLat, &first, &last); err != nil {
		return nil, fmt.Errorf("sqlite: extent: %w", err)
	}
	if !minLon.Valid {
		return nil, nil
	}
	return &incident.Extent{
		BBox:  orb.Bound{Min: orb.Point{minLon.Float64, minLat.Float64}, Max: orb.Point{maxLon.Float64, maxLat.Float64}},
		First: first.String, Last: last.String,
	}, nil
}
