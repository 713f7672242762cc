package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap/extract"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// bodyLimitExtract bounds a report sent for extraction: the longest text
// extraction reads (extract.MaxText, about 30,000 words) with room for its
// JSON wrapping.
const bodyLimitExtract = extract.MaxText + 16<<10

const extractAdvice = "a report for extraction is at most 200,000 bytes of text (about 30,000 words); send one article at a time"

// ExtractRequest is the JSON body of POST /api/v1/extract; a text/plain
// body is the text, with the other fields as query parameters.
type ExtractRequest struct {
	Text      string `json:"text"`
	Published string `json:"published"`
	Source    string `json:"source"`
	SourceURL string `json:"source_url"`
	Lang      string `json:"lang"`
}

// ReadExtractRequest checks a report sent for extraction and returns the
// extraction options. now is today, which a publication date may not be
// after.
func ReadExtractRequest(r ExtractRequest, now time.Time) (extract.Options, error) {
	var o extract.Options
	if !utf8.ValidString(r.Text) || strings.ContainsRune(r.Text, 0) {
		return o, incident.FieldErrorf("text", "is not text (not valid UTF-8, or it has NUL bytes): send the report's words as UTF-8 plain text")
	}
	if strings.TrimSpace(r.Text) == "" {
		return o, incident.FieldErrorf("text", "empty: send the report's text")
	}
	if len(r.Text) > extract.MaxText {
		return o, &incident.Error{Code: incident.ETOOLARGE, Field: "text", Message: extractAdvice}
	}
	if r.Published == "" {
		return o, incident.FieldErrorf("published", "required: the date the report was published (YYYY-MM-DD); weekdays and \"last month\" are read from it")
	}
	pub, err := time.Parse(incident.DateLayout, r.Published)
	if err != nil {
		return o, incident.FieldErrorf("published", "%q is not a date: use YYYY-MM-DD", clipText(r.Published))
	}
	if today := now.UTC().Format(incident.DateLayout); r.Published > today {
		return o, incident.FieldErrorf("published", "%s is after today (%s): a report cannot be published in the future", r.Published, today)
	}
	switch r.Lang {
	case "", "en", "fr":
	default:
		return o, incident.FieldErrorf("lang", "%q: use en or fr, or leave it out to tell from the text", clipText(r.Lang))
	}
	if r.SourceURL != "" && !strings.HasPrefix(r.SourceURL, "http://") && !strings.HasPrefix(r.SourceURL, "https://") {
		return o, incident.FieldErrorf("source_url", "%q is not an http(s) URL", clipText(r.SourceURL))
	}
	return extract.Options{Published: pub, Lang: r.Lang, Source: r.Source, SourceURL: r.SourceURL}, nil
}

func clipText(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// extractReport answers POST /api/v1/extract: the report's draft
// incidents, stored for review (hidden from every public listing) when
// there are any. A report with no incident stores nothing.
func (s *Server) extractReport(c echo.Context) error {
	ds, err := s.draftStore()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var req ExtractRequest
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch ct {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return incident.Errorf(incident.EINVALID, "the body is not the JSON this takes ({\"text\":\"...\",\"published\":\"YYYY-MM-DD\",\"source\":\"...\",\"source_url\":\"...\",\"lang\":\"en\"}): %v", err)
		}
	case "text/plain", "":
		q := c.QueryParams()
		req = ExtractRequest{Text: string(body), Published: q.Get("published"), Source: q.Get("source"), SourceURL: q.Get("source_url"), Lang: q.Get("lang")}
	default:
		return incident.Errorf(incident.EINVALID, "Content-Type %s: send text/plain (the report, with ?published=YYYY-MM-DD) or application/json", ct)
	}
	o, err := ReadExtractRequest(req, time.Now())
	if err != nil {
		return err
	}
	o.Geocoder = s.cfg.Geo
	res := extract.Extract(req.Text, o)
	rep := &incident.Report{Text: req.Text, Lang: res.Lang, Published: req.Published, Source: req.Source, SourceURL: req.SourceURL, Context: res.Context}
	if rep.Context == nil {
		rep.Context = []incident.ContextSpan{}
	}
	status := http.StatusOK
	drafts := res.Drafts
	if drafts == nil {
		drafts = []*incident.Draft{}
	}
	out := map[string]any{"lang": res.Lang, "drafts": drafts, "context": rep.Context}
	if len(drafts) > 0 {
		review := &incident.Review{Service: s.cfg.Service, Drafts: ds}
		if err := review.Submit(c.Request().Context(), rep, drafts); err != nil {
			return err
		}
		status = http.StatusCreated
		out["report_id"] = rep.ID
	} else {
		out["message"] = "no incident found in the report: nothing was stored"
	}
	return c.JSON(status, out)
}
