// Package importer reads the files analysts import: ACLED exports (CSV
// from the export tool or the API, Excel, ACLED's deletion list, the
// pre-2019 typology, the JSON answer of ACLED's API), UCDP GED CSV, GeoJSON
// and text sequences, and incidentmap's own CSV. It recognises each from
// its content, reads it row by row with bounded memory per line (a
// GeoJSON Feature's properties and a JSON object's members are rows of
// named cells, read by the rules of the CSV), and turns every row into an
// incident, a deletion, or a rejection that names its line, its id, the
// field and what to fix. What is stored, and how re-imports update, is
// incident.Service.Import's business.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// MaxLine is the longest line a CSV may have. ACLED's longest notes run to
// a few thousand bytes; a line of a megabyte is not a CSV row, and is
// refused before more of it is read (a variable for tests).
var MaxLine = 1 << 20

// table is a source of rows: CSV or an Excel sheet.
type table interface {
	// next returns the next row and its line (CSV: the line it starts
	// on; Excel: its row number), or io.EOF.
	next() (line int, rec []string, err error)
}

// errLineTooLong is returned by lineLimit.
type errLineTooLong struct{ line int }

func (e errLineTooLong) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes: this is not a CSV export (is it one record per line?)", e.line, MaxLine)
}

// lineLimit fails a read once a line runs past MaxLine bytes.
type lineLimit struct {
	r    io.Reader
	run  int // bytes since the last newline
	line int
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			l.run = 0
			l.line++
			continue
		}
		if l.run++; l.run > MaxLine {
			return 0, errLineTooLong{l.line + 1}
		}
	}
	return n, err
}

// sniffed is what the first bytes of an input say about it.
type sniffed struct {
	kind string // "json", "xlsx" or "csv"
	sep  rune
}

// sniff looks at the start of the input: a zip (an Excel workbook), JSON,
// or text; binary input is refused here, with what it seems to be.
func sniff(head []byte) (sniffed, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffed{kind: "xlsx"}, nil
	case len(bytes.TrimSpace(head)) == 0:
		return sniffed{}, incident.Errorf(incident.EINVALID, "empty input; send an ACLED or UCDP export (CSV or Excel) or GeoJSON")
	}
	t := bytes.TrimLeft(head, " \t\r\n\x1e")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return sniffed{kind: "json"}, nil
	}
	if i := bytes.IndexByte(head, 0); i >= 0 || !utf8.Valid(head[:max(0, len(head)-3)]) && binaryish(head) {
		return sniffed{}, incident.Errorf(incident.EINVALID, "not CSV: the input is binary (%s); send a CSV or Excel (.xlsx) export, or GeoJSON", describeBinary(head))
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	return sniffed{kind: "csv", sep: separator(first)}, nil
}

// binaryish: many control characters, where text has almost none.
func binaryish(b []byte) bool {
	n := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			n++
		}
	}
	return n*100 > len(b)
}

func describeBinary(head []byte) string {
	for _, m := range []struct{ magic, what string }{{"%PDF", "a PDF"}, {"\xd0\xcf\x11\xe0", "an old Excel .xls or Word file: save it as .xlsx or CSV"}, {"\x1f\x8b", "gzip-compressed: decompress it first"}, {"\x89PNG", "a PNG image"}, {"SQLite format 3", "an SQLite database"}} {
		if bytes.HasPrefix(head, []byte(m.magic)) {
			return m.what
		}
	}
	return "it holds NUL or control bytes"
}

// separator picks the CSV separator from the header line: the most
// frequent of comma, semicolon (spreadsheets in French and other locales
// write these) and tab, outside quotes.
func separator(header []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(header) {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// csvTable reads CSV rows through the line limit.
type csvTable struct {
	cr *csv.Reader
}

func newCSVTable(r io.Reader, sep rune) *csvTable {
	cr := csv.NewReader(&lineLimit{r: r})
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	return &csvTable{cr: cr}
}

func (t *csvTable) next() (int, []string, error) {
	rec, err := t.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return 0, nil, io.EOF
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote):
			// An unclosed quote reads the rest of the file as one field:
			// what follows cannot be trusted, so nothing is imported.
			return pe.StartLine, nil, incident.Errorf(incident.EINVALID, "line %d: a quoted field opens here and does not close properly (read up to line %d); fix its quotes (a quote inside a field is written twice: \"\")", pe.StartLine, pe.Line)
		case errors.As(err, &pe):
			return pe.StartLine, nil, rowError{incident.Errorf(incident.EINVALID, "malformed CSV: %v (a quote inside an unquoted field must be written as a quoted field with \"\")", pe.Err)}
		}
		var tl errLineTooLong
		if errors.As(err, &tl) {
			return tl.line, nil, incident.Errorf(incident.EINVALID, "%s", tl.Error())
		}
		return 0, nil, err
	}
	line, _ := t.cr.FieldPos(0)
	for i, f := range rec {
		if !utf8.ValidString(f) {
			rec[i] = fromWindows1252(f)
		}
	}
	return line, rec, nil
}

// fromWindows1252 reads a field that is not UTF-8 as Windows-1252 (Latin-1
// with curly quotes and the euro): what Excel writes when it saves "CSV"
// on a French or English Windows, so "Tillab\xe9ri" is "Tillabéri", not a
// rejected row. Field by field, so a UTF-8 file is never touched.
func fromWindows1252(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// rowError is a row that cannot be read; the rows after it can.
type rowError struct{ err error }

func (e rowError) Error() string { return e.err.Error() }

// xlsxTable reads the first sheet of a workbook, with cells as stored:
// dates are then serial numbers, or text when typed as text.
type xlsxTable struct {
	rows *excelize.Rows
	n    int
}

func newXLSXTable(r io.Reader) (*xlsxTable, func(), error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, nil, incident.Errorf(incident.EINVALID, "not an Excel workbook (.xlsx): %v; send the export as .xlsx or CSV", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, nil, incident.Errorf(incident.EINVALID, "the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, nil, incident.Errorf(incident.EINVALID, "sheet %q: %v", sheets[0], err)
	}
	return &xlsxTable{rows: rows}, func() { rows.Close(); f.Close() }, nil
}

func (t *xlsxTable) next() (int, []string, error) {
	for t.rows.Next() {
		t.n++
		rec, err := t.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return t.n, nil, rowError{incident.Errorf(incident.EINVALID, "unreadable row: %v", err)}
		}
		if len(rec) == 0 {
			continue
		}
		return t.n, rec, nil
	}
	if err := t.rows.Error(); err != nil {
		return t.n, nil, incident.Errorf(incident.EINVALID, "reading the sheet: %v", err)
	}
	return 0, nil, io.EOF
}

// openTable opens the rows of a tabular input whose start was sniffed.
func openTable(r io.Reader, s sniffed) (table, func(), error) {
	if s.kind == "xlsx" {
		return newXLSXTable(r)
	}
	return newCSVTable(r, s.sep), func() {}, nil
}

// peek reads the start of r without consuming it.
func peek(r io.Reader) (*bufio.Reader, []byte) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8 << 10)
	return br, head
}

// stripBOM drops a UTF-8 byte-order mark (Excel writes one into CSV).
func stripBOM(br *bufio.Reader) {
	if b, _ := br.Peek(3); string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
}

// normalizeHeader is a column name as matched: lower case, trimmed.
func normalizeHeader(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
}
