package extract

import (
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// draft makes the incident e tells of, with the evidence for each field.
func (e *event) draft(lx *lexicon, text string, pub time.Time, o Options, ro *runeOffsets) *incident.Draft {
	in := &incident.Incident{Source: o.Source, SourceURL: o.SourceURL}
	ev := map[string][]incident.Span{}
	mark := func(field string, s [2]int) {
		if s[1] > s[0] {
			ev[field] = append(ev[field], incident.Span{ro.at(s[0]), ro.at(s[1])})
		}
	}
	// The date; an incident the report gives no date for is put on the
	// publication date, at week precision (it is recent news).
	date, precision := pub, incident.TimeWeek
	if e.date != nil {
		date, precision = e.date.date, e.date.precision
		mark("event_date", e.dateSpan)
		mark("time_precision", e.dateSpan)
	}
	in.EventDate, in.TimePrecision = date.Format(incident.DateLayout), precision

	// The place.
	if e.coup && e.place.town == "" {
		// A coup is in the capital, the seat of the government it
		// overthrows, when the report names only the country.
		country := e.place.country
		if country == "" {
			country = "Niger"
		}
		if capital := capitals[country]; capital != "" {
			e.place.town = capital
		}
	}
	cand, phrase, placed := geocode(o.Geocoder, &e.place)
	country := e.place.country
	if placed {
		in.SetPoint(cand.Lon, cand.Lat)
		in.GeoPrecision = cand.GeoPrecision
		r := cand.RadiusKM
		in.UncertaintyKM = &r
		if cand.Region != nil {
			if c := iso2Countries[strings.SplitN(cand.Region.Code, "-", 2)[0]]; c != "" {
				country = c
			}
		}
		in.Location = phrase
	} else if ps := e.place.phrases(); len(ps) > 0 {
		in.Location = ps[0]
	}
	for _, s := range e.place.spans {
		mark("location", s)
	}
	if country == "" {
		country = e.place.border
	}

	if e.coup {
		in.EventType, in.SubEventType = "Strategic developments", "Other"
		mark("event_type", e.coupSpan)
		mark("sub_event_type", e.coupSpan)
		in.Actor1 = militaryName(country, date)
		in.Actor2 = governmentName(country, date.AddDate(0, 0, -1))
		for _, a := range e.coupActors {
			mark("actor1", [2]int{a.start, a.end})
		}
		mark("actor2", e.coupSpan)
	} else {
		e.setType(in, mark)
		e.setActors(in, country, date, mark)
		e.setFatalities(in, mark)
	}
	in.Notes = sentenceText(text, e.sentences)
	for _, s := range e.sentences {
		mark("notes", s)
	}
	in.Extra = map[string]any{"extraction_lang": lx.lang}
	if by := e.fatalitiesBy(); len(by) > 0 {
		in.Extra["fatalities_by"] = by
	}
	return &incident.Draft{Status: incident.DraftOpen, Incident: in, Evidence: ev}
}

// setType takes the strongest type cue: a suicide attack is a Suicide bomb
// even when the report also calls it an attack. An Armed clash in which
// only civilians died is an attack on civilians; with no cue, deaths of
// soldiers make an armed clash and others an attack on civilians.
func (e *event) setType(in *incident.Incident, mark func(string, [2]int)) {
	soldiers, others := false, false
	for _, f := range e.deaths {
		switch f.who {
		case whoSoldiers:
			soldiers = true
		case whoCivilians, whoPeople:
			others = true
		}
	}
	var best *typeHit
	for i := range e.types {
		// Killing outweighs abduction: people abducted in an attack
		// that killed others are part of the attack.
		if e.types[i].cue.sub == "Abduction/forced disappearance" && (soldiers || others) {
			continue
		}
		if best == nil || e.types[i].cue.strength > best.cue.strength {
			best = &e.types[i]
		}
	}
	sub := "Armed clash"
	if best != nil {
		sub = best.cue.sub
		mark("event_type", [2]int{best.start, best.end})
		mark("sub_event_type", [2]int{best.start, best.end})
	} else if len(e.deaths) > 0 {
		mark("event_type", [2]int{e.deaths[0].start, e.deaths[0].end})
		mark("sub_event_type", [2]int{e.deaths[0].start, e.deaths[0].end})
	}
	if sub == "Armed clash" && others && !soldiers && !e.hasActor(kindState) {
		sub = "Attack"
	}
	in.SubEventType = sub
	in.EventType, _ = incident.EventTypeOf(sub)
}

func (e *event) hasActor(kind string) bool {
	for _, a := range e.actors {
		if a.cue.kind == kind {
			return true
		}
	}
	return false
}

func (e *event) firstActor(kinds ...string) *actorHit {
	for _, k := range kinds {
		for i := range e.actors {
			if e.actors[i].cue.kind == k {
				return &e.actors[i]
			}
		}
	}
	return nil
}

// setActors names the two sides as ACLED does: actor1 the side that
// acted (the armed group that attacked; the air force that struck), actor2
// the side acted on. A named group wins over "militants"; soldiers killed
// make the national forces a side even when the report names no army.
func (e *event) setActors(in *incident.Incident, country string, date time.Time, mark func(string, [2]int)) {
	var state, armed, victims string
	var stateSpan, armedSpan, victimSpan [2]int
	if a := e.firstActor(kindState); a != nil {
		c := country
		if a.cue.country != "" {
			c = a.cue.country
		}
		state, stateSpan = militaryName(c, date), [2]int{a.start, a.end}
		if a.cue.name != "" {
			state = a.cue.name
		}
	}
	if a := e.firstActor(kindGroup, kindArmed); a != nil {
		armed, armedSpan = a.cue.name, [2]int{a.start, a.end}
		if armed == "" {
			armed = unidentified(country)
		}
	}
	for _, f := range e.deaths {
		switch f.who {
		case whoSoldiers:
			if state == "" {
				state, stateSpan = militaryName(country, date), [2]int{f.start, f.end}
			}
		case whoCivilians:
			if victims == "" {
				victims, victimSpan = civilians(country), [2]int{f.start, f.end}
			}
		case whoAttackers:
			if armed == "" {
				armed, armedSpan = unidentified(country), [2]int{f.start, f.end}
			}
		}
	}
	if victims == "" && e.hasActor(kindCivilians) {
		a := e.firstActor(kindCivilians)
		victims, victimSpan = civilians(country), [2]int{a.start, a.end}
	}
	if in.SubEventType == "Abduction/forced disappearance" || in.SubEventType == "Attack" {
		if victims == "" {
			victims = civilians(country)
		}
		if armed == "" && state == "" {
			armed = unidentified(country)
		}
	}
	if (state != "" || victims != "") && armed == "" && in.SubEventType != "Air/drone strike" {
		armed = unidentified(country)
	}
	first, second := armed, state
	s1, s2 := armedSpan, stateSpan
	if in.SubEventType == "Air/drone strike" {
		first, second, s1, s2 = state, armed, stateSpan, armedSpan
		if second == "" {
			second, s2 = victims, victimSpan
		}
	} else if second == "" || in.EventType == "Violence against civilians" && victims != "" {
		second, s2 = victims, victimSpan
	}
	in.Actor1, in.Actor2 = first, second
	mark("actor1", s1)
	mark("actor2", s2)
}

// setFatalities sums who died, following ACLED: every reported fatality
// counts, attackers included, each at the lowest number its words support
// ("at least 29" is 29, "several dozen" is 24). One rule for claims: deaths
// of attackers given only in words ("several dozen terrorists"), which in
// Sahel reports is the army's claim about its enemy and cannot be checked,
// count in the best estimate at their lowest but not in fatalities_low:
// the low end is what the report states as a figure. "At least" leaves
// the high end open (no fatalities_high).
func (e *event) setFatalities(in *incident.Incident, mark func(string, [2]int)) {
	if len(e.deaths) == 0 {
		return
	}
	best, low, high, open := 0, 0, 0, false
	for _, f := range e.deaths {
		best += f.q.Best
		high += f.q.High
		open = open || f.q.Open
		if f.who != whoAttackers || f.q.Figure {
			low += f.q.Low
		}
		mark("fatalities", [2]int{f.start, f.end})
		mark("fatalities_by."+f.who, [2]int{f.start, f.end})
	}
	in.Fatalities = best
	low = min(low, best)
	in.FatalitiesLow = &low
	if !open {
		high = max(high, best)
		in.FatalitiesHigh = &high
	}
}

// fatalitiesBy keeps who died apart: a figure as a number, words as the
// words ({"soldiers": 29, "attackers": "several dozen"}).
func (e *event) fatalitiesBy() map[string]any {
	by := map[string]any{}
	for _, f := range e.deaths {
		if f.q.Figure && !f.q.Open && f.q.High == f.q.Low {
			by[f.who] = f.q.Best
		} else if f.q.Figure && f.q.Open {
			by[f.who] = f.q.Best
		} else {
			by[f.who] = f.q.Words
		}
	}
	return by
}

// capitals are where a coup is placed when a report names only the
// country.
var capitals = map[string]string{
	"Niger": "Niamey", "Mali": "Bamako", "Burkina Faso": "Ouagadougou", "Chad": "N'Djamena",
	"Nigeria": "Abuja", "Benin": "Porto-Novo", "Algeria": "Algiers", "Libya": "Tripoli",
}

// iso2Countries names the countries of the regions' ISO 3166-2 codes.
var iso2Countries = map[string]string{
	"NE": "Niger", "ML": "Mali", "BF": "Burkina Faso", "NG": "Nigeria", "TD": "Chad", "BJ": "Benin",
	"DZ": "Algeria", "LY": "Libya", "CM": "Cameroon", "TG": "Togo", "GH": "Ghana", "CI": "Côte d'Ivoire",
}

// era is the span of dates an ACLED actor name covers: ACLED names state
// forces by the regime ("Military Forces of Niger (2023-)" since the coup
// of 26 July 2023).
type era struct {
	from   string // first day, YYYY-MM-DD
	suffix string
}

var forceEras = map[string][]era{
	"Niger":        {{"2011-04-07", " (2011-2021)"}, {"2021-04-02", " (2021-2023)"}, {"2023-07-26", " (2023-)"}},
	"Mali":         {{"2013-09-04", " (2013-2020)"}, {"2020-08-18", " (2020-2021)"}, {"2021-05-24", " (2021-)"}},
	"Burkina Faso": {{"2015-12-29", " (2015-2022)"}, {"2022-01-24", " (2022)"}, {"2022-09-30", " (2022-)"}},
	"Chad":         {{"1990-12-02", " (1990-2021)"}, {"2021-04-20", " (2021-)"}},
	"Nigeria":      {{"2015-05-29", " (2015-2023)"}, {"2023-05-29", " (2023-)"}},
}

func eraSuffix(country string, date time.Time) string {
	d := date.Format(incident.DateLayout)
	suffix := ""
	for _, e := range forceEras[country] {
		if d >= e.from {
			suffix = e.suffix
		}
	}
	return suffix
}

func militaryName(country string, date time.Time) string {
	if country == "" {
		return "Military Forces"
	}
	return "Military Forces of " + country + eraSuffix(country, date)
}

func governmentName(country string, date time.Time) string {
	if country == "" {
		return "Government"
	}
	return "Government of " + country + eraSuffix(country, date)
}

func unidentified(country string) string {
	if country == "" {
		return "Unidentified Armed Group"
	}
	return "Unidentified Armed Group (" + country + ")"
}

func civilians(country string) string {
	if country == "" {
		return "Civilians"
	}
	return "Civilians (" + country + ")"
}
