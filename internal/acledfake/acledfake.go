// Package acledfake writes invented ACLED exports for tests and
// benchmarks: the columns and value shapes of ACLED's export tool, with
// rows made up from a seed (ACLED's licence forbids copying its data, so
// none is committed or fetched).
package acledfake

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Header is the header row of an ACLED export, in ACLED's order.
var Header = []string{"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
	"actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
	"country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
	"fatalities", "tags", "timestamp"}

// places are invented villages at real points of south-western Niger,
// with the admin names exports give them.
var places = []struct {
	admin1, admin2, name string
	lat, lon             float64
}{
	{"Tillaberi", "Torodi", "Invented Village A", 13.12, 1.80},
	{"Tillaberi", "Tera", "Invented Village B", 14.01, 0.75},
	{"Tillaberi", "Ouallam", "Invented Village C", 14.32, 2.09},
	{"Tillaberi", "Ayorou", "Invented Village D", 14.73, 0.92},
	{"Tahoua", "Tillia", "Invented Village E", 16.12, 4.79},
	{"Diffa", "Bosso", "Invented Village F", 13.70, 13.31},
	{"Maradi", "Madarounfa", "Invented Village G", 13.31, 7.16},
}

var types = []struct{ event, sub, disorder string }{
	{"Battles", "Armed clash", "Political violence"},
	{"Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence"},
	{"Violence against civilians", "Attack", "Political violence"},
	{"Protests", "Peaceful protest", "Demonstrations"},
	{"Strategic developments", "Looting/property destruction", "Strategic developments"},
}

// ID is the event_id_cnty of row i (0-based).
func ID(i int) string { return fmt.Sprintf("NIG%07d", i+1) }

// WriteCSV writes a header and n invented rows, ids ID(0) to ID(n-1),
// points jittered up to 0.2 degrees around the places; the same seed
// writes the same file.
func WriteCSV(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	cw.Write(Header)
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	day0 := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		p := places[r.IntN(len(places))]
		t := types[r.IntN(len(types))]
		day := day0.AddDate(0, 0, r.IntN(2500))
		lat := p.lat + (r.Float64()-0.5)*0.4
		lon := p.lon + (r.Float64()-0.5)*0.4
		cw.Write([]string{ID(i), day.Format("2006-01-02"), strconv.Itoa(day.Year()), "1", t.disorder, t.event, t.sub,
			"Invented Armed Group " + strconv.Itoa(r.IntN(9)), "", "2", "Military Forces of Niger (2023-)", "", "1", "12", "", "562",
			"Western Africa", "Niger", p.admin1, p.admin2, "", p.name, strconv.FormatFloat(lat, 'f', 4, 64), strconv.FormatFloat(lon, 'f', 4, 64),
			strconv.Itoa(1 + r.IntN(2)), "Invented Weekly", "National",
			fmt.Sprintf("On %s, an invented event near %s (%s); %d people were reported hurt, and the notes run on as ACLED's do.", day.Format("2 January 2006"), p.name, p.admin2, r.IntN(9)),
			strconv.Itoa(r.IntN(12)), "", strconv.FormatInt(day.Unix()+86400*7, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
