package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// hotspot is a place synthetic incidents cluster around, with how much of
// the violence it sees and how far it spreads.
type hotspot struct {
	name    string
	p       orb.Point
	weight  float64
	sigmaKM float64
}

// Where attacks in Niger have clustered: the Tillabéri and Tahoua border
// zones with Mali and Burkina Faso, Diffa by Lake Chad, Maradi on the
// Nigerian border, and Niamey.
var hotspots = []hotspot{
	{"Ayorou", orb.Point{0.91739, 14.73075}, 9, 25},
	{"Banibangou", orb.Point{2.7037, 15.0416}, 7, 30},
	{"Ouallam", orb.Point{2.08597, 14.31641}, 5, 25},
	{"Téra", orb.Point{0.75306, 14.00776}, 8, 25},
	{"Torodi", orb.Point{1.79869, 13.11915}, 8, 25},
	{"Tillia", orb.Point{4.78972, 16.12333}, 5, 40},
	{"Tassara", orb.Point{5.64417, 16.80472}, 2, 40},
	{"Diffa", orb.Point{12.61135, 13.31536}, 7, 30},
	{"Bosso", orb.Point{13.30951, 13.69869}, 6, 25},
	{"Maïné Soroa", orb.Point{12.0241, 13.21139}, 3, 25},
	{"Madarounfa", orb.Point{7.15602, 13.30867}, 4, 30},
	{"Niamey", orb.Point{2.1098, 13.51366}, 5, 8},
	{"Agadez", orb.Point{7.99111, 16.97333}, 1, 60},
}

