package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/gpkg"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// A format is a download encoding of incidents. Every format streams: it
// writes each incident as the store yields it, so memory stays flat however
// many there are.
type format struct {
	F     string `json:"f"`
	Title string `json:"title"`
	Type  string `json:"type"`
	Ext   string `json:"ext"`
	enc   func(w *bufio.Writer) encoder
	// file, for formats that cannot be written front to back (GeoPackage is a
	// database), writes a temporary file that is then streamed.
	file func(ctx context.Context, s *Server, f incident.Filter, path string) error
}

type encoder interface {
	begin() error
	write(in *incident.Incident) error
	end(n int) error
}

// formats lists what GET /api/v1/incidents?f= serves, in the order the map
// offers them.
var formats = []format{
	{F: "geojson", Title: "GeoJSON", Type: MIMEGeoJSON, Ext: "geojson", enc: func(w *bufio.Writer) encoder { return &geojsonEnc{w: w} }},
	{F: "geojsonseq", Title: "GeoJSON text sequence (one feature per line)", Type: "application/geo+json-seq", Ext: "geojsonl", enc: func(w *bufio.Writer) encoder { return &seqEnc{w: w} }},
	{F: "csv", Title: "CSV (ACLED columns)", Type: "text/csv; charset=utf-8", Ext: "csv", enc: func(w *bufio.Writer) encoder { return &csvEnc{w: csv.NewWriter(w)} }},
	{F: "kml", Title: "KML (Google Earth)", Type: "application/vnd.google-earth.kml+xml", Ext: "kml", enc: func(w *bufio.Writer) encoder { return &kmlEnc{w: w} }},
	{F: "gpkg", Title: "GeoPackage (QGIS, ArcGIS)", Type: "application/geopackage+sqlite3", Ext: "gpkg", file: writeGPKG},
	{F: "atom", Title: "Atom feed (the newest 100 unless limit is given)", Type: MIMEAtom, Ext: "atom", enc: func(w *bufio.Writer) encoder { return &atomEnc{w: w} }},
}

func formatByName(f string) (format, bool) {
	for _, ft := range formats {
		if ft.F == f {
			return ft, true
		}
	}
	return format{}, false
}

func formatNames() string {
	var names []string
	for _, f := range formats {
		names = append(names, f.F)
	}
	return strings.Join(names, ", ")
}

// download streams every incident the filter selects (up to limit= when
// given) in format f, as an attachment. A full export runs for minutes, so
// it is bounded by DownloadTimeout rather than the request timeout, and
// lasts as long as the client keeps reading (see progressWriter).
func (s *Server) download(c echo.Context, f incident.Filter, limitGiven bool, ft format) error {
	if !limitGiven {
		f.Limit = 0
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.DownloadTimeout)
	defer cancel()
	out := &progressWriter{w: c.Response(), rc: http.NewResponseController(c.Response()), stall: s.cfg.RequestTimeout}
	out.end, _ = ctx.Deadline()
	// Nothing is written while a GeoPackage is built, which may outlast the
	// server's write timeout (HTTP/2 would reset the stream at it).
	out.rc.SetWriteDeadline(out.end)
	name := "incidents-" + time.Now().UTC().Format("20060102") + "." + ft.Ext
	if ft.file != nil {
		return s.downloadFile(ctx, c, f, ft, name, out)
	}
	f.JSONOnly = ft.F == "geojson" || ft.F == "geojsonseq"
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ft.Type)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := ft.enc(w)
	if err := enc.begin(); err != nil {
		return nil
	}
	// Each stops at f.Limit itself (a store's contract, which
	// store/storetest checks).
	n := 0
	err := s.cfg.Store.Each(ctx, f, func(in *incident.Incident) error {
		n++
		return enc.write(in)
	})
	if err != nil {
		// Headers are gone; the truncated body and the log say it failed.
		s.downloadStopped(ctx, ft, n, err, out)
		return nil
	}
	enc.end(n)
	w.Flush()
	return nil
}

var errStop = fmt.Errorf("stop")

