package importer

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// An answer of ACLED's API, saved as it comes, is ACLED's rows: its shape
// is told from its first row (the deleted endpoint's is the deletion
// list), a bad cell is rejected with the CSV's words, and an error answer
// is refused, saying so.
func TestACLEDAPIAnswer(t *testing.T) {
	b := readFile(t, "testdata/acled_api.json", Options{})
	if b.Shape != ShapeACLED || b.Container != "JSON" || len(b.Incidents) != 3 || b.Incidents[1].Line != 2 {
		t.Fatalf("%s %s: %d incidents, rejected %v", b.Shape, b.Container, len(b.Incidents), b.Rejected)
	}
	row := `{"event_id_cnty":"NIG90101","event_date":"2023-11-02","event_type":"Battles","sub_event_type":"Armed clash","latitude":"13.1200","longitude":"1.8000","fatalities":"%s"}`
	answer := `{"status":200,"success":true,"count":3,"messages":[],"data":[` + fmt.Sprintf(row, "twelve") + `,"stray",` + strings.Replace(fmt.Sprintf(row, ""), "NIG90101", "NIG90102", 1) + `],"filename":"x"}`
	b, err := Read(strings.NewReader(answer), Options{})
	if err != nil || len(b.Incidents) != 1 || b.Incidents[0].ID != "NIG90102" || b.Incidents[0].Line != 3 || len(b.Rejected) != 2 ||
		b.Rejected[0] != (incident.Rejected{Record: 1, ID: "NIG90101", Field: "fatalities", Reason: `"twelve" is not a whole number`}) ||
		b.Rejected[1] != (incident.Rejected{Record: 2, Reason: "string; each item of data is an object of ACLED's columns"}) {
		t.Errorf("%v: %+v", err, b)
	}
	deleted := `{"status":200,"success":true,"count":1,"data":[{"event_id_cnty":"NIG90002","deleted_timestamp":"1696600000"}]}`
	if b, err := Read(strings.NewReader(deleted), Options{}); err != nil || b.Shape != ShapeDeletions || len(b.Deletions) != 1 || b.Deletions[0] != (incident.Deletion{Record: 1, ID: "NIG90002", Timestamp: 1696600000}) {
		t.Errorf("the deleted endpoint: %v %+v", err, b)
	}
	for answer, want := range map[string]string{
		`{"status":403,"success":false,"error":{"status":403,"message":"Access denied: key not recognised"}}`: `the ACLED API answer is an error, not data ("success": false)`,
		`{"status":400,"error":[{"status":400,"message":"Unknown field evnt_date"}],"data":[]}`:               `the ACLED API answer is an error, not data: Unknown field evnt_date`,
		`{"status":200,"success":true,"count":1,"data":[{"event_id_cnty":"NIG90101","notes":"x"}]}`:           "no known columns",
		`{"status":200,"success":true,"count":2,"data":[` + fmt.Sprintf(row, "1") + `,{"event_id_cnty":"NIG9`: "malformed JSON: the answer ends early, after row 1",
	} {
		if _, err := Read(strings.NewReader(answer), Options{}); err == nil || !strings.Contains(err.Error(), want) || incident.ErrorCode(err) != incident.EINVALID {
			t.Errorf("%s: %v, want %q", answer, err, want)
		}
	}
	if b, err := Read(strings.NewReader(`{"status":200,"success":true,"count":0,"messages":[],"data":[]}`), Options{}); err != nil || len(b.Incidents) != 0 {
		t.Errorf("an answer of no rows: %v %+v", err, b)
	}
	// GeoJSON whose foreign members come first is still GeoJSON.
	if b := readFile(t, "testdata/qgis_export.geojson", Options{}); b.Container != "GeoJSON" {
		t.Errorf("QGIS's GeoJSON read as %s", b.Container)
	}
}

