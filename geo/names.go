package geo

import (
	"slices"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// NameKey is an admin name reduced to what every export's spelling of it
// shares (incident.NameKey): "Tillabéri", "Tillabery" and "TILLABERI
// Region" all give "tilaberi".
func NameKey(s string) string { return incident.NameKey(s) }

// SameAdmin1 says reported names region r: its code, its name, its French
// name or another name exports give it ("Timbuktu" for Tombouctou,
// "Extreme-Nord" for Far North), spelled any way NameKey folds together, or
// a region created since Natural Earth drew r out of r's land (Ménaka out
// of Gao). It makes Geography an incident.AdminMatcher; a false answer
// flags the incident admin1_mismatch, so a region the map does not know
// yet must not count as a mismatch.
func (g *Geography) SameAdmin1(reported string, r incident.Region) bool {
	k := NameKey(reported)
	if k == "" {
		return false
	}
	if k == NameKey(r.Name) || k == NameKey(r.NameFR) || strings.EqualFold(strings.TrimSpace(reported), r.Code) {
		return true
	}
	if u := g.regionByCode[r.Code]; u != nil && slices.ContainsFunc(u.Alt, func(a string) bool { return NameKey(a) == k }) {
		return true
	}
	return slices.Contains(successorRegions[k], r.Code)
}

// successorRegions are first-level units created after the Natural Earth
// edition in data/ was drawn, each with the code of the unit (or units)
// whose land it was carved from; keys are NameKeys of the names exports
// write. An incident reported in one lies inside its parent on our map.
var successorRegions = map[string][]string{
	// Mali: Ménaka and Taoudénit (created 2012, in force 2016), used by
	// ACLED since; the 2023 reform's regions, out of the old eight.
	NameKey("Menaka"):     {"ML-7"},
	NameKey("Taoudeni"):   {"ML-6"},
	NameKey("Taoudenit"):  {"ML-6"},
	NameKey("Nioro"):      {"ML-1"},
	NameKey("Kita"):       {"ML-1"},
	NameKey("Dioila"):     {"ML-2"},
	NameKey("Nara"):       {"ML-2"},
	NameKey("Bougouni"):   {"ML-3"},
	NameKey("Koutiala"):   {"ML-3"},
	NameKey("San"):        {"ML-4"},
	NameKey("Douentza"):   {"ML-5"},
	NameKey("Bandiagara"): {"ML-5"},
	// Ghana: the six regions of 2018, out of Northern, Volta, Brong-Ahafo
	// and Western.
	NameKey("Savannah"):      {"GH-NP"},
	NameKey("North East"):    {"GH-NP"},
	NameKey("Oti"):           {"GH-TV"},
	NameKey("Bono"):          {"GH-BA"},
	NameKey("Bono East"):     {"GH-BA"},
	NameKey("Ahafo"):         {"GH-BA"},
	NameKey("Western North"): {"GH-WP"},
	// Chad: Ennedi split in two in 2012.
	NameKey("Ennedi Est"):   {"TCD-5579"},
	NameKey("Ennedi Ouest"): {"TCD-5579"},
}