// downloadStopped logs a download that did not finish: at INFO when the
// client went away or stopped reading, at WARN when it ran out of time, at
// ERROR only when the store failed.
func (s *Server) downloadStopped(ctx context.Context, ft format, n int, err error, out *progressWriter) {
	switch {
	case out.err != nil || errors.Is(ctx.Err(), context.Canceled):
		s.cfg.Logger.Info("download stopped: the client went away or stopped reading", "format", ft.F, "after", n, "err", err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		s.cfg.Logger.Warn("download stopped at the download timeout (--download-timeout)", "format", ft.F, "after", n, "timeout", s.cfg.DownloadTimeout)
	default:
		s.cfg.Logger.Error("download failed", "format", ft.F, "after", n, "err", err)
	}
}

// progressWriter is a download's response. Each write gives the client stall
// (the request timeout) to take it, up to the download's end: a download
// goes on while the client reads, and one that stops reading frees its
// heavy slot instead of holding it until the download timeout.
type progressWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
	end   time.Time
	err   error // the first write error: the client went away
}

func (p *progressWriter) Write(b []byte) (int, error) {
	d := time.Now().Add(p.stall)
	if d.After(p.end) {
		d = p.end
	}
	p.rc.SetWriteDeadline(d) // not supported by test recorders; nothing to do then
	n, err := p.w.Write(b)
	if err != nil && p.err == nil {
		p.err = err
	}
	return n, err
}

// downloadFile writes a format that is not written front to back (a
// GeoPackage is a database) into a temporary file, removed after, then
// streams it: memory stays flat whatever the size.
func (s *Server) downloadFile(ctx context.Context, c echo.Context, f incident.Filter, ft format, name string, out *progressWriter) error {
	tmp, err := os.CreateTemp("", "incidentmap-*."+ft.Ext)
	if err != nil {
		return err
	}
	path := tmp.Name()
	tmp.Close() // an empty file is an empty SQLite database
	defer os.Remove(path)
	if err := ft.file(ctx, s, f, path); err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return incident.Errorf(incident.EUNAVAILABLE, "writing the %s took longer than the download timeout (%v); narrow the filter, or ask the operator to raise --download-timeout", ft.Title, s.cfg.DownloadTimeout)
		case ctx.Err() != nil:
			s.downloadStopped(ctx, ft, 0, err, out)
			return nil
		}
		return err
	}
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ft.Type)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(st.Size(), 10))
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(out, fh); err != nil {
		s.downloadStopped(ctx, ft, 0, err, out)
	}
	return nil
}

var gpkgColumns = func() []gpkg.Column {
	types := map[string]string{"event_date": gpkg.Date, "time_precision": gpkg.Integer, "geo_precision": gpkg.Integer, "uncertainty_km": gpkg.Real,
		"fatalities": gpkg.Integer, "fatalities_low": gpkg.Integer, "fatalities_high": gpkg.Integer, "nearest_border_km": gpkg.Real,
		"created_at": gpkg.DateTime, "updated_at": gpkg.DateTime}
	var cols []gpkg.Column
	for _, f := range incidentFields(&incident.Incident{}) {
		t := types[f[0]]
		if t == "" {
			t = gpkg.Text
		}
		cols = append(cols, gpkg.Column{Name: f[0], Type: t})
	}
	return cols
}()

func writeGPKG(ctx context.Context, s *Server, f incident.Filter, path string) error {
	w, err := gpkg.Create(ctx, path, "incidents", "incidentmap incidents", gpkgColumns)
	if err != nil {
		return err
	}
	err = s.cfg.Store.Each(ctx, f, func(in *incident.Incident) error {
		fields := incidentFields(in)
		vals := make([]any, len(fields))
		for i, fv := range fields {
			switch {
			case fv[1] == "":
				vals[i] = nil
			case gpkgColumns[i].Type == gpkg.Integer:
				vals[i], _ = strconv.ParseInt(fv[1], 10, 64)
			case gpkgColumns[i].Type == gpkg.Real:
				vals[i], _ = strconv.ParseFloat(fv[1], 64)
			default:
				vals[i] = fv[1]
			}
		}
		return w.Add(ctx, in.Lon, in.Lat, vals...)
	})
	if err != nil {
		w.Close(ctx)
		return err
	}
	return w.Close(ctx)
}

type geojsonEnc struct {
	w   *bufio.Writer
	buf bytes.Buffer
	n   int
}

func (e *geojsonEnc) begin() error {
	_, err := e.w.WriteString(`{"type":"FeatureCollection","features":[`)
	return err
}

func (e *geojsonEnc) write(in *incident.Incident) error {
	if e.n > 0 {
		e.w.WriteByte(',')
	}
	e.n++
	e.w.WriteByte('\n')
	e.buf.Reset()
	in.AppendFeature(&e.buf)
	_, err := e.w.Write(e.buf.Bytes())
	return err
}

