package geo

import (
	"slices"
	"sync"

	"github.com/incidentmap/incidentmap/incident"
)

// What the incident filters ask of the geography (incident.Places), and
// countries found by name for the country a report names.

var _ incident.Places = (*Geography)(nil)

// LandBorders lists the keys of a country's land borders, and says whether
// the country (ISO3, upper case) is known at all.
func (g *Geography) LandBorders(iso3 string) ([]string, bool) {
	if _, ok := g.countries[iso3]; !ok {
		return nil, false
	}
	keys := []string{}
	for _, b := range g.BordersOf(iso3) {
		keys = append(keys, b.Key)
	}
	return keys, true
}

// RegionsNamed lists the admin-1 units a code or an English or French name
// (accents and case aside) may mean, within countries when any are given.
// A code means its unit alone, even where it is also some unit's name.
func (g *Geography) RegionsNamed(codeOrName string, countries []string) []incident.Region {
	k := normalize(codeOrName)
	var out []incident.Region
	for _, r := range g.byName[k] {
		if len(countries) > 0 && !slices.Contains(countries, r.Country) {
			continue
		}
		ir := incident.Region{Code: r.Code, Name: r.Name, NameFR: r.NameFR}
		if normalize(r.Code) == k {
			return []incident.Region{ir}
		}
		out = append(out, ir)
	}
	return out
}

// CountryCode finds a country by ISO3 code or by name, case and accents
// aside ("Niger", "NER", "burkina faso").
func (g *Geography) CountryCode(codeOrName string) (string, bool) {
	g.countryOnce.Do(func() {
		g.countryByName = map[string]string{}
		for _, c := range g.Countries {
			g.countryByName[normalize(c.ISO3)] = c.ISO3
			g.countryByName[normalize(c.Name)] = c.ISO3
		}
	})
	iso, ok := g.countryByName[normalize(codeOrName)]
	return iso, ok
}

// countryLookup is CountryCode's map, built on first use.
type countryLookup struct {
	countryOnce   sync.Once
	countryByName map[string]string
}
