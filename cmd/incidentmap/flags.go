package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
)

// newFlags makes a command's flag set with its help text.
func newFlags(name, args, about string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: incidentmap %s %s\n\n%s\n\nFlags (each also read from INCIDENTMAP_<FLAG>, e.g. INCIDENTMAP_DB):\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse reads flags from args, then fills those not given from the
// environment. --help exits 0 after printing usage.
func parse(fs *flag.FlagSet, args []string, e env) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		key := "INCIDENTMAP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(key); v != "" {
			if e2 := fs.Set(f.Name, v); e2 != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", key, v, e2)}
			}
		}
	})
	return err
}

var errHelp = errors.New("help shown")

type geoFlags struct {
	borderKM, triKM, lakeKM float64
	places                  stringList
	learn                   bool
}

func (g *geoFlags) register(fs *flag.FlagSet) {
	d := geo.DefaultOptions()
	fs.Float64Var(&g.borderKM, "border-zone-km", d.BorderZoneKM, "width of every \"<A>–<B> border zone\" (either side of the border), in km")
	fs.Float64Var(&g.triKM, "tri-border-km", d.TriBorderKM, "radius of the Liptako-Gourma tri-border area around the Niger–Mali–Burkina Faso tripoint, in km")
	fs.Float64Var(&g.lakeKM, "lake-chad-km", d.LakeChadKM, "radius of the Lake Chad area around the Niger–Nigeria–Chad tripoint, in km")
	fs.Var(&g.places, "places", "extra gazetteer for this run: a places file (GeoJSON Points with a \"name\" and optional \"variants\", CSV name,lat,lon, or a GeoNames dump); repeatable, or comma-separated. To keep places, use `incidentmap places import`")
	fs.BoolVar(&g.learn, "learn-places", true, "learn places from the data: an incident stored at geo_precision 1 with a location name teaches the geocoder that name at that point")
}

func (g *geoFlags) load() (*geo.Geography, error) {
	return geo.Load(geo.Options{BorderZoneKM: g.borderKM, TriBorderKM: g.triKM, LakeChadKM: g.lakeKM, Places: g.places})
}

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

// noArgs refuses positional arguments to a command that takes only flags.
func noArgs(fs *flag.FlagSet, hint string) error {
	if fs.NArg() == 0 {
		return nil
	}
	fs.Usage()
	return usageError{fmt.Sprintf("%s takes no arguments, got %q%s", fs.Name(), fs.Args(), hint)}
}
