package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// Exports as GIS tools write them. QGIS's "Save Features As" GeoJSON has
// "name" and a "crs" naming CRS84 before "features", properties before
// geometry and no feature id: ACLED's columns are properties, typed, read
// as a CSV's row each, the id from event_id_cnty (so importing it again
// finds the same incidents). A conversion that typed nothing (ogr2ogr
// from the CSV, ACLED's API, whose JSON is all strings) has numbers as
// strings, read as a CSV's cells are.
func TestGeoJSONExports(t *testing.T) {
	b := readFile(t, "testdata/qgis_export.geojson", Options{})
	if b.Shape != ShapeGeoJSON || b.Container != "GeoJSON" || len(b.Incidents) != 3 || len(b.Rejected) != 0 {
		t.Fatalf("%s %s: %d incidents, rejected %v", b.Shape, b.Container, len(b.Incidents), b.Rejected)
	}
	in := b.Incidents[0]
	if in.ID != "NIG90001" || in.Line != 1 || in.EventDate != "2023-10-02" || in.Lon != 1.8 || in.Lat != 13.12 || in.Fatalities != 7 || in.GeoPrecision != 2 ||
		in.Admin2 != "Torodi" || !strings.Contains(in.Notes, "\nof notes") {
		t.Errorf("first feature: %+v", in)
	}
	if in.Extra["reported_country"] != "Niger" || in.Extra["inter1"] != 2.0 || in.Extra["timestamp"] != 1696300000.0 || in.Extra["event_id_cnty"] != nil || len(in.Tags) != 0 {
		t.Errorf("ACLED's other columns, as from its CSV: %v", in.Extra)
	}
	if _, ok := in.Extra["assoc_actor_1"]; ok {
		t.Errorf("null kept, where an empty cell is missing: %v", in.Extra)
	}
	if b.Incidents[2].ID != "NIG90003" || b.Incidents[2].Line != 3 || b.Incidents[2].TimePrecision != 2 {
		t.Errorf("third feature: %+v", b.Incidents[2])
	}

	b = readFile(t, "testdata/acled_strings.geojson", Options{})
	if len(b.Incidents) != 2 || len(b.Rejected) != 0 {
		t.Fatalf("numbers as strings: %d incidents, rejected %v", len(b.Incidents), b.Rejected)
	}
	in = b.Incidents[0]
	if in.ID != "NIG90001" || in.Fatalities != 7 || in.TimePrecision != 1 || in.GeoPrecision != 2 || in.Lat != 13.12 || in.Extra["inter1"] != 2.0 || in.Extra["timestamp"] != 1696300000.0 || in.Extra["year"] != nil {
		t.Errorf("numbers as strings: %+v %v", in, in.Extra)
	}
}

// ogr2ogr -f GeoJSON out.geojson acled.csv (GDAL 3.6, no type detection)
// writes every column as a string property and "geometry": null: the
// incidents are those of the CSV itself, to the last kept column, so a
// file imported either way is the same incidents (and importing the other
// finds them unchanged). The same for UCDP GED, ids ucdp-<id>, and for
// the answer of ACLED's API (every value a string, coordinates with 4
// decimals).
func TestGeoJSONFromCSVIsTheCSV(t *testing.T) {
	for _, c := range [][2]string{{"acled_export.csv", "acled_ogr2ogr.geojson"}, {"ucdp_ged.csv", "ucdp_ged_ogr2ogr.geojson"}, {"acled_export.csv", "acled_api.json"}} {
		csv, geojson := c[0], c[1]
		want := readFile(t, "testdata/"+csv, Options{})
		got := readFile(t, "testdata/"+geojson, Options{})
		if len(got.Incidents) != len(want.Incidents) || len(got.Incidents) == 0 || len(got.Rejected) != 0 {
			t.Fatalf("%s: %d incidents, rejected %v; want %d", geojson, len(got.Incidents), got.Rejected, len(want.Incidents))
		}
		m := byID(got)
		for _, w := range want.Incidents {
			g := m[w.ID]
			if g == nil {
				t.Errorf("%s: %s missing (ids %v)", geojson, w.ID, slices.Collect(maps.Keys(m)))
				continue
			}
			g.Line, w.Line = 0, 0
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s: %s\n got %+v %v\nwant %+v %v", geojson, w.ID, g, g.Extra, w, w.Extra)
			}
		}
	}
}

