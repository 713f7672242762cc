package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

func (s *Server) draftStore() (incident.DraftStore, error) {
	d, ok := s.cfg.Store.(incident.DraftStore)
	if !ok {
		return nil, s.notYet("drafts and reports are")
	}
	return d, nil
}

func (s *Server) review() (*incident.Review, error) {
	ds, err := s.draftStore()
	if err != nil {
		return nil, err
	}
	return &incident.Review{Service: s.cfg.Service, Drafts: ds}, nil
}

// listDrafts answers GET /api/v1/drafts: drafts waiting for review (or
// ?status=accepted, rejected, all), newest first.
func (s *Server) listDrafts(c echo.Context) error {
	ds, err := s.draftStore()
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	switch status {
	case "":
		status = incident.DraftOpen
	case "all":
		status = ""
	case incident.DraftOpen, incident.DraftAccepted, incident.DraftRejected:
	default:
		return incident.FieldErrorf("status", "%q: use draft, accepted, rejected or all", clipText(status))
	}
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return incident.FieldErrorf("limit", "%q: use a whole number from 1 to 1000", clipText(v))
		}
		limit = n
	}
	drafts, err := ds.Drafts(c.Request().Context(), status, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"drafts": drafts})
}

func (s *Server) getDraft(c echo.Context) error {
	ds, err := s.draftStore()
	if err != nil {
		return err
	}
	d, err := ds.Draft(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) getReport(c echo.Context) error {
	ds, err := s.draftStore()
	if err != nil {
		return err
	}
	r, err := ds.Report(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) patchDraft(c echo.Context) error {
	r, err := s.review()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	d, err := r.Edit(c.Request().Context(), c.Param("id"), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// acceptDraft answers POST /api/v1/drafts/{id}/accept with the incident it
// became.
func (s *Server) acceptDraft(c echo.Context) error {
	r, err := s.review()
	if err != nil {
		return err
	}
	in, err := r.Accept(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c)+"/api/v1/incidents/"+url.PathEscape(in.ID))
	return writeFeature(c, http.StatusCreated, in)
}

// rejectDraft answers POST /api/v1/drafts/{id}/reject and DELETE
// /api/v1/drafts/{id}: the draft is kept as rejected, for the record.
func (s *Server) rejectDraft(c echo.Context) error {
	r, err := s.review()
	if err != nil {
		return err
	}
	if err := r.Reject(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// duplicates answers GET /api/v1/incidents/{id}/duplicates: the stored
// incidents that may tell of the same event, best first.
func (s *Server) duplicates(c echo.Context) error {
	in, err := s.cfg.Store.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	dups, err := s.cfg.Service.Duplicates(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": in.ID, "possible_duplicates": dups})
}

// mergeIncident answers POST /api/v1/incidents/{id}/merge with body
// {"with": "other-id"}: the incident kept, with both sources.
func (s *Server) mergeIncident(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var req struct {
		With string `json:"with"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.With == "" {
		return incident.FieldErrorf("with", "send {\"with\": \"<id of the incident to merge into this one>\"}")
	}
	in, err := s.cfg.Service.Merge(c.Request().Context(), c.Param("id"), req.With)
	if err != nil {
		return err
	}
	return writeFeature(c, http.StatusOK, in)
}
