package incident

import (
	"slices"
	"strings"
)

// Listings return incidents newest event_date first and, within a day, by
// id in descending byte order (as SQL compares text); a page ends at a
// Cursor, and the next page starts with the first incident after it. This
// file and Match are the whole meaning of a listing: every store is held
// to them by the conformance suite (store/storetest).

// CompareListed orders two incidents as listings return them: negative
// when a comes first. Ids are unique, so no two incidents compare equal.
func CompareListed(a, b *Incident) int {
	if c := strings.Compare(b.EventDate, a.EventDate); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// SortListed sorts incidents into listing order.
func SortListed(ins []*Incident) { slices.SortFunc(ins, CompareListed) }

// CursorAt is the cursor after in: the next page starts after it.
func CursorAt(in *Incident) *Cursor { return &Cursor{EventDate: in.EventDate, ID: in.ID} }

// Passes says whether in comes after the cursor in listing order, so
// belongs on a page the cursor starts. A nil cursor passes everything.
func (c *Cursor) Passes(in *Incident) bool {
	if c == nil {
		return true
	}
	return in.EventDate < c.EventDate || in.EventDate == c.EventDate && in.ID < c.ID
}

// ResultDistanceKM is the distance_km a result of f carries: to f.Near
// (great circle, DistanceKM) when the filter has a circle, else to f.Site
// (Site.DistanceKM; 0 inside a camp's polygon) for near_site=, else to the
// border f names (Incident.BorderKM: key, country or any), else none.
// With a border filter the incident is within 300 km of it (Match), so the
// distance is known.
func (f Filter) ResultDistanceKM(in *Incident) *float64 {
	switch f.Distance() {
	case "near":
		d := DistanceKM(*f.Near, [2]float64{in.Lon, in.Lat})
		return &d
	case "site":
		d := f.Site.DistanceKM([2]float64{in.Lon, in.Lat})
		return &d
	case "border":
		if d, ok := in.BorderKM(f.Border); ok {
			return &d
		}
	}
	return nil
}
