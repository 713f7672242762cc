package handlers

import (
	"net/url"
	"runtime"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Heavy requests read many incidents: a download, stats the store does not
// add up from rollups it keeps, a vector tile at zoom 6 or below (a quarter
// of Niger or more), an OGC page of over 1,000 incidents, counts per cell
// of a match over more than a map's view that the store does not add up
// from counts it keeps (at 1M, q=jnim grouped every incident, and
// region=NE-6 took 3.6 s). Eight GeoPackage downloads of 100,000 incidents
// at once took 762 MB and all timed out after 30 s on 2 cores; so they run
// a few at a time, refused at once (503, Retry-After) when all slots are
// taken rather than queued, and each client IP gets heavyPerMinute of them.
const (
	heavyTileMaxZoom = 6
	heavyOGCLimit    = incident.DefaultLimit
	// heavyAggregateDeg2: counts per cell in a box of at most this many
	// square degrees are light; the map asks about its view (padded by
	// 15%) from zoom 9, which is 27 square degrees on a 1920×1080 screen
	// and 47 on a 2560×1440 one, where incidents lie thickest about 2,000
	// of them at 1M.
	heavyAggregateDeg2 = 50
	heavyAggregateDays = 31
)

// heavyGate holds the slots. Downloads hold theirs longest (minutes), so
// they may take only half of the slots: the map's stats and tiles still get
// through while files are being written.
type heavyGate struct {
	slots     chan struct{}
	downloads chan struct{}
	rate      *limiter
}

func newHeavyGate(concurrency int, perMin float64) *heavyGate {
	if concurrency <= 0 {
		concurrency = 2 * runtime.GOMAXPROCS(0)
	}
	if perMin == 0 {
		perMin = 30
	}
	g := &heavyGate{slots: make(chan struct{}, concurrency), downloads: make(chan struct{}, (concurrency+1)/2)}
	if perMin > 0 {
		// A burst of a minute's worth lets a map client load a screen of
		// low-zoom tiles at once.
		g.rate = newLimiter(perMin, int(perMin))
	}
	return g
}

// isDownload: GET /api/v1/incidents?f=..., a whole selection as a file.
func isDownload(c echo.Context) bool {
	return c.Path() == "/api/v1/incidents" && c.QueryParam("f") != ""
}

// isHeavy says whether a request is heavy (see heavyGate); it is decided
// here alone.
func (s *Server) isHeavy(c echo.Context) bool {
	switch c.Path() {
	case "/api/v1/incidents":
		return isDownload(c)
	case "/api/v1/stats":
		return s.isHeavyStats(c)
	case "/tiles/incidents/:z/:x/:y":
		z, err := strconv.Atoi(c.Param("z"))
		return err == nil && z <= heavyTileMaxZoom
	case "/api/v1/aggregate":
		return s.isHeavyAggregate(c.QueryParams())
	case "/ogc/collections/:cid/items":
		limit, err := strconv.Atoi(c.QueryParam("limit"))
		return c.Param("cid") == "incidents" && err == nil && limit > heavyOGCLimit
	}
	return false
}

// isHeavyAggregate: counts per cell are light when the store adds up
// counts it keeps for them (incident.CheapAggregator, at level 13 or
// coarser: SQLite with no filter or event types alone, 0.1–0.3 s at 1M
// whatever is ticked; PostGIS with no filter), within a box no bigger than
// a map's view, or within a month (the map's timeline playback steps by
// month or week: about 8,000 incidents a month at 1M); any other filter
// may group every incident. A query the handler refuses is light: it reads
// nothing.
func (s *Server) isHeavyAggregate(q url.Values) bool {
	zoom, f, err := s.aggregateQuery(q)
	if err != nil {
		return false
	}
	if b := f.BBox; b != nil && (b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1]) <= heavyAggregateDeg2 {
		return false
	}
	start, err1 := time.Parse(incident.DateLayout, f.Start)
	end, err2 := time.Parse(incident.DateLayout, f.End)
	if err1 == nil && err2 == nil && end.Sub(start) <= heavyAggregateDays*24*time.Hour {
		return false
	}
	ca, ok := s.cfg.Store.(incident.CheapAggregator)
	return !ok || !ca.AggregateFromCounts(f, levelForZoom(zoom))
}

// isHeavyStats: stats are light when the store adds up rollups it keeps
// for them (incident.CheapStats: both stores, for dates, regions and event
// types, and on PostGIS countries; thousands of rows whatever the number of
// incidents), as they are for most of the map's filters, which ask for
// stats on every change; any other filter may scan every incident. A query
// the handler refuses is light: it reads nothing.
func (s *Server) isHeavyStats(c echo.Context) bool {
	f, err := s.countFilter(c, "stats")
	if err != nil {
		return false
	}
	cs, ok := s.cfg.Store.(incident.CheapStats)
	return !ok || !cs.StatsFromRollups(f)
}

// limitHeavy admits a heavy request when a slot is free and its client is
// within its rate.
func (s *Server) limitHeavy(next echo.HandlerFunc) echo.HandlerFunc {
	g := s.heavy
	return func(c echo.Context) error {
		if !s.isHeavy(c) {
			return next(c)
		}
		what := "heavy requests (downloads, statistics, counts per cell, low-zoom tiles, large OGC pages)"
		if isDownload(c) {
			select {
			case g.downloads <- struct{}{}:
				defer func() { <-g.downloads }()
			default:
				return incident.Errorf(incident.EUNAVAILABLE, "the server is writing %d downloads already; try again shortly (see Retry-After)", cap(g.downloads))
			}
		}
		select {
		case g.slots <- struct{}{}:
			defer func() { <-g.slots }()
		default:
			return incident.Errorf(incident.EUNAVAILABLE, "the server is busy with %d %s; try again shortly (see Retry-After)", cap(g.slots), what)
		}
		if err := allowOrRefuse(c, g.rate, byIP(c), what); err != nil {
			return err
		}
		return next(c)
	}
}
