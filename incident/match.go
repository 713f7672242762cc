package incident

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// EarthRadiusKM is the mean Earth radius (IUGG) every distance is measured
// on: geo's s2 distances are scaled by it, the SQLite store's haversine
// uses it, and so does DistanceKM.
const EarthRadiusKM = 6371.0088

// DistanceKM is the great-circle distance between two lon/lat points in km,
// by the haversine formula on the sphere of EarthRadiusKM (the formula the
// SQLite store computes in SQL; geo.DistanceKM gives the same with s2).
func DistanceKM(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (b[1]-a[1])*rad, (b[0]-a[0])*rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * EarthRadiusKM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Match says whether the filter selects the incident: what every filter
// means, written once. Stores implement it in their own query language and
// are held to it by the conformance suite (store/storetest, against the
// reference store/memstore, built on it); watches and the live stream call
// it on each write. Paging and output are not part of it: the order, the
// cursor and distance_km are in order.go (CompareListed, Cursor.Passes,
// Filter.ResultDistanceKM).
//
// A deleted incident matches only a sync filter (UpdatedSince), as the
// deletion marker a listing returns, tested on its last state.
func (f Filter) Match(in *Incident) bool {
	return f.match(in, nil)
}

// match is Match with the incident's search words computed once by the
// caller when it tests many filters (nil: computed here if needed).
func (f Filter) match(in *Incident, words *[]string) bool {
	if in == nil || in.Deleted && f.UpdatedSince == nil {
		return false
	}
	if f.UpdatedSince != nil && !in.UpdatedAt.After(*f.UpdatedSince) {
		return false
	}
	if f.Start != "" && in.EventDate < f.Start || f.End != "" && in.EventDate > f.End {
		return false
	}
	if in.Fatalities < f.MinFatalities {
		return false
	}
	if len(f.EventTypes) > 0 && !slices.Contains(f.EventTypes, in.EventType) ||
		len(f.SubEventTypes) > 0 && !slices.Contains(f.SubEventTypes, in.SubEventType) {
		return false
	}
	if len(f.Regions) > 0 && (in.Region == nil || !slices.Contains(f.Regions, in.Region.Code)) {
		return false
	}
	if len(f.Countries) > 0 && (in.Country == nil || !slices.Contains(f.Countries, *in.Country)) {
		return false
	}
	if !matchNames(f.Admin1, in.Admin1) || !matchNames(f.Admin2, in.Admin2) {
		return false
	}
	for _, fl := range f.Flags {
		if fl == FlagAdmin1Mismatch && !in.Admin1Mismatch {
			return false
		}
	}
	p := orb.Point{in.Lon, in.Lat}
	if f.BBox != nil && !f.BBox.Contains(p) {
		return false
	}
	if f.Near != nil && DistanceKM(*f.Near, p) > f.RadiusKM {
		return false
	}
	if f.Site != nil && f.Site.DistanceKM(p) > f.RadiusKM {
		return false
	}
	if len(f.Zones) > 0 && !slices.ContainsFunc(f.Zones, func(z *Zone) bool { return z.Contains(in) }) {
		return false
	}
	if f.Border != "" {
		// A border more than 300 km away has no distance: out of any band.
		if d, ok := in.BorderKM(f.Border); !ok || d > f.BorderKM {
			return false
		}
	}
	if f.Q != "" {
		var text []string
		if words != nil && *words != nil {
			text = *words
		} else {
			text = SearchWords(SearchText(in))
			if words != nil {
				*words = text
			}
		}
		return matchWords(SearchWords(f.Q), text)
	}
	return true
}

// matchNames: no names, or the reported name is one of them however spelled.
func matchNames(names []string, reported string) bool {
	if len(names) == 0 {
		return true
	}
	k := NameKey(reported)
	for _, n := range names {
		if NameKey(n) == k {
			return true
		}
	}
	return false
}

// matchWords: every word of q starts a word of the text. Text with no word
// in it (q=/) matches nothing, as in the stores.
func matchWords(q, text []string) bool {
	if len(q) == 0 {
		return false
	}
	for _, w := range q {
		if !slices.ContainsFunc(text, func(t string) bool { return strings.HasPrefix(t, w) }) {
			return false
		}
	}
	return true
}

// ChangedFields names what a write changed between two versions of an
// incident: "geometry" when it moved, then the properties whose values
// differ (derived ones too: a move changes region_code, borders...), in
// alphabetical order. Times of writing are left out: they always change.
func ChangedFields(before, after *Incident) []string {
	if before == nil || after == nil {
		return nil
	}
	props := func(in *Incident) map[string]any {
		c := *in
		c.StoredJSON, c.DistanceKM = nil, nil
		b, _ := c.MarshalJSON()
		var f struct {
			Properties map[string]any `json:"properties"`
		}
		json.Unmarshal(b, &f)
		delete(f.Properties, "created_at")
		delete(f.Properties, "updated_at")
		return f.Properties
	}
	var out []string
	if before.Lon != after.Lon || before.Lat != after.Lat {
		out = append(out, "geometry")
	}
	a, b := props(before), props(after)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	return out
}
