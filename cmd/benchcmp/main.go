// Command benchcmp measures incidentmap against PostGIS on the same rows, in
// the same run, and prints a Markdown report. ./scripts/bench builds it,
// starts PostgreSQL with PostGIS on loopback, and runs it; see BENCHMARKS.md.
//
//	benchcmp --bin ./incidentmap --pg postgres://postgres@127.0.0.1:55432/bench --sizes 10000,100000,1000000
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	_ "modernc.org/sqlite"
)

type options struct {
	bin, pg, work string
	// pgStore is an admin URL for the PostGIS store's database, dropped
	// and made again at each size ("" to leave the store out).
	pgStore     string
	sizes       []int
	runs        int
	pgImportMax int
}

func main() {
	var o options
	var sizes string
	fs := flag.NewFlagSet("benchcmp", flag.ExitOnError)
	fs.StringVar(&o.bin, "bin", "./incidentmap", "the incidentmap binary")
	fs.StringVar(&o.pg, "pg", "", "PostgreSQL URL of an empty database with PostGIS available (required)")
	fs.StringVar(&o.pgStore, "pg-store", "", "PostgreSQL URL of a database for incidentmap's PostGIS store (dropped and made again at each size; empty: SQLite only)")
	fs.StringVar(&o.work, "work", os.TempDir(), "directory for the SQLite databases")
	fs.StringVar(&sizes, "sizes", "10000,100000,1000000", "incident counts to measure at")
	fs.IntVar(&o.runs, "runs", 21, "repetitions per query (the median is reported)")
	fs.IntVar(&o.pgImportMax, "pg-import-max", 100000, "largest size at which PostGIS's geocoding import is timed (it is slow)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: benchcmp --pg URL [--bin FILE] [--sizes N,N] [--runs R]\n\nRuns the incidentmap-versus-PostGIS benchmark and prints Markdown. Use ./scripts/bench.")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	if o.pg == "" {
		fs.Usage()
		os.Exit(2)
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "benchcmp: bad --sizes", sizes)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

type row struct {
	scenario, ours, store, theirs, ratio, note string
}

func run(ctx context.Context, o options, out io.Writer) error {
	pool, err := pgxpool.New(ctx, o.pg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pgSetup(ctx, pool); err != nil {
		return fmt.Errorf("PostGIS setup: %w", err)
	}
	g, err := geo.Default()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Run %s; Go %s, %d CPUs; medians of %d runs; incidentmap over HTTP on loopback, PostGIS over its wire protocol on loopback.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU(), o.runs)
	for _, n := range o.sizes {
		rows, err := measure(ctx, o, pool, g, n)
		if err != nil {
			return fmt.Errorf("at %d incidents: %w", n, err)
		}
		fmt.Fprintf(out, "### %s incidents\n\n| scenario | incidentmap on SQLite | incidentmap on PostGIS | plain PostGIS | SQLite vs plain PostGIS | notes |\n| --- | ---: | ---: | ---: | ---: | --- |\n", commas(n))
		for _, r := range rows {
			if r.store == "" {
				r.store = "–"
			}
			fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", r.scenario, r.ours, r.store, r.theirs, r.ratio, r.note)
		}
		fmt.Fprintln(out)
	}
	return nil
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// server is incidentmap serving a database, as a child process.
type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(o options, db string) (*server, error) {
	cmd := exec.Command(o.bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--no-seed", "--write-rate", "0")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "url=http://"); i >= 0 {
			base := strings.Fields(line[i+4:])[0]
			go io.Copy(io.Discard, stderr)
			return &server{cmd: cmd, base: base}, nil
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("server did not start")
}

func (s *server) stop() { s.cmd.Process.Signal(os.Interrupt); s.cmd.Wait() }

// rssKB reads the server's resident memory (VmRSS) or peak (VmHWM).
func (s *server) rssKB(field string) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			n, _ := strconv.Atoi(strings.Fields(l)[1])
			return n
		}
	}
	return 0
}

// client asks for uncompressed responses: on loopback, gzip (which the
// server does for clients that accept it) only costs time on both sides.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}, Timeout: 10 * time.Minute}

