package incident

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxSequenceRecord is the longest record of a GeoJSON text sequence. An
// incident's Feature is a few KB (ACLED's longest notes run to a few
// thousand bytes); a record of 16 MB is not one Feature, and is refused
// before more of it is held (a variable for tests).
var MaxSequenceRecord = 16 << 20

// errValueTooLong is lineSource's answer once it holds more than twice
// MaxSequenceRecord since the last feature: one Feature (or foreign
// member) of a FeatureCollection that long is not an incident, and the
// decoder would hold all of it, whatever the body limit. Twice, because
// what is kept includes the decoder's read-ahead, which grows with the
// largest value read so far.
var errValueTooLong = errors.New("value too long")

// A FeatureReader reads GeoJSON a record at a time, so that reading an input
// of any size holds one Feature, never the document: a FeatureCollection
// (members in any order, its features read one at a time), a single
// Feature, or a GeoJSON text sequence (RFC 8142: a record after each RS;
// or one Feature per line). Records are numbered 1, 2... in the order read.
type FeatureReader struct {
	br     *bufio.Reader
	src    *lineSource // what dec reads
	dec    *json.Decoder
	seq    *bufio.Scanner
	state  readState
	record int
	err    error // sticky: the input ended here

	// Of the top-level object.
	typ      string
	features bool                       // "features" has begun
	single   map[string]json.RawMessage // the members of a single Feature, which may come in any order
	prefix   string                     // JSON that brings a scanner to the state at src's checkpoint
}

type readState int

const (
	readStart    readState = iota
	readMembers            // in the top-level object, between members
	readFeatures           // in its "features" array
	readEnd                // after the top-level object
	readSequence           // a text sequence
	readDone
)

// NewFeatureReader reads GeoJSON from r; a UTF-8 byte-order mark is skipped.
func NewFeatureReader(r io.Reader) *FeatureReader {
	return &FeatureReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Records is how many records have been read so far.
func (fr *FeatureReader) Records() int { return fr.record }

// Next returns the next record: an incident (its Line the record's number),
// or the rejection of a record that is no incident, saying why; io.EOF
// after the last. Any other error is the input's (malformed JSON, saying
// at which line, column and record; a top level that is no
// FeatureCollection or Feature) or the reader's, and ends it.
func (fr *FeatureReader) Next() (*Incident, *Rejected, error) {
	raw, err := fr.nextRecord()
	if err != nil {
		return nil, nil, err
	}
	in, err := DecodeFeature(raw)
	if err != nil {
		r := RejectErr(fr.record, "", err)
		return nil, &r, nil
	}
	in.Line = fr.record
	return in, nil, nil
}

// NextFeature returns the next record as Next does, as a Feature whose
// properties are left as sent: for an importer that reads them by its
// source's rules. A record that is no Feature (no Point, no properties
// object) is rejected, saying why.
func (fr *FeatureReader) NextFeature() (*Feature, *Rejected, error) {
	raw, err := fr.nextRecord()
	if err != nil {
		return nil, nil, err
	}
	f, err := ParseFeature(raw)
	if err != nil {
		r := RejectErr(fr.record, "", err)
		return nil, &r, nil
	}
	f.Record = fr.record
	return f, nil, nil
}

// nextRecord returns the next record's text and counts it.
func (fr *FeatureReader) nextRecord() (json.RawMessage, error) {
	if fr.err != nil {
		return nil, fr.err
	}
	for {
		raw, err := fr.nextRaw()
		if err != nil {
			fr.err = err
			return nil, err
		}
		if raw != nil {
			fr.record++
			return raw, nil
		}
	}
}

// nextRaw advances the input by one step: a record's text, or nil when the
// step read none (a member, the end of "features").
func (fr *FeatureReader) nextRaw() (json.RawMessage, error) {
	switch fr.state {
	case readStart:
		return nil, fr.start()
	case readMembers:
		return fr.member()
	case readFeatures:
		if !fr.dec.More() {
			if _, err := fr.dec.Token(); err != nil { // the closing ]
				return nil, fr.fault(err)
			}
			fr.checkpoint(`{"":0`)
			fr.state = readMembers
			return nil, nil
		}
		var raw json.RawMessage
		if err := fr.dec.Decode(&raw); err != nil {
			return nil, fr.fault(err)
		}
		fr.checkpoint(`{"":[0`)
		return raw, nil
	case readEnd:
		return nil, fr.end()
	case readSequence:
		return fr.sequenceRecord()
	}
	return nil, io.EOF
}

// start looks at the first bytes: an RS begins a text sequence, { a
// document (or one Feature per line).
func (fr *FeatureReader) start() error {
	if b, _ := fr.br.Peek(3); string(b) == "\xef\xbb\xbf" {
		fr.br.Discard(3)
	}
	head, err := fr.br.Peek(fr.br.Size())
	t := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(t) == 0 && err != nil && !errors.Is(err, io.EOF):
		return err
	case len(t) == 0 && len(head) < fr.br.Size():
		return Errorf(EINVALID, "empty input; want a GeoJSON FeatureCollection or text sequence")
	case len(t) > 0 && t[0] == 0x1e:
		fr.sequence(fr.br)
		return nil
	case len(t) > 0 && t[0] != '{':
		return Errorf(EINVALID, "not GeoJSON: want a FeatureCollection, or one Feature per line")
	}
	fr.src = &lineSource{r: fr.br, max: 2 * MaxSequenceRecord}
	fr.dec = json.NewDecoder(fr.src)
	if _, err := fr.dec.Token(); err != nil { // the opening {
		return fr.fault(err)
	}
	fr.checkpoint("{")
	fr.state = readMembers
	return nil
}

