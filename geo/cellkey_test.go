package geo

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/paulmach/orb"
)

// lookup finds the range holding key k.
func lookup(rs []KeyRange, k int64) (KeyRange, bool) {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Hi >= k })
	if i < len(rs) && rs[i].Lo <= k {
		return rs[i], true
	}
	return KeyRange{}, false
}

// checkCover: every point of the region has its key in a range, and no
// point outside it has its key in an Inside range.
func checkCover(t *testing.T, name string, rs []KeyRange, in func(orb.Point) bool, sample func() orb.Point) {
	t.Helper()
	for i := 1; i < len(rs); i++ {
		if rs[i].Lo <= rs[i-1].Hi {
			t.Fatalf("%s: ranges %v and %v overlap or are out of order", name, rs[i-1], rs[i])
		}
	}
	var inside, edge, points int
	for range 20000 {
		p := sample()
		r, found := lookup(rs, CellKey(p))
		switch {
		case in(p) && !found:
			t.Fatalf("%s: %v is in the region but its key is in no range", name, p)
		case !in(p) && found && r.Inside:
			t.Fatalf("%s: %v is outside the region but its key is in an inside range %v", name, p, r)
		case in(p):
			points++
			if r.Inside {
				inside++
			} else {
				edge++
			}
		}
	}
	t.Logf("%s: %d ranges; %d of %d points in the region in inside ranges", name, len(rs), inside, points)
	if points == 0 || inside < points/2 {
		t.Errorf("%s: %d of %d points in the region fall in inside ranges; want most (edge ranges cost an exact test each)", name, inside, points)
	}
}

func TestCoverCap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		center orb.Point
		km     float64
	}{{niamey, 25}, {niamey, 0.5}, {orb.Point{0.9, 14.9}, 150}, {orb.Point{12.5, 23.99}, 5}} {
		rs := CoverCap(c.center, c.km, 256)
		if len(rs) == 0 || len(rs) > 256 {
			t.Fatalf("CoverCap(%v, %g) has %d ranges", c.center, c.km, len(rs))
		}
		b := CircleBound(c.center, c.km*1.3)
		checkCover(t, "cap", rs, func(p orb.Point) bool { return DistanceKM(c.center, p) <= c.km }, func() orb.Point {
			return orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		})
	}
}

func TestCoverBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, b := range []orb.Bound{
		{Min: orb.Point{1.5, 13}, Max: orb.Point{2.5, 14}},
		{Min: orb.Point{0, 11}, Max: orb.Point{16, 24}},
		{Min: orb.Point{2.1, 13.5}, Max: orb.Point{2.1001, 13.5001}},
		{Min: orb.Point{-1, -0.5}, Max: orb.Point{1, 0.5}}, // across the prime meridian and the equator
	} {
		rs := CoverBound(b, 256)
		w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
		checkCover(t, "bound", rs, b.Contains, func() orb.Point {
			return orb.Point{b.Min[0] - w/4 + rng.Float64()*w*1.5, b.Min[1] - h/4 + rng.Float64()*h*1.5}
		})
	}
}

func TestCellKeyOrder(t *testing.T) {
	// Keys of nearby points share a cell range: a point's key lies in the
	// range of every cell that contains it, at every level.
	k := CellKey(niamey)
	for _, r := range CoverCap(niamey, 1, 16) {
		if r.Lo <= k && k <= r.Hi {
			return
		}
	}
	t.Fatalf("Niamey's key %d is in none of the ranges covering 1 km around it", k)
}

func BenchmarkCoverCap(b *testing.B) {
	for b.Loop() {
		CoverCap(niamey, 25, 256)
	}
}
