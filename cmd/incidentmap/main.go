// Command incidentmap serves security incidents on a map and through an API,
// and imports, exports and geocodes them from the command line.
//
//	incidentmap [serve]            serve the map and API (default)
//	incidentmap import FILE        import GeoJSON incidents
//	incidentmap export             write incidents as GeoJSON
//	incidentmap token create       make an API token
//	incidentmap reverse LON LAT    where is this point?
//	incidentmap geocode "TEXT"     where is this place phrase?
//	incidentmap help               every command
//
// Every flag can also be set with an INCIDENTMAP_* environment variable:
// --db is INCIDENTMAP_DB, --border-zone-km is INCIDENTMAP_BORDER_ZONE_KM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			if u.msg != "" {
				fmt.Fprintln(os.Stderr, "incidentmap:", u.msg)
			}
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "incidentmap:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// ready, when set, is told the address the server listens on.
	ready func(addr string)
}

const usage = `incidentmap: security incidents on a map, with an API for analysts and GIS tools.

Usage:
  incidentmap [serve] [flags]        serve the map and API at http://localhost:8080
  incidentmap import [flags] FILE    import incidents (GeoJSON FeatureCollection or text sequence; - for stdin)
  incidentmap export [flags]         write incidents as a GeoJSON FeatureCollection
  incidentmap token create [flags]   create an API token (printed once)
  incidentmap token list             list API tokens (never their secrets)
  incidentmap token revoke ID        revoke an API token, at once
  incidentmap reverse LON LAT        country, region, border distances and zones of a point
  incidentmap geocode "TEXT"         candidate points for a place phrase
  incidentmap places import FILE     add places to the gazetteer (GeoNames dump, GeoJSON points, CSV name,lat,lon)
  incidentmap places list            list the places added (imported, posted, learned)
  incidentmap places delete ID       remove an added place
  incidentmap gen --n N [--seed S]   add N realistic synthetic incidents (benchmarks, demos)
  incidentmap extract FILE --published YYYY-MM-DD
                                     draft incidents from a news report (--store: for review)
  incidentmap dedup                  stored incidents that may be one event reported twice
  incidentmap rederive               derive stored incidents again with this program's geography
  incidentmap backup FILE            write a verified copy of the database, while serving
  incidentmap restore FILE           replace the database with a backup (server stopped)
  incidentmap healthcheck            exit 0 if the server at --addr is healthy (for containers)
  incidentmap version                the version, build and Go version (also --version)

Run "incidentmap COMMAND --help" for a command's flags. Every flag can also be
set from the environment: --db is INCIDENTMAP_DB, --addr is INCIDENTMAP_ADDR.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, args, env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
}

func runEnv(ctx context.Context, args []string, e env) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		// Without a command, flags are serve's; but --help asks about the
		// program, and --version about the build.
		switch args[0] {
		case "-h", "-help", "--help":
			cmd, args = "help", nil
		case "-version", "--version":
			cmd, args = "version", nil
		}
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, e)
	case "import":
		return cmdImport(ctx, args, e)
	case "export":
		return cmdExport(ctx, args, e)
	case "token":
		return cmdToken(ctx, args, e)
	case "reverse":
		return cmdReverse(args, e)
	case "geocode":
		return cmdGeocode(ctx, args, e)
	case "places":
		return cmdPlaces(ctx, args, e)
	case "gen":
		return cmdGen(ctx, args, e)
	case "extract":
		return cmdExtract(ctx, args, e)
	case "dedup":
		return cmdDedup(ctx, args, e)
	case "rederive":
		return cmdRederive(ctx, args, e)
	case "backup":
		return cmdBackup(ctx, args, e)
	case "restore":
		return cmdRestore(ctx, args, e)
	case "healthcheck":
		return cmdHealthcheck(ctx, args, e)
	case "version":
		fmt.Fprintln(e.stdout, version(debug.ReadBuildInfo()))
		return nil
	case "help":
		if len(args) > 0 { // help COMMAND is COMMAND --help
			return runEnv(ctx, []string{args[0], "--help"}, e)
		}
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
