package sqlite

import (
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// The SQLite store passes the conformance suite, with both of its ways of
// reading a place with other filters (DB.clause) and its bulk load taken:
// a place holding fewer than placeFirstMax incidents is read first, a
// larger one may give way to another index; the suite's places hold from
// none to all of its incidents. Its bulk load is from bulkMin incidents.
func TestConformance(t *testing.T) {
	defer func(place int64, bulk int) { placeFirstMax, bulkMin = place, bulk }(placeFirstMax, bulkMin)
	placeFirstMax, bulkMin = 60, 2000
	storetest.Run(t, func(t *testing.T) incident.Store { return openTest(t) })
}
