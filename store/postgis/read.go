package postgis

import (
	"context"
	"errors"
	"strconv"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// Get implements incident.Store.
func (db *DB) Get(ctx context.Context, id string) (*incident.Incident, error) {
	var doc []byte
	err := db.pool.QueryRow(ctx, "SELECT d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = $1 AND i.deleted_ns IS NULL", id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, db.fail("get "+id, err)
	}
	return stored.Decode(doc)
}

// Existing implements incident.Store.
func (db *DB) Existing(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	rows, err := db.pool.Query(ctx, "SELECT id FROM incidents WHERE id = ANY($1) AND deleted_ns IS NULL", ids)
	if err != nil {
		return nil, db.fail("existing", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.fail("existing", err)
		}
		out[id] = true
	}
	return out, db.fail("existing", rows.Err())
}

// GetMany implements incident.Store.
func (db *DB) GetMany(ctx context.Context, ids []string) (map[string]*incident.Incident, error) {
	out := map[string]*incident.Incident{}
	rows, err := db.pool.Query(ctx, "SELECT i.id, i.deleted_ns IS NOT NULL, d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ANY($1)", ids)
	if err != nil {
		return nil, db.fail("get many", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var deleted bool
		var doc []byte
		if err := rows.Scan(&id, &deleted, &doc); err != nil {
			return nil, db.fail("get many", err)
		}
		in, err := stored.Decode(doc)
		if err != nil {
			return nil, err
		}
		in.Deleted = deleted
		out[id] = in
	}
	return out, db.fail("get many", rows.Err())
}

// List implements incident.Store: the count and the page are read in one
// snapshot (a repeatable-read transaction), so numberMatched is the number
// the page was chosen among.
func (db *DB) List(ctx context.Context, f incident.Filter) (*incident.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = incident.DefaultLimit
	}
	page := &incident.Page{}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, db.fail("list", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	f, area, err := db.resolveAreas(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	count, args := countSQL(f, area)
	if err := tx.QueryRow(ctx, count, args...).Scan(&page.NumberMatched); err != nil {
		return nil, db.fail("count", err)
	}
	err = db.each(ctx, tx, f, area, limit+1, false, page.NumberMatched, func(in *incident.Incident) error {
		page.Incidents = append(page.Incidents, in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Incidents) > limit {
		page.Incidents = page.Incidents[:limit]
		last := page.Incidents[limit-1]
		page.Next = &incident.Cursor{EventDate: last.EventDate, ID: last.ID}
	}
	return page, nil
}

// Each implements incident.Store: rows are streamed from the server as fn
// takes them.
func (db *DB) Each(ctx context.Context, f incident.Filter, fn func(*incident.Incident) error) error {
	f.Cursor = nil
	f, area, err := db.resolveAreas(ctx, db.pool, f)
	if err != nil {
		return err
	}
	return db.each(ctx, db.pool, f, area, f.Limit, f.JSONOnly, -1, fn)
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// each reads what f selects from its cursor on, newest first, up to limit
// (none when 0 or less). With stream, fn's incident and its StoredJSON are
// reused for the next row. area is f's zone= and near_site= resolved;
// matched is how many f selects (-1: not counted). A circle holding many
// is tested row by row as the date index is walked (a page of 100 within
// 25 km of Niamey reads about 1,200 of its 8,300 at 100,000); one holding
// few, and a box holding few, are read whole through their cells and
// sorted.
func (db *DB) each(ctx context.Context, qr querier, f incident.Filter, area *areaMatch, limit int, stream bool, matched int, fn func(*incident.Incident) error) error {
	q := query{area: area, rowwise: matched >= placeFirstMax, boxCells: matched >= 0 && matched < placeFirstMax}
	dist := resultDist(&q, f, filter(&q, f))
	if f.Cursor != nil {
		q.conds = append(q.conds, "(i.event_date, i.id) < ("+q.arg(f.Cursor.EventDate)+", "+q.arg(f.Cursor.ID)+")")
	}
	if dist == "" {
		dist = "NULL::float8"
	}
	// The page is chosen from the narrow table; only its documents are
	// read.
	inner := "SELECT i.seq, " + dist + " AS dist, i.deleted_ns, i.id, i.event_date" + q.from() + q.where() + " ORDER BY i.event_date DESC, i.id DESC"
	if limit > 0 {
		inner += " LIMIT " + strconv.Itoa(limit)
	}
	sql := "SELECT d.doc, x.dist, x.deleted_ns, x.id, x.event_date FROM (" + inner + ") x JOIN incident_docs d ON d.seq = x.seq ORDER BY x.event_date DESC, x.id DESC"
	rows, err := qr.Query(ctx, sql, q.args...)
	if err != nil {
		return db.fail("query", err)
	}
	defer rows.Close()
	stream = stream && f.JSONOnly
	var reuse incident.Incident
	var doc []byte
	for rows.Next() {
		var d *float64
		var deleted *int64
		var id, date string
		if !stream {
			doc = nil // a new slice each row: the incident keeps it
		}
		if err := rows.Scan(&doc, &d, &deleted, &id, &date); err != nil {
			return db.fail("query", err)
		}
		var in *incident.Incident
		switch {
		case stream:
			reuse = incident.Incident{ID: id, EventDate: date, StoredJSON: doc}
			in = &reuse
		case f.JSONOnly:
			in = &incident.Incident{ID: id, EventDate: date, StoredJSON: doc}
		default:
			if in, err = stored.Decode(doc); err != nil {
				return err
			}
		}
		if deleted != nil {
			in.Deleted = true
			in.UpdatedAt = unixTime(*deleted)
		}
		in.DistanceKM = d
		if err := fn(in); err != nil {
			return err
		}
	}
	return db.fail("query", rows.Err())
}

// placeFirstMax: a page of a circle holding fewer incidents than this
// reads them all through their cells (as the SQLite store's plan does; a
// variable for tests).
var placeFirstMax = 5000

// Count implements incident.Store.
func (db *DB) Count(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, "SELECT count(*) FROM incidents WHERE deleted_ns IS NULL").Scan(&n)
	return n, db.fail("count", err)
}

// Ping implements incident.Store.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.fail("ping", db.pool.QueryRow(ctx, "SELECT 1 FROM schema_migrations LIMIT 1").Scan(&one))
}

// extentSQL reads each bound on its own, so each is one probe of an index
// on live incidents (incidents_lon, incidents_lat, incidents_date): min
// and max together in one SELECT would scan them all.
const extentSQL = `SELECT
	(SELECT min(lon) FROM incidents WHERE deleted_ns IS NULL),
	(SELECT min(lat) FROM incidents WHERE deleted_ns IS NULL),
	(SELECT max(lon) FROM incidents WHERE deleted_ns IS NULL),
	(SELECT max(lat) FROM incidents WHERE deleted_ns IS NULL),
	(SELECT min(event_date) FROM incidents WHERE deleted_ns IS NULL),
	(SELECT max(event_date) FROM incidents WHERE deleted_ns IS NULL)`

// Extent implements incident.Store.
func (db *DB) Extent(ctx context.Context) (*incident.Extent, error) {
	var minLon, minLat, maxLon, maxLat *float64
	var first, last *string
	if err := db.pool.QueryRow(ctx, extentSQL).Scan(&minLon, &minLat, &maxLon, &maxLat, &first, &last); err != nil {
		return nil, db.fail("extent", err)
	}
	if minLon == nil {
		return nil, nil
	}
	return &incident.Extent{
		BBox:  orb.Bound{Min: orb.Point{*minLon, *minLat}, Max: orb.Point{*maxLon, *maxLat}},
		First: *first, Last: *last,
	}, nil
}
