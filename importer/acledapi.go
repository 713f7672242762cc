package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/incidentmap/incidentmap/incident"
)

// ACLED's API answers a query with JSON that analysts save as it comes:
//
//	{"status":200,"success":true,"last_update":…,"count":2,"messages":[],
//	 "data":[{"event_id_cnty":"NIG90001","event_date":"2023-10-02",…},…],
//	 "filename":"…"}
//
// Each object of data is a row of the export's columns, every value a
// string: a table, read by the rules of the CSV (its deletion list, from
// the API's deleted endpoint, likewise).

// isACLEDAPI says whether a JSON input is an answer of ACLED's API, not
// GeoJSON: the first of its top-level members that tells is "data" or
// "success" (ACLED writes "status" and "success" first; an error answer
// has no "data"), not GeoJSON's "type" or "features". An input whose start
// does not tell is GeoJSON, whose reader says what is wrong with it.
func isACLEDAPI(head []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case "data", "success":
			return true
		case "type", "features", "geometry", "properties":
			return false
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// apiTable reads the objects of an ACLED API answer's data one at a time
// with the decoder's tokens: memory is one object, whatever the count.
type apiTable struct {
	dec     *json.Decoder
	src     *boundedReader
	record  int
	started bool // the opening { is read
	inData  bool
	done    bool
}

func newAPITable(r io.Reader) *apiTable {
	src := &boundedReader{r: r}
	return &apiTable{dec: json.NewDecoder(src), src: src}
}

// next returns the next object of data as a row, or io.EOF after the
// last. An answer that is an error (success false) is refused with its
// message.
func (t *apiTable) next() (int, row, error) {
	for !t.done {
		if t.inData {
			if t.dec.More() {
				t.src.mark = t.dec.InputOffset()
				var obj map[string]json.RawMessage
				err := t.dec.Decode(&obj)
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) { // the decoder is past the value
					t.record++
					return t.record, row{}, rowError{incident.Errorf(incident.EINVALID, "%s; each item of data is an object of ACLED's columns", te.Value)}
				}
				if err != nil {
					return 0, row{}, t.fault(err)
				}
				t.record++
				if obj == nil {
					return t.record, row{}, rowError{incident.Errorf(incident.EINVALID, "null; each item of data is an object of ACLED's columns")}
				}
				return t.record, objectRow(obj, nil), nil
			}
			if _, err := t.dec.Token(); err != nil { // ]
				return 0, row{}, t.fault(err)
			}
			t.inData = false
			continue
		}
		if err := t.member(); err != nil {
			return 0, row{}, err
		}
	}
	return 0, row{}, io.EOF
}

// member reads one top-level member, or the end of the answer.
func (t *apiTable) member() error {
	if !t.started {
		if _, err := t.dec.Token(); err != nil { // {
			return t.fault(err)
		}
		t.started = true
	}
	if !t.dec.More() {
		if _, err := t.dec.Token(); err != nil { // }
			return t.fault(err)
		}
		t.done = true
		return nil
	}
	tok, err := t.dec.Token()
	if err != nil {
		return t.fault(err)
	}
	if tok == "data" {
		tok, err := t.dec.Token()
		if err != nil {
			return t.fault(err)
		}
		if tok != json.Delim('[') {
			return incident.Errorf(incident.EINVALID, "ACLED API answer: \"data\" is not an array of rows")
		}
		t.inData = true
		return nil
	}
	var v json.RawMessage
	if err := t.dec.Decode(&v); err != nil {
		return t.fault(err)
	}
	if tok == "success" && string(v) == "false" {
		return incident.Errorf(incident.EINVALID, "the ACLED API answer is an error, not data (\"success\": false); query again and save the answer that has \"data\"")
	}
	if tok == "error" {
		// {"message": …}, or a list of them
		var e struct {
			Message string `json:"message"`
		}
		var es []struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(v, &e) != nil && json.Unmarshal(v, &es) == nil && len(es) > 0 {
			e = es[0]
		}
		if e.Message == "" {
			e.Message = string(v)
		}
		return incident.Errorf(incident.EINVALID, "the ACLED API answer is an error, not data: %s", clip(e.Message))
	}
	return nil
}

// fault says where the answer's JSON broke.
func (t *apiTable) fault(err error) error {
	if errors.Is(err, errObjectTooLong) {
		return incident.Errorf(incident.EINVALID, "row %d of data runs past %d MB without ending: a row of ACLED's columns is a few KB; is this an ACLED API answer?", t.record+1, 2*maxAPIObject>>20)
	}
	var se *json.SyntaxError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return incident.Errorf(incident.EINVALID, "malformed JSON: the answer ends early, after row %d (was the file cut short?)", t.record)
	}
	if errors.As(err, &se) {
		return incident.Errorf(incident.EINVALID, "malformed JSON: %v at byte %d, after row %d", se, se.Offset, t.record)
	}
	return fmt.Errorf("reading the ACLED API answer: %w", err)
}

// maxAPIObject bounds what one item of data may take: a row of ACLED's
// columns is a few KB (its longest notes a few thousand bytes), and the
// decoder holds a whole item; 16 MB is not a row (a variable for tests).
var maxAPIObject int64 = 16 << 20

var errObjectTooLong = errors.New("object too long")

// boundedReader feeds the decoder and fails once it has read more than
// twice maxAPIObject past mark, the decoder's offset at the start of the
// current item (twice: the decoder reads ahead as much as its buffer,
// which grows with the largest item so far).
type boundedReader struct {
	r    io.Reader
	read int64
	mark int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	limit := 2*maxAPIObject - (b.read - b.mark)
	if limit < 0 {
		return 0, errObjectTooLong
	}
	p = p[:min(int64(len(p)), limit+1)]
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read-b.mark > 2*maxAPIObject {
		return n, errObjectTooLong
	}
	return n, err
}
