package incident

import (
	"testing"
)

func attack(date string, precision int, lon, lat float64, sub string, fatalities int) *Incident {
	in := &Incident{EventDate: date, TimePrecision: precision, SubEventType: sub, Fatalities: fatalities}
	in.EventType, _ = EventTypeOf(sub)
	in.SetPoint(lon, lat)
	return in
}

func TestCompareIncidents(t *testing.T) {
	torodi := attack("2024-03-10", TimeDay, 1.7987, 13.1192, "Armed clash", 7)
	radius := 166.0
	region := attack("2023-08-15", TimeMonth, 4.377, 17.044, "Suicide bomb", 29)
	region.UncertaintyKM = &radius
	for _, tt := range []struct {
		name string
		a, b *Incident
		dup  bool
	}{
		// 0.18° of latitude is 20 km.
		{"one attack, two sources: a day and 20 km apart", torodi, attack("2024-03-11", TimeDay, 1.7987, 13.3, "Armed clash", 9), true},
		{"one attack coded as an IED by one source", torodi, attack("2024-03-10", TimeDay, 1.80, 13.12, "Remote explosive/landmine/IED", 7), true},
		{"two attacks in one town a week apart", torodi, attack("2024-03-17", TimeDay, 1.7987, 13.1192, "Armed clash", 7), false},
		{"the same day 60 km apart", torodi, attack("2024-03-10", TimeDay, 1.7987, 13.66, "Armed clash", 7), false},
		{"an attack and a protest", torodi, attack("2024-03-10", TimeDay, 1.7987, 13.1192, "Peaceful protest", 0), false},
		{"a month's report within the region's radius", region, attack("2023-08-02", TimeDay, 4.2, 16.2, "Armed clash", 30), true},
	} {
		score, reasons, ok := CompareIncidents(tt.a, tt.b)
		if got := ok && score >= DuplicateMinScore; got != tt.dup {
			t.Errorf("%s: duplicate %v (score %.2f, %v), want %v", tt.name, got, score, reasons, tt.dup)
		}
		if tt.dup && len(reasons) < 3 {
			t.Errorf("%s: reasons %v", tt.name, reasons)
		}
	}
}
