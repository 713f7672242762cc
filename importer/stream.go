package importer

import (
	"bufio"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// ChunkRows is how many rows Next returns at most, unless asked otherwise:
// 5,000 ACLED rows are about 1.6 MB of CSV and 15 MB as incidents, and an
// import of any size holds three chunks at a time (read and prepared,
// encoded, written). 10,000 cost 40 MB more resident memory for 100,000
// rows, at the same speed.
const ChunkRows = 5000

// maxHeld is how many rows may wait for the file's date order (dates like
// 05/06/2023, before any day above 12 says which comes first). A file of
// numeric dates settles at its first day above 12, within a few dozen rows;
// one that has not after 100,000 is refused, so waiting rows never grow
// without bound.
var maxHeld = 100000

// Reader reads an input a chunk of rows at a time: Open recognises it and
// reads its header, Next returns the next rows. Memory is one chunk and
// the rows waiting for the date order, whatever the size of the input
// (GeoJSON too: a FeatureCollection is read a Feature at a time; and an
// answer of ACLED's API an object of its data at a time).
type Reader struct {
	Shape     string
	Container string // CSV, Excel, GeoJSON or JSON (ACLED's API)
	Header    []string

	t      table
	closeT func()
	col    map[string]int
	d      *dates
	xlsx   bool
	held   []*incident.Incident    // rows whose date waits for the file's order
	fr     *incident.FeatureReader // GeoJSON
	api    *apiTable               // ACLED's API JSON
	peeked *peekedRow              // its first row, read to tell its shape
	eof    bool
	rows   int
}

// Unit is what a row's number (Incident.Line, Rejected.Record) counts:
// "line" in CSV and Excel, "record" in GeoJSON and JSON.
func (rd *Reader) Unit() string {
	if rd.d.unit == "" {
		return "line"
	}
	return rd.d.unit
}

// Rows is how many rows (or GeoJSON records) have been read so far.
func (rd *Reader) Rows() int { return rd.rows }

// Open recognises an input from its content and reads its header. An error
// means nothing should be imported (binary, no known columns, empty).
func Open(r io.Reader, opts Options) (*Reader, error) {
	br, head := peek(r)
	s, err := sniff(head)
	if err != nil {
		return nil, err
	}
	switch opts.Format {
	case "", "auto":
	case "csv", "xlsx":
		if s.kind != opts.Format && !(s.kind == "json" && opts.Format == "csv") {
			return nil, incident.Errorf(incident.EINVALID, "the input is not %s (its content looks like %s)", strings.ToUpper(opts.Format), s.kind)
		}
		if opts.Format == "csv" && s.kind == "json" {
			return nil, incident.Errorf(incident.EINVALID, "not CSV: the input is JSON; import it as GeoJSON")
		}
	case "geojson":
		if s.kind != "json" {
			return nil, incident.Errorf(incident.EINVALID, "malformed GeoJSON: the input does not start with { (it looks like %s)", s.kind)
		}
	default:
		return nil, incident.FieldErrorf("format", "%q: use auto, csv, xlsx or geojson", clip(opts.Format))
	}
	if s.kind == "json" && opts.Format != "geojson" && isACLEDAPI(head) {
		return openACLEDAPI(br, opts)
	}
	if s.kind == "json" {
		return &Reader{Shape: ShapeGeoJSON, Container: "GeoJSON", fr: incident.NewFeatureReader(br), d: &dates{order: opts.DateOrder, given: opts.DateOrder != "", unit: "record"}}, nil
	}
	stripBOM(br)
	t, closeT, err := openTable(br, s)
	if err != nil {
		return nil, err
	}
	rd := &Reader{Container: "CSV", t: t, closeT: closeT, xlsx: s.kind == "xlsx", d: &dates{order: opts.DateOrder, given: opts.DateOrder != ""}}
	if rd.xlsx {
		rd.Container = "Excel"
	}
	if err := rd.readHeader(); err != nil {
		closeT()
		return nil, err
	}
	return rd, nil
}

// peekedRow is a row read ahead, or the error reading it.
type peekedRow struct {
	line int
	r    row
	err  error
}

// openACLEDAPI opens an answer of ACLED's API; its first row says its
// shape (ACLED's columns, or its deletion list).
func openACLEDAPI(br *bufio.Reader, opts Options) (*Reader, error) {
	stripBOM(br)
	rd := &Reader{Shape: ShapeACLED, Container: "JSON", api: newAPITable(br), d: &dates{order: opts.DateOrder, given: opts.DateOrder != "", unit: "record"}}
	line, r, err := rd.api.next()
	var re rowError
	switch {
	case errors.Is(err, io.EOF):
		rd.eof = true
		return rd, nil
	case errors.As(err, &re):
	case err != nil:
		return nil, err
	default:
		if rd.Shape, err = shapeOf(r.col, r.header); err != nil {
			return nil, err
		}
	}
	rd.peeked = &peekedRow{line, r, err}
	return rd, nil
}

func (rd *Reader) readHeader() error {
	_, header, err := rd.t.next()
	if errors.Is(err, io.EOF) {
		return incident.Errorf(incident.EINVALID, "empty %s; want a header row naming the columns, then the rows", rd.Container)
	}
	var re rowError
	if errors.As(err, &re) {
		return incident.Errorf(incident.EINVALID, "the header row: %s", re.Error())
	}
	if err != nil {
		return err
	}
	rd.Header = header
	rd.col = map[string]int{}
	for i, h := range header {
		if k := normalizeHeader(h); k != "" {
			if _, dup := rd.col[k]; !dup {
				rd.col[k] = i
			}
		}
	}
	rd.Shape, err = shapeOf(rd.col, header)
	return err
}

// Close releases what the input holds open (an Excel workbook).
func (rd *Reader) Close() {
	if rd.closeT != nil {
		rd.closeT()
	}
}

// Next returns up to n rows (incidents, deletions and rejections together;
// ChunkRows when n is 0), in the order of the input except for rows that
// waited for the date order, or io.EOF after the last. An error other than
// io.EOF is the input's, and ends it: an unclosed quote, a line over
// MaxLine, dates that disagree or stay ambiguous.
func (rd *Reader) Next(n int) (*Batch, error) {
	if n <= 0 {
		n = ChunkRows
	}
	if rd.eof {
		return nil, io.EOF
	}
	b := &Batch{Shape: rd.Shape, Container: rd.Container, Header: rd.Header}
	for rows := 0; rows < n; rows++ {
		line, r, rej, err := rd.next()
		if errors.Is(err, io.EOF) {
			rd.eof = true
			break
		}
		rd.rows++
		var re rowError
		switch {
		case errors.As(err, &re):
			b.Rejected = append(b.Rejected, incident.RejectErr(line, "", re.err))
			continue
		case err != nil:
			return nil, err
		case rej != nil:
			b.Rejected = append(b.Rejected, *rej)
			continue
		}
		if err := rd.row(b, line, r); err != nil {
			return nil, err
		}
	}
	if rd.eof {
		if err := rd.release(b, true); err != nil {
			return nil, err
		}
	}
	if len(b.Incidents)+len(b.Deletions)+len(b.Rejected) == 0 && rd.eof {
		return nil, io.EOF
	}
	sort.SliceStable(b.Rejected, func(i, j int) bool { return b.Rejected[i].Record < b.Rejected[j].Record })
	return b, nil
}

// next reads the next record: a table's row, or a GeoJSON Feature's
// properties as a row (or its rejection, when it is no Feature).
func (rd *Reader) next() (int, row, *incident.Rejected, error) {
	if p := rd.peeked; p != nil {
		rd.peeked = nil
		return p.line, p.r, nil, p.err
	}
	if rd.api != nil {
		line, r, err := rd.api.next()
		return line, r, nil, err
	}
	if rd.fr != nil {
		f, rej, err := rd.fr.NextFeature()
		if err != nil || rej != nil {
			return 0, row{}, rej, err
		}
		return f.Record, featureRow(f), nil, nil
	}
	line, rec, err := rd.t.next()
	return line, row{header: rd.Header, col: rd.col, rec: rec}, nil, err
}

// row reads one record into b, or holds it while its date waits.
func (rd *Reader) row(b *Batch, line int, r row) error {
	if rd.Shape == ShapeDeletions {
		del, err := deletionRow(r, line)
		if err != nil {
			b.Rejected = append(b.Rejected, incident.RejectErr(line, del.ID, err))
			return nil
		}
		b.Deletions = append(b.Deletions, del)
		return nil
	}
	in := &incident.Incident{Line: line}
	pending := len(rd.d.pending)
	var err error
	switch {
	case r.feature != nil:
		err = readFeature(in, r, rd.d)
	case rd.Shape == ShapeUCDP:
		err = ucdpRow(in, r, rd.d, rd.xlsx)
	default:
		err = acledRow(in, r, rd.d, rd.xlsx)
	}
	waits := len(rd.d.pending) > pending
	switch {
	case err != nil:
		// (Were its date waiting too, the date is checked when the order
		// is known, and a second reason given.)
		b.Rejected = append(b.Rejected, incident.RejectErr(line, in.ID, err))
	case waits:
		rd.held = append(rd.held, in)
		if len(rd.held) > maxHeld {
			p := rd.d.pending[0]
			return incident.Errorf(incident.EINVALID, "dates like %q (%s) could be day first or month first, and none of the first %d rows has a day above 12 to tell; say which with --date-order dmy or --date-order mdy (API: ?date_order=dmy or mdy)", p.raw, rd.d.where(p.line), maxHeld)
		}
	default:
		b.Incidents = append(b.Incidents, in)
	}
	return rd.release(b, false)
}

// release puts the rows that waited for the date order into b once the
// file has said it (at its end, it must have).
func (rd *Reader) release(b *Batch, end bool) error {
	settled, rej, err := rd.d.settle(end)
	if err != nil || !settled || len(rd.held) == 0 && len(rej) == 0 {
		return err
	}
	b.Rejected = append(b.Rejected, rej...)
	bad := map[int]bool{}
	for _, r := range rej {
		bad[r.Record] = true
	}
	for _, in := range rd.held {
		if !bad[in.Line] {
			b.Incidents = append(b.Incidents, in)
		}
	}
	rd.held = nil
	return nil
}

// Read reads a whole input into one Batch: Open, then Next to the end. An
// error means nothing should be imported (no known columns, binary, an
// unclosed quote, a line over MaxLine, ambiguous dates); a row that cannot
// be read is a rejection in the batch, and the others are read.
func Read(r io.Reader, opts Options) (*Batch, error) {
	rd, err := Open(r, opts)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	all := &Batch{Shape: rd.Shape, Container: rd.Container, Header: rd.Header}
	for {
		b, err := rd.Next(0)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		all.Incidents = append(all.Incidents, b.Incidents...)
		all.Deletions = append(all.Deletions, b.Deletions...)
		all.Rejected = append(all.Rejected, b.Rejected...)
	}
	sort.SliceStable(all.Rejected, func(i, j int) bool { return all.Rejected[i].Record < all.Rejected[j].Record })
	return all, nil
}

// Chunks is the input for incident.Service.ImportStream: Next's chunks of
// ChunkRows, then nil.
func (rd *Reader) Chunks() func() (*incident.ImportChunk, error) {
	return func() (*incident.ImportChunk, error) {
		b, err := rd.Next(0)
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &incident.ImportChunk{Incidents: b.Incidents, Deletions: b.Deletions, Rejected: b.Rejected}, nil
	}
}
