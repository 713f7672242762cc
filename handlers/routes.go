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

// routes is the whole HTTP surface in one place.
func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware)
	e.Use(s.logRequests())
	e.Use(securityHeaders)
	e.Use(s.cors())
	// The live stream is neither compressed (events would wait in the
	// compressor) nor timed out; downloads have their own, longer deadline
	// (see download).
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 1, MinLength: 1024, Skipper: isStream}))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: s.cfg.RequestTimeout, Skipper: func(c echo.Context) bool { return isDownload(c) || isStream(c) }}))
	e.Use(s.readBodies)
	e.Use(s.limitHeavy)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	var read []echo.MiddlewareFunc
	if s.cfg.ReadsNeedToken {
		read = append(read, s.requireRole(incident.RoleViewer))
	}
	limited := func(role string, body int64, advice string) []echo.MiddlewareFunc {
		return []echo.MiddlewareFunc{limitBody(body, advice), s.rateLimit(s.ipRate, byIP), s.requireRole(role), s.rateLimit(s.tokenRate, byToken)}
	}
	const oneAtATime = "send one incident per request; for many, an admin can POST a file to /api/v1/import"
	const tokenBody = `a token request is a small JSON object like {"role":"viewer","name":"analyst"}`
	write := limited(incident.RoleEditor, bodyLimitSingle, oneAtATime)

	metrics := read
	if s.cfg.MetricsNeedToken && !s.cfg.ReadsNeedToken {
		metrics = []echo.MiddlewareFunc{s.requireRole(incident.RoleViewer)}
	}
	e.GET("/metrics", s.metricsHandler, metrics...)

	api := e.Group("/api/v1")
	api.GET("", s.apiIndex, read...)
	api.GET("/openapi.json", s.openAPI, read...)
	api.GET("/incidents", s.listIncidents, read...)
	api.GET("/incidents/:id", s.getIncident, read...)
	api.POST("/incidents", s.createIncident, write...)
	api.PUT("/incidents/:id", s.replaceIncident, write...)
	api.PATCH("/incidents/:id", s.patchIncident, write...)
	api.DELETE("/incidents/:id", s.deleteIncident, write...)
	api.POST("/import", s.importIncidents, limited(incident.RoleAdmin, bodyLimitImport, importAdvice)...)
	api.GET("/incidents/:id/history", s.history, read...)
	api.POST("/incidents/:id/restore", s.restore, limited(incident.RoleAdmin, bodyLimitSingle, oneAtATime)...)
	api.GET("/tokens", s.listTokens, s.requireRole(incident.RoleAdmin))
	api.POST("/tokens", s.createToken, limited(incident.RoleAdmin, bodyLimitSingle, tokenBody)...)
	api.DELETE("/tokens/:id", s.revokeToken, limited(incident.RoleAdmin, bodyLimitSingle, tokenBody)...)
	editor := []echo.MiddlewareFunc{s.requireRole(incident.RoleEditor)}
	api.POST("/extract", s.extractReport, limited(incident.RoleEditor, bodyLimitExtract, extractAdvice)...)
	api.GET("/drafts", s.listDrafts, editor...)
	api.GET("/drafts/:id", s.getDraft, editor...)
	api.PATCH("/drafts/:id", s.patchDraft, write...)
	api.DELETE("/drafts/:id", s.rejectDraft, write...)
	api.POST("/drafts/:id/accept", s.acceptDraft, write...)
	api.POST("/drafts/:id/reject", s.rejectDraft, write...)
	api.GET("/reports/:id", s.getReport, editor...)
	api.GET("/incidents/:id/duplicates", s.duplicates, read...)
	api.POST("/incidents/:id/merge", s.mergeIncident, write...)
	api.GET("/stats", s.stats, read...)
	api.GET("/aggregate", s.aggregate, read...)
	api.GET("/coverage", s.coverage, read...)
	api.GET("/reverse", s.reverse, read...)
	api.GET("/geocode", s.geocode, read...)
	api.GET("/regions", s.regions, read...)
	api.GET("/borders", s.borders, read...)
	api.GET("/zones", s.zones, read...)
	api.GET("/zones/:id", s.getZone, read...)
	areaWrite := func(advice string) []echo.MiddlewareFunc {
		return limited(incident.RoleEditor, bodyLimitArea, advice)
	}
	api.POST("/zones", s.createZone, areaWrite(zoneAdvice)...)
	api.PUT("/zones/:id", s.replaceZone, areaWrite(zoneAdvice)...)
	api.DELETE("/zones/:id", s.deleteZone, areaWrite(zoneAdvice)...)
	viewer := s.requireRole(incident.RoleViewer)
	api.GET("/sites", s.listSites, viewer)
	api.POST("/sites", s.createSite, areaWrite(siteAdvice)...)
	api.GET("/sites/:id", s.getSite, viewer)
	api.PUT("/sites/:id", s.replaceSite, areaWrite(siteAdvice)...)
	api.DELETE("/sites/:id", s.deleteSite, areaWrite(siteAdvice)...)
	api.GET("/sites/:id/summary", s.siteSummary, viewer)
	api.GET("/places", s.listPlaces, read...)
	api.POST("/places", s.addPlaces, write...)
	api.DELETE("/places/:id", s.deletePlace, write...)
	api.GET("/typology", s.typology, read...)
	if s.cfg.Notifier != nil {
		watchWrite := limited(incident.RoleViewer, bodyLimitWatch, watchAdvice)
		api.GET(streamPath[len("/api/v1"):], s.stream, read...)
		api.GET("/watches", s.listWatches, viewer)
		api.POST("/watches", s.createWatch, watchWrite...)
		api.GET("/watches/:id", s.getWatch, viewer)
		api.PUT("/watches/:id", s.replaceWatch, watchWrite...)
		api.DELETE("/watches/:id", s.deleteWatch, watchWrite...)
		api.GET("/watches/:id/notices", s.watchNotices, viewer)
		api.POST("/watches/:id/resend", s.resendWatch, watchWrite...)
		// The key in the feed's URL stands for a token: feed readers send none.
		api.GET("/watches/:id/feed", s.watchFeed)
	} else {
		// The store keeps no watches or change log a stream can follow.
		notYet := func(c echo.Context) error { return s.notYet("watches and the live stream are") }
		api.GET(streamPath[len("/api/v1"):], notYet, read...)
		api.Any("/watches", notYet)
		api.Any("/watches/*", notYet)
	}
	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })

	s.ogcRoutes()
	e.GET("/tiles/incidents/:z/:x/:y", s.incidentTile, read...)

	if s.cfg.Web != nil {
		files := http.FileServer(http.FS(s.cfg.Web))
		e.GET("/*", echo.WrapHandler(files))
	}
}