// An answer of 200,000 rows (about 90 MB), written as it is read, is read
// One item of data that runs past twice maxAPIObject is refused, naming
// its row, before the decoder holds more of it; rows before it were read,
// and a row just under the limit is read.
func TestACLEDAPIRowTooLong(t *testing.T) {
	defer func(n int64) { maxAPIObject = n }(maxAPIObject)
	maxAPIObject = 1 << 20
	row := `{"event_id_cnty":"%s","event_date":"2023-11-02","event_type":"Battles","sub_event_type":"Armed clash","latitude":"13.1200","longitude":"1.8000","fatalities":"1","notes":"%s"}`
	answer := func(notes int) string {
		return `{"status":200,"success":true,"data":[` + fmt.Sprintf(row, "NIG90101", "x") + "," + fmt.Sprintf(row, "NIG90102", strings.Repeat("x", notes)) + `]}`
	}
	_, err := Read(strings.NewReader(answer(3<<20)), Options{})
	if err == nil || !strings.Contains(err.Error(), "row 2 of data runs past 2 MB") || incident.ErrorCode(err) != incident.EINVALID {
		t.Errorf("a 3 MB row: %v", err)
	}
	if b, err := Read(strings.NewReader(answer(900<<10)), Options{}); err != nil || len(b.Incidents) != 2 {
		t.Errorf("a 900 KB row: %v, %+v", err, b.Rejected)
	}
}

// with the memory of a chunk: the decoder holds one object at a time.
func TestACLEDAPIMemoryIsBounded(t *testing.T) {
	const n = 200000
	pr, pw := io.Pipe()
	sizec := make(chan int64, 1)
	go func() {
		bw := bufio.NewWriter(pw)
		var size int64
		put := func(format string, args ...any) {
			k, _ := fmt.Fprintf(bw, format, args...)
			size += int64(k)
		}
		put(`{"status":200,"success":true,"last_update":1842,"count":%d,"messages":[],"data":[`, n)
		for i := range n {
			if i > 0 {
				put(",")
			}
			put(`{"event_id_cnty":"GEN%07d","event_date":"2023-%02d-%02d","year":"2023","time_precision":"1","disorder_type":"Political violence","event_type":"Battles","sub_event_type":"Armed clash","actor1":"Invented Armed Group A","assoc_actor_1":"","inter1":"2","actor2":"","assoc_actor_2":"","inter2":"0","interaction":"20","civilian_targeting":"","iso":"562","region":"Western Africa","country":"Niger","admin1":"Tillaberi","admin2":"","admin3":"","location":"Invented Village","latitude":"%.4f","longitude":"%.4f","geo_precision":"1","source":"Invented Weekly","source_scale":"National","notes":"Invented clash number %d.","fatalities":"%d","tags":"","timestamp":"1696300000"}`,
				i, 1+i%12, 1+i%28, 11.5+float64(i%4000)/1000, 0.5+float64(i%3000)/1000, i, i%9)
		}
		put(`],"filename":"generated"}`)
		pw.CloseWithError(bw.Flush())
		sizec <- size
	}()
	_, read, last, grew := readMeasured(t, pr)
	size := <-sizec
	if read != n || last != "GEN0199999" {
		t.Fatalf("read %d incidents, the last %s; want %d", read, last, n)
	}
	if grew > size/8 {
		t.Errorf("the live heap grew by %d MB reading %d MB of JSON; want at most an eighth", grew>>20, size>>20)
	}
	t.Logf("%d MB of JSON; the live heap grew by at most %.1f MB", size>>20, float64(grew)/(1<<20))
}

// A GeoJSON file's dates are settled as a CSV's, its rows named as
// records.
func TestGeoJSONDatesAsCSV(t *testing.T) {
	feature := `{"type":"Feature","id":"A%d","geometry":{"type":"Point","coordinates":[1.8,13.12]},"properties":{"event_date":"%s","event_type":"Battles","sub_event_type":"Armed clash"}}`
	seq := fmt.Sprintf(feature, 1, "05/06/2023") + "\n" + fmt.Sprintf(feature, 2, "2 October 2023") + "\n"
	_, err := Read(strings.NewReader(seq), Options{})
	if err == nil || !strings.Contains(err.Error(), `dates like "05/06/2023" (record 1)`) {
		t.Errorf("ambiguous: %v", err)
	}
	b, err := Read(strings.NewReader(seq), Options{DateOrder: DMY})
	if err != nil || len(b.Incidents) != 2 || byID(b)["A1"].EventDate != "2023-06-05" || byID(b)["A2"].EventDate != "2023-10-02" {
		t.Errorf("day first: %v %+v", err, b)
	}
}
