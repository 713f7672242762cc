// Backups and checks of the database file: the integrity check, a
// consistent copy taken while the server runs (VACUUM INTO), and verifying
// and restoring a copy. They handle the file as a whole, apart from the
// incidents in it, so they live apart from the queries.

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// IntegrityCheck runs SQLite's integrity check and returns its complaints.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("sqlite: integrity check: %s", res)
	}
	return nil
}

// Backup writes a consistent copy of the database to path (which must not
// exist) while the database stays in use: SQLite's VACUUM INTO reads one
// snapshot, so writes made meanwhile are simply not in the copy.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: %s exists; choose a new file for the backup", path)
	}
	if _, err := db.read.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return Verify(ctx, path)
}

// Verify checks that path is an intact incidentmap database this program
// can open.
func Verify(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	var res string
	if err := c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("sqlite: %s is not a SQLite database: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("sqlite: %s fails its integrity check: %s", path, res)
	}
	var version int
	c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	if version < 1 || version > len(names) {
		return fmt.Errorf("sqlite: %s has schema version %d; this program knows 1 to %d: is it an incidentmap database?", path, version, len(names))
	}
	var n int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM incidents").Scan(&n); err != nil {
		return fmt.Errorf("sqlite: %s has no incidents table: is it an incidentmap database?", path)
	}
	return nil
}

// Restore replaces the database file at dbPath with the backup at from,
// after verifying it. The server must not be running on dbPath.
func Restore(ctx context.Context, from, dbPath string) error {
	if err := Verify(ctx, from); err != nil {
		return err
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dbPath), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// The old database's write-ahead log belongs to the old file.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), dbPath); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(dbPath)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
