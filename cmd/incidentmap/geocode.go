package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

func cmdReverse(args []string, e env) error {
	fs := newFlags("reverse", "LON LAT", "Prints, as JSON, the country and admin units of any point on Earth, its distance in km to every\nland border within 300 km (nearest first), the nearest border and the zones containing it. Example: incidentmap reverse 1.8 13.1", e)
	var g geoFlags
	g.register(fs)
	// Negative coordinates look like flags: take numbers as arguments.
	var flags, pos []string
	for _, a := range args {
		if _, err := strconv.ParseFloat(a, 64); err == nil {
			pos = append(pos, a)
		} else {
			flags = append(flags, a)
		}
	}
	if err := parse(fs, flags, e); err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 && fs.NArg() == 0 {
		args = pos
	} else {
		args = append(fs.Args(), pos...)
	}
	if len(args) != 2 {
		fs.Usage()
		return usageError{"reverse takes two numbers: LON LAT (longitude first)"}
	}
	lon, err1 := strconv.ParseFloat(args[0], 64)
	lat, err2 := strconv.ParseFloat(args[1], 64)
	if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -90 || lat > 90 || lon != lon || lat != lat {
		fs.Usage()
		return usageError{fmt.Sprintf("%q %q: want LON from -180 to 180, then LAT from -90 to 90", args[0], args[1])}
	}
	gg, err := g.load()
	if err != nil {
		return err
	}
	return printJSON(e, gg.Reverse(lon, lat))
}

func cmdGeocode(ctx context.Context, args []string, e env) error {
	fs := newFlags("geocode", "\"TEXT\"", "Prints, as a JSON array best first, candidate points for a place phrase: a town (\"Torodi\"),\n\"near Ayorou\", \"20 km north of Tillia\", \"western Tahoua region near the Mali border\",\n\"southwest Niger\", \"the tri-border area\". Text it cannot place prints [] and the reason on stderr.", e)
	var g geoFlags
	g.register(fs)
	dbPath := fs.String("db", defaultDB, "SQLite database whose added places (imported, posted, learned) are used too, when it exists")
	var hint incident.PlaceHint
	fs.StringVar(&hint.Country, "country", "", "the report's country (ISO3 or name): picks among places of one name")
	fs.StringVar(&hint.Admin1, "admin1", "", "the report's admin1 (region): picks among places of one name, and bounds an unknown one")
	fs.StringVar(&hint.Admin2, "admin2", "", "the report's admin2")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"geocode takes the place text, quoted: incidentmap geocode \"near Ayorou\""}
	}
	gg, err := g.load()
	if err != nil {
		return err
	}
	if err := loadAddedPlaces(ctx, *dbPath, gg); err != nil {
		return err
	}
	cs, reason := gg.GeocodeHint(strings.Join(fs.Args(), " "), hint)
	if cs == nil {
		cs = []incident.Candidate{}
		fmt.Fprintln(e.stderr, reason)
	}
	return printJSON(e, cs)
}

func printJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// helpOK turns "--help was asked for" into success.
func helpOK(err error) error {
	if err == errHelp {
		return nil
	}
	return err
}