// Event types in plausible proportions for the Sahel, with their
// sub-types' weights.
var typeMix = []struct {
	weight float64
	typ    string
	subs   []string
	subW   []float64
}{
	{36, "Battles", []string{"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}, []float64{90, 6, 4}},
	{14, "Explosions/Remote violence", []string{"Remote explosive/landmine/IED", "Air/drone strike", "Shelling/artillery/missile attack", "Suicide bomb", "Grenade"}, []float64{60, 25, 8, 5, 2}},
	{30, "Violence against civilians", []string{"Attack", "Abduction/forced disappearance", "Sexual violence"}, []float64{70, 27, 3}},
	{10, "Protests", []string{"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}, []float64{85, 12, 3}},
	{3, "Riots", []string{"Violent demonstration", "Mob violence"}, []float64{60, 40}},
	{7, "Strategic developments", []string{"Arrests", "Looting/property destruction", "Headquarters or base established", "Agreement", "Other"}, []float64{35, 30, 10, 10, 15}},
}

var actors = []string{"JNIM: Group for Support of Islam and Muslims", "Islamic State Sahel Province", "Islamic State West Africa Province", "Boko Haram - Jamatu Ahli is-Sunnah lid-Dawati wal-Jihad", "Unidentified Armed Group (Niger)", "Bandits"}

func pick(r *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// generator makes deterministic synthetic incidents for a seed.
type generator struct {
	r       *rand.Rand
	g       *geo.Geography
	seed    uint64
	hsW     []float64
	typeW   []float64
	yearW   []float64
	created time.Time
}

func newGenerator(g *geo.Geography, seed uint64) *generator {
	gen := &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), g: g, seed: seed, created: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}
	for _, h := range hotspots {
		gen.hsW = append(gen.hsW, h.weight)
	}
	gen.hsW = append(gen.hsW, 4) // background: anywhere in Niger
	for _, t := range typeMix {
		gen.typeW = append(gen.typeW, t.weight)
	}
	for y := 2015; y <= 2025; y++ {
		gen.yearW = append(gen.yearW, math.Pow(1.25, float64(y-2015))) // violence has grown
	}
	return gen
}

func (gen *generator) point() (orb.Point, string, int) {
	r := gen.r
	for {
		i := pick(r, gen.hsW)
		var p orb.Point
		place, precision := "", 1
		if i == len(hotspots) {
			p = orb.Point{0.2 + r.Float64()*15.8, 11.7 + r.Float64()*11.8}
			precision = 2
		} else {
			h := hotspots[i]
			d := math.Abs(r.NormFloat64()) * h.sigmaKM
			p = geo.Destination(h.p, r.Float64()*360, d)
			place = h.name
			if d > 5 {
				place, precision = fmt.Sprintf("%.0f km from %s", d, h.name), 2
			}
		}
		if reg := gen.g.RegionAt(p); reg != nil && reg.Country == geo.Niger {
			if place == "" {
				place = "rural " + reg.Name
			}
			return orb.Point{math.Round(p[0]*1e5) / 1e5, math.Round(p[1]*1e5) / 1e5}, place, precision
		}
	}
}

func (gen *generator) next(n int) *incident.Incident {
	r := gen.r
	p, place, precision := gen.point()
	year := 2015 + pick(r, gen.yearW)
	day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
	t := typeMix[pick(r, gen.typeW)]
	fat := 0
	if r.Float64() > 0.4 {
		fat = int(math.Min(500, math.Floor(math.Exp(r.NormFloat64()*1.2+1))))
	}
	in := &incident.Incident{
		ID:            fmt.Sprintf("gen-%d-%07d", gen.seed, n),
		EventDate:     day.Format(incident.DateLayout),
		TimePrecision: 1 + pick(r, []float64{90, 7, 3}),
		EventType:     t.typ,
		SubEventType:  t.subs[pick(r, t.subW)],
		Actor1:        actors[r.IntN(len(actors))],
		Actor2:        "Military Forces of Niger",
		Location:      place,
		GeoPrecision:  precision,
		Fatalities:    fat,
		Source:        "synthetic (incidentmap gen)",
		Tags:          []string{"synthetic"},
		CreatedAt:     gen.created,
		UpdatedAt:     gen.created,
	}
	in.SetPoint(p[0], p[1])
	return in
}

func cmdGen(ctx context.Context, args []string, e env) error {
	fs := newFlags("gen", "--n N [--seed S] [--db FILE]", "Adds N synthetic incidents, for benchmarks and demos: clustered where attacks in Niger cluster\n(Tillabéri and Tahoua border zones, Diffa near Lake Chad, Maradi, Niamey), dated 2015–2025 and\nrising, ACLED types in plausible proportions, fatalities heavy-tailed. The same seed gives the same\nincidents. They are tagged \"synthetic\"; ids are gen-SEED-NNNNNNN.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	n := fs.Int("n", 10000, "how many incidents")
	seed := fs.Uint64("seed", 1, "random seed")
	batch := fs.Int("batch", 20000, "incidents generated and inserted at a time (all go in one transaction)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file (for performance work)")
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, "; the count goes in --n"); err != nil {
		return err
	}
	if *n < 1 || *batch < 1 {
		return usageError{"--n and --batch must be at least 1"}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	a, err := openApp(ctx, *dbPath, g, e.stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	ctx = incident.WithActor(ctx, "gen")
	gen := newGenerator(a.geo, *seed)
	bar := newProgress(e.stderr, "generating", *n)
	start := time.Now()
	// One transaction, a batch at a time: into a database holding fewer
	// incidents than --n, a bulk load (indexes built once, at the end).
	i := 0
	err = a.db.CreateBatches(ctx, *n, func() ([]*incident.Incident, error) {
		if i == *n {
			bar.then("committing (a bulk load builds its indexes now)")
			return nil, nil
		}
		bar.set(i)
		buf := make([]*incident.Incident, 0, min(*batch, *n-i))
		for ; i < *n && len(buf) < *batch; i++ {
			in := gen.next(i)
			if err := in.Validate(); err != nil {
				return nil, fmt.Errorf("generated an invalid incident (a bug): %v", err)
			}
			in.Derive(a.geo.Reverse(in.Lon, in.Lat))
			buf = append(buf, in)
		}
		return buf, nil
	})
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(e.stderr, "generated %d incidents in %.1f s (%.0f/s) into %s\n", *n, d.Seconds(), float64(*n)/d.Seconds(), *dbPath)
	return nil
}

// startCPUProfile writes a CPU profile to path until stop is called; with
// no path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
