package incident

// EventTypes is ACLED's event typology: the six event types and, for each,
// its sub-event types, in ACLED's order.
var EventTypes = []struct {
	Name      string
	SubEvents []string
}{
	{"Battles", []string{"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}},
	{"Explosions/Remote violence", []string{"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Grenade"}},
	{"Violence against civilians", []string{"Sexual violence", "Attack", "Abduction/forced disappearance"}},
	{"Protests", []string{"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}},
	{"Riots", []string{"Violent demonstration", "Mob violence"}},
	{"Strategic developments", []string{"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use", "Headquarters or base established", "Looting/property destruction", "Non-violent transfer of territory", "Other"}},
}

// ACLED's time_precision codes.
const (
	TimeDay   = 1
	TimeWeek  = 2
	TimeMonth = 3
)

var (
	eventTypeOf  = map[string]string{} // sub-event type → event type
	eventTypeSet = map[string]bool{}
)

func init() {
	for _, et := range EventTypes {
		eventTypeSet[et.Name] = true
		for _, s := range et.SubEvents {
			eventTypeOf[s] = et.Name
		}
	}
}

// IsEventType reports whether s is one of ACLED's six event types.
func IsEventType(s string) bool { return eventTypeSet[s] }

// EventTypeOf returns the event type a sub-event type belongs to.
func EventTypeOf(subEventType string) (string, bool) {
	t, ok := eventTypeOf[subEventType]
	return t, ok
}

// EventTypeNames lists the six event types.
func EventTypeNames() []string {
	out := make([]string, len(EventTypes))
	for i, et := range EventTypes {
		out[i] = et.Name
	}
	return out
}
