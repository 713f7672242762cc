package handlers

import (
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// limiter is a token bucket per key (a token's id, or a client IP), for
// writes and heavy reads. Idle buckets are dropped so memory stays bounded.
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
			if err := allowOrRefuse(c, l, key(c), "writes"); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// allowOrRefuse takes one from key's budget in l, or says how long to wait
// for it (429 with Retry-After).
func allowOrRefuse(c echo.Context, l *limiter, key, what string) error {
	ok, wait := l.allow(key)
	if ok {
		return nil
	}
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	c.Response().Header().Set("Retry-After", secs)
	return &incident.Error{Code: ETOOMANY, Message: "too many " + what + "; wait " + secs + " s (see Retry-After) and try again"}
}

// byIP keys a client by its address (see clientIP); an IPv6 client by its
// /64, the block one subscriber gets, so it cannot rotate its way to fresh
// budgets.
func byIP(c echo.Context) string {
	ip := net.ParseIP(c.RealIP())
	if ip != nil && ip.To4() == nil {
		return "ip:" + ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return "ip:" + c.RealIP()
}

func byToken(c echo.Context) string {
	if t, ok := c.Get("token").(*incident.Token); ok {
		return "tok:" + t.ID
	}
	return byIP(c)
}
