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
	nearCellDeg = 0.2 // about 22 km: Niger's villages are a few km apart, the desert's towns 100 km
	nearRings   = 4   // cells each way: 3 full cells (66 km) beyond the centre cell cover NearKM
)

// nearGrid lists the places that may be nearest, by grid cell: cells holds
// (cell, place) pairs sorted by cell, so one cell is a binary search.
type nearGrid struct {
	cells []gridEntry
}

type gridEntry struct {
	cell  int32
	place uint32
}

func nearCell(lon, lat float64) (int32, int32) {
	return int32(math.Floor((lon + 180) / nearCellDeg)), int32(math.Floor((lat + 90) / nearCellDeg))
}

func cellID(x, y int32) int32 { return y*int32(360/nearCellDeg+1) + x }

func newNearGrid(c *placeColumns) nearGrid {
	var g nearGrid
	for i, k := range c.kind {
		if placeKinds[k] != "city" && placeKinds[k] != "town" && placeKinds[k] != "village" {
			continue
		}
		x, y := nearCell(float64(c.lon[i])/placesScale, float64(c.lat[i])/placesScale)
		g.cells = append(g.cells, gridEntry{cellID(x, y), uint32(i)})
	}
	slices.SortFunc(g.cells, func(a, b gridEntry) int { return cmp.Compare(a.cell, b.cell) })
	return g
}

// Nearest returns the named city, town or village nearest p within NearKM
// (embedded or added), with how far it is and the direction from it to p.
func (gz *Gazetteer) Nearest(p orb.Point) *incident.NearPlace {
	best, bestKM := -1, math.Inf(1)
	x0, y0 := nearCell(p[0], p[1])
	c := gz.cols
	kx := math.Cos(p[1] * math.Pi / 180)
	// Rings outward; a ring's cells are at least (ring-1) cells away, so
	// once the best is nearer than that the search is over.
	for ring := int32(0); ring <= nearRings; ring++ {
		if best >= 0 && bestKM < float64(ring-1)*nearCellDeg*111*kx {
			break
		}
		for dy := -ring; dy <= ring; dy++ {
			for dx := -ring; dx <= ring; dx++ {
				if max(abs32(dx), abs32(dy)) != ring {
					continue
				}
				id := cellID(x0+dx, y0+dy)
				i, _ := slices.BinarySearchFunc(gz.grid.cells, id, func(e gridEntry, id int32) int { return cmp.Compare(e.cell, id) })
				for ; i < len(gz.grid.cells) && gz.grid.cells[i].cell == id; i++ {
					pl := int(gz.grid.cells[i].place)
					q := orb.Point{float64(c.lon[pl]) / placesScale, float64(c.lat[pl]) / placesScale}
					if d := DistanceKM(p, q); d < bestKM {
						best, bestKM = pl, d
					}
				}
			}
		}
	}
	var near *incident.NearPlace
	if best >= 0 && bestKM <= NearKM {
		q := orb.Point{float64(c.lon[best]) / placesScale, float64(c.lat[best]) / placesScale}
		near = &incident.NearPlace{Name: c.strs[c.name[best]], Kind: placeKinds[c.kind[best]], DistanceKM: math.Round(bestKM*10) / 10, Bearing: compass(q, p), Lon: q[0], Lat: q[1]}
	}
	gz.mu.RLock()
	defer gz.mu.RUnlock()
	for _, a := range gz.added {
		if a.Kind != "city" && a.Kind != "town" && a.Kind != "village" {
			continue
		}
		if d := DistanceKM(p, a.Point); d <= NearKM && (near == nil || d < bestKM) {
			bestKM = d
			near = &incident.NearPlace{Name: a.Name, Kind: a.Kind, DistanceKM: math.Round(d*10) / 10, Bearing: compass(a.Point, p), Lon: a.Point[0], Lat: a.Point[1]}
		}
	}
	return near
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
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
