// Package sqlite is the embedded incident.Store: one SQLite file through the
// pure-Go modernc.org/sqlite driver, in WAL mode with synchronous=FULL so a
// commit that returned has reached the disk. Bounding boxes and circles are
// ranges of s2 cell keys in a B-tree (geo.CellKey); border distances are
// rows of their own, keyed by border (borders.go); distances from a point
// are great-circle distances computed in SQL.
//
// The store is split by concern: this file opens the database and brings
// its schema up to date (migrations); write.go, bulk.go and history.go
// write; plan.go turns a filter into SQL; read.go and stats.go read;
// tokens.go, backup.go and the rest hold one feature each.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/paulmach/orb"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite incident and token store.
type DB struct {
	// AreaStore keeps drawn zones and sites (areas.go).
	stored.AreaStore
	path  string
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB
	Now   func() time.Time
	// seam splits the cell index in two halves (cellMedian).
	seam struct {
		sync.Mutex
		key int64
		at  time.Time
	}
}

var _ incident.Store = (*DB)(nil)
var _ incident.TokenStore = (*DB)(nil)
var _ incident.History = (*DB)(nil)

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, -1)
}

// open opens the database at path with its schema brought up to version to
// (the latest when -1).
func open(ctx context.Context, path string, to int) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path; pass --db FILE")
	}
	// Every connection gets a 32 MB page cache, and the one writer a helper
	// thread for sorting (building indexes at the end of a bulk load). The
	// writer had 256 MB, for bulk loads; they drop their indexes, and it cost
	// 450 MB of resident memory importing 100,000 ACLED rows (1,150 MB
	// against 660 MB at 64 MB and 610 MB at 32 MB) for no speed. (Memory-
	// mapping the file was tried: it made resident memory grow to the size
	// of the database.)
	q := url.Values{}
	busy := fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", busy, "foreign_keys(ON)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Add("_pragma", "cache_size(-32768)")
	wq := url.Values{"_pragma": append(append([]string{}, q["_pragma"]...), "threads(2)")}
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{path: path, write: w, read: r, Now: time.Now}
	db.AreaStore = stored.AreaStore{Rows: areaRows{db}, Store: "sqlite"}
	if err := db.migrateTo(ctx, to); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// migrateTo brings the schema up to version to (every migration when -1):
// tests build databases as older versions left them.
func (db *DB) migrateTo(ctx context.Context, to int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if to >= 0 {
		names = names[:to]
	}
	var version int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: %s is not a SQLite database or cannot be read: %w", db.path, err)
	}
	if version > len(names) {
		return fmt.Errorf("sqlite: %s has schema version %d, newer than this program's %d; upgrade incidentmap", db.path, version, len(names))
	}
	for i := version; i < len(names); i++ {
		body, _ := migrations.ReadFile(names[i])
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", names[i], err)
		}
		if after := afterMigration[filepath.Base(names[i])]; after != nil {
			if err := after(ctx, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("sqlite: migration %s: %w", names[i], err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// afterMigration holds the steps of a migration that SQL cannot do, run in
// its transaction after its SQL.
var afterMigration = map[string]func(context.Context, *sql.Tx) error{
	"0006_cell_keys.sql":   fillCellKeys,
	"0012_admin_names.sql": fillAdminNames,
}

// fillCellKeys gives every incident its s2 cell key, then indexes them.
func fillCellKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT seq, lon, lat FROM incidents")
	if err != nil {
		return err
	}
	type key struct{ seq, cell int64 }
	var keys []key
	for rows.Next() {
		var seq int64
		var lon, lat float64
		if err := rows.Scan(&seq, &lon, &lat); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, key{seq, geo.CellKey(orb.Point{lon, lat})})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(keys) > 10000 {
		slog.Info("sqlite: one-time upgrade: indexing incidents by s2 cell (about 15 s per million)", "incidents", len(keys))
	}
	st, err := tx.PrepareContext(ctx, "UPDATE incidents SET cell = ? WHERE seq = ?")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, k := range keys {
		if _, err := st.ExecContext(ctx, k.cell, k.seq); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, cellIndexSQL)
	return err
}

// cellIndexSQL is the spatial index as migration 0006 made it: live
// incidents by cell key, with lon and lat so that counts and edge tests read
// the index alone (migration 0009 adds the columns other filters test).
const cellIndexSQL = "CREATE INDEX incidents_cell ON incidents (cell, lon, lat) WHERE deleted_at IS NULL"

// Meta returns a value of the meta table ("" when unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// busyTimeout is how long a write waits for another connection's write (a
// bulk load by another process) before giving up (a variable for tests).
var busyTimeout = 10 * time.Second

func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		if isBusy(err) {
			return incident.Errorf(incident.EUNAVAILABLE, "the database is busy with a long write (a bulk load or an import, maybe from another process) and could not take this one within %v; nothing was changed: try again in a while", busyTimeout)
		}
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Ping implements incident.Store.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM incidents LIMIT 1)").Scan(&one)
}
