package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Next returns chunks of at most n rows, every row once; rows whose
// numeric date waits for the file's order come out once a later row (a day
// above 12) settles it, with the right date.
func TestNextChunksAndHeldDates(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude\n")
	for i := 1; i <= 25; i++ {
		date := "05/06/2023" // either order, until row 20
		if i == 20 {
			date = "15/06/2023"
		}
		fmt.Fprintf(&sb, "S%d,%s,Battles,Armed clash,13.1,1.8\n", i, date)
	}
	rd, err := Open(strings.NewReader(sb.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	dates := map[string]string{}
	for {
		b, err := rd.Next(7)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(b.Incidents))
		for _, in := range b.Incidents {
			dates[in.ID] = in.EventDate
		}
	}
	// Rows 1-19 wait; row 20 releases them in the third chunk (rows 15-21).
	if fmt.Sprint(sizes) != "[0 0 21 4]" || len(dates) != 25 || dates["S1"] != "2023-06-05" || dates["S20"] != "2023-06-15" || rd.Rows() != 25 {
		t.Errorf("chunk sizes %v, %d rows, S1 %s, S20 %s", sizes, len(dates), dates["S1"], dates["S20"])
	}
}

// Rows waiting for the date order are bounded: a file whose first maxHeld
// dates could be either order is refused, naming --date-order.
func TestHeldDatesAreBounded(t *testing.T) {
	defer func(n int) { maxHeld = n }(maxHeld)
	maxHeld = 10
	var sb strings.Builder
	sb.WriteString("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&sb, "S%d,05/06/2023,Battles,Armed clash,13.1,1.8\n", i)
	}
	_, err := Read(strings.NewReader(sb.String()), Options{})
	if err == nil || !strings.Contains(err.Error(), "none of the first 10 rows") || !strings.Contains(err.Error(), "--date-order") {
		t.Fatalf("got %v", err)
	}
}

// A GeoJSON input comes out in chunks of records too (incidents and
// rejections together, as CSV rows do), its rejections with the chunk they
// fall in: record 3 with record 4, not with 5 (when a FeatureCollection
// was parsed whole, a chunk was n incidents and the rejections among them).
func TestNextGeoJSONChunks(t *testing.T) {
	f := `{"type":"Feature","id":"G%d","geometry":{"type":"Point","coordinates":[1.8,13.1]},"properties":{"event_date":"2023-10-02","event_type":"Battles","sub_event_type":"Armed clash"}}` + "\n"
	var sb strings.Builder
	for i := 1; i <= 5; i++ {
		if i == 3 {
			sb.WriteString(`{"type":"Feature","geometry":{"type":"Point","coordinates":"x"}}` + "\n")
			continue
		}
		fmt.Fprintf(&sb, f, i)
	}
	rd, err := Open(strings.NewReader(sb.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		b, err := rd.Next(2)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, in := range b.Incidents {
			s += in.ID + " "
		}
		for _, r := range b.Rejected {
			s += fmt.Sprintf("rejected:%d ", r.Record)
		}
		got = append(got, strings.TrimSpace(s))
	}
	if want := "[G1 G2|G4 rejected:3|G5]"; "["+strings.Join(got, "|")+"]" != want {
		t.Errorf("chunks %q, want %s", got, want)
	}
}
