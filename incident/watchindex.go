package incident

import (
	"math"

	"github.com/paulmach/orb"
)

// WatchIndex finds the watches a change concerns without testing every
// watch: a watch with a place (a box, a circle, a drawn area, zones, the
// area around a site) is filed
// under the 1° lon/lat cells its place's bounding box covers, one with a
// border distance under that border, one with regions under each region;
// the rest are tested one by one, on their cheap fields. A write then tests
// the watches of its point's cell, its borders and its region, and the
// rest: with 10,000 watches, about 1 µs each (BENCHMARKS.md).
//
// An index does not change: watches edited mean a new index (NewWatchIndex
// of 10,000 takes a few milliseconds).
type WatchIndex struct {
	cells   map[[2]int16][]*Watch
	borders map[string][]*Watch
	regions map[string][]*Watch
	rest    []*Watch
	byID    map[string]*Watch
	n       int
}

// maxCells: a watch whose box covers more 1° cells than this (a box the
// size of Algeria) is tested with the rest rather than filed in every one.
const maxCells = 2500

// NewWatchIndex indexes watches, parsed (Filter and Area set).
func NewWatchIndex(ws []*Watch) *WatchIndex {
	x := &WatchIndex{cells: map[[2]int16][]*Watch{}, borders: map[string][]*Watch{}, regions: map[string][]*Watch{}, byID: map[string]*Watch{}, n: len(ws)}
	for i, w := range ws {
		// A copy, numbered for this index: the caller's watches may be in
		// another index in use at the same time.
		c := *w
		c.slot, w = i, &c
		x.byID[w.ID] = w
		if b, ok := w.bound(); ok {
			x0, y0, x1, y1 := cell(b.Min[0]), cell(b.Min[1]), cell(b.Max[0]), cell(b.Max[1])
			if (int(x1)-int(x0)+1)*(int(y1)-int(y0)+1) <= maxCells {
				for i := x0; i <= x1; i++ {
					for j := y0; j <= y1; j++ {
						x.cells[[2]int16{i, j}] = append(x.cells[[2]int16{i, j}], w)
					}
				}
				continue
			}
		}
		switch {
		case w.Filter.Border != "":
			x.borders[w.Filter.Border] = append(x.borders[w.Filter.Border], w)
		case len(w.Filter.Regions) > 0:
			for _, r := range w.Filter.Regions {
				x.regions[r] = append(x.regions[r], w)
			}
		default:
			x.rest = append(x.rest, w)
		}
	}
	return x
}

// Name is the name of watch id, "" when it is not indexed.
func (x *WatchIndex) Name(id string) string {
	if w := x.byID[id]; w != nil {
		return w.Name
	}
	return ""
}

// Len is how many watches are indexed.
func (x *WatchIndex) Len() int {
	if x == nil {
		return 0
	}
	return x.n
}

func cell(deg float64) int16 { return int16(math.Floor(deg)) }

// bound is a lon/lat box holding every point the watch can match, when its
// filter or area limits it to one.
func (w *Watch) bound() (orb.Bound, bool) {
	var b orb.Bound
	ok := false
	and := func(c orb.Bound) {
		if !ok {
			b, ok = c, true
			return
		}
		b = Intersect(b, c)
	}
	if w.Filter.BBox != nil {
		and(*w.Filter.BBox)
	}
	if w.Filter.Near != nil {
		if c, cok := circleBound(*w.Filter.Near, w.Filter.RadiusKM); cok {
			and(c)
		}
	}
	if w.Area != nil {
		and(w.Area.Bound())
	}
	if c, cok := ZonesBound(w.Filter.Zones); cok {
		and(c)
	}
	if w.Filter.Site != nil {
		if c, cok := w.Filter.Site.Bound(w.Filter.RadiusKM); cok {
			and(c)
		}
	}
	if ok && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1]) {
		// Nothing can match; file it in one cell so it costs nothing.
		b = orb.Bound{Min: b.Min, Max: b.Min}
	}
	return b, ok
}

// circleBound is a lon/lat box around a circle on the sphere, unless the
// circle reaches a pole or the antimeridian.
func circleBound(p orb.Point, km float64) (orb.Bound, bool) {
	dLat := km / EarthRadiusKM * 180 / math.Pi
	lat0, lat1 := p[1]-dLat, p[1]+dLat
	if lat0 <= -89 || lat1 >= 89 {
		return orb.Bound{}, false
	}
	// The widest the circle gets is at the latitude nearest a pole.
	c := math.Cos(math.Max(math.Abs(lat0), math.Abs(lat1)) * math.Pi / 180)
	dLon := math.Asin(math.Min(1, math.Sin(km/EarthRadiusKM)/c)) * 180 / math.Pi
	if p[0]-dLon < -180 || p[0]+dLon > 180 {
		return orb.Bound{}, false
	}
	return orb.Bound{Min: orb.Point{p[0] - dLon, lat0}, Max: orb.Point{p[0] + dLon, lat1}}, true
}

// Notices returns what each watch concerned is told of c (without ids or
// bodies), for the watches made before the change.
func (x *WatchIndex) Notices(c Change) []Notice {
	if x == nil || x.n == 0 {
		return nil
	}
	// A watch filed under several cells or regions is tested once.
	seen := make([]bool, x.n)
	var cands []*Watch
	add := func(ws []*Watch) {
		for _, w := range ws {
			if !seen[w.slot] {
				seen[w.slot] = true
				cands = append(cands, w)
			}
		}
	}
	for _, in := range []*Incident{c.Before, c.After} {
		if in == nil {
			continue
		}
		add(x.cells[[2]int16{cell(in.Lon), cell(in.Lat)}])
		add(x.borders["any"])
		for _, b := range in.Borders {
			add(x.borders[b.Border])
			add(x.borders[b.Countries[0]])
			add(x.borders[b.Countries[1]])
		}
		if in.Region != nil {
			add(x.regions[in.Region.Code])
		}
	}
	add(x.rest)
	var wordsBefore, wordsAfter, changed []string
	changedDone := false
	var out []Notice
	for _, w := range cands {
		if c.Seq != 0 && c.Seq <= w.FromSeq {
			continue
		}
		kind := NoticeKind(c, func(in *Incident) bool {
			if in == c.Before {
				return w.match(in, &wordsBefore)
			}
			return w.match(in, &wordsAfter)
		})
		if kind == "" {
			continue
		}
		n := Notice{WatchID: w.ID, Seq: c.Seq, Kind: kind, Action: c.Action, IncidentID: c.ID, Incident: c.After, At: c.At}
		if c.After == nil {
			n.Incident = c.Before
		}
		if kind == NoticeUpdated || kind == NoticeEntered || kind == NoticeRetracted && c.After != nil {
			if !changedDone {
				changed, changedDone = ChangedFields(c.Before, c.After), true
			}
			n.Changed = changed
		}
		out = append(out, n)
	}
	return out
}
