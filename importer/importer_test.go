package importer

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/xuri/excelize/v2"
)

func readFile(t *testing.T, path string, opts Options) *Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := Read(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

func byID(b *Batch) map[string]*incident.Incident {
	m := map[string]*incident.Incident{}
	for _, in := range b.Incidents {
		m[in.ID] = in
	}
	return m
}

func TestACLEDExport(t *testing.T) {
	b := readFile(t, "testdata/acled_export.csv", Options{})
	if b.Shape != ShapeACLED || b.Container != "CSV" || len(b.Incidents) != 3 || len(b.Rejected) != 0 {
		t.Fatalf("%s %s: %d incidents, rejected %v", b.Shape, b.Container, len(b.Incidents), b.Rejected)
	}
	in := byID(b)["NIG90001"]
	if in.EventDate != "2023-10-02" || in.Admin1 != "Tillaberi" || in.Admin2 != "Torodi" || in.Line != 2 || !strings.Contains(in.Notes, "\nof notes") {
		t.Errorf("row: %+v", in)
	}
	// Numbers stay numbers; the source's country is kept as reported.
	if in.Extra["inter1"] != 2.0 || in.Extra["iso"] != 562.0 || in.Extra["timestamp"] != 1696300000.0 || in.Extra["reported_country"] != "Niger" || in.Extra["disorder_type"] != "Political violence" {
		t.Errorf("extra: %v", in.Extra)
	}
	if got := byID(b)["NIG90003"].Line; got != 5 { // the quoted newline makes line 3 two lines
		t.Errorf("line of the third row: %d, want 5", got)
	}
}

func TestDates(t *testing.T) {
	// A day above 12 settles the whole file as day first.
	b := readFile(t, "testdata/acled_dates_dmy.csv", Options{})
	m := byID(b)
	if m["NIG90011"].EventDate != "2023-10-02" || m["NIG90012"].EventDate != "2024-05-15" || m["NIG90013"].EventDate != "2024-04-03" {
		t.Errorf("dmy: %s %s %s", m["NIG90011"].EventDate, m["NIG90012"].EventDate, m["NIG90013"].EventDate)
	}
	b = readFile(t, "testdata/acled_dates_text.csv", Options{})
	for _, in := range b.Incidents {
		want := map[string]string{"NIG90033": "2018-10-05"}[in.ID]
		if want == "" {
			want = "2023-10-02"
		}
		if in.EventDate != want {
			t.Errorf("%s: %s, want %s", in.ID, in.EventDate, want)
		}
	}
	// year/month/day columns settle the order, and stand in for an empty date.
	m = byID(readFile(t, "testdata/acled_year_month_day.csv", Options{}))
	if m["NIG90041"].EventDate != "2023-06-05" || m["NIG90042"].EventDate != "2023-07-09" {
		t.Errorf("year/month/day: %s %s", m["NIG90041"].EventDate, m["NIG90042"].EventDate)
	}
	// Nothing says: refused once, naming the flag and the parameter.
	f, _ := os.Open("testdata/acled_dates_ambiguous.csv")
	_, err := Read(f, Options{})
	f.Close()
	if err == nil || !strings.Contains(err.Error(), "--date-order dmy") || !strings.Contains(err.Error(), "date_order") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ambiguous file: %v", err)
	}
	for order, want := range map[string]string{DMY: "2024-06-05", MDY: "2024-05-06"} {
		m := byID(readFile(t, "testdata/acled_dates_ambiguous.csv", Options{DateOrder: order}))
		if m["NIG90022"].EventDate != want {
			t.Errorf("%s: %s, want %s", order, m["NIG90022"].EventDate, want)
		}
	}
	// An order given against the file: the rows that contradict it are rejected.
	b = readFile(t, "testdata/acled_dates_dmy.csv", Options{DateOrder: MDY})
	if len(b.Rejected) != 1 || b.Rejected[0].Record != 3 || b.Rejected[0].Field != "event_date" {
		t.Errorf("mdy against a day-first file: %+v", b.Rejected)
	}
	// Both orders in one file: refused.
	mixed := "event_date,event_type,sub_event_type,latitude,longitude\n15/05/2024,Battles,Armed clash,13,2\n05/15/2024,Battles,Armed clash,13,2\n"
	if _, err := Read(strings.NewReader(mixed), Options{}); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Errorf("mixed orders: %v", err)
	}
}

