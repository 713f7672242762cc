package postgis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
)

// query is SQL being built: conditions and their numbered arguments.
type query struct {
	conds []string
	args  []any
	// area is the filter's zone= and near_site= resolved (resolveAreas);
	// nil when it has neither.
	area *areaMatch
	// ranges, when set, are the cell key ranges (lo, hi, inside arrays'
	// placeholders) of a circle the live incidents are read from through
	// incidents_cell (from).
	ranges string
	// rowwise: a circle is a test of each row (set before filter), for a
	// page that walks the date index through a circle holding many.
	rowwise bool
	// boxCells: a box holding few is read through its cell ranges (set
	// before filter), for a page of it: from incidents_cell alone.
	boxCells bool
}

// from is the FROM clause: the incidents, or those in a circle's cell
// ranges, each range an index scan of incidents_cell (OFFSET 0 keeps the
// planner from joining the ranges to another index's rows one by one: a
// page through the date index tested 124,000 pairs, 88 ms).
func (q *query) from() string {
	if q.ranges == "" {
		return " FROM incidents i"
	}
	return " FROM unnest(" + q.ranges + ") AS r(lo, hi, inside) CROSS JOIN LATERAL (SELECT * FROM incidents WHERE cell BETWEEN r.lo AND r.hi AND deleted_ns IS NULL OFFSET 0) i"
}

// cellRanges makes from read the incidents in ranges.
func (q *query) cellRanges(ranges []geo.KeyRange) {
	var lo, hi []int64
	var inside []bool
	for _, r := range ranges {
		lo, hi, inside = append(lo, r.Lo), append(hi, r.Hi), append(inside, r.Inside)
	}
	q.ranges = q.arg(lo) + "::bigint[], " + q.arg(hi) + "::bigint[], " + q.arg(inside) + "::boolean[]"
}

// arg adds an argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) where() string {
	if len(q.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.conds, " AND ")
}

// haversineSQL is the great-circle distance in km from the row's point to
// (lon, lat), by the haversine formula on the sphere of
// incident.EarthRadiusKM: incident.DistanceKM, term for term, so a circle
// means here what it means to Filter.Match.
func haversineSQL(lon, lat string) string {
	return fmt.Sprintf("(2 * %v * asin(least(1, sqrt(power(sin(radians(i.lat - %s) / 2), 2) + cos(radians(%s)) * cos(radians(i.lat)) * power(sin(radians(i.lon - %s) / 2), 2)))))",
		incident.EarthRadiusKM, lat, lat, lon)
}

