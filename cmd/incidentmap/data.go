package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

func cmdImport(ctx context.Context, args []string, e env) error {
	fs := newFlags("import", "[flags] FILE", "Imports incidents from a GeoJSON FeatureCollection, a single Feature, a GeoJSON text sequence\n(one Feature per line), or an ACLED CSV export; FILE - reads stdin. Each incident is validated and\nits region, border distances and zones derived; features without geometry have their\nproperties.location geocoded. Incidents whose id is already stored are skipped. Valid records are\nstored in one transaction; rejected ones are listed with the reason (CSV: by line), and the exit\nstatus is then 1. An ACLED CSV is all or nothing: one bad row, and nothing is imported.", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	strict := fs.Bool("all-or-nothing", false, "import nothing if any record is rejected (always so for CSV)")
	create := fs.Bool("create", false, "create the database if it does not exist (otherwise a missing --db is an error)")
	format := fs.String("format", "auto", "input format: auto (by extension and content), geojson or csv")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file (for performance work)")
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"import takes one FILE (or - for stdin)"}
	}
	if !*create {
		if err := requireDB(*dbPath); err != nil {
			return fmt.Errorf("%w; or import --create to make a new one", err)
		}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	var r io.Reader = e.stdin
	name := "stdin"
	if fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		r, name = f, fs.Arg(0)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	isCSV := *format == "csv" || (*format == "auto" && (strings.HasSuffix(strings.ToLower(name), ".csv") || looksLikeCSV(raw)))
	if *format != "auto" && *format != "csv" && *format != "geojson" {
		return usageError{fmt.Sprintf("--format %q: use auto, geojson or csv", *format)}
	}
	var ins []*incident.Incident
	var rej []incident.Rejected
	if isCSV {
		ins, rej, err = incident.DecodeACLEDCSV(bytes.NewReader(raw))
	} else {
		ins, rej, err = incident.DecodeFeatures(raw)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	a, err := openApp(ctx, *dbPath, g)
	if err != nil {
		return err
	}
	defer a.db.Close()
	bar := newProgress(e.stderr, "importing", len(ins))
	res, err := a.svc.Import(incident.WithActor(ctx, "cli import"), ins, rej, incident.ImportOptions{AllOrNothing: *strict || isCSV, Progress: bar.set})
	bar.done()
	unit := "record"
	if isCSV {
		unit = "line"
	}
	if res != nil {
		fmt.Fprintf(e.stdout, "%s: imported %d, skipped %d (already stored), rejected %d\n", name, res.Imported, res.Skipped, len(res.Rejected))
		for i, r := range res.Rejected {
			if i == 50 {
				fmt.Fprintf(e.stdout, "  ... and %d more rejected\n", len(res.Rejected)-50)
				break
			}
			fmt.Fprintf(e.stdout, "  %s %d%s: %s\n", unit, r.Record, idNote(r.ID), r.Reason)
		}
	}
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("%d records rejected; the %d valid ones were imported", len(res.Rejected), res.Imported)
	}
	return nil
}

// looksLikeCSV: not JSON (nor a GeoJSON text sequence), and a first line
// naming ACLED's columns.
func looksLikeCSV(raw []byte) bool {
	first, _, _ := bytes.Cut(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), []byte("\n"))
	first = bytes.TrimLeft(first, "\x1e \t\r") // RFC 8142 records start with RS
	return !bytes.HasPrefix(first, []byte("{")) && bytes.Contains(first, []byte("event_date")) && bytes.Contains(first, []byte(","))
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

