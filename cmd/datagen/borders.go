package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/golang/geo/s2"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/paulmach/orb"
)

// buildBorders finds every international land border: the polygon edges
// admin-1 units of two different countries share (rounding to 1e-6° keeps
// shared vertices shared), chained into lines, keyed by the two ISO3 codes
// in sorted order. Tripoints are the vertices where borders of three or more
// countries meet.
func buildBorders(units []*unit) ([]geo.AtlasBorder, []geo.AtlasTripoint, error) {
	// For each undirected edge, the countries whose rings use it.
	type owners struct{ a, b string }
	seen := map[ekey]owners{}
	for _, u := range units {
		if u.Level != 1 {
			continue
		}
		for _, poly := range u.Polys {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					k := edgeKey(r[i], r[i+1])
					o := seen[k]
					switch {
					case o.a == "":
						o.a = u.Country
					case o.a != u.Country && o.b == "":
						o.b = u.Country
					}
					seen[k] = o
				}
			}
		}
	}
	byPair := map[string][]edge{}
	for k, o := range seen {
		if o.b == "" {
			continue
		}
		key := geo.BorderKey(o.a, o.b)
		byPair[key] = append(byPair[key], edge{orb.Point{float64(k.ax) / 1e6, float64(k.ay) / 1e6}, orb.Point{float64(k.bx) / 1e6, float64(k.by) / 1e6}})
	}
	keys := make([]string, 0, len(byPair))
	for k := range byPair {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var borders []geo.AtlasBorder
	countriesAt := map[orb.Point]map[string]bool{}
	for _, k := range keys {
		edges := byPair[k]
		a, b, _ := geo.ParseBorder(k)
		for _, e := range edges {
			for _, p := range []orb.Point{e.a, e.b} {
				if countriesAt[p] == nil {
					countriesAt[p] = map[string]bool{}
				}
				countriesAt[p][a], countriesAt[p][b] = true, true
			}
		}
		lines := chain(edges)
		var km float64
		for _, l := range lines {
			km += lengthKM(l)
		}
		borders = append(borders, geo.AtlasBorder{Key: k, Lines: lines, LengthKM: km})
	}
	var tripoints []geo.AtlasTripoint
	for p, cs := range countriesAt {
		if len(cs) < 3 {
			continue
		}
		codes := make([]string, 0, len(cs))
		for c := range cs {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		tripoints = append(tripoints, geo.AtlasTripoint{Key: strings.Join(codes, "-"), Point: p})
	}
	// Where Natural Earth has the same countries meet at more than one
	// vertex (a border that leaves and rejoins), the westernmost names the
	// tripoint: a key names one point.
	slices.SortFunc(tripoints, func(x, y geo.AtlasTripoint) int {
		return cmp.Or(cmp.Compare(x.Key, y.Key), cmp.Compare(x.Point[0], y.Point[0]), cmp.Compare(x.Point[1], y.Point[1]))
	})
	tripoints = slices.CompactFunc(tripoints, func(x, y geo.AtlasTripoint) bool { return x.Key == y.Key })
	for _, want := range []string{"BFA-MLI-NER", "NER-NGA-TCD", "CMR-NGA-TCD"} {
		if !slices.ContainsFunc(tripoints, func(t geo.AtlasTripoint) bool { return t.Key == want }) {
			return nil, nil, fmt.Errorf("no tripoint %s: is the source still consistent along borders?", want)
		}
	}
	return borders, tripoints, nil
}

type edge struct{ a, b orb.Point }

func less(a, b orb.Point) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }

func key(a, b orb.Point) edge {
	if less(a, b) {
		return edge{a, b}
	}
	return edge{b, a}
}

// chain joins undirected edges into the longest possible lines, starting from
// line ends (vertices of degree 1) so that each border comes out in as few
// pieces as it can, then walks what is left (closed loops: an enclave's
// border). Edges are sorted first, so the output does not depend on map
// order.
func chain(edges []edge) orb.MultiLineString {
	slices.SortFunc(edges, func(x, y edge) int {
		return cmp.Or(cmp.Compare(x.a[0], y.a[0]), cmp.Compare(x.a[1], y.a[1]), cmp.Compare(x.b[0], y.b[0]), cmp.Compare(x.b[1], y.b[1]))
	})
	adj := map[orb.Point][]orb.Point{}
	for _, e := range edges {
		adj[e.a] = append(adj[e.a], e.b)
		adj[e.b] = append(adj[e.b], e.a)
	}
	used := map[edge]bool{}
	var starts []orb.Point
	for _, e := range edges {
		for _, p := range []orb.Point{e.a, e.b} {
			if len(adj[p]) == 1 {
				starts = append(starts, p)
			}
		}
	}
	slices.SortFunc(starts, func(x, y orb.Point) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	var out orb.MultiLineString
	walk := func(p orb.Point) {
		line := orb.LineString{p}
		for {
			next := false
			for _, q := range adj[p] {
				k := key(p, q)
				if !used[k] {
					used[k] = true
					line = append(line, q)
					p = q
					next = true
					break
				}
			}
			if !next {
				break
			}
		}
		if len(line) > 1 {
			out = append(out, line)
		}
	}
	for _, s := range starts {
		walk(s)
	}
	for _, e := range edges {
		if !used[e] {
			walk(e.a)
		}
	}
	return out
}

func lengthKM(l orb.LineString) float64 {
	var d float64
	for i := 0; i+1 < len(l); i++ {
		a := s2.PointFromLatLng(s2.LatLngFromDegrees(l[i][1], l[i][0]))
		b := s2.PointFromLatLng(s2.LatLngFromDegrees(l[i+1][1], l[i+1][0]))
		d += a.Distance(b).Radians() * geo.EarthRadiusKM
	}
	return d
}
