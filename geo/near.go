package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// The nearest named place of a point ("12 km NE of Makalondi") is looked
// for among cities, towns and villages only (hamlets and localities are
// too many and too little known to orient a reader), within NearKM.
const (
	NearKM      = 60
	nearCellDeg = 0.1 // about 11 km: Niger's villages are a few km apart, the desert's towns 100 km
	nearRings   = 7   // cells each way: 6 full cells (66 km, 64 at 14°N) beyond the centre cell cover NearKM
	kmPerDeg    = EarthRadiusKM * math.Pi / 180
)

// nearGrid lists the places that may be nearest by grid cell: places
// holds them sorted by cell, and cells each cell's run of it.
type nearGrid struct {
	places []uint32
	cells  map[int32][2]uint32
	// full has a bit per cell of the world (810 KB): most cells of a
	// search outside Africa's villages are empty, and a bit is a
	// nanosecond where a map lookup is twenty.
	full []uint64
}

func nearCell(lon, lat float64) (int32, int32) {
	return int32(math.Floor((lon + 180) / nearCellDeg)), int32(math.Floor((lat + 90) / nearCellDeg))
}

func cellID(x, y int32) int32 { return y*int32(360/nearCellDeg+1) + x }

func newNearGrid(c *placeColumns) nearGrid {
	type entry struct {
		cell  int32
		place uint32
	}
	var es []entry
	for i, k := range c.kind {
		if placeKinds[k] != "city" && placeKinds[k] != "town" && placeKinds[k] != "village" {
			continue
		}
		x, y := nearCell(float64(c.lon[i])/placesScale, float64(c.lat[i])/placesScale)
		es = append(es, entry{cellID(x, y), uint32(i)})
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.cell, b.cell) })
	g := nearGrid{places: make([]uint32, len(es)), cells: map[int32][2]uint32{}, full: make([]uint64, (cellID(0, int32(180/nearCellDeg)+1)+63)/64)}
	for i, e := range es {
		g.full[e.cell/64] |= 1 << (e.cell % 64)
		g.places[i] = e.place
		r, ok := g.cells[e.cell]
		if !ok {
			r[0] = uint32(i)
		}
		r[1] = uint32(i + 1)
		g.cells[e.cell] = r
	}
	return g
}

// Nearest returns the named city, town or village nearest p within NearKM
// (embedded or added), with how far it is and the direction from it to p.
// Candidates are compared by the equirectangular distance (exact enough
// within 60 km to rank), and the winner's is then measured on the sphere.
func (gz *Gazetteer) Nearest(p orb.Point) *incident.NearPlace {
	c := gz.cols
	kx := math.Cos(p[1] * math.Pi / 180)
	planar := func(lon, lat float64) float64 {
		return math.Hypot((lon-p[0])*kx, lat-p[1]) * kmPerDeg
	}
	best, bestKM := -1, math.Inf(1)
	x0, y0 := nearCell(p[0], p[1])
	// How far p is from its cell's nearest edge: ring r's cells are at
	// least that plus r-1 cells away, so once the best is nearer than
	// that the search is over.
	fx := (p[0]+180)/nearCellDeg - float64(x0)
	fy := (p[1]+90)/nearCellDeg - float64(y0)
	edge := min(min(fx, 1-fx)*kx, min(fy, 1-fy)) * nearCellDeg * kmPerDeg
	for ring := int32(0); ring <= nearRings; ring++ {
		if ring > 0 && bestKM < edge+float64(ring-1)*nearCellDeg*kmPerDeg*kx {
			break
		}
		for dy := -ring; dy <= ring; dy++ {
			step := int32(1)
			if dy != -ring && dy != ring {
				step = 2 * ring // the ring's left and right cells only
			}
			for dx := -ring; dx <= ring; dx += max(step, 1) {
				id := cellID(x0+dx, y0+dy)
				if id < 0 || int(id/64) >= len(gz.grid.full) || gz.grid.full[id/64]&(1<<(id%64)) == 0 {
					continue
				}
				r := gz.grid.cells[id]
				for _, pl := range gz.grid.places[r[0]:r[1]] {
					if d := planar(float64(c.lon[pl])/placesScale, float64(c.lat[pl])/placesScale); d < bestKM {
						best, bestKM = int(pl), d
					}
				}
			}
		}
	}
	var near *incident.NearPlace
	if best >= 0 {
		q := orb.Point{float64(c.lon[best]) / placesScale, float64(c.lat[best]) / placesScale}
		if bestKM = DistanceKM(p, q); bestKM <= NearKM {
			near = &incident.NearPlace{Name: c.strs[c.name[best]], Kind: placeKinds[c.kind[best]], DistanceKM: math.Round(bestKM*10) / 10, Bearing: compass(q, p), Lon: q[0], Lat: q[1]}
		}
	}
	if near == nil {
		bestKM = math.Inf(1)
	}
	gz.mu.RLock()
	defer gz.mu.RUnlock()
	for _, a := range gz.added {
		if a.Kind != "city" && a.Kind != "town" && a.Kind != "village" {
			continue
		}
		if d := DistanceKM(p, a.Point); d <= NearKM && d < bestKM {
			bestKM = d
			near = &incident.NearPlace{Name: a.Name, Kind: a.Kind, DistanceKM: math.Round(d*10) / 10, Bearing: compass(a.Point, p), Lon: a.Point[0], Lat: a.Point[1]}
		}
	}
	return near
}

// compass is the direction from a to b on the 8-point rose ("NE"): the
// initial great-circle bearing, in 45° sectors.
func compass(a, b orb.Point) string {
	φ1, φ2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	Δλ := (b[0] - a[0]) * math.Pi / 180
	y := math.Sin(Δλ) * math.Cos(φ2)
	x := math.Cos(φ1)*math.Sin(φ2) - math.Sin(φ1)*math.Cos(φ2)*math.Cos(Δλ)
	deg := math.Mod(math.Atan2(y, x)*180/math.Pi+360, 360)
	return [...]string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}[int(math.Round(deg/45))%8]
}