// filter adds f's conditions on incidents i (Filter.Match in SQL) to q, and
// returns the expression of the distance its results carry ("" for none).
// Paging is not part of it.
func filter(q *query, f incident.Filter) (dist string) {
	if f.UpdatedSince == nil {
		q.conds = append(q.conds, "i.deleted_ns IS NULL")
	} else {
		// A sync listing: deletions too, as markers, tested on their
		// last state.
		q.conds = append(q.conds, "i.updated_ns > "+q.arg(f.UpdatedSince.UnixNano()))
	}
	if f.Start != "" {
		q.conds = append(q.conds, "i.event_date >= "+q.arg(f.Start))
	}
	if f.End != "" {
		q.conds = append(q.conds, "i.event_date <= "+q.arg(f.End))
	}
	if f.MinFatalities > 0 {
		q.conds = append(q.conds, "i.fatalities >= "+q.arg(f.MinFatalities))
	}
	in := func(col string, vals []string) {
		if len(vals) > 0 {
			q.conds = append(q.conds, col+" = ANY("+q.arg(vals)+")")
		}
	}
	in("i.event_type", f.EventTypes)
	in("i.sub_event_type", f.SubEventTypes)
	in("i.region_code", f.Regions)
	in("i.country", f.Countries)
	if len(f.Admin1) > 0 {
		in("i.admin1_key", nameKeys(f.Admin1))
	}
	if len(f.Admin2) > 0 {
		in("i.admin2_key", nameKeys(f.Admin2))
	}
	for _, fl := range f.Flags {
		if fl == incident.FlagAdmin1Mismatch {
			q.conds = append(q.conds, "i.admin1_mismatch")
		}
	}
	if b := f.BBox; b != nil {
		// The index finds the box's points (its boxes are rounded outward
		// to float4, so it finds a few more); the plain comparisons keep
		// exactly those Bound.Contains keeps, edges included.
		minLon, minLat, maxLon, maxLat := q.arg(b.Min[0]), q.arg(b.Min[1]), q.arg(b.Max[0]), q.arg(b.Max[1])
		within := fmt.Sprintf("i.lon BETWEEN %s AND %s AND i.lat BETWEEN %s AND %s", minLon, maxLon, minLat, maxLat)
		if q.boxCells && f.Near == nil && f.UpdatedSince == nil {
			// The box's cell ranges, each an index scan of incidents_cell,
			// which holds what a page needs: at 1,000,000, a page of 977
			// through GiST read 959 heap pages to sort them by date.
			q.cellRanges(geo.CoverBound(*b, coverBudget))
			q.conds = append(q.conds, within)
		} else {
			q.conds = append(q.conds,
				fmt.Sprintf("i.geog::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", minLon, minLat, maxLon, maxLat), within)
		}
	}
	if f.Near != nil {
		lon, lat := q.arg(f.Near[0]), q.arg(f.Near[1])
		dist = haversineSQL(lon, lat)
		within := dist + " <= " + q.arg(f.RadiusKM)
		if q.rowwise || f.UpdatedSince != nil {
			// Tested on each row (a sync listing too: incidents_cell holds
			// live incidents only), the box around the circle first: a
			// comparison, where the distance is a dozen functions.
			b := geo.CircleBound(*f.Near, f.RadiusKM)
			q.conds = append(q.conds, fmt.Sprintf("i.lon BETWEEN %s AND %s AND i.lat BETWEEN %s AND %s", q.arg(b.Min[0]), q.arg(b.Max[0]), q.arg(b.Min[1]), q.arg(b.Max[1])), within)
		} else {
			// The circle's s2 cell ranges (the SQLite store's way in):
			// only points in ranges on its edge are measured. Through
			// GiST, every point in the circle's box was measured with
			// ST_DWithin (8,300 within 25 km of Niamey at 100,000: 65 ms).
			q.cellRanges(geo.CoverCap(*f.Near, f.RadiusKM, coverBudget))
			q.conds = append(q.conds, "(r.inside OR "+within+")")
		}
	}
	if m := q.area; m != nil {
		q.conds = append(q.conds, "i.seq = ANY("+q.arg(m.seqs)+"::bigint[])")
	}
	if f.Border != "" {
		if f.Border == "any" {
			q.conds = append(q.conds, "i.d_any <= "+q.arg(f.BorderKM))
			if dist == "" {
				dist = "i.d_any"
			}
		} else {
			key := q.arg(f.Border)
			q.conds = append(q.conds, fmt.Sprintf("EXISTS (SELECT 1 FROM incident_borders b WHERE b.seq = i.seq AND %s AND b.km <= %s)", borderKeySQL("b.key", key), q.arg(f.BorderKM)))
			if dist == "" {
				dist = "(SELECT b.km FROM incident_borders b WHERE b.seq = i.seq AND b.key = " + key + ")"
			}
		}
	}
	if f.Q != "" {
		// Every word, as a prefix of a word of the incident's.
		words := incident.SearchWords(f.Q)
		if len(words) == 0 {
			q.conds = append(q.conds, "false") // no word: matches nothing
		} else {
			q.conds = append(q.conds, "i.search @@ "+q.arg(prefixQuery(words))+"::tsquery")
		}
	}
	return dist
}

// borderKeySQL says the border row's key column col is the key the
// placeholder arg holds, in the terms of incident_borders_key (migration
// 0007): its hash, which the index is sorted by, and the key itself.
func borderKeySQL(col, arg string) string {
	return "hashtext(" + col + ") = hashtext(" + arg + ") AND " + col + " = " + arg
}

// resultDist is the distance results carry: to near= first, then to the
// site, then to the border (Filter.ResultDistanceKM); dist is filter's.
// The site's are looked up by seq among those resolveAreas measured (an
// argument only the listing's query takes: a count has no distance).
func resultDist(q *query, f incident.Filter, dist string) string {
	if m := q.area; f.Near == nil && m != nil && m.km != nil {
		return "(" + q.arg(m.km) + "::jsonb ->> i.seq::text)::float8"
	}
	return dist
}

// prefixQuery is a tsquery of words, each a prefix, all required. The words
// are letters and digits only: quoted, they are taken as they are.
func prefixQuery(words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + clipWord(w) + "':*"
	}
	return strings.Join(parts, " & ")
}

func nameKeys(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = geo.NameKey(n)
	}
	return out
}
