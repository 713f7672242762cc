// Package handlers is incidentmap's HTTP layer: an echo server with the
// incident API under /api/v1, the reference layers, and the embedded web map
// at /. Handlers return errors; one error handler turns them into RFC 7807
// problem+json.
package handlers

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/notify"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// Config is everything the server depends on.
type Config struct {
	Service *incident.Service
	Store   incident.Store
	// StoreName names the store in answers about what it cannot do yet
	// ("PostgreSQL"; default "this store").
	StoreName string
	Tokens    incident.TokenStore
	// Places keeps the places users add to the gazetteer (nil: none).
	Places PlaceStore
	Geo    *geo.Geography
	// Areas is Geo with the zones editors drew and the sites kept in
	// AreaStore, which filters resolve zone= and near_site= against (nil:
	// made from Geo and loaded from AreaStore).
	Areas *geo.Areas
	// AreaStore keeps drawn zones and sites (nil: Store, if it keeps
	// them).
	AreaStore incident.AreaStore
	Web       fs.FS // the map's files; nil serves no map
	// Notifier keeps watches and makes their notices; the live stream
	// listens to it.
	Notifier *notify.Notifier
	// Deriving, when set, says how far the server is in deriving stored
	// incidents again after a new geography (serve does it while serving):
	// /readyz reports it, so that an answer read meanwhile is known to be
	// partly the old geography's.
	Deriving func() (done, total int, active bool)
	Logger   *slog.Logger
	// AccessLog gets one line per request (default Logger); it may buffer.
	AccessLog *slog.Logger
	// ReadsNeedToken makes reads require a token with role viewer or above
	// (and /metrics with them).
	ReadsNeedToken bool
	// MetricsNeedToken makes /metrics require a viewer token even when reads
	// are public.
	MetricsNeedToken bool
	// CORSOrigins may read the API from other origins ("*" for any).
	CORSOrigins []string
	// RequestTimeout bounds each request's work (default 30 s).
	RequestTimeout time.Duration
	// WritesPerMinute limits writes per token, and twice that per client IP
	// (0: the default 600; negative: no limit).
	WritesPerMinute float64
	// HeavyConcurrency is how many heavy requests (downloads, stats, tiles
	// at zoom 6 and below, OGC pages over 1,000 items) run at once; past it
	// they get 503 at once (0: twice GOMAXPROCS).
	HeavyConcurrency int
	// HeavyPerMinute limits heavy requests per client IP (0: the default
	// 30; negative: no limit).
	HeavyPerMinute float64
	// DownloadTimeout bounds a download (f=...), which RequestTimeout does
	// not (default 10 min).
	DownloadTimeout time.Duration
	// BodyTimeout is how long a request body may take before it must keep
	// up bodyMinRate (default 30 s).
	BodyTimeout time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For, X-Real-IP and
	// Forwarded headers name the client; from anyone else they are ignored.
	TrustedProxies []*net.IPNet
	// TLSCert and TLSKey, when both set, serve HTTPS.
	TLSCert, TLSKey string
}

// Server is the HTTP server.
type Server struct {
	cfg  Config
	echo *echo.Echo

	zonesOnce     sync.Once
	zonesJSON     []byte
	zonesFeatures []*geojson.Feature
	metrics       *metrics
	inFlight      atomic.Int64 // requests being served, for the shutdown log
	tokenRate     *limiter
	ipRate        *limiter
	heavy         *heavyGate
}

// NewServer builds the server and its routes.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AccessLog == nil {
		cfg.AccessLog = cfg.Logger
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.DownloadTimeout == 0 {
		cfg.DownloadTimeout = 10 * time.Minute
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	newAreas(&cfg)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = problemHandler(cfg.Logger)
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	if cfg.WritesPerMinute == 0 {
		cfg.WritesPerMinute = 600
	}
	s := &Server{cfg: cfg, echo: e, metrics: newMetrics(), heavy: newHeavyGate(cfg.HeavyConcurrency, cfg.HeavyPerMinute)}
	if cfg.WritesPerMinute > 0 {
		s.tokenRate = newLimiter(cfg.WritesPerMinute, int(cfg.WritesPerMinute/6)+1)
		s.ipRate = newLimiter(2*cfg.WritesPerMinute, int(cfg.WritesPerMinute/3)+1)
	}
	s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.echo.ServeHTTP(w, r)
}

// Serve serves on l until ctx is done, then shuts down gracefully, letting
// requests in flight (writes included) finish.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		// A client that stops reading frees its goroutine (and a heavy
		// request's slot) after this; a download pushes it on as it
		// writes (see progressWriter). Bodies have their own deadline
		// (see bodyReader).
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		// The server's own complaints (TLS handshakes, bad requests) go to
		// the structured log with everything else.
		ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" && s.cfg.TLSKey != "" {
			errc <- srv.ServeTLS(l, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let requests in flight (writes included) finish. The
	// log says so, and how long it took: an operator whose stop takes 30 s
	// learns why.
	n := s.inFlight.Load()
	s.cfg.Logger.Info("shutting down", "reason", context.Cause(ctx).Error(), "in_flight", n)
	start := time.Now()
	shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shut)
	attrs := []any{"drained_in", time.Since(start).Round(time.Millisecond).String(), "in_flight", n}
	if err != nil {
		s.cfg.Logger.Warn("shut down before requests in flight finished", append(attrs, "unfinished", s.inFlight.Load(), "err", err)...)
		return err
	}
	s.cfg.Logger.Info("shut down", attrs...)
	return nil
}

// notYet is the answer to a request for what the store cannot do yet
// (drafts, watches, added places, on a store that keeps none): 501,
// saying so and where it works.
func (s *Server) notYet(feature string) error {
	name := s.cfg.StoreName
	if name == "" {
		name = "this store"
	}
	return incident.Errorf(incident.ENOTIMPLEMENTED, "%s not yet available on %s; they work on the SQLite store (--db FILE)", feature, name)
}