// What a CSV row is rejected for, its Feature is, with the same words: a
// count that is no number ("twelve", "NA"); empty strings are missing, as
// empty cells. A Feature contradicting itself is rejected naming both
// sides: latitude/longitude properties 20 km from the geometry (a point
// moved in QGIS, its columns left), a Feature id beside another
// event_id_cnty.
func TestGeoJSONBadCells(t *testing.T) {
	b := readFile(t, "testdata/acled_strings_bad.geojson", Options{})
	if len(b.Incidents) != 1 || b.Incidents[0].ID != "NIG90103" {
		t.Fatalf("%d incidents %v, rejected %v", len(b.Incidents), b.Incidents, b.Rejected)
	}
	if in := b.Incidents[0]; in.Fatalities != 0 || in.GeoPrecision != 0 || in.TimePrecision != 0 || in.Lat != 13.12 {
		t.Errorf("empty strings are missing: %+v", in)
	}
	want := []incident.Rejected{
		{Record: 1, ID: "NIG90101", Field: "fatalities", Reason: `"twelve" is not a whole number`},
		{Record: 2, ID: "NIG90102", Field: "geo_precision", Reason: `"NA" is not a whole number`},
		{Record: 4, ID: "NIG90104", Field: "latitude/longitude", Reason: "15.2, 4.6 lie 20.2 km from the geometry's Point [4.75, 15.31]; they are two places, and which is the incident's cannot be told: make them agree (within 1 km), or leave latitude and longitude out"},
		{Record: 5, ID: "NIG90105", Field: "id", Reason: `the Feature's id "inc-7Hq2xK" and event_id_cnty "NIG90105" name different incidents; make them the same, or leave one out`},
	}
	if !reflect.DeepEqual(b.Rejected, want) {
		t.Errorf("rejected:\n%+v\nwant\n%+v", b.Rejected, want)
	}
	// The CSV says the same of the same row.
	csv := "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities\nNIG90101,2023-11-02,Battles,Armed clash,13.12,1.80,twelve\n"
	if c, err := Read(strings.NewReader(csv), Options{}); err != nil || len(c.Rejected) != 1 || c.Rejected[0].Field != want[0].Field || c.Rejected[0].Reason != want[0].Reason {
		t.Errorf("the CSV: %v %+v", err, c)
	}
}

// Which id a Feature has, by the CSV's rules and its own: event_id_cnty,
// else incidentmap's id property (which QGIS and GDAL write for a string
// Feature id), else the Feature's id, all of which must agree; UCDP's id
// is ucdp-<id>.
func TestGeoJSONIDs(t *testing.T) {
	props := `"event_date":"2023-10-02","event_type":"Battles","sub_event_type":"Armed clash","latitude":"13.12","longitude":"1.8"`
	for _, c := range []struct{ feature, id, field, reason string }{
		{`{"type":"Feature","geometry":null,"properties":{"id":"inc-7Hq2xK",` + props + `}}`, "inc-7Hq2xK", "", ""},
		{`{"type":"Feature","id":"NIG90001","geometry":null,"properties":{"event_id_cnty":"NIG90001",` + props + `}}`, "NIG90001", "", ""},
		{`{"type":"Feature","id":17,"geometry":null,"properties":{` + props + `}}`, "17", "", ""},
		{`{"type":"Feature","geometry":null,"properties":{"event_id_cnty":"NIG90001","id":"inc-7Hq2xK",` + props + `}}`, "", "id", `event_id_cnty "NIG90001" and id "inc-7Hq2xK" name different incidents; make them the same, or leave one out`},
		{`{"type":"Feature","id":3,"geometry":null,"properties":{"event_id_cnty":"NIG90001",` + props + `}}`, "", "id", `the Feature's id "3" and event_id_cnty "NIG90001" name different incidents; make them the same, or leave one out`},
		{`{"type":"Feature","id":990001,"geometry":null,"properties":{"date_start":"2023-10-02","type_of_violence":"1","latitude":"13.12","longitude":"1.8"}}`, "ucdp-990001", "", ""},
		{`{"type":"Feature","id":"ucdp-990001","geometry":null,"properties":{"id":990001,"date_start":"2023-10-02","type_of_violence":1,"latitude":13.12,"longitude":1.8}}`, "ucdp-990001", "", ""},
		{`{"type":"Feature","id":"ucdp-5","geometry":null,"properties":{"id":990001,"date_start":"2023-10-02","type_of_violence":1,"latitude":13.12,"longitude":1.8}}`, "", "id", `the Feature's id "ucdp-5" and id "990001" name different incidents; make them the same, or leave one out`},
	} {
		b, err := Read(strings.NewReader(c.feature), Options{})
		switch {
		case err != nil:
			t.Errorf("%s: %v", c.feature, err)
		case c.reason == "" && (len(b.Incidents) != 1 || b.Incidents[0].ID != c.id):
			t.Errorf("%s: %+v, rejected %+v; want id %s", c.feature, b.Incidents, b.Rejected, c.id)
		case c.reason != "" && (len(b.Rejected) != 1 || b.Rejected[0].Field != c.field || b.Rejected[0].Reason != c.reason):
			t.Errorf("%s: rejected %+v; want %s: %s", c.feature, b.Rejected, c.field, c.reason)
		}
	}
	// The same two columns in a CSV.
	csv := "event_id_cnty,id,event_date,event_type,sub_event_type,latitude,longitude\nNIG90001,inc-7Hq2xK,2023-10-02,Battles,Armed clash,13.12,1.8\n"
	if b, err := Read(strings.NewReader(csv), Options{}); err != nil || len(b.Rejected) != 1 || b.Rejected[0].Reason != `event_id_cnty "NIG90001" and id "inc-7Hq2xK" name different incidents; make them the same, or leave one out` {
		t.Errorf("the CSV: %v %+v", err, b)
	}
}

// readMeasured reads r to its end a chunk at a time, as an import does,
// and says how many incidents it read, the last one's id, and by how much
// the live heap grew at most, sampled after each chunk with the chunk
// live, as an import holds it.
func readMeasured(t *testing.T, r io.Reader) (rd *Reader, read int, last string, grew int64) {
	t.Helper()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	rd, err := Open(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	next := rd.Chunks()
	var peak uint64
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
		runtime.KeepAlive(c)
	}
	return rd, read, last, int64(peak) - int64(base)
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
	rd, read, last, grew := readMeasured(t, pr)
	size := <-sizec
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
