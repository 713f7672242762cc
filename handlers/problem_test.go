package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Every domain error code has its status, and the problem says what to do.
func TestProblemStatuses(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = problemHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for code, status := range statusOf {
		e.GET("/"+code, func(c echo.Context) error { return incident.Errorf(code, "what to do about %s", code) })
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+code, nil))
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != status || p.Status != status || p.Code != code || p.Detail != "what to do about "+code {
			t.Errorf("%s: %d %s (%v), want %d", code, rec.Code, rec.Body, err, status)
		}
		if ct := rec.Header().Get(echo.HeaderContentType); ct != MIMEProblem {
			t.Errorf("%s: Content-Type %q", code, ct)
		}
		// A busy store (a bulk load holds the write lock) is worth retrying.
		if ra := rec.Header().Get("Retry-After"); (code == incident.EUNAVAILABLE) != (ra != "") {
			t.Errorf("%s: Retry-After %q", code, ra)
		}
	}
	if statusOf[incident.EUNAVAILABLE] != http.StatusServiceUnavailable {
		t.Errorf("unavailable maps to %d, want 503", statusOf[incident.EUNAVAILABLE])
	}
}
