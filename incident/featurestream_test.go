package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// feat is a Feature with id and the three properties an incident needs.
func feat(id string) string {
	return `{"type":"Feature","id":"` + id + `","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{` + props + `}}`
}

// readAll reads r to its end with a FeatureReader: each record as id@record
// (rejections as !record), and the error that ended it.
func readAll(r io.Reader) (string, error) {
	fr := NewFeatureReader(r)
	var got []string
	for {
		in, rej, err := fr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return strings.Join(got, " "), nil
		case err != nil:
			return strings.Join(got, " "), err
		case rej != nil:
			got = append(got, fmt.Sprintf("!%d", rej.Record))
		default:
			got = append(got, fmt.Sprintf("%s@%d", in.ID, in.Line))
		}
	}
}

// RFC 8259 leaves an object's members unordered, and RFC 7946 §6.1 allows
// foreign members: "features" before "type", a QGIS export's "name" and
// "crs", a "bbox", nested foreign objects all read as the plain document.
func TestFeatureReaderMembersInAnyOrder(t *testing.T) {
	fs := feat("A1") + ",\n" + feat("A2")
	crs84 := `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}`
	for _, tt := range []struct{ name, doc, want string }{
		{"type first", `{"type":"FeatureCollection","features":[` + fs + `]}`, "A1@1 A2@2"},
		{"features first", `{"features":[` + fs + `],"type":"FeatureCollection"}`, "A1@1 A2@2"},
		{"QGIS: name and crs before features", `{"type":"FeatureCollection","name":"incidents",` + crs84 + `,"features":[` + fs + `]}`, "A1@1 A2@2"},
		{"crs last, EPSG:4326", `{"features":[` + fs + `],"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}}}`, "A1@1 A2@2"},
		{"foreign members of every kind", `{"bbox":[0,0,3,15],"x":{"features":[1,[2,{"type":"Topology"}]]},"type":"FeatureCollection","n":null,"features":[` + fs + `],"z":"}]"}`, "A1@1 A2@2"},
		{"no features", `{"type":"FeatureCollection","features":[]}`, ""},
		{"features null", `{"features":null,"type":"FeatureCollection"}`, ""},
		{"a Feature, type last", `{"id":"F1","properties":{` + props + `},"geometry":{"type":"Point","coordinates":[1.8,13.1]},"type":"Feature"}`, "F1@1"},
		{"a Feature then more, one a line", feat("F1") + "\n" + feat("F2") + "\n\n" + feat("F3") + "\n", "F1@1 F2@2 F3@3"},
		{"RFC 8142 sequence, a record cut short", "\x1e" + feat("S1") + "\n\x1e" + feat("S2")[:40] + "\n\x1e" + feat("S3") + "\n", "S1@1 !2 S3@3"},
		{"a byte-order mark", "\ufeff" + `{"type":"FeatureCollection","features":[` + fs + `]}`, "A1@1 A2@2"},
		{"a non-Feature among features", `{"type":"FeatureCollection","features":[` + feat("A1") + `,{"type":"Point","coordinates":[1,2]},7,` + feat("A4") + `]}`, "A1@1 !2 !3 A4@4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tt.doc))
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Input that breaks off or is no GeoJSON ends the reading with an error
// that says where (line, column and record) and what to do; the records
// before it have been read, the one it breaks in is not.
func TestFeatureReaderBrokenInput(t *testing.T) {
	fc := `{"type":"FeatureCollection","features":[` + feat("A1") + ",\n" + feat("A2")
	crs := func(name string) string {
		return `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"` + name + `"}},"features":[` + feat("A1") + `]}`
	}
	for _, tt := range []struct{ name, doc, read, says string }{
		{"cut short mid-feature", fc[:len(fc)-30], "A1@1", "unexpected end of JSON input at line 2, column 146; the document ends early (was the file cut short?); record 2 is where it breaks"},
		{"cut short between features", fc + ",\n", "A1@1 A2@2", "at line 2, column 177; the document ends early (was the file cut short?); it breaks after record 2"},
		{"cut short in a member's name", `{"type":"FeatureCollection","feat`, "", "unexpected end of JSON input at line 1, column 33"},
		{"no comma between features", `{"type":"FeatureCollection","features":[` + feat("A1") + "\n" + feat("A2") + `]}`, "A1@1", "invalid character '{' after array element at line 2, column 1; send a GeoJSON FeatureCollection, or one Feature per line; record 2 is where it breaks"},
		{"a stray comma", "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [],\n}", "", "invalid character '}' looking for beginning of object key string at line 4, column 1"},
		{"a bad literal in a foreign member", `{"type":"FeatureCollection","features":[` + feat("A1") + `],"x":tru}`, "A1@1", "invalid character '}' in literal true (expecting 'e') at line 1, column 226; send a GeoJSON FeatureCollection, or one Feature per line; it breaks after record 1"},
		{"another GeoJSON type", `{"type":"GeometryCollection","geometries":[]}`, "", `type "GeometryCollection": want a GeoJSON FeatureCollection or Feature`},
		{"a wrong type after the features", `{"features":[` + feat("A1") + `],"type":"Topology"}`, "A1@1", `type "Topology": an object with "features" is a GeoJSON FeatureCollection ("type":"FeatureCollection") (after record 1)`},
		{"no type", `{"features":[` + feat("A1") + `]}`, "A1@1", `the top-level object has no "type"`},
		{"features not an array", `{"type":"FeatureCollection","features":{"type":"Feature"}}`, "", `"features" is an object; want an array of GeoJSON Features`},
		{"more after the collection", `{"type":"FeatureCollection","features":[` + feat("A1") + "]}\n" + feat("A2"), "A1@1", "more follows the FeatureCollection"},
		{"an array", `[` + feat("A1") + `]`, "", "not GeoJSON: want a FeatureCollection, or one Feature per line"},
		{"Web Mercator", crs("urn:ogc:def:crs:EPSG::3857"), "", `"crs" is urn:ogc:def:crs:EPSG::3857: GeoJSON coordinates are longitude, latitude on WGS 84, and RFC 7946 §4 removed "crs"; reproject`},
		{"a crs by link", `{"type":"FeatureCollection","crs":{"type":"link","properties":{"href":"x.prj"}},"features":[]}`, "", `"crs" is {"type":"link"`},
		{"empty", " \n ", "", "empty input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tt.doc))
			if got != tt.read || err == nil || !strings.Contains(err.Error(), tt.says) || ErrorCode(err) != EINVALID {
				t.Errorf("read %q, then %v\nwant %q, then an error saying %q", got, err, tt.read, tt.says)
			}
			// Where json.Unmarshal, reading the document whole, puts the fault.
			var se *json.SyntaxError
			if doc := bytes.TrimSpace([]byte(tt.doc)); errors.As(json.Unmarshal(doc, new(any)), &se) && strings.Contains(tt.says, "at line") {
				at := doc[:se.Offset-1]
				where := fmt.Sprintf("%s at line %d, column %d;", se, bytes.Count(at, []byte("\n"))+1, len(at)-bytes.LastIndexByte(at, '\n'))
				if !strings.Contains(err.Error(), where) {
					t.Errorf("%v\nwant %q, as of the whole document", err, where)
				}
			}
		})
	}
}

// An error reading the input (a body over its limit) is returned as it is,
// not as malformed GeoJSON.
func TestFeatureReaderPassesReadErrors(t *testing.T) {
	tooLarge := errors.New("http: request body too large")
	doc := `{"type":"FeatureCollection","features":[` + feat("A1") + "," + feat("A2") + `]}`
	got, err := readAll(io.MultiReader(strings.NewReader(doc[:300]), iotest.ErrReader(tooLarge)))
	if got != "A1@1" || !errors.Is(err, tooLarge) {
		t.Errorf("read %q, then %v", got, err)
	}
}

// A text sequence's record longer than MaxSequenceRecord is refused, naming it.
func TestFeatureReaderLongRecord(t *testing.T) {
	defer func(n int) { MaxSequenceRecord = n }(MaxSequenceRecord)
	MaxSequenceRecord = 1 << 20
	doc := "\x1e" + feat("S1") + "\n\x1e" + strings.Replace(feat("S2"), "Armed clash", strings.Repeat("x", 2<<20), 1)
	got, err := readAll(strings.NewReader(doc))
	if got != "S1@1" || err == nil || !strings.Contains(err.Error(), "record 2 is longer than 1 MB") {
		t.Errorf("read %q, then %v", got, err)
	}
}

// A Feature of a FeatureCollection that runs past twice MaxSequenceRecord
// is refused, naming it, before the decoder holds more of it: a client
// cannot make the server hold a 200 MB value.
func TestFeatureReaderLongFeature(t *testing.T) {
	defer func(n int) { MaxSequenceRecord = n }(MaxSequenceRecord)
	MaxSequenceRecord = 1 << 20
	doc := `{"type":"FeatureCollection","features":[` + feat("A1") + "," + strings.Replace(feat("A2"), "Armed clash", strings.Repeat("x", 3<<20), 1) + `]}`
	got, err := readAll(strings.NewReader(doc))
	if got != "A1@1" || err == nil || !strings.Contains(err.Error(), "record 2 runs past 2 MB") {
		t.Errorf("read %q, then %v", got, err)
	}
	// One just under the limit is read.
	doc = `{"type":"FeatureCollection","features":[` + feat("A1") + "," + strings.Replace(feat("A2"), "Armed clash", strings.Repeat("x", 900<<10), 1) + `]}`
	if got, err := readAll(strings.NewReader(doc)); err != nil || !strings.HasPrefix(got, "A1@1") {
		t.Errorf("a 900 KB feature: read %q, then %v", got, err)
	}
}

// FuzzFeatureReader: whatever the input, the reader does not panic, its
// errors are *Error, records count up from 1, and how the input arrives (a
// byte at a time, or whole) changes nothing, errors and their positions
// included: faults are placed from the text the reader keeps, which
// depends on how it was read.
func FuzzFeatureReader(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","name":"x","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[` + feat("A1") + ",\n" + feat("A2") + `]}`)
	f.Add(`{"features":[` + feat("A1") + `,7,{"type":"Point"}],"type":"FeatureCollection","x":[{"y":null}]}`)
	f.Add("{\"type\": \"FeatureCollection\",\n\"features\": [{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1.8, 13.1]}")
	f.Add(feat("F1") + "\n" + feat("F2")[:30] + "\n" + feat("F3"))
	f.Add("\x1e" + feat("S1") + "\n\x1e{\"type\":\n")
	f.Add(`{"properties":{` + props + `},"type":"Feature"}`)
	f.Add("{\n  \"type\": \"FeatureCollection\",\n  \"features\": [],\n}")
	f.Fuzz(func(t *testing.T, s string) {
		whole, werr := readAll(strings.NewReader(s))
		bytewise, berr := readAll(iotest.OneByteReader(strings.NewReader(s)))
		if whole != bytewise || fmt.Sprint(werr) != fmt.Sprint(berr) {
			t.Fatalf("%q:\nwhole:     %q, %v\nbytewise:  %q, %v", s, whole, werr, bytewise, berr)
		}
		if werr != nil {
			if _, ok := werr.(*Error); !ok {
				t.Fatalf("%q: error %T is not an *Error: %v", s, werr, werr)
			}
		}
		n := 0
		for _, rec := range strings.Fields(whole) {
			n++
			if !strings.HasSuffix(rec, fmt.Sprintf("@%d", n)) && rec != fmt.Sprintf("!%d", n) {
				t.Fatalf("%q: record %d read as %s (%s)", s, n, rec, whole)
			}
		}
		ins, rej, err := DecodeFeatures([]byte(s))
		if fmt.Sprint(err) != fmt.Sprint(werr) || err == nil && len(ins)+len(rej) != n {
			t.Fatalf("%q: DecodeFeatures read %d+%d, %v; the reader %d, %v", s, len(ins), len(rej), err, n, werr)
		}
	})
}

// A FeatureCollection of 20,000 features is read without the document:
// what the reader keeps between features is one feature and the decoder's
// read-ahead, however many came before.
func TestFeatureReaderKeepsOneFeature(t *testing.T) {
	var doc bytes.Buffer
	doc.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 20000 {
		if i > 0 {
			doc.WriteString(",\n")
		}
		doc.WriteString(feat(fmt.Sprint("K", i)))
	}
	doc.WriteString("]}")
	fr := NewFeatureReader(&doc)
	most := 0
	for {
		_, _, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, cap(fr.src.kept))
	}
	if fr.Records() != 20000 || most > 64<<10 {
		t.Errorf("%d records; kept up to %d bytes between features", fr.Records(), most)
	}
}

// A FeatureReader reads a FeatureCollection a Feature at a time, whatever
// the order of its members; a Feature that is no incident is a rejection
// saying why, and the reading goes on.
func ExampleFeatureReader() {
	doc := `{"features":[
{"type":"Feature","id":"a1","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8]},"properties":{}}
],"type":"FeatureCollection"}`
	fr := NewFeatureReader(strings.NewReader(doc))
	for {
		in, rej, err := fr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			fmt.Println(err)
			return
		case rej != nil:
			fmt.Printf("record %d rejected: %s: %s\n", rej.Record, rej.Field, rej.Reason)
		default:
			fmt.Printf("record %d: %s at %.1f, %.1f\n", in.Line, in.ID, in.Lon, in.Lat)
		}
	}
	// Output:
	// record 1: a1 at 1.8, 13.1
	// record 2 rejected: geometry.coordinates: want [longitude, latitude], got 1 number(s)
}
