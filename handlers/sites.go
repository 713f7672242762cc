package handlers

import (
	"net/http"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// Sites: an organisation's places (a base, a road, a camp), which
// near_site= and the per-site summary measure from. They say where a team
// is, so reading them takes a viewer token even where incidents are public.

// createSite is POST /api/v1/sites.
func (s *Server) createSite(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	site, err := s.readSite(c, "")
	if err != nil {
		return err
	}
	site.Owner = caller(c).ID
	site.CreatedAt = time.Now().UTC()
	site.UpdatedAt = site.CreatedAt
	if err := st.CreateSite(c.Request().Context(), site); err != nil {
		return err
	}
	s.cfg.Areas.PutSite(site)
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c)+"/api/v1/sites/"+site.ID)
	return writeGeoFeature(c, http.StatusCreated, siteFeature(site))
}

// readSite reads a site from the body: id is the site being replaced, ""
// for a new one, whose id is the Feature's or a new one.
func (s *Server) readSite(c echo.Context, id string) (*incident.Site, error) {
	af, err := incident.ReadAreaFeature(c.Request().Body)
	if err != nil {
		return nil, err
	}
	g, err := incident.SiteGeometry(af.Geometry)
	if err != nil {
		return nil, err
	}
	if id == "" {
		if id, err = s.newAreaID(af, "site-"); err != nil {
			return nil, err
		}
	}
	return incident.NewSite(id, af.Name, g), nil
}

func (s *Server) site(c echo.Context) (*incident.Site, error) {
	site, ok := s.cfg.Areas.SiteByID(c.Param("id"))
	if !ok {
		return nil, incident.Errorf(incident.ENOTFOUND, "no site %q; /api/v1/sites lists them", c.Param("id"))
	}
	return site, nil
}

// listSites is GET /api/v1/sites: a FeatureCollection, oldest first.
func (s *Server) listSites(c echo.Context) error {
	fc := geojson.NewFeatureCollection()
	for _, site := range s.cfg.Areas.Sites() {
		fc.Append(siteFeature(site))
	}
	return writeGeoJSON(c, fc)
}

// getSite is GET /api/v1/sites/:id.
func (s *Server) getSite(c echo.Context) error {
	site, err := s.site(c)
	if err != nil {
		return err
	}
	return writeGeoFeature(c, http.StatusOK, siteFeature(site))
}

// replaceSite is PUT /api/v1/sites/:id: a new name and geometry.
func (s *Server) replaceSite(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	old, err := s.site(c)
	if err != nil {
		return err
	}
	site, err := s.readSite(c, old.ID)
	if err != nil {
		return err
	}
	site.Owner, site.CreatedAt, site.UpdatedAt = old.Owner, old.CreatedAt, time.Now().UTC()
	if err := st.ReplaceSite(c.Request().Context(), site); err != nil {
		return err
	}
	s.cfg.Areas.PutSite(site)
	if err := s.areasChanged(c.Request().Context()); err != nil {
		return err
	}
	return writeGeoFeature(c, http.StatusOK, siteFeature(site))
}

// deleteSite is DELETE /api/v1/sites/:id.
func (s *Server) deleteSite(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	site, err := s.site(c)
	if err != nil {
		return err
	}
	if err := s.usedByWatch(c.Request().Context(), "near_site", func(n string) bool { return n == site.ID }); err != nil {
		return err
	}
	if err := st.DeleteSite(c.Request().Context(), site.ID); err != nil {
		return err
	}
	s.cfg.Areas.RemoveSite(site.ID)
	return c.NoContent(http.StatusNoContent)
}

func siteFeature(site *incident.Site) *geojson.Feature {
	f := geojson.NewFeature(site.Geometry)
	f.ID = site.ID
	f.Properties = geojson.Properties{"id": site.ID, "name": site.Name, "owner": site.Owner,
		"created_at": site.CreatedAt.Format(time.RFC3339Nano), "updated_at": site.UpdatedAt.Format(time.RFC3339Nano)}
	return f
}

// Summary windows: distances from the site and periods up to the day.
var (
	summaryKM   = []float64{10, 25, 50}
	summaryDays = []int{7, 30, 90}
)

// siteWindow is one cell of a site's summary.
type siteWindow struct {
	RadiusKM   float64 `json:"radius_km"`
	Days       int     `json:"days"`
	Start      string  `json:"start"`
	End        string  `json:"end"`
	Incidents  int     `json:"incidents"`
	Fatalities int     `json:"fatalities"`
}

// siteSummary is GET /api/v1/sites/:id/summary: incidents and fatalities
// within 10, 25 and 50 km of the site over the 7, 30 and 90 days up to
// as_of (today, UTC, by default), each counted by the store's Stats with
// the near_site filter, as /api/v1/stats?near_site=ID&radius_km=...
// would.
func (s *Server) siteSummary(c echo.Context) error {
	site, err := s.site(c)
	if err != nil {
		return err
	}
	if err := refuseEmpty(c, "as_of"); err != nil {
		return err
	}
	asOf := time.Now().UTC()
	if v := c.QueryParam("as_of"); v != "" {
		if asOf, err = time.Parse(incident.DateLayout, v); err != nil {
			return incident.FieldErrorf("as_of", "%q is not a date; use YYYY-MM-DD", v)
		}
	}
	for k := range c.QueryParams() {
		if k != "as_of" {
			return incident.FieldErrorf(k, "unknown parameter; the summary takes as_of=YYYY-MM-DD")
		}
	}
	end := asOf.Format(incident.DateLayout)
	var windows []siteWindow
	for _, km := range summaryKM {
		for _, days := range summaryDays {
			start := asOf.AddDate(0, 0, 1-days).Format(incident.DateLayout)
			st, err := s.cfg.Store.Stats(c.Request().Context(), incident.Filter{Site: site, RadiusKM: km, Start: start, End: end})
			if err != nil {
				return err
			}
			windows = append(windows, siteWindow{RadiusKM: km, Days: days, Start: start, End: end, Incidents: st.Total.Incidents, Fatalities: st.Total.Fatalities})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"site": map[string]any{"id": site.ID, "name": site.Name}, "as_of": end, "windows": windows})
}
