package handlers

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// limiter is a token bucket per key (a token's id, or a client IP), for
// writes. Idle buckets are dropped so memory stays bounded.
type limiter struct {
	mu      sync.Mutex
	perMin  float64
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(perMin float64, burst int) *limiter {
	return &limiter{perMin: perMin, burst: burst, buckets: map[string]*bucket{}, swept: time.Now()}
}

// allow reports whether key may act now, and if not, how long to wait.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.perMin <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(rate.Limit(l.perMin/60), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (s *Server) rateLimit(l *limiter, key func(c echo.Context) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ok, wait := l.allow(key(c))
			if !ok {
				secs := int(math.Ceil(wait.Seconds()))
				c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
				return &incident.Error{Code: ETOOMANY, Message: "too many writes; wait " + strconv.Itoa(max(1, secs)) + " s (see Retry-After) and try again"}
			}
			return next(c)
		}
	}
}

func byIP(c echo.Context) string { return "ip:" + c.RealIP() }

func byToken(c echo.Context) string {
	if t, ok := c.Get("token").(*incident.Token); ok {
		return "tok:" + t.ID
	}
	return byIP(c)
}
