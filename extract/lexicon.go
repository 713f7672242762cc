package extract

import "time"

// lexicon is one language's rules: word tables the engine matches on folded
// tokens. rules_en.go and rules_fr.go fill one each; the engine is the same
// for both.
type lexicon struct {
	lang string

	// Quantities.
	modifiers  phrases[modifier]
	vague      phrases[vagueQuantity]
	rangeWords map[string]bool // "and", "to", "or": the word between the ends of a range
	orMore     phrases[bool]

	// Who died, and the words that say they died.
	victims    phrases[victim]
	killBefore phrases[bool] // before the count: "killing", "claimed the lives of"
	killAfter  phrases[bool] // after the victims: "were killed", "ont été tués"
	wounded    phrases[bool] // "wounded", "blessés": not deaths
	agent      map[string]bool
	of         map[string]bool // "of", "de": "the lives of 29 troops", "dizaines de terroristes"

	// Dates.
	weekdays   map[string]time.Weekday
	months     map[string]time.Month
	dayParts   phrases[bool] // "night", "morning", "soir"
	relative   phrases[relative]
	monthLead  map[string]bool // "in", "en", "early", "fin": a month name alone is a date only after these
	nightOfTo  phrases[bool]   // "dans la nuit de" (lundi à mardi)
	ordinalEnd []string        // "st", "nd", "er"

	// What happened.
	types      phrases[typeCue]
	coup       phrases[bool]
	actors     phrases[actorCue]
	background phrases[string] // sentences of context: agreements, withdrawals, mourning
	anaphora   phrases[bool]   // "the attack", "l'incident": the incident already told of
	newEvent   phrases[bool]   // "another attack", "une autre attaque"
	since      phrases[bool]   // "since", "depuis": what follows is a reference, not news

	// Places.
	placePrep  phrases[bool] // "in", "near", "près de"
	nearPrep   phrases[bool] // the ones that mean near
	regionWord map[string]bool
	borderWord map[string]bool
	directions phrases[string] // → the geocoder's English direction word
	countries  phrases[string] // → the country's English name
	placeIntro phrases[bool]   // "the village of", "la localité de"
	kmOf       phrases[string] // "north of", "au nord de" → direction
	stopNames  map[string]bool // capitalised words that are never places
	articles   map[string]bool
	borderWith phrases[bool] // "border with", "frontière avec le"
	regionOf   phrases[bool] // "region de", "la région de"
	countryOf  map[string]bool
	kmWords    map[string]bool
}

// victim is who a noun says died: soldiers, civilians, attackers or
// people (unspecified). dead marks nouns that say the death themselves
// ("dead", "morts").
type victim struct {
	who  string
	dead bool
}

// Who died, as fatalities_by keys.
const (
	whoSoldiers  = "soldiers"
	whoCivilians = "civilians"
	whoAttackers = "attackers"
	whoPeople    = "people"
	whoLives     = "lives" // "17 lives of soldiers": who comes after
)

// relative is a date said relative to publication.
type relative int

const (
	relYesterday relative = iota + 1
	relToday
	relLastWeek
	relLastMonth
	relThisMonth
)

// typeCue is a word that says what kind of event it was, with the ACLED
// sub-event type it points to. The strongest cue in an incident's words
// wins: a suicide attack is a Suicide bomb even when the report also calls
// it an attack. generic cues ("attacks") describe a trend, not one event.
type typeCue struct {
	sub      string
	strength int
	generic  bool
}

// actorCue is a name for an actor and the normalised name analysts use.
// kind is state (national forces, named by the country), group (a named
// armed group), armed (an armed group the text does not name) or
// civilians.
type actorCue struct {
	name    string
	kind    string
	country string // for state forces named with their country ("armée nigérienne")
}

const (
	kindState     = "state"
	kindGroup     = "group"
	kindArmed     = "armed"
	kindCivilians = "civilians"
)

func words(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func lexiconFor(lang string) *lexicon {
	if lang == "fr" {
		return french
	}
	return english
}

// detectLanguage tells English from French by their commonest short words.
func detectLanguage(ss []sentence) string {
	en, fr := 0, 0
	n := 0
	for _, s := range ss {
		for _, t := range s.toks {
			switch t.w {
			case "the", "of", "and", "was", "were", "in", "on", "by", "with", "that":
				en++
			case "le", "la", "les", "des", "et", "du", "dans", "une", "est", "ont", "au", "aux":
				fr++
			}
			n++
			if n > 2000 {
				break
			}
		}
	}
	if fr > en {
		return "fr"
	}
	return "en"
}
