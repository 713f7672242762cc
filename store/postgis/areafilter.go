package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// zone= and near_site= on PostgreSQL. The filter carries its zones and
// site with their geometry; the exact test is the Go code Filter.Match
// runs (incident.Zone.ContainsPoint, incident.Site.DistanceKM), as on
// SQLite, so the stores agree to the last bit: PostGIS's own tests differ
// (ST_Contains leaves out a point on an edge, its geography edges are
// great circles where a drawn zone's are straight in lon/lat, and its
// sphere is 0.03 m larger than incident.EarthRadiusKM's). The zones' and
// the site's box joins the filter's bbox, so the candidates are read
// through the GiST index with every other condition, then tested in Go;
// the query proper takes the seqs that passed (and their distances to the
// site), so counts, pages, stats and cells are of exactly those.

// areaMatch is zone= and near_site= resolved: the incidents that pass them
// and f's other conditions, and each one's distance to the site (a JSON
// object by seq, which PostgreSQL looks up per row; nil without a site).
type areaMatch struct {
	seqs []int64
	km   []byte
}

// resolveAreas tests f's zones and site on the incidents its other
// conditions and their box select; it returns f without them and their
// match, or f as it is when it has neither.
func (db *DB) resolveAreas(ctx context.Context, qr querier, f incident.Filter) (incident.Filter, *areaMatch, error) {
	if len(f.Zones) == 0 && f.Site == nil {
		return f, nil, nil
	}
	zones, site := f.Zones, f.Site
	rest := f
	rest.Zones, rest.Site, rest.Limit, rest.Cursor, rest.JSONOnly = nil, nil, 0, nil, false
	out := f
	out.Zones, out.Site = nil, nil
	m := &areaMatch{seqs: []int64{}}
	box, ok := areaBox(f)
	if ok && (box.Min[0] > box.Max[0] || box.Min[1] > box.Max[1]) {
		return out, m, nil // the boxes do not meet: nothing matches
	}
	if ok {
		rest.BBox = &box
	}
	var q query
	filter(&q, rest)
	border := borderZonesSQL(&q, zones)
	rows, err := qr.Query(ctx, "SELECT i.seq, i.lon, i.lat, "+border+q.from()+q.where(), q.args...)
	if err != nil {
		return f, nil, db.fail("zone= and near_site=", err)
	}
	defer rows.Close()
	var km map[string]float64
	if site != nil {
		km = map[string]float64{}
	}
	for rows.Next() {
		var seq int64
		var p orb.Point
		var inBorder bool
		if err := rows.Scan(&seq, &p[0], &p[1], &inBorder); err != nil {
			return f, nil, db.fail("zone= and near_site=", err)
		}
		if len(zones) > 0 && !inBorder && !inDrawnOrArea(zones, p) {
			continue
		}
		if site != nil {
			d := site.DistanceKM(p)
			if d > f.RadiusKM {
				continue
			}
			km[strconv.FormatInt(seq, 10)] = d
		}
		m.seqs = append(m.seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return f, nil, db.fail("zone= and near_site=", err)
	}
	if site != nil {
		// Go's shortest form of a float64 reads back as the same float8.
		if m.km, err = json.Marshal(km); err != nil {
			return f, nil, err
		}
	}
	return out, m, nil
}

// areaBox is f's bbox narrowed to its zones' and its site's boxes; false
// when none of them has one (a site's reaching a pole or the antimeridian).
func areaBox(f incident.Filter) (orb.Bound, bool) {
	box, has := orb.Bound{}, false
	narrow := func(b orb.Bound) {
		if !has {
			box, has = b, true
			return
		}
		box = incident.Intersect(box, b)
	}
	if f.BBox != nil {
		narrow(*f.BBox)
	}
	if b, ok := incident.ZonesBound(f.Zones); ok {
		narrow(b)
	}
	if f.Site != nil {
		if b, ok := f.Site.Bound(f.RadiusKM); ok {
			narrow(b)
		}
	}
	return box, has
}

// borderZonesSQL is the SQL saying a row lies in one of the border zones
// (as border= reads incident_borders, and of one of the border's two
// countries); false when there are none.
func borderZonesSQL(q *query, zones []*incident.Zone) string {
	expr := "false"
	for _, z := range zones {
		if isBorderZone(z) {
			expr += fmt.Sprintf(" OR (EXISTS (SELECT 1 FROM incident_borders b WHERE b.seq = i.seq AND %s AND b.km <= %s) AND i.country = ANY(%s))",
				borderKeySQL("b.key", q.arg(z.Border)), q.arg(z.WidthKM), q.arg(z.Countries))
		}
	}
	return "(" + expr + ")"
}

func isBorderZone(z *incident.Zone) bool {
	return z.Border != "" && z.Geometry == nil && z.Center == nil
}

// inDrawnOrArea says p lies in one of the drawn zones or areas around a
// centre.
func inDrawnOrArea(zones []*incident.Zone, p orb.Point) bool {
	for _, z := range zones {
		if !isBorderZone(z) && z.ContainsPoint(p) {
			return true
		}
	}
	return false
}
