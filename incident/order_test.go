package incident

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
)

// Listings run newest first, then by id in descending byte order ("a-9"
// before "a-10"), and a cursor passes exactly what comes after it.
func TestListingOrderAndCursor(t *testing.T) {
	ins := []*Incident{
		{ID: "a-10", EventDate: "2023-10-02"},
		{ID: "b", EventDate: "2023-10-01"},
		{ID: "a-9", EventDate: "2023-10-02"},
		{ID: "A-9", EventDate: "2023-10-02"},
		{ID: "z", EventDate: "2023-10-03"},
	}
	SortListed(ins)
	var got []string
	for _, in := range ins {
		got = append(got, in.ID)
	}
	if fmt.Sprint(got) != "[z a-9 a-10 A-9 b]" {
		t.Errorf("order %v, want [z a-9 a-10 A-9 b]", got)
	}
	c := CursorAt(ins[1])
	for i, in := range ins {
		if c.Passes(in) != (i > 1) {
			t.Errorf("cursor after %s passes %s: %v", ins[1].ID, in.ID, c.Passes(in))
		}
	}
	var none *Cursor
	if !none.Passes(ins[0]) {
		t.Error("no cursor passes everything")
	}
}

// distance_km is to the point of a circle, else to the border asked about.
func ExampleFilter_ResultDistanceKM() {
	in := &Incident{Lon: 2.2, Lat: 13.5, Derived: Derived{Borders: []BorderDistance{
		{Border: "BFA-NER", Countries: [2]string{"BFA", "NER"}, DistanceKM: 70.5},
		{Border: "MLI-NER", Countries: [2]string{"MLI", "NER"}, DistanceKM: 180},
	}}}
	niamey := orb.Point{2.1098, 13.51366}
	for _, f := range []Filter{
		{Near: &niamey, RadiusKM: 25},
		{Near: &niamey, RadiusKM: 25, Border: "MLI", BorderKM: 200},
		{Border: "MLI", BorderKM: 200},
		{Border: "any", BorderKM: 100},
		{Site: NewSite("base", "Base Niamey", niamey), RadiusKM: 25, Border: "MLI", BorderKM: 200},
		{},
	} {
		if d := f.ResultDistanceKM(in); d != nil {
			fmt.Printf("%.1f\n", *d)
		} else {
			fmt.Println("none")
		}
	}
	// Output:
	// 9.9
	// 9.9
	// 180.0
	// 70.5
	// 9.9
	// none
}
