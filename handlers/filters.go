package handlers

import (
	"net/url"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// listFilter reads the incident filter of a listing and, when f= asks for
// a download, its format (nil for a page of GeoJSON).
func (s *Server) listFilter(c echo.Context) (incident.Filter, *format, error) {
	q := c.QueryParams()
	var ft *format
	if q.Has("f") {
		name := q.Get("f")
		v, ok := formatByName(name)
		if !ok {
			return incident.Filter{}, nil, incident.FieldErrorf("f", "%q is not a format this endpoint serves; use one of: %s", name, formatNames())
		}
		ft = &v
		q = without(q, "f")
	}
	f, err := incident.ParseFilter(q, s.cfg.Areas)
	return f, ft, err
}

// countFilter reads the incident filter of an answer about everything it
// selects (stats, tiles), where paging does not apply, nor the parameters
// named in refused.
func (s *Server) countFilter(c echo.Context, what string, refused ...string) (incident.Filter, error) {
	q := c.QueryParams()
	for _, p := range incident.FilterParams {
		if p.Paging {
			refused = append(refused, p.Name)
		}
	}
	for _, k := range refused {
		if q.Has(k) {
			return incident.Filter{}, incident.FieldErrorf(k, "%s take the incident filters but not %s", what, k)
		}
	}
	return incident.ParseFilter(q, s.cfg.Areas)
}

// refuseEmpty refuses the named parameters given with no value: like an
// empty filter, country= read as absent answers something not asked for.
func refuseEmpty(c echo.Context, names ...string) error {
	q := c.QueryParams()
	for _, k := range names {
		if q.Has(k) && strings.TrimSpace(q.Get(k)) == "" {
			return incident.FieldErrorf(k, "is empty; give a value or leave the parameter out")
		}
	}
	return nil
}

// without is a copy of q without key k.
func without(q url.Values, k string) url.Values {
	out := make(url.Values, len(q))
	for key, v := range q {
		if key != k {
			out[key] = v
		}
	}
	return out
}
