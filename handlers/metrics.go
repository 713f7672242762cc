package handlers

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// metrics keeps request counts and latencies for /metrics, in the Prometheus
// text format (written by hand: a handful of series needs no client library).
type metrics struct {
	mu        sync.Mutex
	requests  map[[3]string]uint64 // method, route, status
	latencies map[[2]string]*histogram
	started   time.Time
}

var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[3]string]uint64{}, latencies: map[[2]string]*histogram{}, started: time.Now()}
}

func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // so the status below is the one sent
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "other"
		}
		status := strconv.Itoa(c.Response().Status)
		d := time.Since(start).Seconds()
		m.mu.Lock()
		m.requests[[3]string{c.Request().Method, route, status}]++
		k := [2]string{c.Request().Method, route}
		h := m.latencies[k]
		if h == nil {
			h = &histogram{counts: make([]uint64, len(latencyBuckets))}
			m.latencies[k] = h
		}
		for i, b := range latencyBuckets {
			if d <= b {
				h.counts[i]++
			}
		}
		h.sum += d
		h.n++
		m.mu.Unlock()
		return nil
	}
}

func (s *Server) metricsHandler(c echo.Context) error {
	m := s.metrics
	var b strings.Builder
	m.mu.Lock()
	b.WriteString("# HELP incidentmap_http_requests_total HTTP requests by method, route and status.\n# TYPE incidentmap_http_requests_total counter\n")
	keys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], " ") < strings.Join(keys[j][:], " ") })
	for _, k := range keys {
		fmt.Fprintf(&b, "incidentmap_http_requests_total{method=%q,route=%q,status=%q} %d\n", k[0], k[1], k[2], m.requests[k])
	}
	b.WriteString("# HELP incidentmap_http_request_duration_seconds HTTP request latency by method and route.\n# TYPE incidentmap_http_request_duration_seconds histogram\n")
	lkeys := make([][2]string, 0, len(m.latencies))
	for k := range m.latencies {
		lkeys = append(lkeys, k)
	}
	sort.Slice(lkeys, func(i, j int) bool { return lkeys[i][0]+lkeys[i][1] < lkeys[j][0]+lkeys[j][1] })
	for _, k := range lkeys {
		h := m.latencies[k]
		for i, le := range latencyBuckets {
			fmt.Fprintf(&b, "incidentmap_http_request_duration_seconds_bucket{method=%q,route=%q,le=%q} %d\n", k[0], k[1], strconv.FormatFloat(le, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(&b, "incidentmap_http_request_duration_seconds_bucket{method=%q,route=%q,le=\"+Inf\"} %d\n", k[0], k[1], h.n)
		fmt.Fprintf(&b, "incidentmap_http_request_duration_seconds_sum{method=%q,route=%q} %g\n", k[0], k[1], h.sum)
		fmt.Fprintf(&b, "incidentmap_http_request_duration_seconds_count{method=%q,route=%q} %d\n", k[0], k[1], h.n)
	}
	started := m.started
	m.mu.Unlock()
	n, err := s.cfg.Store.Count(c.Request().Context())
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(&b, "# HELP incidentmap_incidents Incidents stored (not deleted).\n# TYPE incidentmap_incidents gauge\nincidentmap_incidents %d\n", n)
	fmt.Fprintf(&b, "# HELP incidentmap_uptime_seconds Seconds since the server started.\n# TYPE incidentmap_uptime_seconds gauge\nincidentmap_uptime_seconds %g\n", time.Since(started).Seconds())
	fmt.Fprintf(&b, "# HELP go_goroutines Goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# HELP go_memstats_heap_inuse_bytes Heap in use.\n# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n", ms.HeapInuse)
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}

// readyz says whether the server can serve: the database answers and the
// geography is loaded.
func (s *Server) readyz(c echo.Context) error {
	if err := s.cfg.Store.Ping(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "database: " + err.Error()})
	}
	if s.cfg.Geo == nil || len(s.cfg.Geo.Regions) == 0 {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "geography not loaded"})
	}
	out := map[string]any{"status": "ready"}
	if s.cfg.Deriving != nil {
		if done, total, active := s.cfg.Deriving(); active {
			// Ready: every answer is served, but incidents not yet reached
			// carry the regions, borders and zones the old geography gave.
			out["deriving"] = map[string]any{"done": done, "total": total,
				"note": "incidents are being derived again with this program's geography; those not yet reached read as before"}
		}
	}
	return c.JSON(http.StatusOK, out)
}
