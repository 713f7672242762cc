package memstore

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	shared "github.com/incidentmap/incidentmap/store/internal/stored"
	"github.com/paulmach/orb"
)

// matches are the incidents f selects (Match), in listing order: deletion
// markers for deleted ones. They are the store's own: callers copy what
// they hand out (result).
func (s *Store) matches(f incident.Filter) []*incident.Incident {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*incident.Incident
	for _, r := range s.incidents {
		in := r.in
		if r.deleted() {
			if f.UpdatedSince == nil {
				continue
			}
			m := *r.in
			m.Deleted, m.UpdatedAt = true, r.deletedAt
			in = &m
		}
		if f.Match(in) {
			out = append(out, in)
		}
	}
	incident.SortListed(out)
	return out
}

// result is a copy of a match as a listing returns it: with distance_km,
// and with its document when the filter asks for JSONOnly.
func result(f incident.Filter, in *incident.Incident) *incident.Incident {
	c := clone(in)
	c.DistanceKM = f.ResultDistanceKM(c)
	if f.JSONOnly && !c.Deleted {
		c.StoredJSON = doc(in)
	}
	return c
}

// List implements incident.Store.
func (s *Store) List(ctx context.Context, f incident.Filter) (*incident.Page, error) {
	all := s.matches(f)
	limit := f.Limit
	if limit <= 0 {
		limit = incident.DefaultLimit
	}
	page := &incident.Page{NumberMatched: len(all), Incidents: []*incident.Incident{}}
	for _, in := range all {
		if !f.Cursor.Passes(in) {
			continue
		}
		if len(page.Incidents) == limit {
			page.Next = incident.CursorAt(page.Incidents[limit-1])
			break
		}
		page.Incidents = append(page.Incidents, result(f, in))
	}
	return page, nil
}

// Each implements incident.Store.
func (s *Store) Each(ctx context.Context, f incident.Filter, fn func(*incident.Incident) error) error {
	all := s.matches(f)
	if f.Limit > 0 && len(all) > f.Limit {
		all = all[:f.Limit]
	}
	for _, in := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(result(f, in)); err != nil {
			return err
		}
	}
	return nil
}

// Stats implements incident.Store: incidents and fatalities by country
// (ISO3, "" for none), region (ISO 3166-2 code, "" for none), month
// (YYYY-MM), event type and band of distance to the nearest border
// (incident.BorderBands; none within 300 km is the last band). Buckets are
// in key order, bands in distance order; empty ones are left out.
func (s *Store) Stats(ctx context.Context, f incident.Filter) (*incident.Stats, error) {
	type dim = map[string]*incident.Bucket
	dims := [5]dim{{}, {}, {}, {}, {}}
	st := &incident.Stats{Total: incident.Bucket{Key: "total"}}
	for _, in := range s.matches(f) {
		if in.Deleted {
			continue
		}
		st.Total.Incidents++
		st.Total.Fatalities += in.Fatalities
		country, region := "", ""
		if in.Country != nil {
			country = *in.Country
		}
		if in.Region != nil {
			region = in.Region.Code
		}
		for i, k := range [5]string{country, region, in.EventDate[:7], in.EventType, Band(in)} {
			b := dims[i][k]
			if b == nil {
				b = &incident.Bucket{Key: k}
				dims[i][k] = b
			}
			b.Incidents++
			b.Fatalities += in.Fatalities
		}
	}
	sorted := func(m dim, cmp func(a, b incident.Bucket) int) []incident.Bucket {
		out := make([]incident.Bucket, 0, len(m))
		for _, b := range m {
			out = append(out, *b)
		}
		slices.SortFunc(out, cmp)
		return out
	}
	byKey := func(a, b incident.Bucket) int { return strings.Compare(a.Key, b.Key) }
	st.ByCountry, st.ByRegion, st.ByMonth, st.ByType = sorted(dims[0], byKey), sorted(dims[1], byKey), sorted(dims[2], byKey), sorted(dims[3], byKey)
	st.ByBorderKM = sorted(dims[4], func(a, b incident.Bucket) int { return bandIndex(a.Key) - bandIndex(b.Key) })
	return st, nil
}

// Band is the key of the incident.BorderBands band the incident's nearest
// border falls in: a band holds distances from its Min up to, not
// including, its Max; an incident with no border known is in the last.
func Band(in *incident.Incident) string {
	bands := incident.BorderBands
	if d, ok := in.BorderKM("any"); ok {
		for _, b := range bands[:len(bands)-1] {
			if d < b.Max {
				return b.Key
			}
		}
	}
	return bands[len(bands)-1].Key
}

func bandIndex(k string) int {
	return slices.IndexFunc(incident.BorderBands, func(b struct {
		Key      string
		Min, Max float64
	}) bool {
		return b.Key == k
	})
}

// Count implements incident.Store.
func (s *Store) Count(ctx context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, r := range s.incidents {
		if !r.deleted() {
			n++
		}
	}
	return n, nil
}

// Extent implements incident.Store.
func (s *Store) Extent(ctx context.Context) (*incident.Extent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ext *incident.Extent
	for _, r := range s.incidents {
		if r.deleted() {
			continue
		}
		p := orb.Point{r.in.Lon, r.in.Lat}
		if ext == nil {
			ext = &incident.Extent{BBox: orb.Bound{Min: p, Max: p}, First: r.in.EventDate, Last: r.in.EventDate}
			continue
		}
		ext.BBox = ext.BBox.Extend(p)
		ext.First, ext.Last = min(ext.First, r.in.EventDate), max(ext.Last, r.in.EventDate)
	}
	return ext, nil
}

// Ping implements incident.Store.
func (s *Store) Ping(ctx context.Context) error { return nil }

// Aggregate implements incident.Aggregator: the incidents f selects
// grouped by the s2 cell of the level holding their point, with their
// fatalities and mean position (to 5 decimals), cells in id order.
func (s *Store) Aggregate(ctx context.Context, f incident.Filter, level int) ([]incident.CellCount, error) {
	if level < 0 || level > incident.MaxAggregateLevel {
		return nil, incident.FieldErrorf("level", "%d: want 0 to %d", level, incident.MaxAggregateLevel)
	}
	if f.UpdatedSince != nil {
		return nil, incident.FieldErrorf("updated_since", "counts per cell are of live incidents; leave updated_since out")
	}
	f.Limit, f.Cursor = 0, nil
	type sum struct {
		n, fat   int
		lon, lat float64
	}
	cells := map[s2.CellID]*sum{}
	for _, in := range s.matches(f) {
		id := s2.CellIDFromLatLng(s2.LatLngFromDegrees(in.Lat, in.Lon)).Parent(level)
		c := cells[id]
		if c == nil {
			c = &sum{}
			cells[id] = c
		}
		c.n++
		c.fat += in.Fatalities
		c.lon += in.Lon
		c.lat += in.Lat
	}
	ids := slices.Sorted(maps.Keys(cells))
	out := make([]incident.CellCount, 0, len(ids))
	for _, id := range ids {
		c := cells[id]
		fat := c.fat
		out = append(out, incident.CellCount{Cell: id.ToToken(), Level: level, Incidents: c.n, Fatalities: &fat,
			Lon: shared.Round5(c.lon / float64(c.n)), Lat: shared.Round5(c.lat / float64(c.n))})
	}
	return out, nil
}