// cors lets the origins of --cors read the API, OGC API and tiles from
// browsers, with a token when reads need one: preflights (OPTIONS) are
// answered for every such path, before routing or tokens. Writes are never
// cross-origin: a preflight for one is told GET and HEAD only.
func (s *Server) cors() echo.MiddlewareFunc {
	if len(s.cfg.CORSOrigins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper: func(c echo.Context) bool {
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				return true
			}
			p := c.Request().URL.Path
			return !(strings.HasPrefix(p, "/api/v1/") || p == "/api/v1" || strings.HasPrefix(p, "/ogc/") || p == "/ogc" || strings.HasPrefix(p, "/tiles/"))
		},
		AllowOrigins:  s.cfg.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderAccept},
		ExposeHeaders: []string{"Link", echo.HeaderContentDisposition, "Retry-After", "X-Tile-Truncated"},
		MaxAge:        600,
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
			{Href: base + "/api/v1/openapi.json", Rel: relServiceDesc, Type: MIMEOpenAPI31, Title: "the API definition (OpenAPI 3.1)"},
			{Href: base + "/api/v1/incidents", Rel: "data", Type: MIMEGeoJSON, Title: "Incidents (GeoJSON; filters " + strings.Join(incident.FilterParamNames(true), ", ") + "; f for downloads)"},
			{Href: base + "/api/v1/stats", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Counts and fatalities by country, region, month, event type and border band"},
			{Href: base + "/api/v1/aggregate?zoom=6", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Counts and fatalities per s2 cell for a map zoom (the incident filters, bbox for the view, zoom 0-22)"},
			{Href: base + "/api/v1/coverage", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "The countries the incidents are in and the box around them"},
			{Href: base + "/api/v1/regions", Rel: "related", Type: MIMEGeoJSON, Title: "Admin-1 regions"},
			{Href: base + "/api/v1/borders", Rel: "related", Type: MIMEGeoJSON, Title: "Niger's international borders"},
			{Href: base + "/api/v1/zones", Rel: "related", Type: MIMEGeoJSON, Title: "Border zones, tri-border areas and the zones editors drew (zone=); POST for editors"},
			{Href: base + "/api/v1/sites", Rel: "related", Type: MIMEGeoJSON, Title: "Sites: an organisation's bases, roads and camps (near_site=), with a summary each; a viewer token reads them"},
			{Href: base + "/api/v1/reverse?lon=1.8&lat=13.1", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Reverse geocoding"},
			{Href: base + "/api/v1/geocode?q=near+Ayorou", Rel: "related", Type: echo.MIMEApplicationJSON, Title: "Forward geocoding of place phrases"},
			{Href: base + "/api/v1/places?q=Torodi", Rel: "related", Type: MIMEGeoJSON, Title: "Gazetteer: places of a name (q), or the places users added; POST and DELETE for editors"},
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
			// The scheme is case-insensitive (RFC 7235): bearer, BEARER.
			scheme, secret, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
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
			if t.Expired(time.Now()) {
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
