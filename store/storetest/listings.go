package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"reflect"
	"testing"

	"github.com/incidentmap/incidentmap/incident"
)

// Listing sizes: enough incidents that every filter field selects a few
// and pages run to several, few enough for a CI run of seconds.
const (
	listingIncidents = 1000
	listingFilters   = 100
)

// Listings stores random incidents and checks random filters (every field
// alone, then combinations): List page by page along the cursors, Each
// with and without a limit, JSONOnly documents, Stats and, where the store
// has it, Aggregate (and the overviews of aggregateByType), all against the
// reference. Every field alone is
// checked on all of them; combinations on a share of the costlier ones.
func Listings(t *testing.T, open Open) {
	r := newRand(t)
	p := newPair(t, open, r, listingIncidents)
	p.aggregateByType()
	for i, f := range fixedFilters(p.data) {
		p.checkFilter(r, f, i, false)
		if t.Failed() {
			t.Logf("fixed filter %d: %s", i, describe(f))
			return
		}
	}
	matched := 0
	for i := range listingFilters {
		f, fields := randomFilter(r, p.data, i)
		n := p.checkFilter(r, f, i, i < len(FilterFields))
		if n > 0 {
			matched++
		}
		if t.Failed() {
			t.Logf("filter %d (%v): %s", i, fields, describe(f))
			return
		}
	}
	t.Logf("%d of %d random filters selected an incident", matched, listingFilters)
	// The data must exercise the filters: most select something.
	if matched < listingFilters*2/5 {
		t.Errorf("only %d of %d filters selected an incident; the generators should draw values the data has", matched, listingFilters)
	}
}

// checkFilter compares what the store and the reference answer to f, and
// returns how many incidents it matches. The costlier checks (JSONOnly,
// Stats, Aggregate) are made on every third or fourth filter, or on all
// when every is set.
func (p *pair) checkFilter(r *rand.Rand, f incident.Filter, i int, every bool) int {
	p.t.Helper()
	ctx := context.Background()
	var want []*incident.Incident
	if err := p.ref.Each(ctx, f, func(in *incident.Incident) error { want = append(want, in); return nil }); err != nil {
		p.t.Fatal(err)
	}
	// Each, everything.
	var got []*incident.Incident
	if err := p.store.Each(ctx, f, func(in *incident.Incident) error { got = append(got, in); return nil }); err != nil {
		p.t.Fatalf("Each: %v", err)
	}
	p.sameList("Each", f, got, want)
	// Pages along the cursors: at most about 8 of them.
	limit := max(1+r.Intn(40), len(want)/8+1)
	p.walk(f, limit, want)
	// Each with a limit is the first page.
	g := f
	g.Limit = limit
	got = got[:0]
	if err := p.store.Each(ctx, g, func(in *incident.Incident) error { got = append(got, in); return nil }); err != nil {
		p.t.Fatalf("Each: %v", err)
	}
	p.sameList("Each with a limit", g, got, want[:min(limit, len(want))])
	if every || i%3 == 0 {
		p.jsonOnly(f, limit)
	}
	if every || f.UpdatedSince == nil || i%4 == 0 {
		p.stats(f)
	}
	if every || i%4 == 1 {
		p.aggregate(f, r.Intn(incident.MaxAggregateLevel+1))
	}
	return len(want)
}

// walk lists f page by page along the Next cursors and compares every page
// with the reference's, and the whole walk with want.
func (p *pair) walk(f incident.Filter, limit int, want []*incident.Incident) {
	p.t.Helper()
	ctx := context.Background()
	f.Limit = limit
	var all []*incident.Incident
	for n := 0; ; n++ {
		page, err := p.store.List(ctx, f)
		if err != nil {
			p.t.Fatalf("List: %v", err)
		}
		ref, err := p.ref.List(ctx, f)
		if err != nil {
			p.t.Fatal(err)
		}
		if page.NumberMatched != ref.NumberMatched {
			p.errorf("List %s: numberMatched %d, want %d", describe(f), page.NumberMatched, ref.NumberMatched)
		}
		p.sameList("List", f, page.Incidents, ref.Incidents)
		if !reflect.DeepEqual(page.Next, ref.Next) {
			p.errorf("List %s: next cursor %v, want %v", describe(f), page.Next, ref.Next)
		}
		all = append(all, page.Incidents...)
		if page.Next == nil || ref.Next == nil || n > len(want) {
			break
		}
		// A cursor goes through its text form, as clients send it back.
		if f.Cursor, err = incident.DecodeCursor(page.Next.Encode()); err != nil {
			p.t.Fatal(err)
		}
	}
	f.Cursor = nil
	p.sameList("the pages of List", f, all, want)
}

