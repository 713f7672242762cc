package memstore_test

import (
	"testing"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// The reference passes its own suite: it checks the suite as much as the
// store (a generator that selects nothing, a check that cannot pass).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) incident.Store { return memstore.New() })
}
