// Package gpkg writes GeoPackage 1.3 files (OGC 12-128r18) of point
// features, with the same pure-Go SQLite driver the store uses, so a
// download opens in QGIS, ArcGIS and GDAL as their native format.
package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Column types GeoPackage defines.
const (
	Text     = "TEXT"
	Integer  = "INTEGER"
	Real     = "REAL"
	Date     = "DATE"
	DateTime = "DATETIME"
)

// Column is an attribute column of the feature table.
type Column struct{ Name, Type string }

// Writer adds point features to one feature table of a new GeoPackage.
type Writer struct {
	db       *sql.DB
	tx       *sql.Tx
	stmt     *sql.Stmt
	table    string
	cols     []Column
	min, max [2]float64
	n        int
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Create makes a new GeoPackage at path (which must not exist) with one
// table of WGS84 points.
func Create(ctx context.Context, path, table, description string, cols []Column) (*Writer, error) {
	if !identifier.MatchString(table) {
		return nil, fmt.Errorf("gpkg: table name %q is not a plain identifier", table)
	}
	for _, c := range cols {
		if !identifier.MatchString(c.Name) {
			return nil, fmt.Errorf("gpkg: column name %q is not a plain identifier", c.Name)
		}
	}
	// Rows are only appended, so a small page cache serves (256 KiB, not
	// SQLite's 2 MiB): a download's memory stays flat however many rows.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-256)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	w := &Writer{db: db, table: table, cols: cols, min: [2]float64{math.Inf(1), math.Inf(1)}, max: [2]float64{math.Inf(-1), math.Inf(-1)}}
	var defs []string
	for _, c := range cols {
		defs = append(defs, fmt.Sprintf(`"%s" %s`, c.Name, c.Type))
	}
	schema := []string{
		"PRAGMA application_id = 1196444487", // "GPKG"
		"PRAGMA user_version = 10300",        // GeoPackage 1.3.0
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
			('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
			('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
		`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
		fmt.Sprintf(`CREATE TABLE "%s" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, %s)`, table, strings.Join(defs, ", ")),
	}
	for _, s := range schema {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("gpkg: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, 4326)`, table, table, description); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)`, table); err != nil {
		db.Close()
		return nil, err
	}
	if w.tx, err = db.BeginTx(ctx, nil); err != nil {
		db.Close()
		return nil, err
	}
	names := []string{"geom"}
	marks := []string{"?"}
	for _, c := range cols {
		names = append(names, `"`+c.Name+`"`)
		marks = append(marks, "?")
	}
	if w.stmt, err = w.tx.PrepareContext(ctx, fmt.Sprintf(`INSERT INTO "%s" (%s) VALUES (%s)`, table, strings.Join(names, ", "), strings.Join(marks, ", "))); err != nil {
		w.tx.Rollback()
		db.Close()
		return nil, err
	}
	return w, nil
}

// Add writes one point with its attribute values, in the columns' order
// (nil for NULL). A DATE value is a time.Time or a "2006-01-02" string, a
// DATETIME one a time.Time or an RFC 3339 string; they are written in the
// form GeoPackage requires.
func (w *Writer) Add(ctx context.Context, lon, lat float64, values ...any) error {
	if len(values) != len(w.cols) {
		return fmt.Errorf("gpkg: %d values for %d columns", len(values), len(w.cols))
	}
	args := make([]any, 1, 1+len(values))
	args[0] = Point(lon, lat)
	for i, v := range values {
		if t := w.cols[i].Type; v != nil && (t == Date || t == DateTime) {
			var err error
			if v, err = formatTime(t, v); err != nil {
				return fmt.Errorf("gpkg: column %s: %w", w.cols[i].Name, err)
			}
		}
		args = append(args, v)
	}
	w.min = [2]float64{math.Min(w.min[0], lon), math.Min(w.min[1], lat)}
	w.max = [2]float64{math.Max(w.max[0], lon), math.Max(w.max[1], lat)}
	w.n++
	_, err := w.stmt.ExecContext(ctx, args...)
	return err
}

// The forms GeoPackage 1.3 requires (OGC 12-128r18, 1.1.1.1.1): a DATE is
// YYYY-MM-DD, a DATETIME YYYY-MM-DDTHH:MM:SS.SSSZ, in UTC with
// milliseconds. GDAL warns "Non-conformant content" of anything else, and
// RFC 3339 with nanoseconds (how incidents stamp created_at) is something
// else.
const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02T15:04:05.000Z"
)

// formatTime writes a DATE or DATETIME value in its GeoPackage form.
func formatTime(typ string, v any) (string, error) {
	layout, in := dateTimeLayout, time.RFC3339Nano
	if typ == Date {
		layout, in = dateLayout, dateLayout
	}
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		var err error
		if t, err = time.Parse(in, x); err != nil {
			return "", fmt.Errorf("%q is not a %s (want %s)", x, typ, in)
		}
	default:
		return "", fmt.Errorf("a %T is not a %s (want a time.Time or a string)", v, typ)
	}
	if typ == Date {
		return t.Format(layout), nil // the calendar day where it happened
	}
	return t.UTC().Format(layout), nil
}

// Close commits the features, records the layer's extent and closes the
// file.
func (w *Writer) Close(ctx context.Context) error {
	defer w.db.Close()
	w.stmt.Close()
	if w.n > 0 {
		if _, err := w.tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?`,
			w.min[0], w.min[1], w.max[0], w.max[1], time.Now().UTC().Format(dateTimeLayout), w.table); err != nil {
			w.tx.Rollback()
			return err
		}
	}
	if err := w.tx.Commit(); err != nil {
		return err
	}
	return w.db.Close()
}

// Point encodes a GeoPackage binary geometry: the "GP" header (version 0,
// little-endian, no envelope, SRS 4326) followed by a little-endian WKB Point.
func Point(lon, lat float64) []byte {
	b := make([]byte, 8+21)
	copy(b, "GP")
	b[2] = 0    // version 1
	b[3] = 0x01 // flags: little-endian, no envelope, not empty, standard
	binary.LittleEndian.PutUint32(b[4:], 4326)
	b[8] = 1 // WKB little-endian
	binary.LittleEndian.PutUint32(b[9:], 1)
	binary.LittleEndian.PutUint64(b[13:], math.Float64bits(lon))
	binary.LittleEndian.PutUint64(b[21:], math.Float64bits(lat))
	return b
}
