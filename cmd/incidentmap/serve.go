package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/data"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/handlers"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/notify"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/incidentmap/incidentmap/web"
)

const defaultDB = "./incidentmap.db"

// app is what the database-backed commands share.
type app struct {
	db  database
	geo *geo.Geography
	svc *incident.Service
	// placesLoaded is the highest id of the added places the gazetteer
	// holds (pollPlaces reads those above it).
	placesLoaded int64
}

// requireDB refuses a database file that does not exist. Opening one
// creates it, so a command run from another folder (the default is
// relative) would silently read or write a new, empty database the server
// never sees.
func requireDB(path string) error {
	if isPostgres(path) {
		return nil // a server's database: opening it never creates one
	}
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s: pass --db FILE (or set INCIDENTMAP_DB) naming the server's database, or create this one by starting the server once (incidentmap serve --db %s)", absPath(path), path)
	}
	return err
}

// absPath is path made absolute, for messages and logs.
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// openApp opens the database with the geography, first deriving again the
// incidents the database says are waiting for it (after an upgrade of the
// geography; progress on stderr).
func openApp(ctx context.Context, dbPath string, g geoFlags, stderr io.Writer) (*app, error) {
	a, err := openAppLater(ctx, dbPath, g)
	if err != nil {
		return nil, err
	}
	if _, err := rederive(ctx, a, stderr); err != nil {
		a.db.Close()
		return nil, fmt.Errorf("deriving stored incidents again: %w (run incidentmap rederive to finish)", err)
	}
	return a, nil
}

// openAppLater is openApp leaving the incidents that wait to be derived
// again (after a new geography) for the caller: serve derives them while it
// serves (deriveInBackground).
func openAppLater(ctx context.Context, dbPath string, g geoFlags) (*app, error) {
	gg, err := g.load()
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	var store incident.Store = db
	var loaded int64
	if pl, ok := db.(placeDB); ok {
		if loaded, err = pl.LoadPlaces(ctx, gg.Places); err != nil {
			db.Close()
			return nil, err
		}
	}
	// Learning places from incidents: the SQLite store, so far.
	if lite, ok := db.(*sqlite.DB); ok && g.learn {
		store = lite.Learning(gg.Places)
	}
	a := &app{db: db, geo: gg, svc: &incident.Service{Store: store, Locator: gg, Geocoder: gg}, placesLoaded: loaded}
	if rd, ok := db.(rederiver); ok {
		if _, err := rd.DerivedWith(ctx, gg.Version()); err != nil {
			db.Close()
			return nil, err
		}
	}
	return a, nil
}

