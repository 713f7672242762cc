package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Media types.
const (
	MIMEGeoJSON    = "application/geo+json"
	MIMEMergePatch = "application/merge-patch+json"
)

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// listIncidents answers GET /api/v1/incidents with a GeoJSON
// FeatureCollection carrying OGC API paging members.
func (s *Server) listIncidents(c echo.Context) error {
	f, ft, err := s.listFilter(c)
	if err != nil {
		return err
	}
	if ft != nil {
		limitGiven := c.QueryParam("limit") != ""
		if ft.F == "atom" && !limitGiven {
			// A feed is what is new, not everything.
			f.Limit, limitGiven = 100, true
		}
		return s.download(c, f, limitGiven, *ft)
	}
	f.JSONOnly = true
	page, err := s.cfg.Store.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	links := []link{{Href: pageURL(c, ""), Rel: "self", Type: MIMEGeoJSON}}
	if page.Next != nil {
		links = append(links, link{Href: pageURL(c, page.Next.Encode()), Rel: "next", Type: MIMEGeoJSON, Title: "next page"})
		c.Response().Header().Add("Link", "<"+links[1].Href+`>; rel="next"`)
	}
	return writeCollection(c, page.Incidents, page.NumberMatched, links)
}

// pageURL is the request's URL with the cursor set (or removed).
func pageURL(c echo.Context, cursor string) string {
	q := c.Request().URL.Query()
	q.Del("cursor")
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	u := url.URL{Path: c.Request().URL.Path, RawQuery: q.Encode()}
	return baseURL(c) + u.String()
}

func writeCollection(c echo.Context, ins []*incident.Incident, matched int, links []link) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, MIMEGeoJSON)
	w.WriteHeader(http.StatusOK)
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, in := range ins {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		in.AppendFeature(&b)
		if b.Len() > 64<<10 {
			if _, err := w.Write(b.Bytes()); err != nil {
				return nil // the client went away
			}
			b.Reset()
		}
	}
	lj, _ := json.Marshal(links)
	b.WriteString("\n],\"numberMatched\":" + strconv.Itoa(matched) + ",\"numberReturned\":" + strconv.Itoa(len(ins)))
	b.WriteString(`,"timeStamp":"` + time.Now().UTC().Format(time.RFC3339) + `","links":`)
	b.Write(lj)
	b.WriteString("}\n")
	w.Write(b.Bytes())
	return nil
}

func writeFeature(c echo.Context, status int, in *incident.Incident) error {
	b, _ := in.MarshalJSON()
	return c.Blob(status, MIMEGeoJSON, b)
}

func (s *Server) getIncident(c echo.Context) error {
	in, err := s.cfg.Store.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return writeFeature(c, http.StatusOK, in)
}

// readIncident decodes a request body: a GeoJSON Feature, or the properties
// alone (with a location phrase to geocode); incident.DecodeIncident says
// which shapes it takes.
func readIncident(c echo.Context) (*incident.Incident, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	return incident.DecodeIncident(body)
}

func (s *Server) createIncident(c echo.Context) error {
	in, err := readIncident(c)
	if err != nil {
		return err
	}
	out, err := s.cfg.Service.Create(c.Request().Context(), in)
	if err != nil {
		return err
	}
	// Every new incident is compared with the stored ones; the answer says
	// which may tell of the same event (GET …/duplicates asks again later).
	// The incident is stored either way, so a failed comparison only
	// leaves the list out.
	if dups, err := s.cfg.Service.Duplicates(c.Request().Context(), out); err == nil {
		out.PossibleDuplicates = dups
	}
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c)+"/api/v1/incidents/"+url.PathEscape(out.ID))
	return writeFeature(c, http.StatusCreated, out)
}

func (s *Server) replaceIncident(c echo.Context) error {
	in, err := readIncident(c)
	if err != nil {
		return err
	}
	out, err := s.cfg.Service.Replace(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return err
	}
	return writeFeature(c, http.StatusOK, out)
}

func (s *Server) patchIncident(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var opts incident.PatchOptions
	if v := c.QueryParam("regeocode"); v != "" {
		if opts.Regeocode, err = strconv.ParseBool(v); err != nil {
			return incident.FieldErrorf("regeocode", "%q: use true to place the incident again from properties.location, or false", v)
		}
	}
	out, err := s.cfg.Service.Patch(c.Request().Context(), c.Param("id"), body, opts)
	if err != nil {
		return err
	}
	return writeFeature(c, http.StatusOK, out)
}

func (s *Server) deleteIncident(c echo.Context) error {
	if err := s.cfg.Service.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) stats(c echo.Context) error {
	f, err := s.countFilter(c, "stats")
	if err != nil {
		return err
	}
	st, err := s.cfg.Store.Stats(c.Request().Context(), f)
	if err != nil {
		return err
	}
	for i, b := range st.ByRegion {
		if r, ok := s.cfg.Geo.Region(b.Key); ok {
			st.ByRegion[i].Name = r.Name
		}
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) historyStore() (incident.History, error) {
	h, ok := s.cfg.Store.(incident.History)
	if !ok {
		return nil, incident.Errorf(incident.EINTERNAL, "this store keeps no history")
	}
	return h, nil
}

// history answers GET /api/v1/incidents/{id}/history: every change, oldest
// first, with who made it and the incident before and after.
func (s *Server) history(c echo.Context) error {
	h, err := s.historyStore()
	if err != nil {
		return err
	}
	revs, err := h.History(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": c.Param("id"), "revisions": revs})
}

// restore brings back a deleted incident (admins only).
func (s *Server) restore(c echo.Context) error {
	in, err := s.cfg.Service.Restore(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return writeFeature(c, http.StatusOK, in)
}