func TestLegacyTypology(t *testing.T) {
	b := readFile(t, "testdata/acled_legacy.csv", Options{})
	want := map[string][2]string{
		"NIG80001": {"Battles", "Armed clash"},
		"NIG80002": {"Explosions/Remote violence", ""},
		"NIG80003": {"Riots", ""},
		"NIG80004": {"Protests", ""},
		"NIG80005": {"Strategic developments", "Headquarters or base established"},
		"NIG80006": {"Violence against civilians", ""},
	}
	m := byID(b)
	for id, w := range want {
		in := m[id]
		if in == nil {
			t.Fatalf("%s missing; rejected %v", id, b.Rejected)
		}
		// The original is kept where the type changed ("Violence against
		// civilians" kept its name).
		if in.EventType != w[0] || in.SubEventType != w[1] || (in.Extra["acled_original_event_type"] == nil) != (id == "NIG80006") {
			t.Errorf("%s: %q / %q (%v), want %v", id, in.EventType, in.SubEventType, in.Extra["acled_original_event_type"], w)
		}
		// Imports may lack a sub-event type; hand-entered incidents may not.
		if err := in.Validate(); w[1] == "" && (err == nil || !strings.Contains(err.Error(), "sub_event_type")) {
			t.Errorf("%s: Validate (the API's rules) = %v, want a sub_event_type error", id, err)
		}
	}
	if m["NIG80001"].Extra["event_id_no_cnty"] != 80001.0 || m["NIG80001"].Extra["iso3"] != "NER" {
		t.Errorf("older columns: %v", m["NIG80001"].Extra)
	}
}

func TestUCDP(t *testing.T) {
	b := readFile(t, "testdata/ucdp_ged.csv", Options{})
	if b.Shape != ShapeUCDP || len(b.Incidents) != 3 {
		t.Fatalf("%s: %d incidents, rejected %v", b.Shape, len(b.Incidents), b.Rejected)
	}
	m := byID(b)
	in := m["ucdp-990001"]
	if in.EventType != "Battles" || in.SubEventType != "Armed clash" || in.Fatalities != 7 || *in.FatalitiesLow != 6 || *in.FatalitiesHigh != 9 ||
		in.Actor1 != "Government of Niger" || in.Actor2 != "Invented Group" || in.Admin1 != "Tillabéri region" || in.Location != "Invented Village" ||
		in.EventDate != "2023-10-02" || in.GeoPrecision != 1 || in.TimePrecision != 1 || in.Extra["ucdp_id"] != 990001.0 || in.Extra["deaths_b"] != 5.0 {
		t.Errorf("state-based row: %+v", in)
	}
	in = m["ucdp-990002"]
	if in.EventType != "Violence against civilians" || in.SubEventType != "Attack" || in.GeoPrecision != 3 || in.TimePrecision != 3 ||
		in.Extra["ucdp_where_prec"] != 4.0 || in.Extra["ucdp_date_prec"] != 4.0 || in.Extra["reported_country"] != "Niger" {
		t.Errorf("one-sided row: %+v %v", in, in.Extra)
	}
	if in := m["ucdp-990003"]; in.FatalitiesLow != nil || in.GeoPrecision != 2 || in.TimePrecision != 2 {
		t.Errorf("non-state row: %+v", in)
	}
}

