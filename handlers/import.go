package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// importIncidents takes an ACLED CSV (Content-Type text/csv) or GeoJSON
// upload from an admin. A CSV is all or nothing; the answer lists every
// rejected record by line. An upload of which nothing could be read is a
// 400 that says why, not a 200 with "imported": 0.
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
	} else if err = malformedJSON(body); err == nil {
		ins, rej, err = incident.DecodeFeatures(body)
	}
	if err != nil {
		return err
	}
	res, err := s.cfg.Service.Import(c.Request().Context(), ins, rej, incident.ImportOptions{
		AllOrNothing:   isCSV || c.QueryParam("all_or_nothing") == "true",
		RequireCovered: isCSV,
	})
	if err == nil && res.Imported == 0 && res.Skipped == 0 && len(res.Rejected) > 0 {
		r := res.Rejected[0]
		err = incident.Errorf(incident.EINVALID, "none of the %d records could be imported (first: record %d: %s); nothing was imported", len(ins), r.Record, r.Reason)
	}
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

// malformedJSON says where a body that starts as a JSON document stops being
// one. (One that is not, or a text sequence of Features one per line whose
// first line reads, is left to the decoder.)
func malformedJSON(body []byte) error {
	doc := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(doc) == 0 || doc[0] != '{' {
		return nil
	}
	first, _, _ := bytes.Cut(doc, []byte("\n"))
	first, _, _ = bytes.Cut(first, []byte{0x1e})
	if json.Valid(bytes.TrimSpace(first)) {
		return nil
	}
	var se *json.SyntaxError
	if err := json.Unmarshal(doc, new(json.RawMessage)); !errors.As(err, &se) {
		return nil
	}
	at := doc[:max(0, se.Offset-1)] // Offset is just past the byte at fault
	line := bytes.Count(at, []byte("\n")) + 1
	col := len(at) - bytes.LastIndexByte(at, '\n')
	hint := "send a GeoJSON FeatureCollection, or one Feature per line"
	if int(se.Offset) >= len(doc) && strings.HasPrefix(se.Error(), "unexpected end") {
		hint = "the document ends early: was the file cut short?"
	}
	return incident.Errorf(incident.EINVALID, "the body is not valid JSON: %s at line %d, column %d; %s", se, line, col, hint)
}
