package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// ogcItemsQuery turns the query of an items request into what the incident
// filter (incidents) or staticItems (reference layers) reads: f goes, limit
// is set and lowered to the maximum (OGC lowers a larger limit rather than
// refuse it), bbox loses its heights, and datetime becomes start and end for
// incidents; the reference layers have no time, and every datetime matches
// them (OGC API – Features, requirement /req/core/fc-time-response C).
func ogcItemsQuery(params url.Values, col collection) (url.Values, error) {
	q := url.Values{}
	for k, vs := range params {
		for _, v := range vs {
			if strings.TrimSpace(v) == "" {
				return nil, incident.FieldErrorf(k, "is empty; give a value or leave the parameter out")
			}
		}
		q[k] = vs
	}
	q.Del("f")
	limit := ogcDefaultLimit
	if l := q.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 {
			return nil, incident.FieldErrorf("limit", "%q: use a whole number from 1 to %d", l, ogcMaxLimit)
		}
		limit = min(v, ogcMaxLimit)
	}
	q.Set("limit", strconv.Itoa(limit))
	if q.Has("datetime") {
		start, end, err := parseDatetime(q.Get("datetime"))
		if err != nil {
			return nil, err
		}
		q.Del("datetime")
		if col.static == nil && start != "" {
			q.Set("start", start)
		}
		if col.static == nil && end != "" {
			q.Set("end", end)
		}
	}
	if q.Has("bbox") {
		bb, err := ogcBBox(q.Get("bbox"))
		if err != nil {
			return nil, err
		}
		q.Set("bbox", bb)
	}
	return q, nil
}

// ogcBBox reads OGC's bbox, four numbers or six with heights
// (minLon,minLat,minZ,maxLon,maxLat,maxZ), and returns the four the incident
// filter reads. The heights are checked, then dropped: every feature here
// is on the ground.
func ogcBBox(s string) (string, error) {
	p := strings.Split(s, ",")
	switch len(p) {
	case 4:
		return s, nil
	case 6:
		for _, z := range []string{p[2], p[5]} {
			if _, ok := incident.ParseNumber(strings.TrimSpace(z)); !ok {
				return "", incident.FieldErrorf("bbox", "height %q is not a number; a bbox with heights is minLon,minLat,minZ,maxLon,maxLat,maxZ", z)
			}
		}
		return strings.Join([]string{p[0], p[1], p[3], p[4]}, ","), nil
	}
	return "", incident.FieldErrorf("bbox", "%d numbers: want minLon,minLat,maxLon,maxLat, or minLon,minLat,minZ,maxLon,maxLat,maxZ", len(p))
}