func cmdServe(ctx context.Context, args []string, e env) error {
	fs := newFlags("serve", "[flags]", "Serves the web map at / and the API at /api/v1. On first start into an empty database it\nloads the seed incidents (the events of the report incidentmap grew from).", e)
	addr := fs.String("addr", ":8080", "address to listen on")
	dbPath := fs.String("db", defaultDB, "SQLite database file (created if missing), or a PostgreSQL database as postgres://user:password@host:5432/database (PostGIS 3; its schema is created if missing)")
	noSeed := fs.Bool("no-seed", false, "do not load the seed incidents into an empty database")
	readToken := fs.Bool("read-token", false, "require a token (role viewer or above) for reads too, and for /metrics")
	metricsToken := fs.Bool("metrics-token", false, "require a token (role viewer or above) for /metrics, even when reads are public")
	cors := fs.String("cors", "", "origins allowed to read the API from browsers, comma-separated (\"*\" for any); writes are never cross-origin")
	logJSON := fs.Bool("log-json", false, "write logs as JSON")
	writeRate := fs.Float64("write-rate", 600, "writes allowed per minute per token (twice that per client IP); 0 for no limit")
	heavyConc := fs.Int("heavy-concurrency", 2*runtime.GOMAXPROCS(0), "heavy requests (downloads, stats, filtered counts per cell beyond a map view, tiles at zoom 6 and below, OGC pages over 1000) served at once, downloads at most half of them; more get 503 with Retry-After")
	heavyRate := fs.Float64("heavy-rate", 30, "heavy requests allowed per minute per client IP; 0 for no limit")
	downloadTimeout := fs.Duration("download-timeout", 10*time.Minute, "longest a download (f=...) may take; other requests have 30 s")
	var proxies proxyList
	fs.Var(&proxies, "trusted-proxies", "proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For, X-Real-IP or Forwarded header names the client; from others these headers are ignored")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); with --tls-key, serve HTTPS")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM)")
	webhookAllow := fs.String("webhook-allow", "", "hosts watches may post webhooks to: host names, addresses and CIDR ranges, comma-separated; addresses a name resolves to must be public or in a listed range (none: no webhooks)")
	smtpURL := fs.String("smtp", "", "SMTP server watches' notices are e-mailed through: smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465; set it as INCIDENTMAP_SMTP to keep the password out of the process list (none: no e-mail)")
	smtpFrom := fs.String("smtp-from", "", "the address notices are e-mailed from, with --smtp")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for performance work)")
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, ""); err != nil {
		return err
	}
	if *heavyConc < 1 || *downloadTimeout <= 0 {
		return usageError{"--heavy-concurrency must be 1 or more and --download-timeout above 0"}
	}
	allow, err := notify.ParseAllow(*webhookAllow)
	if err != nil {
		return usageError{"--webhook-allow: " + err.Error()}
	}
	mailer, err := notify.ParseMailer(*smtpURL, *smtpFrom)
	if err != nil {
		return usageError{"--smtp: " + err.Error()}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	newLogger := func(w io.Writer) *slog.Logger {
		if *logJSON {
			return slog.New(slog.NewJSONHandler(w, nil))
		}
		return slog.New(slog.NewTextHandler(w, nil))
	}
	logger := newLogger(e.stderr)
	accessLog := newLineBuffer(e.stderr, 100*time.Millisecond)
	defer accessLog.Close()
	_, err = os.Stat(*dbPath)
	created := errors.Is(err, os.ErrNotExist) && !isPostgres(*dbPath)
	a, err := openAppLater(ctx, *dbPath, g)
	if err != nil {
		return err
	}
	defer a.db.Close()
	seeded := 0
	if !*noSeed {
		if seeded, err = seed(ctx, a); err != nil {
			return fmt.Errorf("loading seed incidents: %w", err)
		}
	}
	// Which file, and whether it is new: a server started from another
	// folder opens (and creates) another ./incidentmap.db.
	logger.Info("opened database", "path", dbForLog(*dbPath), "created", created, "seeded", seeded, "store", storeName(*dbPath))
	// The zones editors drew and the sites, which filters and watches
	// name (zone=, near_site=): both stores keep them.
	areas, areaStore, err := loadAreas(ctx, a)
	if err != nil {
		return err
	}
	// Notices: made from the change log where the last run left off, so
	// changes stored just before a crash are told now.
	nctx, stopNotices := context.WithCancel(ctx)
	defer stopNotices()
	// Watches need the store's outbox (both stores keep one; servers
	// sharing a PostgreSQL database make each notice once, post it once,
	// and each tells its own streams). Without it their routes answer 501.
	var notifier *notify.Notifier
	if ns, ok := a.db.(notify.Store); ok {
		notifier = &notify.Notifier{Store: ns, Allow: allow, Mail: mailer, Logger: logger, Places: areas}
		if areaStore != nil {
			// Another server's zones and sites, as its watches see them.
			notifier.Refresh = func(ctx context.Context) error { return areas.Load(ctx, areaStore) }
		}
		if err := notifier.Start(nctx); err != nil {
			return err
		}
		defer notifier.Wait()
		a.svc.OnChange = notifier.Wake
	}
	var places handlers.PlaceStore
	if pl, ok := a.db.(placeDB); ok {
		places = pl
		go pollPlaces(nctx, pl, a.geo, a.placesLoaded, logger)
	}
	if av, ok := a.db.(areasVersioner); ok && areaStore != nil {
		go pollAreas(nctx, av, areaStore, areas, logger)
	}
	var origins []string
	if *cors != "" {
		origins = strings.Split(*cors, ",")
	}
	deriving := &derivingProgress{}
	srv := handlers.NewServer(handlers.Config{
		Service: a.svc, Store: a.db, StoreName: storeName(*dbPath), Tokens: a.db, Places: places, Geo: a.geo, Areas: areas, AreaStore: areaStore, Web: web.Files(), Logger: logger, AccessLog: newLogger(accessLog),
		ReadsNeedToken: *readToken, MetricsNeedToken: *metricsToken, CORSOrigins: origins,
		WritesPerMinute: rateOrUnlimited(*writeRate), TLSCert: *tlsCert, TLSKey: *tlsKey,
		HeavyConcurrency: *heavyConc, HeavyPerMinute: rateOrUnlimited(*heavyRate), DownloadTimeout: *downloadTimeout,
		TrustedProxies: proxies, Notifier: notifier, Deriving: deriving.get,
	})
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another server running there? choose another with --addr)", *addr, err)
	}
	n, _ := a.db.Count(ctx)
	scheme := "http://"
	if *tlsCert != "" {
		scheme = "https://"
	}
	logger.Info("incidentmap serving", "url", scheme+displayAddr(l.Addr()), "db", dbForLog(*dbPath), "incidents", n)
	if e.ready != nil {
		e.ready(l.Addr().String())
	}
	dctx, stopDeriving := context.WithCancel(ctx)
	derived := deriveInBackground(dctx, a, logger, deriving)
	err = srv.Serve(ctx, l)
	stopDeriving()
	<-derived
	return err
}

