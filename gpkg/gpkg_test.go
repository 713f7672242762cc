package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteAndReadBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.gpkg")
	w, err := Create(ctx, path, "incidents", "test", []Column{{"name", Text}, {"n", Integer}, {"d", Date}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, 1.45418, 14.20711, "Tillabéri", 3, "2023-08-15"); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, 2.1, 13.5, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, 1, 1, "too few"); err == nil {
		t.Error("a row with too few values was accepted")
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var appID, version int
	db.QueryRow("PRAGMA application_id").Scan(&appID)
	db.QueryRow("PRAGMA user_version").Scan(&version)
	if appID != 0x47504B47 || version != 10300 {
		t.Errorf("application_id %x user_version %d, want GPKG 10300", appID, version)
	}
	var minX, maxY float64
	db.QueryRow("SELECT min_x, max_y FROM gpkg_contents WHERE table_name = 'incidents'").Scan(&minX, &maxY)
	if minX != 1.45418 || maxY != 14.20711 {
		t.Errorf("extent min_x %v max_y %v", minX, maxY)
	}
	var geom []byte
	var name string
	db.QueryRow("SELECT geom, name FROM incidents WHERE fid = 1").Scan(&geom, &name)
	if string(geom[:2]) != "GP" || binary.LittleEndian.Uint32(geom[4:]) != 4326 || math.Float64frombits(binary.LittleEndian.Uint64(geom[13:])) != 1.45418 || name != "Tillabéri" {
		t.Errorf("feature 1: % x %q", geom, name)
	}
	if _, err := Create(ctx, filepath.Join(t.TempDir(), "x.gpkg"), "bad name;", "", nil); err == nil {
		t.Error("an unsafe table name was accepted")
	}
}

// GeoPackage DATE and DATETIME values are text in one form each
// (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS.SSSZ); GDAL warns "Non-conformant
// content" of RFC 3339 with nanoseconds, which is how incidents stamp
// created_at.
func TestDateTimeColumnsAreConformant(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.gpkg")
	w, err := Create(ctx, path, "incidents", "test", []Column{{"event_date", Date}, {"created_at", DateTime}, {"updated_at", DateTime}})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		in             []any
		date, cre, upd string
	}{
		{[]any{"2023-08-15", "2024-03-10T12:34:56.123456789Z", "2024-03-10T12:34:56Z"}, "2023-08-15", "2024-03-10T12:34:56.123Z", "2024-03-10T12:34:56.000Z"},
		{[]any{"2023-08-15", "2024-03-10T13:34:56.5+01:00", nil}, "2023-08-15", "2024-03-10T12:34:56.500Z", ""},
		{[]any{time.Date(2023, 10, 2, 0, 30, 0, 0, time.FixedZone("WAT", 3600)), time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC), nil}, "2023-10-02", "2024-01-02T03:04:05.006Z", ""},
	}
	for _, r := range rows {
		if err := w.Add(ctx, 2.1, 13.5, r.in...); err != nil {
			t.Fatalf("%v: %v", r.in, err)
		}
	}
	for _, bad := range [][]any{{"15 August 2023", nil, nil}, {nil, "2024-03-10 12:34:56", nil}, {nil, 1710073696, nil}} {
		if err := w.Add(ctx, 2.1, 13.5, bad...); err == nil || !strings.Contains(err.Error(), "gpkg: column") {
			t.Errorf("%v: err %v, want one naming the column", bad, err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	// As text: the driver would turn a DATE or DATETIME column into a
	// time.Time, and that into a string of its own.
	res, err := db.Query("SELECT CAST(event_date AS TEXT), CAST(created_at AS TEXT), coalesce(CAST(updated_at AS TEXT), '') FROM incidents ORDER BY fid")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	for i := 0; res.Next(); i++ {
		var date, cre, upd string
		res.Scan(&date, &cre, &upd)
		if i >= len(rows) {
			t.Fatalf("row %d written: a rejected row was stored", i+1)
		}
		if r := rows[i]; date != r.date || cre != r.cre || upd != r.upd {
			t.Errorf("row %d: %q %q %q, want %q %q %q", i+1, date, cre, upd, r.date, r.cre, r.upd)
		}
	}
	var lastChange string
	db.QueryRow("SELECT CAST(last_change AS TEXT) FROM gpkg_contents").Scan(&lastChange)
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", lastChange); err != nil || len(lastChange) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("gpkg_contents.last_change %q is not YYYY-MM-DDTHH:MM:SS.SSSZ", lastChange)
	}
}
