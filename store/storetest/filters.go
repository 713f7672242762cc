package storetest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// FilterField sets one field of a random filter. The suite draws filters
// as combinations of these, so a new field of incident.Filter is tested on
// every store by adding its generator here (and its meaning to
// Filter.Match).
type FilterField struct {
	Name string
	// Set gives the field a random value, mostly one some incident of d
	// has, so that filters select something, sometimes one none has.
	Set func(r *rand.Rand, d *Data, f *incident.Filter)
}

// FilterFields are the generators of every filter field.
var FilterFields = []FilterField{
	{"bbox", func(r *rand.Rand, d *Data, f *incident.Filter) {
		a, b := d.Pick(r), d.Pick(r)
		if r.Intn(3) == 0 { // a box around one incident, its point on the edge
			b = a
		}
		bb := orb.Bound{Min: orb.Point{min(a.Lon, b.Lon), min(a.Lat, b.Lat)}, Max: orb.Point{max(a.Lon, b.Lon), max(a.Lat, b.Lat)}}
		if r.Intn(2) == 0 {
			bb = bb.Pad(r.Float64() * 3)
			bb.Min, bb.Max = orb.Point{clamp(bb.Min[0], 180), clamp(bb.Min[1], 90)}, orb.Point{clamp(bb.Max[0], 180), clamp(bb.Max[1], 90)}
		}
		f.BBox = &bb
	}},
	{"near", func(r *rand.Rand, d *Data, f *incident.Filter) {
		p := orb.Point{d.Pick(r).Lon, d.Pick(r).Lat}
		if r.Intn(2) == 0 {
			in := d.Pick(r)
			p = orb.Point{in.Lon, in.Lat}
		}
		f.Near, f.RadiusKM = &p, []float64{0.5, 10, 25, 80, 300, 1500, 5000}[r.Intn(7)]*(0.5+r.Float64())
		f.RadiusKM = min(f.RadiusKM, 5000)
	}},
	{"border", func(r *rand.Rand, d *Data, f *incident.Filter) {
		in := d.Pick(r)
		f.Border, f.BorderKM = "any", 50
		if len(in.Borders) > 0 {
			b := in.Borders[r.Intn(len(in.Borders))]
			switch r.Intn(3) {
			case 0:
				f.Border = b.Border
			case 1:
				f.Border = b.Countries[r.Intn(2)]
			}
		}
		switch d, ok := in.BorderKM(f.Border); {
		case ok && r.Intn(3) == 0: // exactly the incident's distance: km are inclusive
			f.BorderKM = d
		default:
			f.BorderKM = []float64{1, 10, 50, 120.5, 300, 5000}[r.Intn(6)]
		}
		if r.Intn(3) == 0 && in.Country != nil { // one side
			f.Countries = []string{*in.Country}
		}
	}},
	{"country", func(r *rand.Rand, d *Data, f *incident.Filter) {
		for range 1 + r.Intn(2) {
			if in := d.Pick(r); in.Country != nil {
				f.Countries = append(f.Countries, *in.Country)
			} else {
				f.Countries = append(f.Countries, "NER")
			}
		}
	}},
	{"region", func(r *rand.Rand, d *Data, f *incident.Filter) {
		for range 1 + r.Intn(2) {
			if in := d.Pick(r); in.Region != nil {
				f.Regions = append(f.Regions, in.Region.Code)
			} else {
				f.Regions = append(f.Regions, "NE-6")
			}
		}
	}},
	{"admin1", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.Admin1 = []string{spelling(r, d.Pick(r).Admin1)}
	}},
	{"admin2", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.Admin2 = []string{spelling(r, d.Pick(r).Admin2), "Nowhere"}
	}},
	{"flag", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.Flags = []string{incident.FlagAdmin1Mismatch}
	}},
	{"dates", func(r *rand.Rand, d *Data, f *incident.Filter) {
		a, b := d.Pick(r).EventDate, d.Pick(r).EventDate
		if a > b {
			a, b = b, a
		}
		switch r.Intn(4) {
		case 0:
			f.Start = a
		case 1:
			f.End = b
		case 2: // whole months, as the SQLite store's monthly rollup answers
			f.Start, f.End = a[:8]+"01", time.Date(atoi(b[:4]), time.Month(atoi(b[5:7]))+1, 0, 0, 0, 0, 0, time.UTC).Format(incident.DateLayout)
		default:
			f.Start, f.End = a, b
		}
	}},
	{"event_type", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.EventTypes = append(f.EventTypes, d.Pick(r).EventType)
		if r.Intn(2) == 0 {
			f.EventTypes = append(f.EventTypes, d.Pick(r).EventType)
		}
	}},
	{"sub_event_type", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.SubEventTypes = append(f.SubEventTypes, d.Pick(r).SubEventType)
	}},
	{"q", func(r *rand.Rand, d *Data, f *incident.Filter) {
		var words []string
		for range 1 + r.Intn(2) {
			words = append(words, prefix(r, d.Words[r.Intn(len(d.Words))]))
		}
		switch r.Intn(12) {
		case 0:
			words = []string{"/"} // no word at all: matches nothing
		case 1:
			words = append(words, "zzqx")
		}
		f.Q = strings.Join(words, pick(r, []string{" ", ", ", "-"}))
	}},
	{"min_fatalities", func(r *rand.Rand, d *Data, f *incident.Filter) {
		f.MinFatalities = []int{1, d.Pick(r).Fatalities, 10}[r.Intn(3)]
	}},
	{"zone", zoneField},
	{"near_site", nearSiteField},
	{"updated_since", func(r *rand.Rand, d *Data, f *incident.Filter) {
		t := d.Pick(r).UpdatedAt
		if r.Intn(2) == 0 {
			t = t.Add(-time.Microsecond) // that incident is just after it
		}
		f.UpdatedSince = &t
	}},
}

