package sqlite

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

// zone= and near_site= in SQL. The zones' and the site's box joins the
// filter's bbox, so they are read through the cell index like any box (a
// zone of the Liptako-Gourma's size reads its ~200 km box, not the table);
// the exact test is then made per row by the same Go code Filter.Match
// runs (incident.Zone.ContainsPoint, incident.Site.DistanceKM), called
// from SQL: a polygon of 100,000 positions has no SQL form, and the call
// is lost in the scan (stats of a 1.3°×1° drawn zone holding ~1,600 of
// 20,000 incidents: 21 ms, its box alone 22 ms; BenchmarkZoneFilter).
// Border zones are rows of incident_borders, as border= reads them.

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("incidentmap_in_zone", 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		z, ok := areaHandles.get(args[0]).(*incident.Zone)
		if !ok {
			return nil, fmt.Errorf("sqlite: incidentmap_in_zone: no zone %v", args[0])
		}
		return z.ContainsPoint(orb.Point{number(args[1]), number(args[2])}), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("incidentmap_site_km", 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, ok := areaHandles.get(args[0]).(*incident.Site)
		if !ok {
			return nil, fmt.Errorf("sqlite: incidentmap_site_km: no site %v", args[0])
		}
		return s.DistanceKM(orb.Point{number(args[1]), number(args[2])}), nil
	})
}

func number(v driver.Value) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return math.NaN()
}

// handles are how SQL names a zone or site: a number, given out for the
// object (a query holds the object, so its number is not given to another)
// and kept an hour after its last query, longer than any request runs
// (downloads stop at 10 minutes).
type handles struct {
	mu    sync.RWMutex
	next  int64
	ids   map[any]int64
	objs  map[int64]*handleEntry
	swept time.Time
}

type handleEntry struct {
	obj  any
	used time.Time
}

const handleTTL = time.Hour

var areaHandles = &handles{ids: map[any]int64{}, objs: map[int64]*handleEntry{}}

func (h *handles) handle(obj any) int64 {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.swept) > time.Minute {
		h.swept = now
		for id, e := range h.objs {
			if now.Sub(e.used) > handleTTL {
				delete(h.objs, id)
				delete(h.ids, e.obj)
			}
		}
	}
	if id, ok := h.ids[obj]; ok {
		h.objs[id].used = now
		return id
	}
	h.next++
	h.ids[obj], h.objs[h.next] = h.next, &handleEntry{obj: obj, used: now}
	return h.next
}

func (h *handles) get(v driver.Value) any {
	id, _ := v.(int64)
	h.mu.RLock()
	defer h.mu.RUnlock()
	if e := h.objs[id]; e != nil {
		return e.obj
	}
	return nil
}

// areaFilter is what zone= and near_site= add to where: f with its bbox
// narrowed to their box, the conditions on each row, and the distance to
// the site when results carry it.
func areaFilter(f incident.Filter) (incident.Filter, []string, []any) {
	if len(f.Zones) == 0 && f.Site == nil {
		return f, nil, nil
	}
	var conds []string
	var args []any
	box, hasBox := orb.Bound{}, false
	narrow := func(b orb.Bound) {
		if !hasBox {
			box, hasBox = b, true
			return
		}
		box = incident.Intersect(box, b)
	}
	if f.BBox != nil {
		narrow(*f.BBox)
	}
	if len(f.Zones) > 0 {
		var ors []string
		for _, z := range f.Zones {
			switch {
			case z.Border != "" && z.Geometry == nil && z.Center == nil:
				c := "(seq IN (SELECT seq FROM incident_borders WHERE key = ? AND km <= ?) AND country IN (" + strings.TrimSuffix(strings.Repeat("?,", len(z.Countries)), ",") + "))"
				ors = append(ors, c)
				args = append(args, z.Border, z.WidthKM)
				for _, c := range z.Countries {
					args = append(args, c)
				}
			default:
				ors = append(ors, "incidentmap_in_zone(?, lon, lat)")
				args = append(args, areaHandles.handle(z))
			}
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		if b, ok := incident.ZonesBound(f.Zones); ok {
			narrow(b)
		}
	}
	if f.Site != nil {
		conds = append(conds, "incidentmap_site_km(?, lon, lat) <= ?")
		args = append(args, areaHandles.handle(f.Site), f.RadiusKM)
		if b, ok := f.Site.Bound(f.RadiusKM); ok {
			narrow(b)
		}
	}
	if hasBox {
		if box.Min[0] > box.Max[0] || box.Min[1] > box.Max[1] {
			conds = append(conds, "seq < 0") // the boxes do not meet: nothing matches
		} else {
			f.BBox = &box
		}
	}
	return f, conds, args
}

// siteDist is the SQL of the distance to the filter's site.
func siteDist(f incident.Filter) (string, []any) {
	return "incidentmap_site_km(?, lon, lat)", []any{areaHandles.handle(f.Site)}
}
