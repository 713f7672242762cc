package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// Exports as GIS tools write them. QGIS's "Save Features As" GeoJSON has
// "name" and a "crs" naming CRS84 before "features", properties before
// geometry and no feature id: ACLED's columns are properties, typed, read
// as an incident each. A conversion that typed nothing (ogr2ogr from the
// CSV, ACLED's API, whose JSON is all strings) has numbers as strings,
// which are refused, never guessed, naming the field and what was sent.
func TestGeoJSONExports(t *testing.T) {
	b := readFile(t, "testdata/qgis_export.geojson", Options{})
	if b.Shape != ShapeGeoJSON || b.Container != "GeoJSON" || len(b.Incidents) != 3 || len(b.Rejected) != 0 {
		t.Fatalf("%s %s: %d incidents, rejected %v", b.Shape, b.Container, len(b.Incidents), b.Rejected)
	}
	in := b.Incidents[0]
	if in.Line != 1 || in.EventDate != "2023-10-02" || in.Lon != 1.8 || in.Lat != 13.12 || in.Fatalities != 7 || in.GeoPrecision != 2 ||
		in.Admin2 != "Torodi" || in.ReportedCountry != "Niger" || !strings.Contains(in.Notes, "\nof notes") {
		t.Errorf("first feature: %+v", in)
	}
	if in.Extra["event_id_cnty"] != "NIG90001" || in.Extra["inter1"] != 2.0 || in.Extra["timestamp"] != 1696300000.0 {
		t.Errorf("ACLED's other columns: %v", in.Extra)
	}
	if b.Incidents[2].Line != 3 || b.Incidents[2].TimePrecision != 2 {
		t.Errorf("third feature: %+v", b.Incidents[2])
	}

	b = readFile(t, "testdata/acled_strings.geojson", Options{})
	if len(b.Incidents) != 0 || len(b.Rejected) != 2 {
		t.Fatalf("numbers as strings: %d incidents, rejected %v", len(b.Incidents), b.Rejected)
	}
	for i, want := range []incident.Rejected{
		{Record: 1, Field: "time_precision", Reason: `expected a whole number, got a string "1"`},
		{Record: 2, Field: "fatalities", Reason: `expected a whole number, got a string "3"`},
	} {
		if b.Rejected[i] != want {
			t.Errorf("rejected %+v, want %+v", b.Rejected[i], want)
		}
	}
}

// features writes a FeatureCollection of n invented incidents to w, its
// "type" last (RFC 8259: members in any order), and says how many bytes.
func features(w io.Writer, n int) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var size int64
	put := func(format string, args ...any) {
		k, _ := fmt.Fprintf(bw, format, args...)
		size += int64(k)
	}
	put(`{"name":"generated","features":[`)
	for i := range n {
		if i > 0 {
			put(",\n")
		}
		put(`{"type":"Feature","id":"GEN%07d","geometry":{"type":"Point","coordinates":[%.4f,%.4f]},"properties":{"event_date":"2023-%02d-%02d","event_type":"Battles","sub_event_type":"Armed clash","fatalities":%d,"notes":"Invented clash number %d near an invented village."}}`,
			i, 0.5+float64(i%3000)/1000, 11.5+float64(i%4000)/1000, 1+i%12, 1+i%28, i%9, i)
	}
	put(`],"type":"FeatureCollection"}`)
	return size, bw.Flush()
}

// A FeatureCollection of 1,000,000 features (about 260 MB), written as it
// is read, is read with the memory of a chunk: the live heap, sampled after
// every chunk, grows by a small fraction of the file. (Parsed whole, the
// file and its incidents took several times its size.)
func TestGeoJSONMemoryIsBounded(t *testing.T) {
	const n = 1000000
	pr, pw := io.Pipe()
	sizec := make(chan int64, 1)
	go func() {
		size, err := features(pw, n)
		pw.CloseWithError(err)
		sizec <- size
	}()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	rd, err := Open(pr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := rd.Chunks()
	var peak uint64
	read, last := 0, ""
	for {
		c, err := next()
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			break
		}
		read += len(c.Incidents)
		last = c.Incidents[len(c.Incidents)-1].ID
		peak = max(peak, heap())
		runtime.KeepAlive(c) // sampled with the chunk live, as an import holds it
	}
	size := <-sizec
	grew := int64(peak) - int64(base)
	if read != n || last != "GEN0999999" || rd.Rows() != n {
		t.Fatalf("read %d incidents (%d records), the last %s; want %d", read, rd.Rows(), last, n)
	}
	if grew > size/16 {
		t.Errorf("the live heap grew by %d MB reading %d MB of GeoJSON; want at most a sixteenth", grew>>20, size>>20)
	}
	t.Logf("%d MB of GeoJSON; the live heap grew by at most %.1f MB", size>>20, float64(grew)/(1<<20))
}

// A FeatureCollection cut short in its third chunk gives the two whole
// chunks before it, then an error naming the record it breaks in; nothing
// of the chunk it breaks in, as a CSV with an unclosed quote.
func TestGeoJSONCutShortMidChunk(t *testing.T) {
	var sb strings.Builder
	if _, err := features(&sb, 12000); err != nil {
		t.Fatal(err)
	}
	doc := sb.String()
	cut := strings.Index(doc, `"GEN0011499"`) + 40 // inside record 11,500
	rd, err := Open(strings.NewReader(doc[:cut]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for {
		b, err := rd.Next(0)
		if err != nil {
			if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "the document ends early") || !strings.Contains(err.Error(), "record 11500 is where it breaks") || incident.ErrorCode(err) != incident.EINVALID {
				t.Errorf("after chunks %v: %v", got, err)
			}
			break
		}
		got = append(got, len(b.Incidents))
	}
	if fmt.Sprint(got) != "[5000 5000]" {
		t.Errorf("chunks %v, want the two whole ones before the break", got)
	}
}
