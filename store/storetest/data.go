package storetest

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// Data is what a run of the suite stores and asks about: random incidents
// and the geography they were placed with. Filter generators (FilterFields)
// draw their values from it, so that most filters select something.
type Data struct {
	Geo *geo.Geography
	// Areas resolve zone= and near_site=: the geography's zones, and the
	// drawn zones and sites of the run (as the store under test reads them
	// back, when it keeps them).
	Areas *geo.Areas
	// Incidents are every incident generated, in no order; Deleted marks
	// those the run deletes after storing them.
	Incidents []*incident.Incident
	// Words are the words of the incidents' texts, as written (accents,
	// case), for q=.
	Words []string
}

// Pick returns a random incident of the data.
func (d *Data) Pick(r *rand.Rand) *incident.Incident { return d.Incidents[r.Intn(len(d.Incidents))] }

// texts the incidents' locations, actors, notes and sources are made of:
// names with diacritics in several scripts, letters NFD does not take apart
// (ł, đ, ø), letters whose lower case is far off (Cherokee), punctuation
// inside words, numbers, and a private-use character (as PDF extractions
// leave for icons) between words.
var (
	places = []string{"Tillabéri", "Ménaka", "Ségou", "Ouagadougou", "Diffa", "Kidal", "Tombouctou", "N'Djamena", "Maïné-Soroa",
		"Łódź", "São Paulo", "Zürich", "Đà Nẵng", "Αθήνα", "Киев", "الموصل", "Çanakkale", "Køge", "Kōchi", "Tillabery", "Koutougou",
		"Inatès", "Tillia", "Banibangou", "Abala", "Ayorou"}
	actors = []string{"JNIM", "ISWAP", "Boko Haram", "Gendarmerie nationale", "Forces armées", "Wagner Group", "Koglweogo",
		"Dozo", "Civilians (Niger)", "Al-Shabaab", "Militia (Pro-Government)", "Sécurité d'État", "Ансар", "حركة"}
	notes = []string{"attack on a convoy", "2 soldiers killed", "IED exploded near the market", "village raided at dawn",
		"affrontements entre groupes armés", "enlèvement de 3 civils", "protest against the junta", "drone strike", "14e bataillon",
		"cattle looted", "road-side bomb", "self-defence group", "x", "convoy\uE000ambushed", "ᏣᎳᎩ village"}
	sources = []string{"ACLED", "Le Sahel", "RFI", "Reuters", "Aïr Info", "Actu Niger", "UCDP"}
)

// ids mixes shapes whose text order differs from their numeric order, and
// cases, as sources' ids do.
func randomID(r *rand.Rand, i int) string {
	switch r.Intn(5) {
	case 0:
		return fmt.Sprintf("NER%d", i)
	case 1:
		return fmt.Sprintf("acled-%d", i)
	case 2:
		return fmt.Sprintf("a.%d_%s", i, strings.Repeat("z", r.Intn(3)))
	case 3:
		return fmt.Sprintf("%d", 100000+i)
	}
	return fmt.Sprintf("X-%06d", i)
}

// dates are drawn from a few hundred days, so many incidents share one and
// the order falls to their ids.
func randomDate(r *rand.Rand) string {
	d := time.Date(2018, 12, 25, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.Intn(400)*4+r.Intn(2))
	return d.Format(incident.DateLayout)
}

// randomTime is a time of writing, whole microseconds (what PostgreSQL
// keeps), in 2024.
func randomTime(r *rand.Rand) time.Time {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int63n(int64(365 * 24 * time.Hour)))).Truncate(time.Microsecond)
}

