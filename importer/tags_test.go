package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A tags cell is read alike from a CSV, a GeoJSON property that is a
// string and a workbook: GDAL's list text "(N:a,b)" and its CSV driver's
// JSON array as lists, when the count agrees; anything else as before,
// split on ';' and ','.
func TestTagsCell(t *testing.T) {
	cases := []struct {
		cell string
		want []string
	}{
		{"curfew; checkpoint", []string{"curfew", "checkpoint"}},
		{"curfew, checkpoint", []string{"curfew", "checkpoint"}},
		{"(2:curfew,checkpoint)", []string{"curfew", "checkpoint"}}, // GeoPackage, Shapefile
		{"(1:curfew; night)", []string{"curfew; night"}},
		{"(3:a, b ,c)", []string{"a", "b", "c"}},
		{"(0:)", nil},
		{`[ "curfew", "checkpoint" ]`, []string{"curfew", "checkpoint"}}, // GDAL 3.6's CSV
		{`[ "a,b", "c" ]`, []string{"a,b", "c"}},
		// ["a,b","c"] as GDAL writes it: which comma separates cannot be told.
		{"(2:a,b,c)", []string{"(2:a", "b", "c)"}},
		{"(3:a,b)", []string{"(3:a", "b)"}},
		{"(x:a,b)", []string{"(x:a", "b)"}},
		{"(2:a,b", []string{"(2:a", "b"}},
		{"(02:a,b)", []string{"(02:a", "b)"}},
		{"[1, 2]", []string{"[1", "2]"}},
	}
	var csvBuf bytes.Buffer
	w := csv.NewWriter(&csvBuf)
	w.Write([]string{"event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude", "fatalities", "tags"})
	var feats []string
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	x.SetSheetRow(sheet, "A1", &[]any{"event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude", "fatalities", "tags"})
	for i, c := range cases {
		id := fmt.Sprintf("NIG6%04d", i)
		w.Write([]string{id, "2023-10-02", "Battles", "Armed clash", "13.12", "1.8", "0", c.cell})
		cell, _ := json.Marshal(c.cell)
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1.8,13.12]},"properties":{"event_id_cnty":%q,"event_date":"2023-10-02","event_type":"Battles","sub_event_type":"Armed clash","fatalities":"0","tags":%s}}`, id, cell))
		x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &[]any{id, "2023-10-02", "Battles", "Armed clash", 13.12, 1.8, 0, c.cell})
	}
	w.Flush()
	var xlsx bytes.Buffer
	if err := x.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, body string }{
		{"CSV", csvBuf.String()},
		{"GeoJSON", `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`},
		{"Excel", xlsx.String()},
	} {
		b, err := Read(strings.NewReader(f.body), Options{})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if b.Container != f.name || len(b.Incidents) != len(cases) {
			t.Fatalf("%s: read as %s, %d incidents, rejected %v", f.name, b.Container, len(b.Incidents), b.Rejected)
		}
		m := byID(b)
		for i, c := range cases {
			if got := m[fmt.Sprintf("NIG6%04d", i)].Tags; !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: tags %q read as %q, want %q", f.name, c.cell, got, c.want)
			}
		}
	}
}
