package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/incidentmap/incidentmap/store/sqlite"
)

func cmdBackup(ctx context.Context, args []string, e env) error {
	fs := newFlags("backup", "[--db FILE] BACKUP", "Writes a consistent copy of the database to BACKUP (a new file), safely while the server runs.\nThe copy is verified (SQLite integrity check) before this returns.", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"backup takes the file to write: incidentmap backup incidentmap-2024-01-01.db"}
	}
	if isPostgres(*dbPath) {
		return errPgDump
	}
	db, err := openSQLite(ctx, *dbPath, "backups are", false)
	if err != nil {
		return err
	}
	defer db.Close()
	// SQLite cannot make the folder, and says only "unable to open
	// database file (14)" when it is missing.
	if err := os.MkdirAll(filepath.Dir(fs.Arg(0)), 0o755); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "backed up %s to %s (verified)\n", *dbPath, fs.Arg(0))
	return nil
}

func cmdRestore(ctx context.Context, args []string, e env) error {
	fs := newFlags("restore", "[--db FILE] [--force] BACKUP", "Replaces the database with a backup made by `incidentmap backup`, after checking the backup.\nStop the server first. Without --force it refuses to replace an existing database.", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file to replace")
	force := fs.Bool("force", false, "replace an existing database")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"restore takes the backup file: incidentmap restore --db incidentmap.db backup.db"}
	}
	if isPostgres(*dbPath) {
		return errPgDump
	}
	if _, err := os.Stat(*dbPath); err == nil && !*force {
		return fmt.Errorf("%s exists; stop the server and run again with --force to replace it", *dbPath)
	}
	if err := sqlite.Restore(ctx, fs.Arg(0), *dbPath); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "restored %s from %s\n", *dbPath, fs.Arg(0))
	return nil
}

// errPgDump: a PostgreSQL database is backed up by PostgreSQL's own tools,
// which copy it consistently while the servers run.
var errPgDump = errors.New("backup and restore copy a SQLite file; back up a PostgreSQL database with pg_dump -Fc -f incidentmap.dump DATABASE_URL and restore it with pg_restore --clean -d DATABASE_URL incidentmap.dump")
