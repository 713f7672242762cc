package handlers

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Problem is an RFC 7807 problem detail.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	// Rejected lists the records an import refused, by record or line.
	Rejected []incident.Rejected `json:"rejected,omitempty"`
}

// MIMEProblem is RFC 7807's media type.
const MIMEProblem = "application/problem+json"

// statusOf maps domain error codes to HTTP statuses: the one place it is done.
var statusOf = map[string]int{
	incident.EINVALID:        http.StatusBadRequest,
	incident.EUNPROCESSABLE:  http.StatusUnprocessableEntity,
	incident.ENOTFOUND:       http.StatusNotFound,
	incident.ECONFLICT:       http.StatusConflict,
	incident.EUNAUTHORIZED:   http.StatusUnauthorized,
	incident.EFORBIDDEN:      http.StatusForbidden,
	incident.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	incident.EUNAVAILABLE:    http.StatusServiceUnavailable,
	incident.ENOTIMPLEMENTED: http.StatusNotImplemented,
	incident.EINTERNAL:       http.StatusInternalServerError,
	ETOOMANY:                 http.StatusTooManyRequests,
	ETIMEOUT:                 http.StatusRequestTimeout,
}

// ETOOMANY (a rate limit) and ETIMEOUT (a request body too slow) are
// transport matters, so they live here rather than among the domain's codes.
const (
	ETOOMANY = "too_many_requests"
	ETIMEOUT = "request_timeout"
)

func problemHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := Problem{Type: "about:blank", Instance: c.Request().URL.Path}
		var he *echo.HTTPError
		var ie *incident.Error
		switch {
		case errors.As(err, &ie):
			p.Code, p.Detail, p.Field = ie.Code, ie.Message, ie.Field
			p.Status = statusOf[ie.Code]
		case errors.As(err, &he):
			p.Status = he.Code
			p.Code = codeOfStatus(he.Code)
			p.Detail = http.StatusText(he.Code)
			if m, ok := he.Message.(string); ok {
				p.Detail = m
			}
			if he.Code == http.StatusNotFound {
				p.Detail = "no such endpoint: " + c.Request().Method + " " + c.Request().URL.Path + "; the API is under /api/v1 (see /api/v1)"
			}
		default:
			p.Status, p.Code = http.StatusInternalServerError, incident.EINTERNAL
			p.Detail = incident.ErrorMessage(err)
		}
		if p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
		p.Title = http.StatusText(p.Status)
		// A 5xx the server chose (busy, unavailable) is no fault of its
		// own: the access log's line is enough.
		if p.Status >= 500 && (ie == nil || ie.Code == incident.EINTERNAL) {
			log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		if p.Code == incident.EUNAVAILABLE {
			c.Response().Header().Set("Retry-After", "10")
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="incidentmap"`)
		}
		b, _ := json.Marshal(p)
		c.Response().Header().Set(echo.HeaderContentType, MIMEProblem)
		c.Response().WriteHeader(p.Status)
		if c.Request().Method != http.MethodHead {
			c.Response().Write(b)
		}
	}
}

func codeOfStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return code
		}
	}
	if status >= 500 {
		return incident.EINTERNAL
	}
	return incident.EINVALID
}
