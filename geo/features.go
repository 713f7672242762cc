package geo

import (
	"github.com/paulmach/orb/geojson"
)

// RegionFeatures is GeoJSON of the admin-1 units of the given countries
// (ISO3), for maps and exports: properties code, name, name_fr, country,
// label.
func (g *Geography) RegionFeatures(countries ...string) []*geojson.Feature {
	var out []*geojson.Feature
	for _, iso3 := range countries {
		c, ok := g.countries[iso3]
		if !ok {
			continue
		}
		for _, r := range c.Regions {
			f := geojson.NewFeature(r.Geometry)
			f.ID = r.Code
			f.Properties = geojson.Properties{"code": r.Code, "name": r.Name, "name_fr": r.NameFR, "country": r.Country, "label": []float64{r.Label[0], r.Label[1]}}
			out = append(out, f)
		}
	}
	return out
}

// BorderFeatures is GeoJSON of the given borders: properties border,
// countries, name, length_km.
func (g *Geography) BorderFeatures(borders []*Border) []*geojson.Feature {
	var out []*geojson.Feature
	for _, b := range borders {
		f := geojson.NewFeature(b.Geometry)
		if len(b.Geometry) == 1 {
			f = geojson.NewFeature(b.Geometry[0])
		}
		f.ID = b.Key
		f.Properties = geojson.Properties{"border": b.Key, "countries": b.Countries[:], "name": b.Name, "length_km": b.LengthKM}
		out = append(out, f)
	}
	return out
}

// Focus is Niger and its neighbours: what the API and the map show unless
// asked for other countries.
func (g *Geography) Focus() []string {
	return append([]string{Niger}, g.Neighbours(Niger)...)
}