// member reads one member of the top-level object, or its end. The members
// may come in any order (RFC 8259 §4): "features" is read as it comes,
// "type" is checked when it comes, foreign members are skipped.
func (fr *FeatureReader) member() (json.RawMessage, error) {
	if !fr.dec.More() {
		if _, err := fr.dec.Token(); err != nil { // the closing }
			return nil, fr.fault(err)
		}
		fr.state = readEnd
		return fr.topLevel()
	}
	tok, err := fr.dec.Token()
	if err != nil {
		return nil, fr.fault(err)
	}
	key, _ := tok.(string) // a key: the decoder refuses anything else here
	switch key {
	case "features":
		if err := fr.beginFeatures(); err != nil {
			return nil, err
		}
		return nil, nil
	case "type", "crs", "id", "geometry", "properties":
		var raw json.RawMessage
		if err := fr.dec.Decode(&raw); err != nil {
			return nil, fr.fault(err)
		}
		if err := fr.keep(key, raw); err != nil {
			return nil, err
		}
	default:
		if err := fr.skip(); err != nil {
			return nil, fr.fault(err)
		}
	}
	fr.checkpoint(`{"":0`)
	return nil, nil
}

// keep notes a member of the top-level object: its type, checked; its crs,
// checked; the members of a single Feature, kept until its end.
func (fr *FeatureReader) keep(key string, raw json.RawMessage) error {
	switch key {
	case "type":
		if raw[0] != '"' {
			return Errorf(EINVALID, "the top-level \"type\" is %s; want \"FeatureCollection\" or \"Feature\"", describeJSON(raw))
		}
		json.Unmarshal(raw, &fr.typ)
		switch {
		case fr.features && fr.typ != "FeatureCollection":
			return Errorf(EINVALID, "type %q: an object with \"features\" is a GeoJSON FeatureCollection (\"type\":\"FeatureCollection\")%s", clip(fr.typ), fr.after())
		case fr.typ != "FeatureCollection" && fr.typ != "Feature":
			return Errorf(EINVALID, "type %q: want a GeoJSON FeatureCollection or Feature%s", clip(fr.typ), fr.after())
		}
	case "crs":
		if err := checkCRS(raw); err != nil {
			err.Message += fr.after()
			return err
		}
	}
	if fr.single == nil {
		fr.single = map[string]json.RawMessage{}
	}
	fr.single[key] = raw
	return nil
}

// beginFeatures reads the start of the "features" array.
func (fr *FeatureReader) beginFeatures() error {
	tok, err := fr.dec.Token()
	if err != nil {
		return fr.fault(err)
	}
	switch tok {
	case json.Delim('['):
	case nil: // "features": null, as none
		fr.checkpoint(`{"":0`)
		return nil
	default:
		return Errorf(EINVALID, "\"features\" is %s; want an array of GeoJSON Features", describeToken(tok))
	}
	if fr.typ != "" && fr.typ != "FeatureCollection" {
		return Errorf(EINVALID, "type %q: an object with \"features\" is a GeoJSON FeatureCollection (\"type\":\"FeatureCollection\")", clip(fr.typ))
	}
	fr.features = true
	fr.checkpoint(`{"":[`)
	fr.state = readFeatures
	return nil
}

