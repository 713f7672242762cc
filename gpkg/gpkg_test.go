package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"
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