func cmdExport(ctx context.Context, args []string, e env) error {
	fs := newFlags("export", "[flags]", "Writes incidents as a GeoJSON FeatureCollection (RFC 7946), newest first, to stdout or --out.\n--filter takes the API's query parameters, e.g. --filter 'region=NE-6&start=2023-07-01'.", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	out := fs.String("out", "", "file to write (default stdout)")
	filter := fs.String("filter", "", "API filters as a query string: bbox, start, end, event_type, region, border, border_km, near, radius_km, min_fatalities, q")
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, "; filters go in --filter"); err != nil {
		return err
	}
	q, err := url.ParseQuery(strings.TrimPrefix(*filter, "?"))
	if err != nil {
		return usageError{fmt.Sprintf("--filter %q is not a query string: %v", *filter, err)}
	}
	if err := requireDB(*dbPath); err != nil {
		return err
	}
	a, err := openApp(ctx, *dbPath, g)
	if err != nil {
		return err
	}
	defer a.db.Close()
	f, err := incident.ParseFilter(q, func(s string) (string, bool) {
		r, ok := a.geo.Region(s)
		if !ok {
			return "", false
		}
		return r.Code, true
	})
	if err != nil {
		return fmt.Errorf("--filter: %w", err)
	}
	if !q.Has("limit") {
		f.Limit = 0 // everything, unless --filter says limit=
	}
	f.JSONOnly = true
	var w io.Writer = e.stdout
	var file *os.File
	if *out != "" {
		// Write beside the target and rename, so a failed export never leaves
		// a truncated file under the real name.
		file, err = createBeside(*out)
		if err != nil {
			return err
		}
		defer os.Remove(file.Name())
		w = file
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	n, err := writeGeoJSON(ctx, a, f, bw)
	if err == nil {
		err = bw.Flush()
	}
	if file != nil {
		if err == nil {
			err = file.Sync()
		}
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(file.Name(), *out)
		}
		if err == nil {
			fmt.Fprintf(e.stderr, "wrote %d incidents to %s\n", n, *out)
		}
	}
	return err
}

// createBeside creates a new temporary file in path's folder (made if
// missing), for writing and then renaming to path. It is made as os.Create
// makes files, 0666 less the umask (0644 usually): os.CreateTemp makes them
// 0600, and the rename kept that, so an export was unreadable to the group
// the folder was shared with.
func createBeside(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for {
		name := filepath.Join(dir, fmt.Sprintf(".%s.%08x.tmp", filepath.Base(path), rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
}

func writeGeoJSON(ctx context.Context, a *app, f incident.Filter, w *bufio.Writer) (int, error) {
	n := 0
	var buf bytes.Buffer
	w.WriteString(`{"type":"FeatureCollection","features":[`)
	err := a.db.Each(ctx, f, func(in *incident.Incident) error {
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		buf.Reset()
		in.AppendFeature(&buf)
		_, err := w.Write(buf.Bytes())
		n++
		return err
	})
	if err != nil {
		return n, err
	}
	_, err = fmt.Fprintf(w, "\n],\"numberMatched\":%d,\"numberReturned\":%d,\"timeStamp\":%q}\n", n, n, time.Now().UTC().Format(time.RFC3339))
	return n, err
}

func cmdToken(ctx context.Context, args []string, e env) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "create":
	case "list":
		return cmdTokenList(ctx, args[1:], e)
	case "revoke":
		return cmdTokenRevoke(ctx, args[1:], e)
	case "--help", "-h", "help":
		fmt.Fprint(e.stderr, tokenUsage)
		return nil
	default:
		fmt.Fprint(e.stderr, tokenUsage)
		return usageError{"token takes a subcommand: create, list or revoke"}
	}
	fs := newFlags("token create", "--role ROLE [--name NAME]", "Creates an API token and prints it once; only its hash is stored. Roles: viewer (read, when\nthe server runs with --read-token), editor (create, change and delete incidents), admin (all).", e)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	role := fs.String("role", "", "viewer, editor or admin (required)")
	name := fs.String("name", "", "who or what the token is for, shown in logs and history (default: the role)")
	expires := fs.String("expires", "", "how long the token is valid: 720h, 30d (default: until revoked with `incidentmap token revoke`)")
	if err := parse(fs, args[1:], e); err != nil {
		return helpOK(err)
	}
	if *role == "" {
		fs.Usage()
		return usageError{"--role is required: viewer, editor or admin"}
	}
	var ttl time.Duration
	if *expires != "" {
		d, err := incident.ParseTokenTTL(*expires)
		if err != nil {
			return usageError{fmt.Sprintf("--expires %q: use a duration like 720h or 30d", *expires)}
		}
		ttl = d
	}
	secret, t, err := incident.NewToken(*name, *role, time.Now(), ttl)
	if err != nil {
		return usageError{err.Error()}
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	fmt.Fprintf(e.stderr, "token %q (%s, role %s) created; it is shown only this once. Use it as: Authorization: Bearer <token>\n", t.Name, t.ID, t.Role)
	return nil
}