// topLevel ends the top-level object: a single Feature is its one record.
func (fr *FeatureReader) topLevel() (json.RawMessage, error) {
	switch fr.typ {
	case "FeatureCollection":
		return nil, nil
	case "Feature":
		delete(fr.single, "crs")
		raw, _ := json.Marshal(fr.single)
		fr.single = nil
		return raw, nil
	}
	return nil, Errorf(EINVALID, "the top-level object has no \"type\": want a GeoJSON FeatureCollection (\"type\":\"FeatureCollection\") or Feature%s", fr.after())
}

// end reads what follows the top-level object: after a Feature, more
// Features, one a line (a text sequence); after a FeatureCollection,
// nothing.
func (fr *FeatureReader) end() error {
	rest := io.MultiReader(fr.dec.Buffered(), fr.br)
	fr.src, fr.dec = nil, nil
	fr.sequence(rest)
	if fr.typ == "Feature" {
		return nil
	}
	fr.state = readDone
	raw, err := fr.sequenceText()
	if err == nil {
		return Errorf(EINVALID, "malformed GeoJSON: more follows the FeatureCollection (%s)%s; send one FeatureCollection, or a text sequence of Features", clip(string(raw)), fr.after())
	}
	return err
}

// sequence reads the rest of r as a text sequence: records separated by RS
// (RFC 8142) or by newlines.
func (fr *FeatureReader) sequence(r io.Reader) {
	fr.seq = bufio.NewScanner(r)
	fr.seq.Buffer(make([]byte, 0, 64<<10), MaxSequenceRecord)
	fr.seq.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexAny(data, "\x1e\n"); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	fr.state = readSequence
}

// sequenceRecord returns the next record of a text sequence.
func (fr *FeatureReader) sequenceRecord() (json.RawMessage, error) {
	raw, err := fr.sequenceText()
	if err != nil {
		fr.state = readDone
		return nil, err
	}
	if fr.record == 0 && raw[0] != '{' {
		return nil, Errorf(EINVALID, "not GeoJSON: want a FeatureCollection, or one Feature per line")
	}
	return raw, nil
}