// sameList compares a store's answer with the reference's: the same
// incidents in the same order, each as the reference has it, with the
// same distance_km; deletion markers by id.
func (p *pair) sameList(what string, f incident.Filter, got, want []*incident.Incident) {
	p.t.Helper()
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i].ID != want[i].ID {
			p.errorf("%s %s: incident %d is %s, want %s (%d incidents, want %d)\n got %v\nwant %v", what, describe(f), i, idAt(got, i), idAt(want, i), len(got), len(want), ids(got), ids(want))
			return
		}
		g, w := got[i], want[i]
		if g.Deleted != w.Deleted {
			p.errorf("%s %s: %s deleted %v, want %v", what, describe(f), g.ID, g.Deleted, w.Deleted)
		}
		if !sameDistance(g.DistanceKM, w.DistanceKM) {
			p.errorf("%s %s: %s distance_km %v, want %v", what, describe(f), g.ID, fmtKM(g.DistanceKM), fmtKM(w.DistanceKM))
		}
		if g.Deleted || f.JSONOnly || what != "Each" {
			continue // documents are compared once, in the whole listing
		}
		if a, b := feature(g), feature(w); !sameJSON(a, b) {
			p.errorf("%s %s: %s reads back as\n%s\nwant\n%s", what, describe(f), g.ID, a, b)
		}
	}
}

// jsonOnly compares the documents a JSONOnly page carries.
func (p *pair) jsonOnly(f incident.Filter, limit int) {
	p.t.Helper()
	ctx := context.Background()
	f.Limit, f.JSONOnly = limit, true
	page, err := p.store.List(ctx, f)
	if err != nil {
		p.t.Fatalf("List: %v", err)
	}
	ref, _ := p.ref.List(ctx, f)
	p.sameList("List with JSONOnly", f, page.Incidents, ref.Incidents)
	for i := range min(len(page.Incidents), len(ref.Incidents)) {
		g, w := page.Incidents[i], ref.Incidents[i]
		if g.Deleted {
			continue
		}
		var a, b bytes.Buffer
		g.AppendFeature(&a)
		w.AppendFeature(&b)
		if !sameJSON(a.Bytes(), b.Bytes()) {
			p.errorf("List with JSONOnly %s: %s is written as\n%s\nwant\n%s", describe(f), g.ID, a.Bytes(), b.Bytes())
		}
	}
}

// stats compares Stats with the reference's: the total, and incidents and
// fatalities by country, region, month, event type and border band. The
// total is numberMatched less the deletion markers a sync filter lists,
// and each dimension's buckets add up to it.
func (p *pair) stats(f incident.Filter) {
	p.t.Helper()
	ctx := context.Background()
	got, err := p.store.Stats(ctx, f)
	if err != nil {
		p.t.Fatalf("Stats: %v", err)
	}
	want, _ := p.ref.Stats(ctx, f)
	if !reflect.DeepEqual(got, want) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		p.errorf("Stats %s:\n got %s\nwant %s", describe(f), a, b)
	}
	live := p.live(f)
	if got.Total.Incidents != live {
		p.errorf("Stats %s: total %d incidents, but %d live ones match", describe(f), got.Total.Incidents, live)
	}
	for name, dim := range map[string][]incident.Bucket{"by_country": got.ByCountry, "by_region": got.ByRegion, "by_month": got.ByMonth, "by_event_type": got.ByType, "by_border_band": got.ByBorderKM} {
		n, fat := 0, 0
		for _, b := range dim {
			n, fat = n+b.Incidents, fat+b.Fatalities
		}
		if n != got.Total.Incidents || fat != got.Total.Fatalities {
			p.errorf("Stats %s: %s adds up to %d incidents and %d fatalities, the total is %d and %d", describe(f), name, n, fat, got.Total.Incidents, got.Total.Fatalities)
		}
	}
}