// randomPoint is anywhere: near a land border of the world (most), in the
// open sea, at a few towns where incidents cluster, on and about the edges
// of the drawn zones and near the sites, or at the edges of the coordinate
// ranges.
func randomPoint(r *rand.Rand, g *geo.Geography) orb.Point {
	switch k := r.Intn(22); {
	case k >= 20:
		return areaPoint(r)
	case k < 12:
		b := g.Borders[r.Intn(len(g.Borders))]
		line := b.Geometry[r.Intn(len(b.Geometry))]
		p := geo.Destination(line[r.Intn(len(line))], r.Float64()*360, r.ExpFloat64()*60)
		return orb.Point{clamp(p[0], 180), clamp(p[1], 90)}
	case k < 15:
		return orb.Point{r.Float64()*360 - 180, r.Float64()*170 - 85}
	case k < 19:
		towns := []orb.Point{{2.1098, 13.51366}, {1.4528, 14.2126}, {-1.5197, 12.3714}, {13.1667, 13.3167}}
		t := towns[r.Intn(len(towns))]
		return orb.Point{t[0] + r.NormFloat64()*0.2, t[1] + r.NormFloat64()*0.2}
	}
	edges := []orb.Point{{180, 0}, {-180, 10}, {0, 0}, {179.99, -16.5}, {-179.99, 65}, {10, 89.9}, {-60, -89.9}}
	return edges[r.Intn(len(edges))]
}

func clamp(v, lim float64) float64 { return max(-lim, min(lim, v)) }

// NewData generates n incidents with derived fields from the real
// geography; about one in ten is marked Deleted.
func NewData(r *rand.Rand, n int) (*Data, error) {
	g, err := geo.Default()
	if err != nil {
		return nil, err
	}
	d := &Data{Geo: g, Areas: newAreas(g)}
	seen := map[string]bool{}
	for i := 0; len(d.Incidents) < n; i++ {
		in := randomIncident(r, g, randomID(r, i))
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		in.Deleted = r.Intn(10) == 0
		d.Incidents = append(d.Incidents, in)
	}
	for _, in := range d.Incidents {
		d.Words = append(d.Words, splitWords(incident.SearchText(in))...)
	}
	return d, nil
}

// mustData is NewData for a test, which stops if the geography does not
// load.
func mustData(t *testing.T, r *rand.Rand, n int) *Data {
	t.Helper()
	d, err := NewData(r, n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// randomIncident is a valid incident at a random place with random texts.
func randomIncident(r *rand.Rand, g *geo.Geography, id string) *incident.Incident {
	et := incident.EventTypes[r.Intn(len(incident.EventTypes))]
	in := &incident.Incident{
		ID: id, EventDate: randomDate(r), EventType: et.Name, SubEventType: et.SubEvents[r.Intn(len(et.SubEvents))],
		Actor1: pick(r, actors), Location: pick(r, places), Source: pick(r, sources),
		Fatalities: int(r.ExpFloat64() * 4),
	}
	if r.Intn(2) == 0 {
		in.Actor2 = pick(r, actors)
	}
	for range r.Intn(3) {
		in.Notes += pick(r, notes) + "; "
	}
	if r.Intn(4) == 0 {
		in.Tags = []string{pick(r, []string{"jnim", "idp", "élection", "mine"})}
	}
	in.CreatedAt = randomTime(r)
	in.UpdatedAt = in.CreatedAt.Add(time.Duration(r.Intn(3)) * time.Hour)
	p := randomPoint(r, g)
	in.SetPoint(p[0], p[1])
	in.Derive(g.Reverse(p[0], p[1]))
	// Reported admin names as exports spell them: as the region's name,
	// in capitals, with "Region", or another region's.
	if in.Region != nil {
		switch r.Intn(4) {
		case 0:
			in.Admin1 = strings.ToUpper(in.Region.Name)
		case 1:
			in.Admin1 = in.Region.Name + " Region"
		case 2:
			in.Admin1, in.Admin1Mismatch = pick(r, []string{"Tillabery", "Tahoua", "Centre", "Sahel"}), true
		}
	}
	if err := in.Validate(); err != nil {
		panic(fmt.Sprintf("storetest: generated an invalid incident: %v", err))
	}
	return in
}

func pick(r *rand.Rand, list []string) string { return list[r.Intn(len(list))] }

// copyIncident is an unstored copy of in.
func copyIncident(in *incident.Incident) *incident.Incident {
	c := *in
	c.Borders = append([]incident.BorderDistance(nil), in.Borders...)
	c.Tags = append([]string(nil), in.Tags...)
	c.Deleted, c.DistanceKM, c.StoredJSON = false, nil, nil
	return &c
}

// splitWords are a text's words as written: between spaces and private-use
// characters, punctuation kept ("N'Djamena", "(Niger)").
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Co, r) })
}