func (e *geojsonEnc) end(n int) error {
	_, err := fmt.Fprintf(e.w, "\n],\"numberMatched\":%d,\"numberReturned\":%d,\"timeStamp\":%q}\n", n, n, time.Now().UTC().Format(time.RFC3339))
	return err
}

// seqEnc writes RFC 8142 GeoJSON text sequences: RS, the feature, newline.
type seqEnc struct {
	w   *bufio.Writer
	buf bytes.Buffer
}

func (e *seqEnc) begin() error { return nil }
func (e *seqEnc) write(in *incident.Incident) error {
	e.buf.Reset()
	e.buf.WriteByte(0x1e)
	in.AppendFeature(&e.buf)
	e.buf.WriteByte('\n')
	_, err := e.w.Write(e.buf.Bytes())
	return err
}
func (e *seqEnc) end(int) error { return nil }

// ACLEDColumns is the column order of ACLED's CSV exports; incidentmap's own
// fields follow them.
var ACLEDColumns = []string{"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
	"actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
	"country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
	"fatalities", "tags", "timestamp"}

var extraColumns = []string{"fatalities_low", "fatalities_high", "uncertainty_km", "source_url", "region_code", "nearest_border", "nearest_border_km", "zones", "updated_at"}

var countryNames = map[string]string{"NER": "Niger", "MLI": "Mali", "BFA": "Burkina Faso", "BEN": "Benin", "NGA": "Nigeria", "TCD": "Chad", "LBY": "Libya", "DZA": "Algeria"}
var isoNumeric = map[string]string{"NER": "562", "MLI": "466", "BFA": "854", "BEN": "204", "NGA": "566", "TCD": "148", "LBY": "434", "DZA": "12"}

type csvEnc struct {
	w   *csv.Writer
	row []string
}

func (e *csvEnc) begin() error {
	return e.w.Write(append(append([]string{}, ACLEDColumns...), extraColumns...))
}

func (e *csvEnc) write(in *incident.Incident) error {
	extra := func(k string) string {
		switch v := in.Extra[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	country, iso, region := "", "", extra("region")
	if in.Country != nil {
		country, iso = countryNames[*in.Country], isoNumeric[*in.Country]
		if region == "" && (*in.Country == "NER" || country != "") {
			region = "Western Africa"
			if *in.Country == "LBY" || *in.Country == "DZA" {
				region = "Northern Africa"
			} else if *in.Country == "TCD" {
				region = "Middle Africa"
			}
		}
	}
	ts := extra("timestamp")
	if ts == "" {
		ts = strconv.FormatInt(in.UpdatedAt.Unix(), 10)
	}
	fv := map[string]string{}
	for _, f := range incidentFields(in) {
		fv[f[0]] = f[1]
	}
	e.row = append(e.row[:0],
		in.ID, in.EventDate, in.EventDate[:4], strconv.Itoa(in.TimePrecision), extra("disorder_type"), in.EventType, in.SubEventType,
		in.Actor1, extra("assoc_actor_1"), extra("inter1"), in.Actor2, extra("assoc_actor_2"), extra("inter2"), extra("interaction"), extra("civilian_targeting"),
		firstNonEmpty(extra("iso"), iso), region, firstNonEmpty(country, extra("country")), in.Admin1, in.Admin2, extra("admin3"), in.Location,
		strconv.FormatFloat(in.Lat, 'f', -1, 64), strconv.FormatFloat(in.Lon, 'f', -1, 64), strconv.Itoa(in.GeoPrecision),
		in.Source, extra("source_scale"), in.Notes, strconv.Itoa(in.Fatalities), strings.Join(in.Tags, "; "), ts,
	)
	for _, c := range extraColumns {
		e.row = append(e.row, fv[c])
	}
	for i, v := range e.row {
		e.row[i] = csvSafe(v)
	}
	return e.w.Write(e.row)
}

func (e *csvEnc) end(int) error {
	e.w.Flush()
	return e.w.Error()
}

// csvSafe defuses spreadsheet formula injection: a cell a spreadsheet would
// evaluate (=, +, -, @ at the start) gets a leading apostrophe, unless it is
// a plain number.
func csvSafe(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return v
		}
		return "'" + v
	}
	return v
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