// sequenceText returns the next record of a text sequence that is not
// white space, or io.EOF.
func (fr *FeatureReader) sequenceText() (json.RawMessage, error) {
	for fr.seq.Scan() {
		if raw := bytes.TrimSpace(fr.seq.Bytes()); len(raw) > 0 {
			return bytes.Clone(raw), nil
		}
	}
	if errors.Is(fr.seq.Err(), bufio.ErrTooLong) {
		return nil, Errorf(EINVALID, "record %d is longer than %d MB: a GeoJSON text sequence holds one Feature a record (or a line)", fr.record+1, MaxSequenceRecord>>20)
	}
	if err := fr.seq.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

// skip reads past one value, a token at a time: a foreign member of any
// size costs no memory.
func (fr *FeatureReader) skip() error {
	depth := 0
	for {
		tok, err := fr.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// after says where in the records an error about the top-level object
// came, once records have been read.
func (fr *FeatureReader) after() string {
	if fr.record == 0 {
		return ""
	}
	return fmt.Sprintf(" (after record %d)", fr.record)
}

// checkpoint notes that the decoder stands between values, and the JSON
// that brings a scanner to the same state: fault rescans from here.
func (fr *FeatureReader) checkpoint(prefix string) {
	fr.src.drop(fr.dec.InputOffset())
	fr.prefix = prefix
}

// fault turns the decoder's error into one that says where the document
// broke, by line and column, as json.Unmarshal would have said it of the
// whole document, and in which record. The text since the last checkpoint
// is scanned again: the decoder's own offsets count from different places
// (its token reader from the input, its value reader from the value).
// An error reading the input (a body over the limit) is returned as it is.
func (fr *FeatureReader) fault(err error) error {
	if errors.Is(err, errValueTooLong) {
		return Errorf(EINVALID, "record %d runs past %d MB without ending: a Feature of an incident is a few KB; split the file, or send one Feature per line", fr.record+1, fr.src.max>>20)
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	where := ""
	if fr.state == readFeatures && len(bytes.Trim(fr.src.kept, " \t\r\n,")) > 0 {
		where = fmt.Sprintf("; record %d is where it breaks", fr.record+1)
	} else if fr.record > 0 {
		where = fmt.Sprintf("; it breaks after record %d", fr.record)
	}
	var v json.RawMessage
	rerr := json.Unmarshal(append([]byte(fr.prefix), fr.src.kept...), &v)
	if !errors.As(rerr, &se) {
		return Errorf(EINVALID, "malformed GeoJSON: %s%s", jsonReason(err), where)
	}
	at := fr.src.end()
	hint := "the document ends early (was the file cut short?)"
	if se.Error() != "unexpected end of JSON input" {
		at = fr.src.at(fr.src.base + se.Offset - 1 - int64(len(fr.prefix))) // Offset is just past the byte at fault
		hint = "send a GeoJSON FeatureCollection, or one Feature per line"
	}
	return Errorf(EINVALID, "malformed GeoJSON: %s at line %d, column %d; %s%s", se, at.line, at.col, hint, where)
}

// describeToken names a token of the decoder for errors.
func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return fmt.Sprintf("a string %q", clip(t))
	case bool:
		return fmt.Sprintf("a boolean %v", t)
	}
	return fmt.Sprintf("the number %v", tok)
}

// checkCRS accepts the "crs" member of GeoJSON 2008, which QGIS and GDAL
// still write, when it names longitude, latitude on WGS 84: RFC 7946 §4
// removed "crs" because GeoJSON coordinates are always those. Any other
// coordinate system would be misread as degrees, and is refused, saying how
// to reproject.
func checkCRS(raw json.RawMessage) *Error {
	if !present(raw) {
		return nil
	}
	var c struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	json.Unmarshal(raw, &c)
	name := strings.TrimSpace(c.Properties.Name)
	upper := strings.ToUpper(name)
	switch code := upper[strings.LastIndexAny(upper, ":/")+1:]; {
	case strings.Contains(upper, "CRS84") && (code == "CRS84" || code == "CRS84H"),
		strings.Contains(upper, "EPSG") && (code == "4326" || code == "4979"):
		return nil
	case name == "":
		name = string(raw)
	}
	return Errorf(EINVALID, "\"crs\" is %s: GeoJSON coordinates are longitude, latitude on WGS 84, and RFC 7946 §4 removed \"crs\"; reproject the file to EPSG:4326 (QGIS: Export > Save Features As, CRS EPSG:4326; GDAL: ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson) and import that", clip(name))
}

// lineSource is what the decoder reads. It keeps the text read since the
// last checkpoint (one feature and the decoder's read-ahead) and counts the
// lines before it, so a fault is placed by line and column without keeping
// the document.
type lineSource struct {
	r      io.Reader
	max    int // how much it may keep: errValueTooLong past it
	kept   []byte
	base   int64    // the offset of kept[0]
	lines  int      // newlines before base
	lineAt int64    // the offset at which base's line begins
	last   position // the last byte before base that is not white space
}

// position is a byte's line and column, counted from 1.
type position struct{ line, col int }

func (s *lineSource) Read(p []byte) (int, error) {
	if s.max > 0 {
		// A read reaches at most one byte past the limit: the decoder asks
		// for as much as its buffer holds, which doubles.
		if len(s.kept) > s.max {
			return 0, errValueTooLong
		}
		p = p[:min(len(p), s.max-len(s.kept)+1)]
	}
	n, err := s.r.Read(p)
	s.kept = append(s.kept, p[:n]...)
	if s.max > 0 && len(s.kept) > s.max {
		return n, errValueTooLong
	}
	return n, err
}

// at is the position of the byte at offset off, at or after base.
func (s *lineSource) at(off int64) position {
	seg := s.kept[:min(max(off-s.base, 0), int64(len(s.kept)))]
	start := s.lineAt
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		start = s.base + int64(i) + 1
	}
	return position{line: s.lines + bytes.Count(seg, []byte("\n")) + 1, col: int(off-start) + 1}
}

// drop forgets the text before off, counting its lines.
func (s *lineSource) drop(off int64) {
	seg := s.kept[:off-s.base]
	if t := bytes.TrimRight(seg, " \t\r\n"); len(t) > 0 {
		s.last = s.at(s.base + int64(len(t)) - 1)
	}
	s.lines += bytes.Count(seg, []byte("\n"))
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		s.lineAt = s.base + int64(i) + 1
	}
	s.kept = s.kept[:copy(s.kept, s.kept[len(seg):])]
	s.base = off
}

// end is the position of the last byte read that is not white space: where
// a document cut short stops.
func (s *lineSource) end() position {
	if t := bytes.TrimRight(s.kept, " \t\r\n"); len(t) > 0 {
		return s.at(s.base + int64(len(t)) - 1)
	}
	return s.last
}
