package incident

import "context"

// CellCount is what a filter selects in one s2 cell: how many incidents,
// their fatalities, and where they are on average (a cluster drawn there
// sits among its incidents, not at the cell's centre).
type CellCount struct {
	Cell      string `json:"cell"` // the s2 cell id as a hex token
	Level     int    `json:"level"`
	Incidents int    `json:"incidents"`
	// Fatalities is nil when the store counted without reading the
	// incidents (every incident, from per-cell counts).
	Fatalities *int    `json:"fatalities,omitempty"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
}

// MaxAggregateLevel is the finest s2 level Aggregate groups by (cells of
// about 600 m): finer than that, a map shows the incidents themselves.
const MaxAggregateLevel = 20

// Aggregator is a Store that can count what a filter selects per s2 cell,
// so a map can represent every match at every zoom without loading them.
type Aggregator interface {
	// Aggregate groups the incidents f selects by the s2 cell of the given
	// level (0 to MaxAggregateLevel) holding them. The cells' Incidents add
	// up to the number f matches. Limit and Cursor are ignored.
	Aggregate(ctx context.Context, f Filter, level int) ([]CellCount, error)
}

// CheapAggregator is an Aggregator that answers some aggregates by adding
// up counts it keeps as incidents are written (a few hundred thousand rows
// at most, whatever the number of incidents) instead of reading the
// incidents they select. The server lets those through its limit on heavy
// requests: a map's overview redrawn as an analyst ticks event types costs
// milliseconds, not seconds.
type CheapAggregator interface {
	Aggregator
	// AggregateFromCounts says whether Aggregate(ctx, f, level) would add
	// up kept counts. It reads nothing and does not check its arguments.
	AggregateFromCounts(f Filter, level int) bool
}
