package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/handlers"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// database is what the commands need of a store: the SQLite file's or
// the PostGIS database's. What only one of them does (added places,
// backups, watches) is asked for by type.
type database interface {
	incident.Store
	incident.TokenStore
	Close() error
	Meta(ctx context.Context, key string) (string, error)
	CreateManyWithMeta(ctx context.Context, ins []*incident.Incident, key, value string) error
	CreateBatches(ctx context.Context, total int, next func() ([]*incident.Incident, error)) error
}

// placeDB keeps the places users add to the gazetteer (both stores).
type placeDB interface {
	handlers.PlaceStore
	LoadPlaces(ctx context.Context, gz *geo.Gazetteer) (int64, error)
	LoadPlacesAfter(ctx context.Context, gz *geo.Gazetteer, after int64) (int64, error)
}

// openPlaces opens the store --db names for the places commands (a SQLite
// file must exist unless create).
func openPlaces(ctx context.Context, db string, create bool) (placeDB, func() error, error) {
	if !create {
		if err := requireDB(db); err != nil {
			return nil, nil, err
		}
	}
	d, err := openStore(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	p, ok := d.(placeDB)
	if !ok {
		d.Close()
		return nil, nil, fmt.Errorf("added places are not yet available on %s", storeName(db))
	}
	return p, d.Close, nil
}

// isPostgres says whether --db names a PostgreSQL database (a postgres://
// URL) rather than a SQLite file.
func isPostgres(db string) bool { return postgis.IsURL(db) }

// openStore opens the store --db names: PostGIS for a postgres:// URL,
// else the SQLite file (created if missing).
func openStore(ctx context.Context, db string) (database, error) {
	if isPostgres(db) {
		return postgis.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// storeName names the store for messages.
func storeName(db string) string {
	if isPostgres(db) {
		return "PostgreSQL"
	}
	return "SQLite"
}

// dbForLog is --db for logs: the file's absolute path, or the URL without
// its password.
func dbForLog(db string) string {
	if isPostgres(db) {
		return postgis.Redact(db)
	}
	return absPath(db)
}

// openSQLite opens a SQLite database (one that must exist, unless create),
// for the commands only it serves yet; a PostgreSQL URL gets an error
// saying so.
func openSQLite(ctx context.Context, db, feature string, create bool) (*sqlite.DB, error) {
	if isPostgres(db) {
		return nil, fmt.Errorf("%s not yet available on PostgreSQL; they work on a SQLite database (--db FILE)", feature)
	}
	if !create {
		if err := requireDB(db); err != nil {
			return nil, err
		}
	}
	return sqlite.Open(ctx, db)
}

// dbUsage is the help of --db for the commands both stores serve.
const dbUsage = "SQLite database file, or a PostgreSQL database as postgres://user:password@host:5432/database"

// loadAreas is the geography with the zones editors drew and the sites,
// which filters and watches name (zone=, near_site=), and the store that
// keeps them (both stores keep them; nil for a store that does not).
func loadAreas(ctx context.Context, a *app) (*geo.Areas, incident.AreaStore, error) {
	areas := geo.NewAreas(a.geo)
	as, ok := a.db.(incident.AreaStore)
	if !ok {
		return areas, nil, nil
	}
	if err := areas.Load(ctx, as); err != nil {
		return nil, nil, fmt.Errorf("loading zones and sites: %w", err)
	}
	return areas, as, nil
}

// areasVersioner is a store several servers share (PostgreSQL) that says
// when its zones and sites changed.
type areasVersioner interface {
	AreasVersion(ctx context.Context) (string, error)
}

// pollAreas reads the zones and sites again when another server changed
// them (every placesPoll), so a zone drawn on one server is one zone=
// finds on every other; those drawn here are in areas already.
func pollAreas(ctx context.Context, av areasVersioner, as incident.AreaStore, areas *geo.Areas, logger *slog.Logger) {
	last := "" // the first tick reads them again: a change may have come since the start read them
	t := time.NewTicker(placesPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := av.AreasVersion(ctx)
		if err == nil && v != last {
			if err = areas.Load(ctx, as); err == nil {
				last = v
			}
		}
		if err != nil && ctx.Err() == nil {
			logger.Warn("reading zones and sites", "err", err)
		}
	}
}
