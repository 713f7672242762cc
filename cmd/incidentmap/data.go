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
	"runtime/debug"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/importer"
	"github.com/incidentmap/incidentmap/incident"
)

func cmdImport(ctx context.Context, args []string, e env) error {
	fs := newFlags("import", "[flags] FILE", "Imports incidents from an ACLED export (CSV from the export tool or the API, or Excel .xlsx; the\npre-2019 typology is mapped onto today's), ACLED's deletion list, a UCDP GED CSV, GeoJSON (a\nFeatureCollection, a Feature, or a text sequence) or incidentmap's own CSV; the shape is recognised\nfrom the content. FILE - reads stdin. Each row is imported on its own merit: the good ones go in,\nevery bad one is reported with its line, id, field and what to fix (the exit status is then 1), and\n--rejects writes them out to fix and import again. Importing again updates: a row whose id is\nstored replaces it when the source changed it, is left alone when not, and never overwrites a\nnewer version (by ACLED's timestamp).", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	create := fs.Bool("create", false, "create the database if it does not exist (otherwise a missing --db is an error)")
	strict := fs.Bool("strict", false, "import nothing if any row is rejected")
	allOrNothing := fs.Bool("all-or-nothing", false, "the same as --strict")
	format := fs.String("format", "auto", "input format: auto (from the content), csv, xlsx or geojson")
	dateOrder := fs.String("date-order", "", "dmy or mdy: the order of dates like 05/06/2023, when no date in the file says")
	rejects := fs.String("rejects", "", "write the rejected rows here as CSV (original columns plus reason), to fix and import again")
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
	order, err := importer.ParseDateOrder(*dateOrder)
	if err != nil {
		return usageError{"--date-order " + strings.TrimPrefix(err.Error(), "date_order: ")}
	}
	opts := importer.Options{Format: *format, DateOrder: order}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	name := fs.Arg(0)
	var f *os.File
	if name == "-" {
		// Spooled, so the rejects file can read the rows again.
		if f, err = os.CreateTemp("", "incidentmap-import-*"); err != nil {
			return err
		}
		defer os.Remove(f.Name())
		if _, err := io.Copy(f, e.stdin); err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		name = "stdin"
	} else if f, err = os.Open(name); err != nil {
		return err
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// The file is read, prepared and stored a chunk at a time, so the bar
	// counts bytes read through the whole import. Chunks are garbage soon
	// after: collected at 30% growth instead of 100%, resident memory
	// importing 100,000 ACLED rows was 430 MB instead of 570 MB (460 MB at
	// 50%), for about the same CPU time (+0.4 to 1 s in 15).
	debug.SetGCPercent(30)
	cr := &countingReader{r: f}
	bar := newProgress(e.stderr, "importing", int(size))
	cr.progress = bar.set
	rd, err := importer.Open(cr, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rd.Close()
	a, err := openApp(ctx, *dbPath, g, e.stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	res, err := a.svc.ImportStream(incident.WithActor(ctx, "cli import"), rd.Chunks(), incident.ImportOptions{
		Strict: *strict || *allOrNothing,
		// From the first chunk's bytes a row, how many rows the file holds.
		Expected: func() int { return int(size * int64(rd.Rows()) / max(1, int64(cr.n))) },
		Phase:    bar.then,
	})
	bar.done()
	b := rd
	if res != nil {
		fmt.Fprintf(e.stdout, "%s (%s %s): new %d, updated %d, unchanged %d, stale %d, deleted %d, rejected %d; admin1 mismatches %d\n",
			name, b.Shape, b.Container, res.New, res.Updated, res.Unchanged, res.Stale, res.Deleted, len(res.Rejected), res.Admin1Mismatch)
		unit := b.Unit()
		for _, r := range res.Rejected {
			field := ""
			if r.Field != "" {
				field = r.Field + ": "
			}
			fmt.Fprintf(e.stdout, "  %s %d%s: %s%s\n", unit, r.Record, idNote(r.ID), field, r.Reason)
		}
		if *rejects != "" && len(res.Rejected) > 0 {
			if err := writeRejects(f, opts, res.Rejected, *rejects); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %d rejected rows to %s: fix them there and import that file\n", len(res.Rejected), *rejects)
		}
	}
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("%d rows rejected; the others were imported", len(res.Rejected))
	}
	return nil
}

func writeRejects(src *os.File, opts importer.Options, rej []incident.Rejected, path string) error {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := importer.WriteRejects(src, opts, rej, out); err != nil {
		out.Close()
		return fmt.Errorf("--rejects: %w", err)
	}
	return out.Close()
}

// countingReader tells progress how many bytes have been read.
type countingReader struct {
	r        io.Reader
	n        int
	progress func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	c.progress(c.n)
	return n, err
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

func cmdExport(ctx context.Context, args []string, e env) error {
	fs := newFlags("export", "[flags]", "Writes incidents as a GeoJSON FeatureCollection (RFC 7946), newest first, to stdout or --out.\n--filter takes the API's query parameters, e.g. --filter 'region=NE-6&start=2023-07-01'.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	out := fs.String("out", "", "file to write (default stdout)")
	filter := fs.String("filter", "", "API filters as a query string: "+strings.Join(incident.FilterParamNames(false), ", ")+", and limit")
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
	a, err := openApp(ctx, *dbPath, g, e.stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	areas, _, err := loadAreas(ctx, a)
	if err != nil {
		return err
	}
	f, err := incident.ParseFilter(q, areas)
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
	dbPath := fs.String("db", defaultDB, dbUsage)
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
