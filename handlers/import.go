package handlers

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/incidentmap/incidentmap/importer"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// importAdvice is what the 413 of an import advises instead.
const importAdvice = "run `incidentmap import FILE` on the server, which has no limit, or split the export (by year or by country) and upload each part"

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
	// The body is read, prepared and stored a chunk at a time, as the
	// command's import is: an upload of 200 MB holds a few chunks, never
	// the whole body (a GeoJSON FeatureCollection is read a Feature at a
	// time). The body limit still applies as it is read.
	b, err := importer.Open(c.Request().Body, importer.Options{Format: format, DateOrder: order})
	if err != nil {
		return err
	}
	defer b.Close()
	strict := q.Get("strict") == "true" || q.Get("all_or_nothing") == "true"
	res, err := s.cfg.Service.ImportStream(c.Request().Context(), b.Chunks(), incident.ImportOptions{Strict: strict})
	if err == nil && res.New+res.Updated+res.Unchanged+res.Stale+res.Deleted == 0 && len(res.Rejected) > 0 {
		// Nothing could be used: a 400 that says why, not a 200 with
		// every count at zero.
		r := res.Rejected[0]
		err = incident.Errorf(incident.EINVALID, "none of the %d records could be imported (first, record %d: %s); nothing was imported", len(res.Rejected), r.Record, r.Reason)
	}
	if err != nil {
		if res == nil || incident.ErrorCode(err) != incident.EINVALID {
			return err // a body too large or too slow: its own status
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
