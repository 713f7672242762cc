package geo

import (
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// NameKey is an admin name reduced to what every export's spelling of it
// shares (incident.NameKey): "Tillabéri", "Tillabery" and "TILLABERI
// Region" all give "tilaberi".
func NameKey(s string) string { return incident.NameKey(s) }

// SameAdmin1 says reported names region r: its name or its ISO 3166-2 code,
// spelled any way NameKey folds together. It makes Geography an
// incident.AdminMatcher.
func (g *Geography) SameAdmin1(reported string, r incident.Region) bool {
	k := NameKey(reported)
	return k == NameKey(r.Name) || strings.EqualFold(strings.TrimSpace(reported), r.Code)
}
