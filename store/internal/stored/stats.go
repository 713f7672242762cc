package stored

import (
	"math"
	"slices"
	"strings"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
)

// Buckets adds up incidents and fatalities by key, for one dimension of
// incident.Stats.
type Buckets map[string]*incident.Bucket

// Add counts n incidents with fat fatalities under key.
func (m Buckets) Add(key string, n, fat int) {
	b := m[key]
	if b == nil {
		b = &incident.Bucket{Key: key}
		m[key] = b
	}
	b.Incidents += n
	b.Fatalities += fat
}

// Sorted is the buckets in key order (never nil).
func (m Buckets) Sorted() []incident.Bucket {
	out := make([]incident.Bucket, 0, len(m))
	for _, b := range m {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b incident.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Bands is the border-band buckets in distance order
// (incident.BorderBands), not text order.
func (m Buckets) Bands() []incident.Bucket {
	out := m.Sorted()
	slices.SortStableFunc(out, func(a, b incident.Bucket) int { return bandIndex(a.Key) - bandIndex(b.Key) })
	return out
}

func bandIndex(k string) int {
	for i, b := range incident.BorderBands {
		if b.Key == k {
			return i
		}
	}
	return len(incident.BorderBands)
}

// CheckAggregate refuses what incident.Aggregator cannot count: a level
// out of range, or a sync filter.
func CheckAggregate(f incident.Filter, level int) error {
	if level < 0 || level > incident.MaxAggregateLevel {
		return incident.FieldErrorf("level", "%d: want 0 to %d", level, incident.MaxAggregateLevel)
	}
	if f.UpdatedSince != nil {
		return incident.FieldErrorf("updated_since", "counts per cell are of live incidents; leave updated_since out")
	}
	return nil
}

// CellToken is the s2 token of CellID(k, level).
func CellToken(k int64, level int) string { return CellID(k, level).ToToken() }

// CellID is the level-L cell whose cell-key prefix is k (geo.CellKey >>
// (60-2L)): the prefix shifted into place, the key's dropped low bit
// restored, and the level's trailing 1 bit set.
func CellID(k int64, level int) s2.CellID {
	shift := 60 - 2*level
	return s2.CellID(uint64(k)<<(shift+1) | 1<<shift)
}

// Round5 keeps a degree to 5 decimals (about a metre): cell positions are
// means, and 17 digits would double the response.
func Round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }
