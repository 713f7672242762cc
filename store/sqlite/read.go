// Reads of incidents: Get, Existing, and List and Each, which run the
// query the planner (plan.go) chose, decoding stored documents.

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Get implements incident.Store.
func (db *DB) Get(ctx context.Context, id string) (*incident.Incident, error) {
	var doc []byte
	err := db.read.QueryRowContext(ctx, "SELECT d.doc FROM incidents i JOIN incident_docs d ON d.seq = i.seq WHERE i.id = ? AND i.deleted_at IS NULL", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, err)
	}
	return decode(doc)
}

func notFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no incident with id %q", id)
}

func decode(doc []byte) (*incident.Incident, error) {
	in, err := stored.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return in, nil
}

// Existing implements incident.Store, a few hundred ids to a query.
func (db *DB) Existing(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := db.queryIDs(ctx, "existing", "SELECT id FROM incidents WHERE deleted_at IS NULL AND id IN (%s)", ids, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queryIDs runs q (whose %s takes the placeholders) for ids, 500 at a time
// (SQLite allows 32,766 variables; 500 keeps each statement small), and
// calls row for each row.
func (db *DB) queryIDs(ctx context.Context, what, q string, ids []string, row func(*sql.Rows) error) error {
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, fmt.Sprintf(q, strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")), args...)
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", what, err)
		}
		for rows.Next() {
			if err := row(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// List implements incident.Store.
func (db *DB) List(ctx context.Context, f incident.Filter) (*incident.Page, error) {
	c := db.clause(ctx, f)
	limit := f.Limit
	if limit <= 0 {
		limit = incident.DefaultLimit
	}
	page := &incident.Page{}
	var dateOrder bool
	var err error
	if page.NumberMatched, dateOrder, err = db.count(ctx, f, c, limit); err != nil {
		return nil, err
	}
	if dateOrder {
		c = where(f, true)
	}
	if page.Incidents, err = db.queryClause(ctx, f, c, limit+1, dateOrder); err != nil {
		return nil, err
	}
	if len(page.Incidents) > limit {
		page.Incidents = page.Incidents[:limit]
		last := page.Incidents[limit-1]
		page.Next = &incident.Cursor{EventDate: last.EventDate, ID: last.ID}
	}
	return page, nil
}

// count counts the incidents the filter selects, and says how to read the
// first limit of them, newest first: walking the date index and testing each
// row wins when matches are common (about limit × total/matched rows read);
// using the filter's own index and sorting wins when they are rare.
func (db *DB) count(ctx context.Context, f incident.Filter, c clause, limit int) (matched int, dateOrder bool, err error) {
	count, countArgs := "SELECT count(*)"+c.from+c.where, c.args
	if rollupOK(f) {
		// Filters on dates, regions and types alone are counted from the
		// daily rollup: a few hundred thousand rows at most, not a million.
		count, countArgs = rollupCount(f)
	} else if q, args, ok := bucketCount(f, c); ok {
		count, countArgs = q, args
	}
	if err := db.read.QueryRowContext(ctx, count, countArgs...).Scan(&matched); err != nil {
		return 0, false, fmt.Errorf("sqlite: count: %w", err)
	}
	var total int64
	db.read.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM incidents").Scan(&total)
	dateOrder = c.where != "" && matched > 0 && float64(limit)*float64(total)/float64(matched) < float64(matched)
	return matched, dateOrder, nil
}

func (db *DB) query(ctx context.Context, f incident.Filter, limit int, dateOrder bool) ([]*incident.Incident, error) {
	return db.queryClause(ctx, f, where(f, dateOrder), limit, dateOrder)
}

func (db *DB) queryClause(ctx context.Context, f incident.Filter, c clause, limit int, dateOrder bool) ([]*incident.Incident, error) {
	var out []*incident.Incident
	err := db.each(ctx, f, c, limit, dateOrder, false, func(in *incident.Incident) error {
		out = append(out, in)
		return nil
	})
	return out, err
}

// Each implements incident.Store.
func (db *DB) Each(ctx context.Context, f incident.Filter, fn func(*incident.Incident) error) error {
	f.Cursor = nil
	c := db.clause(ctx, f)
	if f.Limit <= 0 {
		return db.each(ctx, f, c, -1, false, f.JSONOnly, fn)
	}
	if datesOnly(f) { // read from the date index whatever the count
		return db.each(ctx, f, c, f.Limit, false, f.JSONOnly, fn)
	}
	// A limit goes to SQLite, read the way List reads a page. Counted only
	// by fn, 100 incidents within 25 km of Niamey at 1M took 1.7 s (every
	// match's document was read, then sorted), and 100 within 50 km of the
	// Mali border 1.3 s.
	_, dateOrder, err := db.count(ctx, f, c, f.Limit)
	if err != nil {
		return err
	}
	if dateOrder {
		c = where(f, true)
	}
	return db.each(ctx, f, c, f.Limit, dateOrder, f.JSONOnly, fn)
}

// each runs a filter's query; c is where(f, dateOrder). With stream, fn's
// incident and its StoredJSON are reused for the next row.
func (db *DB) each(ctx context.Context, f incident.Filter, c clause, limit int, dateOrder, stream bool, fn func(*incident.Incident) error) error {
	w, args := c.where, c.args
	if f.Cursor != nil {
		cur := "(event_date < ? OR (event_date = ? AND id < ?))"
		if w == "" {
			w = " WHERE " + cur
		} else {
			w += " AND " + cur
		}
		args = append(args, f.Cursor.EventDate, f.Cursor.EventDate, f.Cursor.ID)
	}
	distCol := "NULL"
	if c.dist != "" {
		distCol = c.dist
		args = append(c.distArgs, args...)
	}
	// The page is chosen from the narrow table; only its documents are read.
	from := c.from
	if dateOrder {
		from = " FROM incidents INDEXED BY incidents_date"
	}
	deleted := "deleted_at"
	if f.UpdatedSince == nil {
		deleted = "NULL" // live incidents only; and the row need not be read
	}
	inner := "SELECT seq, " + distCol + " AS dist, " + deleted + " AS deleted_at, id, event_date" + from + w + " ORDER BY event_date DESC, id DESC"
	if limit > 0 {
		inner += " LIMIT " + strconv.Itoa(limit)
	}
	q := "SELECT d.doc, x.dist, x.deleted_at, x.id, x.event_date FROM (" + inner + ") x JOIN incident_docs d ON d.seq = x.seq ORDER BY x.event_date DESC, x.id DESC"
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlite: query: %w", err)
	}
	defer rows.Close()
	// Streaming GeoJSON (Each with JSONOnly), documents are not copied: fn
	// writes each out before the next is read.
	stream = stream && f.JSONOnly
	var raw sql.RawBytes
	var reuse incident.Incident
	for rows.Next() {
		var doc []byte
		var d sql.NullFloat64
		var deleted sql.NullString
		var id, date string
		dest := any(&doc)
		if stream {
			dest = &raw
		}
		if err := rows.Scan(dest, &d, &deleted, &id, &date); err != nil {
			return err
		}
		var in *incident.Incident
		switch {
		case stream:
			reuse = incident.Incident{ID: id, EventDate: date, StoredJSON: raw}
			in = &reuse
		case f.JSONOnly:
			in = &incident.Incident{ID: id, EventDate: date, StoredJSON: doc}
		default:
			if in, err = decode(doc); err != nil {
				return err
			}
		}
		if deleted.Valid {
			in.Deleted = true
			in.UpdatedAt, _ = time.Parse(time.RFC3339Nano, deleted.String)
		}
		if d.Valid {
			v := d.Float64
			in.DistanceKM = &v
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return rows.Err()
}