func get(url string) (int64, map[string]any, error) {
	res, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		return 0, nil, fmt.Errorf("%s: %d %s", url, res.StatusCode, b)
	}
	if strings.Contains(url, "limit=1&") || strings.HasSuffix(url, "limit=1") {
		var m map[string]any
		err := json.NewDecoder(res.Body).Decode(&m)
		return 0, m, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	return n, nil, err
}

// median runs fn r times and returns the median duration.
func median(r int, fn func() error) (time.Duration, error) {
	ds := make([]time.Duration, 0, r)
	for i := 0; i < r; i++ {
		t := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

// throughput runs fn from c goroutines for d and returns calls per second.
func throughput(c int, d time.Duration, fn func() error) (float64, error) {
	var n int64
	var mu sync.Mutex
	var firstErr error
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := fn(); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(n) / d.Seconds(), firstErr
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func ratio(ours, theirs time.Duration) string {
	if ours <= 0 || theirs <= 0 {
		return "–"
	}
	if ours <= theirs {
		return fmt.Sprintf("%.1f× faster", float64(theirs)/float64(ours))
	}
	return fmt.Sprintf("%.1f× slower", float64(ours)/float64(theirs))
}

func rateRatio(ours, theirs float64) string {
	if ours <= 0 || theirs <= 0 {
		return "–"
	}
	if ours >= theirs {
		return fmt.Sprintf("%.1f× more", ours/theirs)
	}
	return fmt.Sprintf("%.1f× less", theirs/ours)
}

func measure(ctx context.Context, o options, pool *pgxpool.Pool, g *geo.Geography, n int) ([]row, error) {
	var rows []row
	db := filepath.Join(o.work, fmt.Sprintf("bench-%d.db", n))
	os.Remove(db)
	os.Remove(db + "-wal")
	os.Remove(db + "-shm")
	logf("generating %d incidents...", n)
	t0 := time.Now()
	gen := exec.Command(o.bin, "gen", "--n", strconv.Itoa(n), "--seed", "1", "--db", db)
	gen.Stderr = os.Stderr
	if err := gen.Run(); err != nil {
		return nil, err
	}
	genD := time.Since(t0)
	logf("loading PostGIS...")
	if err := pgLoad(ctx, pool, db); err != nil {
		return nil, err
	}
	var pgImport time.Duration
	if n <= o.pgImportMax {
		logf("PostGIS geocoding import...")
		t := time.Now()
		if err := pgGeocodeImport(ctx, pool); err != nil {
			return nil, err
		}
		pgImport = time.Since(t)
	}
	srv, err := startServer(o, db)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	api := srv.base + "/api/v1/incidents"
	rssStart := srv.rssKB("VmRSS")
	// The same incidents (same seed) through incidentmap's PostGIS store:
	// generated into it (its import path, COPY), then served.
	var st *server
	var stGenD time.Duration
	if o.pgStore != "" {
		logf("generating %d incidents into the PostGIS store...", n)
		if err := resetDatabase(ctx, pool, o.pgStore); err != nil {
			return nil, err
		}
		t := time.Now()
		gen := exec.Command(o.bin, "gen", "--n", strconv.Itoa(n), "--seed", "1", "--db", o.pgStore)
		gen.Stderr = os.Stderr
		if err := gen.Run(); err != nil {
			return nil, err
		}
		stGenD = time.Since(t)
		if st, err = startServer(o, o.pgStore); err != nil {
			return nil, err
		}
		defer st.stop()
	}
	// onStore is what fn measures on the PostGIS store's server ("–"
	// without one).
	onStore := func(fn func(base string) (string, error)) string {
		if st == nil {
			return "–"
		}
		v, err := fn(st.base)
		if err != nil {
			logf("PostGIS store: %v", err)
			return "failed"
		}
		return v
	}
	storeMedian := func(runs int, path string) string {
		return onStore(func(base string) (string, error) {
			d, err := median(runs, func() error { _, _, err := get(base + path); return err })
			return ms(d), err
		})
	}

	// 1. bbox returning about 1,000 incidents, as GeoJSON.
	bbox, count, err := findBBox(api)
	if err != nil {
		return nil, err
	}
	logf("bbox %s holds %d incidents", bbox, count)
	b := strings.Split(bbox, ",")
	oursD, err := median(o.runs, func() error { _, _, err := get(api + "?limit=1000&bbox=" + bbox); return err })
	if err != nil {
		return nil, err
	}
	pgBBox := `SELECT json_build_object('type','FeatureCollection','features',coalesce(json_agg(f),'[]'::json))::text FROM (
		SELECT json_build_object('type','Feature','id',id,'geometry',ST_AsGeoJSON(geog)::json,'properties',props) f
		FROM incidents WHERE geog && ST_MakeEnvelope($1,$2,$3,$4,4326)::geography ORDER BY event_date DESC, id DESC LIMIT 1000) s`
	bargs := []any{atof(b[0]), atof(b[1]), atof(b[2]), atof(b[3])}
	theirsD, err := median(o.runs, func() error { var s string; return pool.QueryRow(ctx, pgBBox, bargs...).Scan(&s) })
	if err != nil {
		return nil, err
	}
	oursT, _ := throughput(2, 2*time.Second, func() error { _, _, err := get(api + "?limit=1000&bbox=" + bbox); return err })
	theirsT, _ := throughput(2, 2*time.Second, func() error { var s string; return pool.QueryRow(ctx, pgBBox, bargs...).Scan(&s) })
	storeT := onStore(func(base string) (string, error) {
		t, err := throughput(2, 2*time.Second, func() error { _, _, err := get(base + "/api/v1/incidents?limit=1000&bbox=" + bbox); return err })
		return fmt.Sprintf("%.0f/s", t), err
	})
	rows = append(rows,
		row{"1. bbox, ~1,000 incidents as GeoJSON: median", ms(oursD), storeMedian(o.runs, "/api/v1/incidents?limit=1000&bbox="+bbox), ms(theirsD), ratio(oursD, theirsD), fmt.Sprintf("%d matched; incidentmap over HTTP, plain PostGIS query only", count)},
		row{"1. bbox: throughput, 2 clients", fmt.Sprintf("%.0f/s", oursT), storeT, fmt.Sprintf("%.0f/s", theirsT), rateRatio(oursT, theirsT), ""})

	// 2. within 50 km of the Niger–Mali border: count, first page.
	borderQ := api + "?border=MLI&border_km=50"
	var bm map[string]any
	oursD, err = median(o.runs, func() error { var err error; _, bm, err = get(borderQ + "&limit=1"); return err })
	if err != nil {
		return nil, err
	}
	// As a PostGIS expert would: distances to borders computed once per
	// incident and indexed (incident_borders, the rows incidentmap keeps),
	// not ST_DWithin against the border lines at query time (timed too,
	// in the note).
	pgBorderCount := `SELECT count(*) FROM incident_borders WHERE key = 'MLI' AND km <= 50`
	var pgCount int
	theirsD, err = median(o.runs, func() error { return pool.QueryRow(ctx, pgBorderCount).Scan(&pgCount) })
	if err != nil {
		return nil, err
	}
	pgDWithinCount := `SELECT count(*) FROM incidents i WHERE EXISTS (SELECT 1 FROM border_pieces b WHERE b.country = 'MLI' AND ST_DWithin(i.geog, b.geog, 50000))`
	var dwCount int
	dwD, err := median(3, func() error { return pool.QueryRow(ctx, pgDWithinCount).Scan(&dwCount) })
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{"2. within 50 km of the Mali border: count", ms(oursD), storeMedian(o.runs, "/api/v1/incidents?border=MLI&border_km=50&limit=1"), ms(theirsD), ratio(oursD, theirsD),
		fmt.Sprintf("%v vs %d (incidentmap counts with its page of 1); ST_DWithin to Niger–Mali border pieces at query time: %s (%d)", bm["numberMatched"], pgCount, ms(dwD), dwCount)})
	oursD, _ = median(o.runs, func() error { _, _, err := get(borderQ + "&limit=100"); return err })
	pgBorderPage := `SELECT coalesce(json_agg(f),'[]'::json)::text FROM (SELECT json_build_object('type','Feature','id',i.id,'geometry',ST_AsGeoJSON(geog)::json,'properties',props) f
		FROM incident_borders b JOIN incidents i ON i.id = b.id WHERE b.key = 'MLI' AND b.km <= 50 ORDER BY i.event_date DESC, i.id DESC LIMIT 100) s`
	theirsD, _ = median(o.runs, func() error { var s string; return pool.QueryRow(ctx, pgBorderPage).Scan(&s) })
	rows = append(rows, row{"2. within 50 km of the Mali border: first page (100)", ms(oursD), storeMedian(o.runs, "/api/v1/incidents?border=MLI&border_km=50&limit=100"), ms(theirsD), ratio(oursD, theirsD), "incidentmap includes numberMatched"})

	// 3. within 25 km of a point (Niamey).
	nearQ := api + "?near=2.1098,13.51366&radius_km=25&limit=100"
	oursD, _ = median(o.runs, func() error { _, _, err := get(nearQ); return err })
	pgNear := `SELECT (SELECT count(*) FROM incidents WHERE ST_DWithin(geog, ST_MakePoint(2.1098,13.51366)::geography, 25000)),
		(SELECT coalesce(json_agg(f),'[]'::json)::text FROM (SELECT json_build_object('type','Feature','id',id,'geometry',ST_AsGeoJSON(geog)::json,'properties',props) f FROM incidents
		WHERE ST_DWithin(geog, ST_MakePoint(2.1098,13.51366)::geography, 25000) ORDER BY event_date DESC, id DESC LIMIT 100) s)`
	theirsD, _ = median(o.runs, func() error { var c int; var s string; return pool.QueryRow(ctx, pgNear).Scan(&c, &s) })
	rows = append(rows, row{"3. within 25 km of Niamey: count and first page", ms(oursD), storeMedian(o.runs, "/api/v1/incidents?near=2.1098,13.51366&radius_km=25&limit=100"), ms(theirsD), ratio(oursD, theirsD), ""})

	// 4. stats by region and month under a date filter.
	oursD, _ = median(o.runs, func() error { _, _, err := get(srv.base + "/api/v1/stats?start=2020-01-01"); return err })
	pgStats := `SELECT (SELECT json_agg(r) FROM (SELECT region_code, count(*), sum(fatalities) FROM incidents WHERE event_date >= '2020-01-01' GROUP BY 1) r)::text,
		(SELECT json_agg(m) FROM (SELECT to_char(event_date,'YYYY-MM') m, count(*), sum(fatalities) FROM incidents WHERE event_date >= '2020-01-01' GROUP BY 1) m)::text`
	theirsD, _ = median(o.runs, func() error { var a, b string; return pool.QueryRow(ctx, pgStats).Scan(&a, &b) })
	rows = append(rows, row{"4. stats by region and month since 2020", ms(oursD), storeMedian(o.runs, "/api/v1/stats?start=2020-01-01"), ms(theirsD), ratio(oursD, theirsD), "incidentmap also groups by event type and border band"})

	// 5. full GeoJSON export.
	// Medians of 3: the first run also warms the caches, on both sides.
	hwmBefore := srv.rssKB("VmRSS")
	var bytesOut int64
	exportD, err := median(3, func() error {
		var err error
		bytesOut, _, err = get(api + "?f=geojson")
		return err
	})
	if err != nil {
		return nil, err
	}
	hwmAfter := srv.rssKB("VmHWM")
	var pgBytes int64
	pgExportD, err := median(3, func() error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		cw := &countWriter{}
		_, err = conn.Conn().PgConn().CopyTo(ctx, cw, `COPY (SELECT json_build_object('type','Feature','id',id,'geometry',ST_AsGeoJSON(geog)::json,'properties',props)::text FROM incidents ORDER BY event_date DESC, id DESC) TO STDOUT`)
		pgBytes = cw.n
		return err
	})
	if err != nil {
		return nil, err
	}
	storeExport := onStore(func(base string) (string, error) {
		var b int64
		d, err := median(3, func() error {
			var err error
			b, _, err = get(base + "/api/v1/incidents?f=geojson")
			return err
		})
		return fmt.Sprintf("%.0f MB/s", float64(b)/1e6/d.Seconds()), err
	})
	rows = append(rows, row{"5. full GeoJSON export: throughput", fmt.Sprintf("%.0f MB/s", float64(bytesOut)/1e6/exportD.Seconds()), storeExport, fmt.Sprintf("%.0f MB/s", float64(pgBytes)/1e6/pgExportD.Seconds()), rateRatio(float64(bytesOut)/exportD.Seconds(), float64(pgBytes)/pgExportD.Seconds()),
		fmt.Sprintf("median of 3; %.0f MB in %.1f s; server peak RSS growth %d MB", float64(bytesOut)/1e6, exportD.Seconds(), max(0, hwmAfter-hwmBefore)/1024)})

	// 6. bulk import including geocoding.
	theirs := "–"
	rt := "–"
	if pgImport > 0 {
		theirs = fmt.Sprintf("%.0f/s", float64(n)/pgImport.Seconds())
		rt = rateRatio(float64(n)/genD.Seconds(), float64(n)/pgImport.Seconds())
	}
	storeGen := "–"
	if st != nil {
		storeGen = fmt.Sprintf("%.0f/s", float64(n)/stGenD.Seconds())
	}
	rows = append(rows, row{"6. bulk import with geocoding (region, 7 border distances)", fmt.Sprintf("%.0f/s", float64(n)/genD.Seconds()), storeGen, theirs, rt, fmt.Sprintf("incidentmap: gen, durable (into PostGIS: COPY); plain PostGIS: COPY then region join and 7 KNN border distances%s", map[bool]string{true: "", false: " (not timed at this size)"}[pgImport > 0])})

	// 7. reverse geocoding per point.
	pts := make([]orb.Point, 20000)
	for i := range pts {
		pts[i] = orb.Point{0.5 + float64(i%200)*0.07, 12 + float64(i/200)*0.08}
	}
	for _, p := range pts { // warm the cell index as a running server would be
		g.Reverse(p[0], p[1])
	}
	t := time.Now()
	for _, p := range pts {
		g.Reverse(p[0], p[1])
	}
	oursPer := time.Since(t) / time.Duration(len(pts))
	t = time.Now()
	if err := pgReverse(ctx, pool, pts[:2000]); err != nil {
		return nil, err
	}
	theirsPer := time.Since(t) / 2000
	rows = append(rows, row{"7. reverse geocode: region and 7 border distances, per point", fmt.Sprintf("%.2f µs", float64(oursPer.Nanoseconds())/1000), "", fmt.Sprintf("%.0f µs", float64(theirsPer.Nanoseconds())/1000), ratio(oursPer, theirsPer), "ours in-process; PostGIS one query for 2,000 points"})

	// 8. HTTP floor.
	floor, _ := throughput(8, 3*time.Second, func() error { _, _, err := get(srv.base + "/healthz"); return err })
	pgFloor, _ := throughput(8, 3*time.Second, func() error { var x int; return pool.QueryRow(ctx, "SELECT 1").Scan(&x) })
	storeFloor := onStore(func(base string) (string, error) {
		t, err := throughput(8, 3*time.Second, func() error { _, _, err := get(base + "/healthz"); return err })
		return fmt.Sprintf("%.0f/s", t), err
	})
	rows = append(rows, row{"8. floor: tiny request, 8 clients", fmt.Sprintf("%.0f/s", floor), storeFloor, fmt.Sprintf("%.0f/s", pgFloor), rateRatio(floor, pgFloor), "incidentmap GET /healthz over HTTP; plain PostGIS SELECT 1 over its protocol"})
	storeRSS := onStore(func(string) (string, error) { return fmt.Sprintf("%d MB", st.rssKB("VmRSS")/1024), nil })
	rows = append(rows, row{"server RSS after the queries", fmt.Sprintf("%d MB", srv.rssKB("VmRSS")/1024), storeRSS, "–", "–", fmt.Sprintf("%d MB at start", rssStart/1024)})
	return rows, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func atof(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }

// findBBox grows a box around Ayorou until it holds about 1,000 incidents.
func findBBox(api string) (string, int, error) {
	lo, hi := 0.001, 8.0
	var best string
	var bestN int
	for i := 0; i < 30; i++ {
		half := (lo + hi) / 2
		bbox := fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", 0.917-half, 14.73-half, 0.917+half, 14.73+half)
		_, m, err := get(api + "?limit=1&bbox=" + bbox)
		if err != nil {
			return "", 0, err
		}
		n := int(m["numberMatched"].(float64))
		best, bestN = bbox, n
		switch {
		case n < 950:
			lo = half
		case n > 1050:
			hi = half
		default:
			return bbox, n, nil
		}
	}
	return best, bestN, nil
}
