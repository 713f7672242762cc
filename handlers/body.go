package handlers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Bodies: one incident is small; an ACLED export for a country runs to tens
// of megabytes. A body may take BodyTimeout to start; after that it must
// keep arriving at bodyMinRate on average, or the request ends with 408 (a
// body sent at 1 byte/s used to hold a connection for the whole 2 minutes of
// the server's read timeout).
const (
	bodyLimitSingle = 1 << 20
	bodyLimitImport = 200 << 20
	bodyMinRate     = 4 << 10 // bytes per second
)

// bodyReader is every request body as handlers see it: bounded in size and
// in time, and with read errors that are the client's (a malformed chunked
// encoding, a hang-up, a body too slow or too big) turned into problems
// that say so, instead of 500s.
type bodyReader struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	res      *echo.Response
	start    time.Time
	grace    time.Duration
	n        int64
	limit    int64 // 0: none
	tooLarge string
}

// readBodies wraps the body of every request that has one, and sets its
// first read deadline (it also bounds the reading-out of a body the handler
// did not want).
func (s *Server) readBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		b := &bodyReader{body: r.Body, rc: http.NewResponseController(c.Response()), res: c.Response(), start: time.Now(), grace: s.cfg.BodyTimeout}
		b.rc.SetReadDeadline(b.start.Add(b.grace)) // not supported by test recorders; nothing to do then
		r.Body = b
		return next(c)
	}
}

// limitBody refuses bodies over limit bytes with 413 and advice.
func limitBody(limit int64, advice string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			msg := fmt.Sprintf("the request body is larger than the %d MB this endpoint takes; %s", limit>>20, advice)
			if c.Request().ContentLength > limit {
				c.Response().Header().Set(echo.HeaderConnection, "close")
				return incident.Errorf(incident.ETOOLARGE, "%s", msg)
			}
			if b, ok := c.Request().Body.(*bodyReader); ok {
				b.limit, b.tooLarge = limit, msg
			}
			return next(c)
		}
	}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.limit > 0 && int64(len(p)) > b.limit+1-b.n {
		p = p[:b.limit+1-b.n] // one byte past the limit tells that it is over
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	switch {
	case b.limit > 0 && b.n > b.limit:
		return n, b.fail(incident.Errorf(incident.ETOOLARGE, "%s", b.tooLarge))
	case err == nil:
		// Keeping up: the deadline moves on with what has arrived. (At the
		// end of the body, err is io.EOF and the server clears the
		// deadline itself.)
		b.rc.SetReadDeadline(b.start.Add(b.grace + time.Duration(b.n)*time.Second/bodyMinRate))
		return n, nil
	case errors.Is(err, io.EOF):
		return n, err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return n, b.fail(&incident.Error{Code: ETIMEOUT, Message: fmt.Sprintf("the request body arrived too slowly (%d bytes in %.0f s; after the first %.0f s a body must come at %d KB/s or more); send it again on a faster connection", b.n, time.Since(b.start).Seconds(), b.grace.Seconds(), bodyMinRate>>10)})
	}
	// A malformed chunked encoding, or the client hung up mid-body
	// (unexpected EOF).
	return n, b.fail(incident.Errorf(incident.EINVALID, "could not read the request body: %v (after %d bytes)", err, b.n))
}

func (b *bodyReader) Close() error { return b.body.Close() }

// fail ends the connection with the answer: what is left of the body cannot
// be read, so the connection cannot carry another request.
func (b *bodyReader) fail(err error) error {
	if !b.res.Committed {
		b.res.Header().Set(echo.HeaderConnection, "close")
	}
	return err
}
