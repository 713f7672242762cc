package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// Shapes of input, as recognised from their columns or content.
const (
	ShapeACLED     = "ACLED"           // ACLED's export tool or API, or incidentmap's own CSV
	ShapeDeletions = "ACLED deletions" // event_id_cnty, deleted_timestamp
	ShapeUCDP      = "UCDP GED"
	ShapeGeoJSON   = "GeoJSON"
)

// Options are how to read one input.
type Options struct {
	// Format forces the container: "csv", "xlsx" or "geojson"; empty
	// recognises it from the content (JSON is GeoJSON or an answer of
	// ACLED's API).
	Format string
	// DateOrder is DMY or MDY for files whose numeric dates do not say
	// (ParseDateOrder reads it).
	DateOrder string
}

// Batch is what an input holds: incidents (each with its Line), deletions,
// and the rows that could not be read.
type Batch struct {
	Shape     string
	Container string // CSV, Excel, GeoJSON or JSON (ACLED's API)
	Header    []string
	Incidents []*incident.Incident
	Deletions []incident.Deletion
	Rejected  []incident.Rejected
}

// shapeOf names the shape a header has, or says which columns are missing.
func shapeOf(col map[string]int, header []string) (string, error) {
	has := func(ks ...string) bool {
		for _, k := range ks {
			if _, ok := col[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has("event_id_cnty", "deleted_timestamp"):
		return ShapeDeletions, nil
	case has("type_of_violence", "date_start", "latitude", "longitude"):
		return ShapeUCDP, nil
	case has("latitude", "longitude") && (has("event_date") || has("year", "month", "day")):
		return ShapeACLED, nil
	}
	return "", incident.Errorf(incident.EINVALID, "no known columns: an ACLED export has event_id_cnty, event_date, event_type, latitude, longitude...; a UCDP GED one id, date_start, type_of_violence, latitude, longitude...; ACLED's deletion list event_id_cnty, deleted_timestamp. The header was: %s", clip(strings.Join(header, ",")))
}

// WriteRejects writes the rows of a tabular input that were rejected back
// out as CSV: the original header and cells, then a reason column (which
// Read ignores), so the file can be fixed and imported again. r is the
// input again, from its start.
func WriteRejects(r io.Reader, opts Options, rejected []incident.Rejected, w io.Writer) error {
	why := map[int]string{}
	for _, rj := range rejected {
		reason := rj.Reason
		if rj.Field != "" {
			reason = rj.Field + ": " + reason
		}
		if prev, ok := why[rj.Record]; ok {
			reason = prev + "; " + reason
		}
		why[rj.Record] = reason
	}
	br, head := peek(r)
	s, err := sniff(head)
	if err != nil {
		return err
	}
	if s.kind == "json" {
		return incident.Errorf(incident.EINVALID, "a rejects file is written for CSV and Excel inputs; for GeoJSON the report lists each rejected record")
	}
	stripBOM(br)
	t, closeT, err := openTable(br, s)
	if err != nil {
		return err
	}
	defer closeT()
	cw := csv.NewWriter(w)
	_, header, err := t.next()
	if err != nil {
		return fmt.Errorf("rejects: reading the header again: %w", err)
	}
	dateCol := -1
	for i, h := range header {
		if k := normalizeHeader(h); k == "event_date" || k == "date_start" {
			dateCol = i
		}
	}
	cw.Write(append(append([]string{}, header...), "reason"))
	for {
		line, rec, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		reason, bad := why[line]
		var re rowError
		if errors.As(err, &re) {
			rec = nil
		} else if err != nil {
			return err
		}
		if !bad {
			continue
		}
		out := make([]string, len(header)+1)
		copy(out, rec)
		if s.kind == "xlsx" && dateCol >= 0 && dateCol < len(rec) {
			// Excel's serial dates as dates, which a CSV reader can read.
			d := &dates{}
			if v, err := d.parse(nil, line, rec[dateCol], true, 0, 0); err == nil && v != "" {
				out[dateCol] = v
			}
		}
		out[len(header)] = reason
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