// randomFilter combines up to four random fields; the first few of a run
// are single fields, each field once, so every one is tested alone.
func randomFilter(r *rand.Rand, d *Data, i int) (incident.Filter, []string) {
	var f incident.Filter
	if i < len(FilterFields) {
		FilterFields[i].Set(r, d, &f)
		return f, []string{FilterFields[i].Name}
	}
	var names []string
	for range r.Intn(5) {
		ff := FilterFields[r.Intn(len(FilterFields))]
		ff.Set(r, d, &f)
		names = append(names, ff.Name)
	}
	return f, names
}

// spelling is an admin name as another export may write it: folded, in
// capitals, with a word such as "Region", y for i.
func spelling(r *rand.Rand, name string) string {
	switch r.Intn(5) {
	case 0:
		return geo.Fold(name)
	case 1:
		return strings.ToUpper(name)
	case 2:
		return name + " region"
	case 3:
		return strings.ReplaceAll(name, "i", "y")
	}
	return name
}

// prefix is the start of a word, in its case or another: q= matches words
// by their start, case and accents aside.
func prefix(r *rand.Rand, w string) string {
	n := utf8.RuneCountInString(w)
	p := string([]rune(w)[:1+r.Intn(n)])
	switch r.Intn(3) {
	case 0:
		return strings.ToUpper(p)
	case 1:
		return geo.Fold(p)
	}
	return p
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

// describe is a filter as a reader of a failure wants it.
func describe(f incident.Filter) string {
	var b strings.Builder
	add := func(k string, v any) { fmt.Fprintf(&b, "%s=%v ", k, v) }
	if f.BBox != nil {
		add("bbox", fmt.Sprintf("%v,%v,%v,%v", f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1]))
	}
	if f.Near != nil {
		add("near", fmt.Sprintf("%v,%v", f.Near[0], f.Near[1]))
		add("radius_km", f.RadiusKM)
	}
	for _, z := range f.Zones {
		add("zone", z.ID)
	}
	if f.Site != nil {
		add("near_site", f.Site.ID)
		add("radius_km", f.RadiusKM)
	}
	if f.Border != "" {
		add("border", f.Border)
		add("border_km", f.BorderKM)
	}
	for k, v := range map[string][]string{"country": f.Countries, "region": f.Regions, "admin1": f.Admin1, "admin2": f.Admin2, "flag": f.Flags, "event_type": f.EventTypes, "sub_event_type": f.SubEventTypes} {
		if len(v) > 0 {
			add(k, strings.Join(v, ","))
		}
	}
	for k, v := range map[string]string{"start": f.Start, "end": f.End, "q": f.Q} {
		if v != "" {
			add(k, fmt.Sprintf("%q", v))
		}
	}
	if f.MinFatalities > 0 {
		add("min_fatalities", f.MinFatalities)
	}
	if f.UpdatedSince != nil {
		add("updated_since", f.UpdatedSince.Format(time.RFC3339Nano))
	}
	if f.Limit > 0 {
		add("limit", f.Limit)
	}
	if f.Cursor != nil {
		add("cursor", *f.Cursor)
	}
	return strings.TrimSpace(b.String())
}
