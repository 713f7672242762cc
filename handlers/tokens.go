package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// listTokens answers GET /api/v1/tokens (admins): every token's id, name,
// role and dates, never its secret or hash.
func (s *Server) listTokens(c echo.Context) error {
	ts, err := s.cfg.Tokens.Tokens(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

// createToken answers POST /api/v1/tokens (admins) with the new token and,
// this once, its secret.
func (s *Server) createToken(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var req struct {
		Role    string `json:"role"`
		Name    string `json:"name"`
		Expires string `json:"expires"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return incident.Errorf(incident.EINVALID, "send {\"role\":\"viewer|editor|admin\",\"name\":\"...\",\"expires\":\"30d\"} (name and expires optional): %v", err)
	}
	var ttl time.Duration
	if req.Expires != "" {
		if ttl, err = incident.ParseTokenTTL(req.Expires); err != nil {
			return err
		}
	}
	secret, t, err := incident.NewToken(req.Name, req.Role, time.Now(), ttl)
	if err != nil {
		return err
	}
	if err := s.cfg.Tokens.CreateToken(c.Request().Context(), t); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, struct {
		*incident.Token
		Secret string `json:"token"`
	}{t, secret})
}

// revokeToken answers DELETE /api/v1/tokens/{id} (admins): requests with
// the token get 401 from the next one on.
func (s *Server) revokeToken(c echo.Context) error {
	if err := s.cfg.Tokens.RevokeToken(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
