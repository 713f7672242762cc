package handlers

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Body limits: one incident is small; anything bigger is a mistake or abuse.
const bodyLimitSingle = "1M"

// routes is the whole HTTP surface in one place.
func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware)
	e.Use(s.logRequests())
	e.Use(securityHeaders)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 1, MinLength: 1024}))
	e.Use(middleware.ContextTimeout(s.cfg.RequestTimeout))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)

	read := []echo.MiddlewareFunc{s.cors()}
	if s.cfg.ReadsNeedToken {
		read = append(read, s.requireRole(incident.RoleViewer))
	}
	limited := func(role string, body string) []echo.MiddlewareFunc {
		return []echo.MiddlewareFunc{middleware.BodyLimit(body), s.rateLimit(s.ipRate, byIP), s.requireRole(role), s.rateLimit(s.tokenRate, byToken)}
	}
	write := limited(incident.RoleEditor, bodyLimitSingle)

	api := e.Group("/api/v1")
	api.GET("", s.apiIndex, read...)
	api.GET("/incidents", s.listIncidents, read...)
	api.GET("/incidents/:id", s.getIncident, read...)
	api.POST("/incidents", s.createIncident, write...)
	api.PUT("/incidents/:id", s.replaceIncident, write...)
	api.PATCH("/incidents/:id", s.patchIncident, write...)
	api.DELETE("/incidents/:id", s.deleteIncident, write...)
	api.POST("/import", s.importIncidents, limited(incident.RoleAdmin, bodyLimitImport)...)
	api.GET("/incidents/:id/history", s.history, read...)
	api.POST("/incidents/:id/restore", s.restore, limited(incident.RoleAdmin, bodyLimitSingle)...)
	api.GET("/tokens", s.listTokens, s.requireRole(incident.RoleAdmin))
	api.POST("/tokens", s.createToken, limited(incident.RoleAdmin, bodyLimitSingle)...)
	api.DELETE("/tokens/:id", s.revokeToken, limited(incident.RoleAdmin, bodyLimitSingle)...)
	api.GET("/stats", s.stats, read...)
	api.GET("/aggregate", s.aggregate, read...)
	api.GET("/reverse", s.reverse, read...)
	api.GET("/geocode", s.geocode, read...)
	api.GET("/regions", s.regions, read...)
	api.GET("/borders", s.borders, read...)
	api.GET("/zones", s.zones, read...)
	api.GET("/typology", s.typology, read...)
	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })

	s.ogcRoutes()
	e.GET("/tiles/incidents/:z/:x/:y", s.incidentTile, read...)

	if s.cfg.Web != nil {
		files := http.FileServer(http.FS(s.cfg.Web))
		e.GET("/*", echo.WrapHandler(files))
	}
}

func (s *Server) cors() echo.MiddlewareFunc {
	if len(s.cfg.CORSOrigins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  s.cfg.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead},
		ExposeHeaders: []string{"Link"},
	})
}

// securityHeaders allows the page only its own scripts and styles; map tiles
// may come from OpenStreetMap when the optional online layer is on.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https://tile.openstreetmap.org; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.Request().TLS != nil {
			// Served over HTTPS: browsers should not fall back to HTTP.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRequestID: true, LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// Paths only: query strings and headers (tokens) are never logged.
			s.cfg.AccessLog.Info("request", "method", v.Method, "path", v.URIPath, "status", v.Status, "latency_ms", float64(v.Latency.Microseconds())/1000, "request_id", v.RequestID)
			return nil
		},
	})
}

// healthz says the process is alive: it touches nothing, so it stays cheap
// under load. /readyz checks the database.
func (s *Server) healthz(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, []byte(`{"status":"ok"}`))
}

func (s *Server) apiIndex(c echo.Context) error {
	base := baseURL(c)
	return c.JSON(http.StatusOK, map[string]any{
		"title":   "incidentmap API",
		"formats": formats,
		"links": []link{
			{Href: base + "/api/v1/incidents", Rel: "data", Type: MIMEGeoJSON, Title: "Incidents (GeoJSON; filters bbox, start, end, event_type, sub_event_type, region, border, border_km, near, radius_km, min_fatalities, q, limit, cursor)"},
			{Href: base + "/api/v1/stats", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Counts and fatalities by region, month, event type and border band"},
			{Href: base + "/api/v1/aggregate?zoom=6", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Counts and fatalities per s2 cell for a map zoom (the incident filters, bbox for the view, zoom 0-22)"},
			{Href: base + "/api/v1/regions", Rel: "related", Type: MIMEGeoJSON, Title: "Admin-1 regions"},
			{Href: base + "/api/v1/borders", Rel: "related", Type: MIMEGeoJSON, Title: "Niger's international borders"},
			{Href: base + "/api/v1/zones", Rel: "related", Type: MIMEGeoJSON, Title: "Border zones and tri-border areas"},
			{Href: base + "/api/v1/reverse?lon=1.8&lat=13.1", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Reverse geocoding"},
			{Href: base + "/api/v1/geocode?q=near+Ayorou", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Forward geocoding of place phrases"},
			{Href: base + "/api/v1/typology", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "ACLED event types and sub-event types"},
		},
	})
}

func baseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// requireRole lets the request through only with a bearer token of at least
// that role. Tokens are looked up by hash; the secret is never stored or
// logged.
func (s *Server) requireRole(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			auth := c.Request().Header.Get(echo.HeaderAuthorization)
			secret, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || strings.TrimSpace(secret) == "" {
				return incident.Errorf(incident.EUNAUTHORIZED, "this needs a token: send the header \"Authorization: Bearer <token>\" (create one with `incidentmap token create --role %s`)", role)
			}
			t, err := s.cfg.Tokens.TokenByHash(c.Request().Context(), incident.HashToken(strings.TrimSpace(secret)))
			if err != nil {
				if incident.ErrorCode(err) == incident.EUNAUTHORIZED {
					return incident.Errorf(incident.EUNAUTHORIZED, "the token is not valid; check it was copied whole, or create a new one with `incidentmap token create`")
				}
				return err
			}
			if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(incident.HashToken(strings.TrimSpace(secret)))) != 1 {
				return incident.Errorf(incident.EUNAUTHORIZED, "the token is not valid")
			}
			if t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt) {
				return incident.Errorf(incident.EUNAUTHORIZED, "token %q expired on %s; create a new one with `incidentmap token create`", t.Name, t.ExpiresAt.Format(time.RFC3339))
			}
			if !incident.RoleAtLeast(t.Role, role) {
				return incident.Errorf(incident.EFORBIDDEN, "token %q has role %s; this needs %s or above", t.Name, t.Role, role)
			}
			c.Set("token", t)
			c.SetRequest(c.Request().WithContext(incident.WithActor(c.Request().Context(), t.Name)))
			return next(c)
		}
	}
}
