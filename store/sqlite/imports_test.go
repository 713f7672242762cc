package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/importer"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/internal/acledfake"
)

// acled is an invented ACLED export of n rows.
func acled(t testing.TB, n int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := acledfake.WriteCSV(&buf, n, 3); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// importCSV imports a CSV through the pipeline in chunks of rows.
func importCSV(t testing.TB, svc *incident.Service, csv string, rows int, opts incident.ImportOptions) (*incident.ImportResult, error) {
	t.Helper()
	rd, err := importer.Open(strings.NewReader(csv), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	return svc.ImportStream(context.Background(), func() (*incident.ImportChunk, error) {
		b, err := rd.Next(rows)
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &incident.ImportChunk{Incidents: b.Incidents, Deletions: b.Deletions, Rejected: b.Rejected}, nil
	}, opts)
}

func importService(t testing.TB, db *DB) *incident.Service {
	t.Helper()
	g, err := geo.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &incident.Service{Store: db, Locator: g, Geocoder: g}
}

// An import cut short by its input (an unclosed quote at row 150) leaves
// the chunks before it, whole: each incident with its history (the change
// log watches read) and nothing of the chunk it was in. Importing the
// fixed file finishes it: the rows in are unchanged, the rest new.
func TestInterruptedImportLeavesWholeChunks(t *testing.T) {
	db := openTest(t)
	svc := importService(t, db)
	good := acled(t, 200)
	lines := strings.SplitAfter(good, "\n")
	lines[150] = strings.Replace(lines[150], "Invented Weekly", "\"Invented Weekly", 1)
	res, err := importCSV(t, svc, strings.Join(lines, ""), 40, incident.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not close") || !strings.Contains(err.Error(), "the records before it were imported (new 120") {
		t.Fatalf("import with an unclosed quote: %v", err)
	}
	if res == nil || res.New != 120 {
		t.Errorf("result: %+v, want 120 new", res)
	}
	if n, _ := db.Count(context.Background()); n != 120 {
		t.Fatalf("%d incidents stored, want the 3 whole chunks of 40 before the bad row", n)
	}
	chs, err := db.ChangesSince(context.Background(), 0, 1000)
	if err != nil || len(chs) != 120 || chs[119].Action != "create" || chs[119].After == nil || chs[119].After.Region == nil {
		t.Fatalf("change log: %d changes (%v), want 120 creates with their documents", len(chs), err)
	}
	res, err = importCSV(t, svc, good, 40, incident.ImportOptions{})
	if err != nil || res.New != 80 || res.Unchanged != 120 || len(res.Rejected) != 0 {
		t.Fatalf("the fixed file again: %+v, %v; want 80 new, 120 unchanged", res, err)
	}
	if n, _ := db.Count(context.Background()); n != 200 {
		t.Errorf("%d incidents after the re-run, want 200", n)
	}
	checkRollups(t, db, 200)
}

// A strict import is all or nothing across its chunks: one bad row among
// 200 stores none, and every rejection is reported.
func TestStrictImportAcrossChunks(t *testing.T) {
	db := openTest(t)
	svc := importService(t, db)
	lines := strings.SplitAfter(acled(t, 200), "\n")
	for _, i := range []int{30, 190} {
		f := strings.Split(lines[i], ",")
		f[len(f)-3] = "many" // fatalities
		lines[i] = strings.Join(f, ",")
	}
	res, err := importCSV(t, svc, strings.Join(lines, ""), 40, incident.ImportOptions{Strict: true})
	if err == nil || !strings.Contains(err.Error(), "nothing was imported (strict)") || len(res.Rejected) != 2 || res.Rejected[1].Record != 191 || res.New != 0 {
		t.Fatalf("strict import with two bad rows: %+v, %v", res, err)
	}
	if n, _ := db.Count(context.Background()); n != 0 {
		t.Errorf("%d incidents stored by a failed strict import, want 0", n)
	}
	if chs, _ := db.ChangesSince(context.Background(), 0, 10); len(chs) != 0 {
		t.Errorf("history after a failed strict import: %d revisions", len(chs))
	}
}

// A large import into an empty database is a bulk load: the progress says
// "building indexes", and the indexes, triggers and rollups are as a row
// by row load leaves them. A re-import of a revised export is a sync.
func TestImportBulkLoadAndResync(t *testing.T) {
	defer func(min int) { bulkMin = min }(bulkMin)
	bulkMin = 100
	db := openTest(t)
	svc := importService(t, db)
	var phases []string
	res, err := importCSV(t, svc, acled(t, 250), 60, incident.ImportOptions{
		Expected: func() int { return 250 },
		Phase:    func(what string) { phases = append(phases, what) },
	})
	if err != nil || res.New != 250 {
		t.Fatalf("bulk import: %+v, %v", res, err)
	}
	if strings.Join(phases, ",") != "building indexes" {
		t.Errorf("phases %q, want building indexes", phases)
	}
	checkRollups(t, db, 250)
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
	// Revised: ten rows with more fatalities and a newer timestamp.
	lines := strings.SplitAfter(acled(t, 250), "\n")
	for i := 1; i <= 10; i++ {
		f := strings.Split(strings.TrimSuffix(lines[i], "\n"), ",")
		f[len(f)-3] = "40"
		f[len(f)-1] += "0"
		lines[i] = strings.Join(f, ",") + "\n"
	}
	phases = nil
	res, err = importCSV(t, svc, strings.Join(lines, ""), 60, incident.ImportOptions{Phase: func(what string) { phases = append(phases, what) }})
	if err != nil || res.Updated != 10 || res.Unchanged != 240 || len(phases) != 0 {
		t.Fatalf("revised import: %+v, %v, phases %q", res, err, phases)
	}
	in, err := db.Get(context.Background(), acledfake.ID(3))
	if err != nil || in.Fatalities != 40 {
		t.Fatalf("updated incident: %+v, %v", in, err)
	}
	if h, _ := db.History(context.Background(), acledfake.ID(3)); len(h) != 2 || h[1].Action != "update" {
		t.Errorf("history of an updated incident: %+v", h)
	}
	checkRollups(t, db, 250)
}

// BenchmarkImportACLED imports an invented ACLED export of 100,000 rows into
// an empty database, as `incidentmap import` does: streamed in chunks,
// prepared on every core, a bulk load, durable commit.
func BenchmarkImportACLED(b *testing.B) {
	const n = 100000
	csv := acled(b, n)
	b.SetBytes(int64(len(csv)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		db := openTest(b)
		svc := importService(b, db)
		b.StartTimer()
		res, err := importCSV(b, svc, csv, importer.ChunkRows, incident.ImportOptions{Expected: func() int { return n }})
		if err != nil || res.New != n {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// A GeoJSON FeatureCollection cut short in record 151 (an upload that
// stopped) leaves the chunks before it whole, as a CSV does, and nothing of
// the chunk it was in; the whole file imported again finishes it.
func TestInterruptedGeoJSONImportLeavesWholeChunks(t *testing.T) {
	db := openTest(t)
	svc := importService(t, db)
	b, err := importer.Read(strings.NewReader(acled(t, 200)), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	doc.WriteString(`{"type":"FeatureCollection","name":"acled","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[` + "\n")
	cut := 0
	for i, in := range b.Incidents {
		if i == 150 {
			cut = doc.Len() + 60
		}
		f, _ := json.Marshal(in)
		doc.Write(f)
		doc.WriteString(",\n")
	}
	whole := strings.TrimSuffix(doc.String(), ",\n") + "\n]}\n"
	importGeoJSON := func(text string) (*incident.ImportResult, error) {
		rd, err := importer.Open(strings.NewReader(text), importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return svc.ImportStream(context.Background(), func() (*incident.ImportChunk, error) {
			b, err := rd.Next(40)
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return &incident.ImportChunk{Incidents: b.Incidents, Rejected: b.Rejected}, nil
		}, incident.ImportOptions{})
	}
	res, err := importGeoJSON(whole[:cut])
	if err == nil || !strings.Contains(err.Error(), "record 151 is where it breaks") || !strings.Contains(err.Error(), "the records before it were imported (new 120") {
		t.Fatalf("a FeatureCollection cut short: %v", err)
	}
	if n, _ := db.Count(context.Background()); n != 120 || res.New != 120 {
		t.Fatalf("%d incidents stored (%+v), want the 3 whole chunks of 40 before the cut", n, res)
	}
	res, err = importGeoJSON(whole)
	if err != nil || res.New != 80 || res.Unchanged != 120 {
		t.Fatalf("the whole file again: %+v, %v; want 80 new, 120 unchanged", res, err)
	}
}
