package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Date orders for dates written with numbers only (15/05/2024).
const (
	DMY = "dmy" // day first: 15/05/2024
	MDY = "mdy" // month first: 05/15/2024
)

// dateLayouts are the unambiguous forms exports write event_date in: ACLED's
// ISO dates and "02 October 2023", spreadsheets' "5-Oct-18", UCDP's
// "2023-10-02 00:00:00.000".
var dateLayouts = []string{incident.DateLayout, "2006/01/02", "02 January 2006", "2 January 2006", "2 Jan 2006", "02-January-2006",
	"2-January-2006", "2-Jan-06", "2-Jan-2006", "January 2, 2006", "Jan 2, 2006", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04:05.000", "2006-01-02T15:04:05"}

var numericDate = regexp.MustCompile(`^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$`)

// excelEpoch is day 0 of Excel's serial dates (1900 system, after its
// fictional 29 February 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// pendingDate is a date like 05/06/2023 whose order the file settles.
type pendingDate struct {
	in   *incident.Incident
	line int
	raw  string
	a, b int
	year int
}

// dates settles the order of day and month for a whole file: one row with
// a first number above 12 makes it day-first, one with a second above 12
// month-first, and year/month/day columns say outright. Rows that stay
// ambiguous wait for the rest of the file.
type dates struct {
	order   string // as given (--date-order), else "" until settled
	given   bool
	dmyLine int // first row that is day-first, 0 when none
	mdyLine int
	pending []pendingDate
	unit    string // what a row's number counts: "line", or "record" in JSON
}

// where names row n for errors: line 12, record 12.
func (d *dates) where(n int) string {
	if d.unit == "" {
		return fmt.Sprintf("line %d", n)
	}
	return fmt.Sprintf("%s %d", d.unit, n)
}

// parse reads one row's date. It returns "" with no error when the date
// waits for the file's order (the incident is filled in by settle).
func (d *dates) parse(in *incident.Incident, line int, s string, serial bool, month, day int) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(incident.DateLayout), nil
		}
	}
	if serial {
		if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 1 && v < 2958466 {
			return excelEpoch.AddDate(0, 0, int(v)).Format(incident.DateLayout), nil
		}
	}
	m := numericDate.FindStringSubmatch(s)
	if m == nil {
		return "", incident.FieldErrorf("event_date", "%q is not a date; write it as 2023-10-02 (or 02 October 2023)", clip(s))
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	y, _ := strconv.Atoi(m[3])
	dmy, mdy := a <= 31 && b <= 12 && a >= 1 && b >= 1, a <= 12 && b <= 31 && a >= 1 && b >= 1
	if month > 0 && day > 0 {
		// The row's month and day columns say which is which.
		dmy, mdy = dmy && a == day && b == month, mdy && a == month && b == day
	}
	switch {
	case !dmy && !mdy:
		return "", incident.FieldErrorf("event_date", "%q is not a date either way round (day/month or month/day); write it as 2023-10-02", s)
	case a == b || dmy && mdy && d.order != "":
		// The same either way, or the order is known.
		if d.order == MDY {
			a, b = b, a
		}
		return ymd(y, b, a, s)
	case dmy && !mdy:
		if d.order == MDY && d.given {
			return "", incident.FieldErrorf("event_date", "%q cannot be month first (there is no month %d), yet --date-order mdy says it is; check the file's dates, or use --date-order dmy", s, b)
		}
		if d.dmyLine == 0 {
			d.dmyLine = line
		}
		return ymd(y, b, a, s)
	case mdy && !dmy:
		if d.order == DMY && d.given {
			return "", incident.FieldErrorf("event_date", "%q cannot be day first (there is no month %d), yet --date-order dmy says it is; check the file's dates, or use --date-order mdy", s, b)
		}
		if d.mdyLine == 0 {
			d.mdyLine = line
		}
		return ymd(y, a, b, s)
	}
	d.pending = append(d.pending, pendingDate{in: in, line: line, raw: s, a: a, b: b, year: y})
	return "", nil
}

func ymd(y, m, day int, raw string) (string, error) {
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != m {
		return "", incident.FieldErrorf("event_date", "%q is not a day of the calendar", raw)
	}
	return t.Format(incident.DateLayout), nil
}

// settle fills in the dates that waited for the file's order once a row
// has said it, and returns the rows whose date is then no day of the
// calendar. Until then it returns settled false; at the end of the file
// (end) a file that never said is refused, as is one whose rows disagree.
func (d *dates) settle(end bool) (settled bool, rej []incident.Rejected, err error) {
	if err := d.conflict(); err != nil {
		return false, nil, err
	}
	if d.order == "" {
		switch {
		case d.dmyLine > 0:
			d.order = DMY
		case d.mdyLine > 0:
			d.order = MDY
		}
	}
	if len(d.pending) == 0 {
		return true, nil, nil
	}
	if d.order == "" {
		if !end {
			return false, nil, nil
		}
		p := d.pending[0]
		return false, nil, incident.Errorf(incident.EINVALID, "dates like %q (%s) could be day first or month first, and no date in the file has a day above 12 to tell; say which with --date-order dmy or --date-order mdy (API: ?date_order=dmy or mdy)", p.raw, d.where(p.line))
	}
	for _, p := range d.pending {
		day, month := p.a, p.b
		if d.order == MDY {
			day, month = month, day
		}
		s, err := ymd(p.year, month, day, p.raw)
		if err != nil {
			rej = append(rej, incident.RejectErr(p.line, p.in.ID, err))
			p.in.EventDate = ""
			continue
		}
		p.in.EventDate = s
	}
	d.pending = nil
	return true, rej, nil
}

// conflict refuses a file with rows of both orders (unless the order was
// given, when each row that cannot be read so is rejected on its own).
func (d *dates) conflict() error {
	if !d.given && d.dmyLine > 0 && d.mdyLine > 0 {
		return incident.Errorf(incident.EINVALID, "the dates disagree: %s is day first and %s month first; make them one order (best: 2023-10-02)", d.where(d.dmyLine), d.where(d.mdyLine))
	}
	return nil
}

// ParseDateOrder reads --date-order / ?date_order=.
func ParseDateOrder(s string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case DMY, MDY:
		return strings.ToLower(s), nil
	}
	return "", incident.FieldErrorf("date_order", "%q: use dmy (15/05/2024 is 15 May) or mdy (05/15/2024 is 15 May)", clip(s))
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
