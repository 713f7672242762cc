package incident

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ACLED CSV columns incidentmap reads into fields; any other column is kept
// in Extra, so an ACLED export round-trips. Columns that incidentmap derives
// itself (country, year, region_code, border distances...) are not read.
var acledIgnored = map[string]bool{
	"year": true, "country": true, "region_code": true, "region_name": true, "nearest_border": true,
	"nearest_border_km": true, "zones": true, "created_at": true, "updated_at": true, "borders": true,
}

// acledDateLayouts are the date forms ACLED exports have used.
var acledDateLayouts = []string{DateLayout, "02 January 2006", "2 January 2006", "02-January-2006", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05"}

// DecodeACLEDCSV reads an ACLED-format CSV export (a header row naming the
// columns, in any order). Rows that cannot be read are rejected with their
// line number; their places in the returned slice are nil, and Record in
// each rejection is the line number.
func DecodeACLEDCSV(r io.Reader) ([]*Incident, []Rejected, error) {
	br := bufio.NewReader(r)
	if err := notText(br); err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, Errorf(EINVALID, "empty CSV; want ACLED's columns with a header row")
		}
		return nil, nil, Errorf(EINVALID, "CSV header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		col[h] = i
	}
	for _, need := range []string{"event_date", "latitude", "longitude"} {
		if _, ok := col[need]; !ok {
			return nil, nil, Errorf(EINVALID, "CSV has no %q column; ACLED exports have event_date, event_type, sub_event_type, latitude, longitude...; the header was: %s", need, clip(strings.Join(header, ",")))
		}
	}
	var out []*Incident
	var rej []Rejected
	for {
		line, _ := cr.FieldPos(0)
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// A malformed row (an unclosed quote) leaves the rest unreadable.
				return out, append(rej, Rejected{Record: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()}), nil
			}
			return nil, nil, err
		}
		if line, _ = cr.FieldPos(0); line == 0 {
			line = len(out) + 2
		}
		in, err := acledRow(header, col, rec)
		if err != nil {
			rej = append(rej, Rejected{Record: line, ID: in.ID, Reason: ErrorMessage(err)})
			out = append(out, nil)
			continue
		}
		in.line = line
		out = append(out, in)
	}
	return out, rej, nil
}

func acledRow(header []string, col map[string]int, rec []string) (*Incident, error) {
	in := &Incident{}
	get := func(k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	num := func(k string, dst *int) error {
		s := get(k)
		if s == "" {
			return nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return FieldErrorf(k, "%q is not a whole number", clip(s))
		}
		*dst = v
		return nil
	}
	optNum := func(k string, dst **int) error {
		if get(k) == "" {
			return nil
		}
		var v int
		if err := num(k, &v); err != nil {
			return err
		}
		*dst = &v
		return nil
	}
	in.ID = get("event_id_cnty")
	if in.ID == "" {
		in.ID = get("id")
	}
	d := get("event_date")
	parsed := false
	for _, layout := range acledDateLayouts {
		if t, err := time.Parse(layout, d); err == nil {
			in.EventDate, parsed = t.Format(DateLayout), true
			break
		}
	}
	if !parsed {
		return in, FieldErrorf("event_date", "%q is not a date ACLED writes (2023-10-02 or 02 October 2023)", clip(d))
	}
	in.EventType, in.SubEventType = get("event_type"), get("sub_event_type")
	in.Actor1, in.Actor2, in.Admin1, in.Admin2 = get("actor1"), get("actor2"), get("admin1"), get("admin2")
	in.Location, in.Source, in.Notes, in.SourceURL = get("location"), get("source"), get("notes"), get("source_url")
	for _, n := range []struct {
		k string
		p *int
	}{{"time_precision", &in.TimePrecision}, {"geo_precision", &in.GeoPrecision}, {"fatalities", &in.Fatalities}} {
		if err := num(n.k, n.p); err != nil {
			return in, err
		}
	}
	if err := optNum("fatalities_low", &in.FatalitiesLow); err != nil {
		return in, err
	}
	if err := optNum("fatalities_high", &in.FatalitiesHigh); err != nil {
		return in, err
	}
	if s := get("uncertainty_km"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return in, FieldErrorf("uncertainty_km", "%q is not a number", clip(s))
		}
		in.UncertaintyKM = &v
	}
	lat, err1 := strconv.ParseFloat(get("latitude"), 64)
	lon, err2 := strconv.ParseFloat(get("longitude"), 64)
	if err1 != nil || err2 != nil {
		return in, FieldErrorf("latitude/longitude", "%q, %q are not numbers", clip(get("latitude")), clip(get("longitude")))
	}
	in.SetPoint(lon, lat)
	if t := get("tags"); t != "" {
		in.Tags = splitList(t)
	}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if known[k] || derivedProps[k] || acledIgnored[k] || k == "event_id_cnty" || i >= len(rec) || rec[i] == "" {
			continue
		}
		if in.Extra == nil {
			in.Extra = map[string]any{}
		}
		in.Extra[k] = rec[i]
	}
	return in, nil
}

// describeRecord names a record in messages: its line for CSV.
func describeRecord(r Rejected) string {
	if r.ID != "" {
		return fmt.Sprintf("record %d (%s)", r.Record, r.ID)
	}
	return fmt.Sprintf("record %d", r.Record)
}

// notText refuses input whose first KB has control characters (NUL...) or
// is not UTF-8: a spreadsheet, a compressed file or an image sent as CSV,
// which the CSV reader would otherwise take for an empty or headerless file.
func notText(br *bufio.Reader) error {
	const window = 1024
	head, _ := br.Peek(window)
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return Errorf(EINVALID, "the file is UTF-16 text; save the ACLED export as CSV (UTF-8)")
	}
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		cut := len(head) == window && !utf8.FullRune(head[i:]) // a character the window ends in
		control := r < 0x20 && r != '\t' && r != '\n' && r != '\r'
		if control || r == utf8.RuneError && size == 1 && !cut {
			return Errorf(EINVALID, "the file is not CSV text (binary data at byte %d); send the ACLED export saved as CSV (UTF-8), not a spreadsheet or a compressed file", i+1)
		}
		i += size
	}
	return nil
}
