package handlers

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/incidentmap/incidentmap/importer"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Body limit for admin imports: an ACLED export for a country runs to tens of
// megabytes.
const bodyLimitImport = "200M"

// importAdvice is the 413 of an import: what to do instead.
const importAdvice = "the upload is larger than the 200 MB an import accepts; split the export (by year or by country) and upload each part, or run `incidentmap import FILE` on the server, which has no limit"

// importIncidents takes an upload from an admin: an ACLED or UCDP export
// (CSV or Excel), ACLED's deletion list, or GeoJSON, recognised from the
// content (format= forces csv, xlsx or geojson). Each row is imported on
// its own merit unless strict=true; date_order=dmy|mdy settles dates like
// 05/06/2023. The answer accounts for every row: new, updated, unchanged,
// stale, deleted, and each rejection with its line, id, field and reason.
func (s *Server) importIncidents(c echo.Context) error {
	q := c.QueryParams()
	for k := range q {
		if k != "format" && k != "strict" && k != "date_order" && k != "all_or_nothing" {
			return incident.FieldErrorf(k, "unknown parameter; import takes format (csv, xlsx, geojson), strict (true, false) and date_order (dmy, mdy)")
		}
	}
	order, err := importer.ParseDateOrder(q.Get("date_order"))
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format == "" && strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), "application/geo+json") {
		format = "geojson"
	}
	b, err := importer.Read(c.Request().Body, importer.Options{Format: format, DateOrder: order})
	if err != nil {
		if he, ok := err.(*echo.HTTPError); ok && he.Code == http.StatusRequestEntityTooLarge {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, importAdvice)
		}
		return err
	}
	strict := q.Get("strict") == "true" || q.Get("all_or_nothing") == "true"
	res, err := s.cfg.Service.Import(c.Request().Context(), b.Incidents, b.Deletions, b.Rejected, incident.ImportOptions{Strict: strict})
	if err != nil {
		if res == nil {
			return err
		}
		p := Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest, Code: incident.EINVALID,
			Detail: incident.ErrorMessage(err), Instance: c.Request().URL.Path, Rejected: res.Rejected}
		out, _ := json.Marshal(p)
		return c.Blob(http.StatusBadRequest, MIMEProblem, out)
	}
	return c.JSON(http.StatusOK, importReport{Shape: b.Shape, Container: b.Container, ImportResult: res})
}

// importReport is the answer to an import.
type importReport struct {
	Shape     string `json:"shape"`
	Container string `json:"container"`
	*incident.ImportResult
}