// placesPoll is how often a server looks for places that another process
// (`incidentmap places import`) added to its database.
var placesPoll = 5 * time.Second

// pollPlaces brings places added to the database by other processes into
// the server's gazetteer, so an import needs no restart. (Those posted to
// the API or learned here are in it already.) Deletions by another process
// still wait for a restart.
func pollPlaces(ctx context.Context, db placeDB, g *geo.Geography, after int64, logger *slog.Logger) {
	t := time.NewTicker(placesPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := db.LoadPlacesAfter(ctx, g.Places, after)
		if err != nil {
			if ctx.Err() == nil {
				logger.Warn("reading added places", "err", err)
			}
			continue
		}
		after = n
	}
}

func displayAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if host == "::" || host == "0.0.0.0" || host == "" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// seed loads the seed incidents into a database that has never been seeded
// and is empty, in one transaction with the marker, so it happens once.
func seed(ctx context.Context, a *app) (int, error) {
	if v, err := a.db.Meta(ctx, "seeded_at"); err != nil || v != "" {
		return 0, err
	}
	if n, err := a.db.Count(ctx); err != nil || n > 0 {
		return 0, err
	}
	ins, rej, err := incident.DecodeFeatures(data.Incidents)
	if err != nil || len(rej) > 0 {
		return 0, fmt.Errorf("embedded seed does not decode: %v %v", err, rej)
	}
	now := time.Now().UTC()
	for _, in := range ins {
		if err := a.svc.Prepare(in); err != nil {
			return 0, fmt.Errorf("seed %s: %w", in.ID, err)
		}
		in.CreatedAt, in.UpdatedAt = now, now
	}
	return len(ins), a.db.CreateManyWithMeta(incident.WithActor(ctx, "seed"), ins, "seeded_at", now.Format(time.RFC3339))
}

func rateOrUnlimited(perMin float64) float64 {
	if perMin <= 0 {
		return -1
	}
	return perMin
}

// openDB opens a database that must exist (see requireDB), for the
// commands that read or change one without the geography.
func openDB(ctx context.Context, path string) (database, error) {
	if err := requireDB(path); err != nil {
		return nil, err
	}
	return openStore(ctx, path)
}

// proxyList is --trusted-proxies: addresses or CIDR ranges.
type proxyList []*net.IPNet

func (p *proxyList) String() string {
	var s []string
	for _, n := range *p {
		s = append(s, n.String())
	}
	return strings.Join(s, ",")
}

func (p *proxyList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if ip := net.ParseIP(f); ip != nil {
			bits := 128
			if v4 := ip.To4(); v4 != nil {
				ip, bits = v4, 32
			}
			*p = append(*p, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return fmt.Errorf("%q is neither an IP address nor a CIDR range (like 10.0.0.0/8)", f)
		}
		*p = append(*p, n)
	}
	return nil
}