func TestDeletions(t *testing.T) {
	b := readFile(t, "testdata/acled_deletions.csv", Options{})
	if b.Shape != ShapeDeletions || len(b.Deletions) != 2 || b.Deletions[0].ID != "NIG90002" || b.Deletions[0].Timestamp != 1700000000 {
		t.Errorf("%s %+v", b.Shape, b.Deletions)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude", "fatalities", "inter1"})
	f.SetSheetRow(sheet, "A2", &[]any{"NIG70001", 45201, "Battles", "Armed clash", 13.12, 1.8, 3, 2}) // a serial date: 2023-10-02
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle(sheet, "B2", "B2", style)
	f.SetSheetRow(sheet, "A3", &[]any{"NIG70002", "02 October 2023", "Battles", "Armed clash", 13.12, 1.8, 0, 2})
	f.SetSheetRow(sheet, "A4", &[]any{"NIG70003", "someday", "Battles", "Armed clash", 13.12, 1.8, 0, 2})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := Read(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := byID(b)
	if b.Container != "Excel" || len(b.Incidents) != 2 || m["NIG70001"].EventDate != "2023-10-02" || m["NIG70002"].EventDate != "2023-10-02" || m["NIG70001"].Fatalities != 3 || m["NIG70001"].Extra["inter1"] != 2.0 {
		t.Fatalf("%s: %+v, rejected %v", b.Container, b.Incidents, b.Rejected)
	}
	if len(b.Rejected) != 1 || b.Rejected[0].Record != 4 || b.Rejected[0].ID != "NIG70003" {
		t.Errorf("rejected %v", b.Rejected)
	}
	// The rejects file of a workbook is CSV, dates as dates.
	var out bytes.Buffer
	if err := WriteRejects(bytes.NewReader(buf.Bytes()), Options{}, b.Rejected, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "event_id_cnty,event_date,") || !strings.Contains(out.String(), "NIG70003,someday,") || !strings.Contains(out.String(), "event_date: ") {
		t.Errorf("rejects:\n%s", out.String())
	}
}

func TestBadInput(t *testing.T) {
	header := "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude\n"
	long := header + "X1,2023-10-02,Battles,Armed clash,13,2,\"" + strings.Repeat("a", MaxLine+10) + "\"\n"
	for _, c := range []struct{ name, in, want string }{
		{"binary", "\x00\x01\x02binary\x00", "not CSV: the input is binary"},
		{"pdf", "%PDF-1.4\x00\x00", "a PDF"},
		{"no known columns", "name,value\na,1\n", "no known columns"},
		{"long line", long, "longer than"},
		{"unclosed quote", header + "X1,2023-10-02,Battles,Armed clash,13,\"2\nX2,2023-10-02,Battles,Armed clash,13,2\n", "line 2: a quoted field opens here"},
		{"empty", "", "empty input"},
		{"malformed GeoJSON", `{"type":"FeatureCollection","features":[{"type":"Feature",` + "\n" + `"geometry":null`, "malformed GeoJSON"},
		{"csv forced on JSON", `{"type":"FeatureCollection","features":[]}`, "not CSV"},
	} {
		opts := Options{}
		if c.name == "csv forced on JSON" {
			opts.Format = "csv"
		}
		_, err := Read(strings.NewReader(c.in), opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || incident.ErrorCode(err) != incident.EINVALID {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// BOM, CRLF and semicolons: read as any export.
	in := "\ufeffevent_id_cnty;event_date;event_type;sub_event_type;latitude;longitude;notes\r\nX1;2023-10-02;Battles;Armed clash;13.5;2.1;\"a; b\r\nc\"\r\n"
	b, err := Read(strings.NewReader(in), Options{})
	if err != nil || len(b.Incidents) != 1 || b.Incidents[0].ID != "X1" || b.Incidents[0].Lat != 13.5 || b.Incidents[0].Notes != "a; b\nc" {
		t.Fatalf("BOM/CRLF/semicolons: %v %+v", err, b)
	}
	// A bare quote spoils its row only.
	b, err = Read(strings.NewReader(header+"X1,2023-10-02,Battles,Armed clash,13,2\nX2,2023-10-02,Bat\"tles,Armed clash,13,2\nX3,2023-10-02,Battles,Armed clash,13,2\n"), Options{})
	if err != nil || len(b.Incidents) != 2 || len(b.Rejected) != 1 || b.Rejected[0].Record != 3 {
		t.Errorf("bare quote: %v %d %v", err, len(b.Incidents), b.Rejected)
	}
}

func TestEveryRowReported(t *testing.T) {
	// More than the 50 the old report showed: every one, with its field.
	var s strings.Builder
	s.WriteString("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities\n")
	for i := 0; i < 120; i++ {
		s.WriteString("B" + strings.Repeat("9", 1+i%3) + ",2023-10-02,Battles,Armed clash,13,2,many\n")
	}
	b, err := Read(strings.NewReader(s.String()), Options{})
	if err != nil || len(b.Rejected) != 120 || b.Rejected[119].Record != 121 || b.Rejected[0].Field != "fatalities" || b.Rejected[0].ID != "B9" {
		t.Fatalf("%v %d %+v", err, len(b.Rejected), b.Rejected[0])
	}
}

func TestNumbersRoundTrip(t *testing.T) {
	b := readFile(t, "testdata/acled_export.csv", Options{})
	in := byID(b)["NIG90001"]
	in.Extra["odd"] = "007"
	j, _ := json.Marshal(in)
	var f struct{ Properties map[string]any }
	json.Unmarshal(j, &f)
	if f.Properties["interaction"] != 12.0 || f.Properties["timestamp"] != 1696300000.0 || f.Properties["odd"] != "007" {
		t.Errorf("JSON: %v", f.Properties)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities\nNIG1,2023-10-02,Battles,Armed clash,15.5,4.0,29\n")
	f.Add("event_date,latitude,longitude,notes\n02 October 2023,13.5,2.1,\"a \"\"quoted\"\", multi\nline\"\n")
	f.Add("event_date,latitude,longitude\n\"unclosed,1,2\n")
	f.Add("\ufeffevent_date;latitude;longitude;tags\n05/06/2023;NaN;1e999;a;b\n")
	f.Add("id,date_start,type_of_violence,latitude,longitude,best\n1,2023-10-02,3,13,2,4\n")
	f.Add(`{"status":200,"success":true,"count":1,"data":[{"event_id_cnty":"NIG1","event_date":"2023-10-02","event_type":"Battles","sub_event_type":"Armed clash","latitude":"15.5","longitude":"4.0","fatalities":"29","inter1":2}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Read(strings.NewReader(s), Options{})
		if err != nil {
			if _, ok := err.(*incident.Error); !ok {
				t.Fatalf("%q: error %T is not an *incident.Error", s, err)
			}
			return
		}
		for _, r := range b.Rejected {
			if r.Reason == "" || r.Record < 1 {
				t.Fatalf("%q: rejection without a line or reason: %+v", s, r)
			}
		}
		for _, in := range b.Incidents {
			if !in.HasPoint() || in.Line < 1 {
				t.Fatalf("%q: incident without a point or line: %+v", s, in)
			}
		}
	})
}
