package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/incidentmap/incidentmap/geo"
)

const placesUsage = `Usage:
  incidentmap places import [--db FILE] FILE   add the places of a file to the gazetteer
  incidentmap places list [--db FILE] [--source S] [--json]
  incidentmap places delete [--db FILE] ID

Added places are kept in the database and used by the geocoder of every
command and of the server (a running server sees places posted to
/api/v1/places at once, and those imported here within seconds).
`

func cmdPlaces(ctx context.Context, args []string, e env) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "import":
		return cmdPlacesImport(ctx, args, e)
	case "list":
		return cmdPlacesList(ctx, args, e)
	case "delete":
		return cmdPlacesDelete(ctx, args, e)
	case "--help", "-h", "help":
		fmt.Fprint(e.stderr, placesUsage)
		return nil
	}
	fmt.Fprint(e.stderr, placesUsage)
	return usageError{"places takes a subcommand: import, list or delete"}
}

func cmdPlacesImport(ctx context.Context, args []string, e env) error {
	fs := newFlags("places import", "[--db FILE] FILE", "Adds the places of FILE to the gazetteer, all or none: a GeoNames dump (tab-separated: geonameid,\nname, asciiname, alternatenames, latitude, longitude, feature class, feature code, country code,\n...; only class P, populated places, is read), GeoJSON Points with \"name\" and optional \"variants\"\nand \"kind\", or CSV with the header name,lat,lon (variants optional, ';'-separated). A bad row\nfails the file with its line and what to fix. The places' source is the file's name.", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file (created if missing)")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"places import takes one file"}
	}
	ps, err := geo.ReadPlacesFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return fmt.Errorf("places file %s: no populated places in it; nothing imported", fs.Arg(0))
	}
	for i := range ps {
		ps[i].Source = filepath.Base(fs.Arg(0))
	}
	db, closeDB, err := openPlaces(ctx, *dbPath, true)
	if err != nil {
		return err
	}
	defer closeDB()
	added, err := db.AddPlaces(ctx, ps)
	if err != nil {
		return fmt.Errorf("places file %s: %w (nothing imported)", fs.Arg(0), err)
	}
	fmt.Fprintf(e.stdout, "imported %d places from %s into %s\n", len(added), fs.Arg(0), absPath(*dbPath))
	return nil
}

func cmdPlacesList(ctx context.Context, args []string, e env) error {
	fs := newFlags("places list", "[--db FILE] [--source S] [--json]", "Lists the places added to the gazetteer: imported (source: the file's name), posted to\n/api/v1/places (api) and learned from incidents (learned).", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	source := fs.String("source", "", "only places of this source")
	asJSON := fs.Bool("json", false, "write a JSON array instead of a table")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, ""); err != nil {
		return err
	}
	db, closeDB, err := openPlaces(ctx, *dbPath, false)
	if err != nil {
		return err
	}
	defer closeDB()
	ps, err := db.Places(ctx, *source)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e, ps)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tKIND\tLON\tLAT\tSOURCE")
	for _, p := range ps {
		fmt.Fprintf(w, "%d\t%s\t%s\t%.5f\t%.5f\t%s\n", p.ID, p.Name, p.Kind, p.Point[0], p.Point[1], p.Source)
	}
	return w.Flush()
}

func cmdPlacesDelete(ctx context.Context, args []string, e env) error {
	fs := newFlags("places delete", "[--db FILE] ID", "Removes an added place (its ID from `incidentmap places list`).", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"places delete takes one place ID (see `incidentmap places list`)"}
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a place ID (a number, see `incidentmap places list`)", fs.Arg(0))}
	}
	db, closeDB, err := openPlaces(ctx, *dbPath, false)
	if err != nil {
		return err
	}
	defer closeDB()
	return db.DeletePlace(ctx, id)
}

// loadAddedPlaces adds the places of the database at path, when it
// exists, to the geography's gazetteer.
func loadAddedPlaces(ctx context.Context, path string, g *geo.Geography) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !isPostgres(path) {
		return nil
	}
	db, closeDB, err := openPlaces(ctx, path, true)
	if err != nil {
		return err
	}
	defer closeDB()
	_, err = db.LoadPlaces(ctx, g.Places)
	return err
}
