package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Body limit for admin imports: an ACLED export for a country runs to tens of
// megabytes.
const bodyLimitImport = "200M"

// importIncidents takes an ACLED CSV (Content-Type text/csv) or GeoJSON
// upload from an admin. A CSV is all or nothing; the answer lists every
// rejected record by line.
func (s *Server) importIncidents(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	isCSV := strings.HasPrefix(ct, "text/csv") || c.QueryParam("format") == "csv"
	var ins []*incident.Incident
	var rej []incident.Rejected
	if isCSV {
		ins, rej, err = incident.DecodeACLEDCSV(bytes.NewReader(body))
	} else {
		ins, rej, err = incident.DecodeFeatures(body)
	}
	if err != nil {
		return err
	}
	res, err := s.cfg.Service.Import(c.Request().Context(), ins, rej, incident.ImportOptions{
		AllOrNothing: isCSV || c.QueryParam("all_or_nothing") == "true",
	})
	if err != nil {
		if res == nil {
			return err
		}
		p := Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest, Code: incident.EINVALID,
			Detail: incident.ErrorMessage(err), Instance: c.Request().URL.Path, Rejected: res.Rejected}
		b, _ := json.Marshal(p)
		return c.Blob(http.StatusBadRequest, MIMEProblem, b)
	}
	return c.JSON(http.StatusOK, res)
}
