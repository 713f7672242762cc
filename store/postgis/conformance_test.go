package postgis

import (
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// The PostGIS store passes the conformance suite, its bulk load taken from
// 2,000 incidents (the suite's loads are of a few thousand); zone=,
// near_site= and the drawn zones and sites (incident.AreaStore) included.
func TestPostgresConformance(t *testing.T) {
	defer func(n int) { bulkMin = n }(bulkMin)
	bulkMin = 2000
	storetest.Run(t, func(t *testing.T) incident.Store { return openTest(t) })
}
