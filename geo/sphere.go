package geo

import (
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// EarthRadiusKM is the mean Earth radius (IUGG), the one s2 distances are
// scaled by: incident's, so that Filter.Match and the stores measure on
// the same sphere.
const EarthRadiusKM = incident.EarthRadiusKM

func toS2(p orb.Point) s2.Point {
	return s2.PointFromLatLng(s2.LatLngFromDegrees(p[1], p[0]))
}

func fromS2(p s2.Point) orb.Point {
	ll := s2.LatLngFromPoint(p)
	return orb.Point{ll.Lng.Degrees(), ll.Lat.Degrees()}
}

func kmToAngle(km float64) s1.Angle { return s1.Angle(km / EarthRadiusKM) }

func angleToKM(a s1.Angle) float64 { return a.Radians() * EarthRadiusKM }

// DistanceKM is the great-circle distance between two lon/lat points in km.
func DistanceKM(a, b orb.Point) float64 {
	return angleToKM(toS2(a).Distance(toS2(b)))
}

// Destination is the point reached from p by travelling km along the great
// circle that starts with the given bearing (degrees clockwise from north).
func Destination(p orb.Point, bearingDeg, km float64) orb.Point {
	lat1, lon1 := p[1]*math.Pi/180, p[0]*math.Pi/180
	brg := bearingDeg * math.Pi / 180
	d := km / EarthRadiusKM
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(brg))
	lon2 := lon1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	lon := math.Mod(lon2*180/math.Pi+540, 360) - 180
	return orb.Point{lon, lat2 * 180 / math.Pi}
}

// CircleBound is a lon/lat box that contains every point within km of p, for
// prefiltering with an index before an exact spherical distance test.
func CircleBound(p orb.Point, km float64) orb.Bound {
	cap := s2.CapFromCenterAngle(toS2(p), kmToAngle(km))
	r := cap.RectBound()
	if r.Lng.IsInverted() {
		// Across the antimeridian s2's box runs from 164° east to 76° west
		// the short way round, which an orb.Bound (Min ≤ Max) cannot say:
		// read the wrong way, it held none of the circle's points.
		return orb.Bound{Min: orb.Point{-180, r.Lo().Lat.Degrees()}, Max: orb.Point{180, r.Hi().Lat.Degrees()}}
	}
	return orb.Bound{
		Min: orb.Point{r.Lo().Lng.Degrees(), r.Lo().Lat.Degrees()},
		Max: orb.Point{r.Hi().Lng.Degrees(), r.Hi().Lat.Degrees()},
	}
}

// polylineIndex answers "how far is this point from that line" on the sphere.
type polylineIndex struct {
	index *s2.ShapeIndex
}

func newPolylineIndex(lines orb.MultiLineString) *polylineIndex {
	idx := s2.NewShapeIndex()
	for _, l := range lines {
		pts := make([]s2.Point, len(l))
		for i, p := range l {
			pts[i] = toS2(p)
		}
		pl := s2.Polyline(pts)
		idx.Add(&pl)
	}
	idx.Build()
	return &polylineIndex{index: idx}
}

func (pi *polylineIndex) distanceKM(p orb.Point) float64 {
	q := s2.NewClosestEdgeQuery(pi.index, s2.NewClosestEdgeQueryOptions())
	return angleToKM(q.Distance(s2.NewMinDistanceToPointTarget(toS2(p))).Angle())
}