// live is how many live incidents the store lists for f: numberMatched,
// less the deletion markers when updated_since lists them too.
func (p *pair) live(f incident.Filter) int {
	p.t.Helper()
	ctx := context.Background()
	f.Limit, f.Cursor = 1, nil
	page, err := p.store.List(ctx, f)
	if err != nil {
		p.t.Fatalf("List: %v", err)
	}
	n := page.NumberMatched
	if f.UpdatedSince != nil {
		f.Limit = 0
		if err := p.store.Each(ctx, f, func(in *incident.Incident) error {
			if in.Deleted {
				n--
			}
			return nil
		}); err != nil {
			p.t.Fatalf("Each: %v", err)
		}
	}
	return n
}

func (p *pair) aggregate(f incident.Filter, level int) {
	p.t.Helper()
	ag, ok := p.store.(incident.Aggregator)
	if !ok {
		return
	}
	ctx := context.Background()
	got, err := ag.Aggregate(ctx, f, level)
	if f.UpdatedSince != nil {
		// Counts per cell are of live incidents: a sync filter is refused.
		if incident.ErrorCode(err) != incident.EINVALID {
			p.errorf("Aggregate %s: %v, want an invalid-filter error", describe(f), err)
		}
		return
	}
	if err != nil {
		p.t.Fatalf("Aggregate: %v", err)
	}
	sum := 0
	for _, c := range got {
		sum += c.Incidents
	}
	if live := p.live(f); sum != live {
		p.errorf("Aggregate %s at level %d: the cells hold %d incidents, numberMatched is %d", describe(f), level, sum, live)
	}
	want, _ := p.ref.Aggregate(ctx, f, level)
	byCell := map[string]incident.CellCount{}
	for _, c := range want {
		byCell[c.Cell] = c
	}
	if len(got) != len(want) {
		p.errorf("Aggregate %s at level %d: %d cells, want %d", describe(f), level, len(got), len(want))
		return
	}
	for _, c := range got {
		w, ok := byCell[c.Cell]
		switch {
		case !ok:
			p.errorf("Aggregate %s at level %d: cell %s, which no incident is in", describe(f), level, c.Cell)
		case c.Incidents != w.Incidents || c.Level != level:
			p.errorf("Aggregate %s at level %d: cell %s has %d incidents, want %d", describe(f), level, c.Cell, c.Incidents, w.Incidents)
		case c.Fatalities != nil && *c.Fatalities != *w.Fatalities:
			p.errorf("Aggregate %s at level %d: cell %s has %d fatalities, want %d", describe(f), level, c.Cell, *c.Fatalities, *w.Fatalities)
		}
	}
}

// aggregateByType checks the overviews a map asks for most: of every
// incident and of event types alone (one, two, all but one, as unticking a
// type asks), at the levels of a map's zooms and a finer one. A store may
// answer them from counts it keeps as it writes, which every kind of write
// must keep right, so the suite checks them after each.
func (p *pair) aggregateByType() {
	p.t.Helper()
	var types []string
	for _, et := range incident.EventTypes {
		types = append(types, et.Name)
	}
	for _, f := range []incident.Filter{{}, {EventTypes: types[:1]}, {EventTypes: types[2:4]}, {EventTypes: types[1:]}} {
		for _, level := range []int{4, 9, 13, 16} {
			p.aggregate(f, level)
		}
	}
}

// feature is an incident's document as a listing writes it, without the
// distance (compared on its own).
func feature(in *incident.Incident) []byte {
	c := *in
	c.DistanceKM, c.StoredJSON = nil, nil
	b, _ := c.MarshalJSON()
	return b
}

// sameJSON: the same JSON values, whatever the order of members.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// sameDistance: both none, or within a metre's thousandth (stores compute
// great circles in their own arithmetic).
func sameDistance(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-6
}

func fmtKM(d *float64) any {
	if d == nil {
		return "none"
	}
	return *d
}

func idAt(ins []*incident.Incident, i int) string {
	if i < len(ins) {
		return ins[i].ID
	}
	return "(none)"
}

func ids(ins []*incident.Incident) []string {
	out := make([]string, 0, len(ins))
	for i, in := range ins {
		if i == 12 {
			out = append(out, "…")
			break
		}
		out = append(out, in.ID)
	}
	return out
}
