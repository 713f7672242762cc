package storetest

import (
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// fixedFilters are filters written out by hand, from the SQLite store's
// oracle test this suite grew from: boxes and circles around Niamey alone,
// together and with the rest (those a store may count from rollups or read
// through another index), borders by key, by country and the nearest, one
// side of a border, regions of two countries, admin names as spelled, a
// sync listing, text with no word in it, and words the texts hide; each
// drawn zone, a border zone and a tri-border area, each site, the cable
// across the antimeridian far enough to reach the incidents at 179.99°E
// (a box of its ends missed them).
func fixedFilters(d *Data) []incident.Filter {
	otherRegion := "BF-SAH"
	for _, in := range d.Incidents {
		if in.Country != nil && *in.Country == "BFA" && in.Region != nil {
			otherRegion = in.Region.Code
			break
		}
	}
	before := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	bb := orb.Bound{Min: orb.Point{1, 13}, Max: orb.Point{2.5, 14.5}}
	tiny := orb.Bound{Min: orb.Point{2, 13}, Max: orb.Point{2.05, 13.05}}
	wide := orb.Bound{Min: orb.Point{0, 11}, Max: orb.Point{5, 17}}
	niamey := orb.Point{2.1098, 13.51366}
	fs := []incident.Filter{
		{BBox: &bb},
		{BBox: &tiny},
		{Near: &niamey, RadiusKM: 80},
		{Near: &niamey, RadiusKM: 2},
		{BBox: &bb, Near: &niamey, RadiusKM: 120},
		{Near: &niamey, RadiusKM: 150, EventTypes: []string{"Battles"}, Start: "2020-06-01"},
		{BBox: &bb, Border: "BFA", BorderKM: 150, MinFatalities: 5},
		{},
		{Regions: []string{"NE-6", "NE-8"}, Start: "2021-03-01", End: "2021-09-30"},
		{EventTypes: []string{"Protests", "Riots"}, End: "2021-01-31"},
		{Border: "BFA", BorderKM: 120.5},
		{Border: "any", BorderKM: 30},
		{Border: "MLI", BorderKM: 200},
		{BBox: &wide},
		{Q: "attack"},
		{Q: "ATTACK conv", BBox: &wide},
		{BBox: &wide, Regions: []string{"NE-8"}},
		{BBox: &wide, Regions: []string{"NE-8"}, Q: "jnim"},
		{Q: "jnim", Regions: []string{"NE-8"}},
		{Q: "tillaberi", Start: "2021-01-01"},
		{Q: "ménaka", MinFatalities: 3},
		{BBox: &wide, EventTypes: []string{"Battles"}, End: "2022-01-01"},
		{Near: &niamey, RadiusKM: 300, Border: "MLI", BorderKM: 100},
		{Q: "acled", Near: &niamey, RadiusKM: 150},
		{Border: "MLI-NER", BorderKM: 50},
		{Border: "BFA-NER", BorderKM: 80, Countries: []string{"BFA"}},
		{Border: "BFA-NER", BorderKM: 80, Countries: []string{"NER"}},
		{Border: "BEN-NGA", BorderKM: 300},
		{Border: "NGA", BorderKM: 60.25},
		{Border: "MLI", BorderKM: 120, Start: "2021-01-01"},
		{Border: "any", BorderKM: 300, Regions: []string{"NE-8"}},
		{Border: "any", BorderKM: 5000},
		{Countries: []string{"NER"}},
		{Countries: []string{"BFA", "MLI"}},
		{Countries: []string{"BEN", "NGA"}, EventTypes: []string{"Battles"}},
		{Regions: []string{otherRegion}},
		{Regions: []string{otherRegion}, Border: "BFA-NER", BorderKM: 100},
		{Countries: []string{"NER"}, BBox: &bb, Q: "acled"},
		{Border: "MLI-NER", BorderKM: 150, BBox: &wide, MinFatalities: 3},
		{Border: "BFA", BorderKM: 90, Near: &niamey, RadiusKM: 200},
		{Border: "MLI-NER", BorderKM: 70, Q: "reuters"},
		{Border: "any", BorderKM: 20, Q: "rfi", Countries: []string{"NER"}},
		{Admin1: []string{"TILLABERY region"}, SubEventTypes: []string{"Armed clash", "Attack"}},
		{Admin2: []string{"nowhere"}},
		{UpdatedSince: &before, Regions: []string{"NE-8"}},
		{Q: "/", BBox: &wide},
		// Words after a private-use character, Cherokee in lower case.
		{Q: "ambush"},
		{Q: "ꮳꮃ vill"},
	}
	for _, z := range append(d.Areas.DrawnZones(), zoneNamed(d, "Mali–Niger border zone"), zoneNamed(d, "Liptako-Gourma tri-border area")) {
		fs = append(fs, incident.Filter{Zones: []*incident.Zone{z}})
	}
	for _, s := range d.Areas.Sites() {
		fs = append(fs, incident.Filter{Site: s, RadiusKM: 60}, incident.Filter{Site: s, RadiusKM: 0})
	}
	return fs
}

// zoneNamed is a zone of the geography the fixed filters name.
func zoneNamed(d *Data, name string) *incident.Zone {
	z, ok := d.Areas.ZoneNamed(name)
	if !ok {
		panic("storetest: no zone " + name)
	}
	return z
}
