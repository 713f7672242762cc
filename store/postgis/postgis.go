// Package postgis is the incident.Store on PostgreSQL (15 or later) with
// PostGIS 3, through pgx's connection pool: several servers can share one
// database. Points are a geography column with a GiST index on its
// geometry (for a box) and s2 cell keys in a B-tree (for a circle, then
// the haversine distance every store uses), with counts per cell, per
// border kilometre and per day kept with the writes (counts.go); border
// distances are precomputed rows with an index per key
// (incident_borders); text is a tsvector of the words
// incident.SearchWords finds, searched as prefixes. What every filter
// means is incident.Filter.Match; this package says it in SQL.
package postgis

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the PostGIS incident and token store.
type DB struct {
	// AreaStore keeps drawn zones and sites (areas.go).
	stored.AreaStore
	pool *pgxpool.Pool
	// where names the server for messages: host:port/database, never the
	// password.
	where string
	Now   func() time.Time
}

var (
	_ incident.Store      = (*DB)(nil)
	_ incident.TokenStore = (*DB)(nil)
	_ incident.History    = (*DB)(nil)
	_ incident.ChangeLog  = (*DB)(nil)
	_ incident.Aggregator = (*DB)(nil)
)

// IsURL says whether a --db value names a PostgreSQL database rather than a
// SQLite file.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at a postgres:// URL and brings its schema
// up to date. Several servers may open one database at once: migrations
// run one server at a time, under an advisory lock.
func Open(ctx context.Context, dbURL string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("postgis: %s is not a database URL: %v; use postgres://user:password@host:5432/database", Redact(dbURL), redactErr(err, dbURL))
	}
	c := cfg.ConnConfig
	where := fmt.Sprintf("%s:%d/%s as %s", c.Host, c.Port, c.Database, c.User)
	// A connection that cannot be made in 10 s will not be made: say so
	// rather than hang the server's start.
	if c.ConnectTimeout == 0 || c.ConnectTimeout > 10*time.Second {
		c.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %s: %v", where, redactErr(err, dbURL))
	}
	db := &DB{pool: pool, where: where, Now: time.Now}
	db.AreaStore = stored.AreaStore{Rows: areaRows{db}, Store: "postgis"}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: cannot connect to %s: %v; check the host, port, database, user and password of --db (INCIDENTMAP_DB)", where, redactErr(err, dbURL))
	}
	if err := db.migrate(ctx, -1); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// userinfo is the user:password@ of a URL, found even where the URL does
// not parse (a bad port), so that no message shows the password.
var userinfo = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):([^@]*)@`)

// Redact is a database URL without its password, for messages and logs.
func Redact(dbURL string) string {
	return userinfo.ReplaceAllString(dbURL, "${1}:xxxxx@")
}

// redactErr is err's message with the URL's password taken out, should the
// driver quote it.
func redactErr(err error, dbURL string) string {
	msg := err.Error()
	if m := userinfo.FindStringSubmatch(dbURL); m != nil && m[2] != "" {
		msg = strings.ReplaceAll(msg, m[2], "xxxxx")
		if pw, perr := url.PathUnescape(m[2]); perr == nil && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Where is the database the store is on (host:port/database as user), for
// logs.
func (db *DB) Where() string { return db.where }

// migrationLock is the key of the advisory lock migrations run under
// ("incidentmap" in hex, as a number): the servers that start together
// take turns, and the last ones find nothing left to do.
const migrationLock = 0x696e636964656e74

// migrate applies the migrations not yet recorded in schema_migrations, up
// to version to (every one when -1), each in its own transaction.
func (db *DB) migrate(ctx context.Context, to int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if to >= 0 {
		names = names[:to]
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.fail("migrate", err)
	}
	defer conn.Release()
	// A session lock, held across the migrations' transactions.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return db.fail("migrate", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"); err != nil {
		return fmt.Errorf("postgis: %s: cannot create schema_migrations (does the user own the database?): %w", db.where, err)
	}
	var version int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return db.fail("migrate", err)
	}
	all, _ := fs.Glob(migrations, "migrations/*.sql")
	if version > len(all) {
		return fmt.Errorf("postgis: %s has schema version %d, newer than this program's %d; upgrade incidentmap", db.where, version, len(all))
	}
	for i := version; i < len(names); i++ {
		body, _ := migrations.ReadFile(names[i])
		name := strings.TrimPrefix(names[i], "migrations/")
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", i+1, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgis: %s: migration %s: %w", db.where, name, err)
		}
	}
	return nil
}

// writeLock is the key of the advisory lock every write transaction takes:
// writes are serialized across servers, so revisions (the change log) are
// numbered in commit order and a reader resuming from a number misses none.
const writeLock = 0x696e6d6170777269

// lockWait is how long a write waits for another's (a bulk load) before it
// gives up with EUNAVAILABLE (a variable for tests).
var lockWait = 10 * time.Second

// inTx runs fn in a write transaction, committed when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.runTx(ctx, true, fn)
}

// outboxTx runs fn in a transaction that does not take the write lock:
// notices and deliveries change no incident, and wait for no bulk load.
func (db *DB) outboxTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.runTx(ctx, false, fn)
}

func (db *DB) runTx(ctx context.Context, writes bool, fn func(pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return db.fail("begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = "+strconv.FormatInt(lockWait.Milliseconds(), 10)); err != nil {
		return db.fail("begin", err)
	}
	if writes {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(writeLock)); err != nil {
			return db.fail("begin", err)
		}
	}
	if err := fn(tx); err != nil {
		return db.fail("write", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return db.fail("commit", err)
	}
	return nil
}

// fail turns a driver error into a domain error where it is one a client
// can act on: the database unreachable or a write waiting too long is
// EUNAVAILABLE (try again), and nothing was written. Domain errors and
// cancellations pass through.
func (db *DB) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var ie *incident.Error
	if errors.As(err, &ie) || errors.Is(err, context.Canceled) {
		return err
	}
	switch {
	case isLockTimeout(err):
		return incident.Errorf(incident.EUNAVAILABLE, "the database is busy with a long write (a bulk load or an import, maybe from another server) and could not take this one within %v; nothing was changed: try again in a while", lockWait)
	case isUnreachable(err):
		return incident.Errorf(incident.EUNAVAILABLE, "the database (%s) cannot be reached; nothing was changed: try again in a while", db.where)
	}
	return fmt.Errorf("postgis: %s: %w", op, err)
}
