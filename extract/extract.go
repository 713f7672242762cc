// Package extract turns a news report into draft incidents: the events it
// tells of, each with its date resolved against the publication date, its
// fatalities as a range and by who died, its ACLED event type, its actors
// by the names analysts use, its place geocoded, and for every field the
// words it was read from. Background (withdrawals, agreements, mourning,
// other countries' news) makes no draft.
//
// It is rules and a gazetteer, no model: word tables per language
// (rules_en.go, rules_fr.go) read by one engine. It depends on incident
// only; the geocoder is passed in.
package extract

import (
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// MaxText is the longest report Extract reads, in bytes: about 30,000
// words, far beyond any news report, so a request cannot keep the server
// busy.
const MaxText = 200_000

// Options are what Extract needs besides the text.
type Options struct {
	// Published is the date the report was published: weekdays and "last
	// month" are resolved against it. Only its date counts.
	Published time.Time
	// Lang is "en" or "fr"; empty to tell from the text.
	Lang              string
	Source, SourceURL string
	// Geocoder places the place phrases (geo.Geography); nil leaves drafts
	// without a point.
	Geocoder incident.Geocoder
}

// Result is what Extract found: drafts, and the sentences read as context.
type Result struct {
	Lang    string
	Drafts  []*incident.Draft
	Context []incident.ContextSpan
}

// clause is what the rules read in one sentence.
type clause struct {
	start, end int // bytes
	dates      []dateMention
	deaths     []fatality
	types      []typeHit
	actors     []actorHit
	place      *place
	anaphor    bool
	newEvent   bool
	background string
	coup       *event
	toks       []token
}

type fatality struct {
	who        string
	q          Quantity
	start, end int // bytes: the count, who, and the words that say they died
}

type typeHit struct {
	cue        typeCue
	start, end int
}

type actorHit struct {
	cue        actorCue
	start, end int
}

// event is an incident being assembled from the clauses that tell of it.
type event struct {
	coup       bool
	date       *dateMention
	dateSpan   [2]int
	deaths     []fatality
	types      []typeHit
	actors     []actorHit
	place      place
	sentences  [][2]int
	coupSpan   [2]int
	coupActors []actorHit
}

// Extract reads a report. It never fails: text with no incident gives no
// drafts, and every sentence it did not use is in Context with the reason.
func Extract(text string, o Options) Result {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	pub := time.Date(o.Published.Year(), o.Published.Month(), o.Published.Day(), 0, 0, 0, 0, time.UTC)
	ss := sentences(text)
	lang := o.Lang
	if lang != "en" && lang != "fr" {
		lang = detectLanguage(ss)
	}
	lx := lexiconFor(lang)
	var events []*event
	var cur *event
	res := Result{Lang: lang}
	ro := &runeOffsets{text: text}
	for _, s := range ss {
		c := lx.read(text, s, pub, anchor(cur, pub))
		used := false
		if c.coup != nil {
			if !hasCoup(events, c.coup.date) {
				events = append(events, c.coup)
			}
			used = true
		}
		switch {
		case c.isEvent():
			if cur == nil || !cur.accepts(c) {
				cur = &event{}
				events = append(events, cur)
			}
			cur.add(c, true)
			used = true
		case cur != nil && (c.anaphor || c.onlyAttackerDeaths() && len(c.dates) == 0):
			cur.add(c, false)
			used = true
		}
		if !used {
			reason := "no incident: no single event with a date, place or casualties"
			if c.background != "" {
				reason = "background: " + c.background
			}
			res.Context = append(res.Context, incident.ContextSpan{Span: incident.Span{ro.at(s.start), ro.at(s.end)}, Reason: reason})
		}
	}
	for _, e := range events {
		if d := e.draft(lx, text, pub, o, ro); d != nil {
			res.Drafts = append(res.Drafts, d)
		}
	}
	return res
}

// anchor is the date "last month" is told from in a sentence that brings
// in another event: the date of the event just told, when that is already
// in the month before publication. "Twelve troops were slain on Thursday
// [28 September]. Another attack last month..." in a 3 October report
// contrasts the other attack with September's: it is August's. Elsewhere
// "last month" is the month before publication.
func anchor(cur *event, pub time.Time) *time.Time {
	if cur == nil || cur.date == nil {
		return nil
	}
	prev := time.Date(pub.Year(), pub.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	d := cur.date.date
	if d.Year() == prev.Year() && d.Month() == prev.Month() {
		return &d
	}
	return nil
}

func hasCoup(events []*event, d *dateMention) bool {
	for _, e := range events {
		if e.coup && e.date.date.Equal(d.date) {
			return true
		}
	}
	return false
}

// isEvent says whether a clause tells of an incident on its own: someone
// other than the attackers died, or a single attack, strike or abduction
// is given a date or a place, and the sentence is not background.
func (c *clause) isEvent() bool {
	for _, f := range c.deaths {
		if f.who != whoAttackers {
			return true
		}
	}
	if c.background != "" {
		return false
	}
	for _, t := range c.types {
		if !t.cue.generic && (len(c.dates) > 0 || !c.place.empty() || len(c.deaths) > 0) {
			return true
		}
	}
	return false
}

func (c *clause) onlyAttackerDeaths() bool {
	for _, f := range c.deaths {
		if f.who != whoAttackers {
			return false
		}
	}
	return len(c.deaths) > 0
}

// accepts says whether a clause that tells of an event goes on telling of
// e rather than of a new one: no "another attack", no other date, no other
// place, no second count of the same dead.
func (e *event) accepts(c *clause) bool {
	if c.newEvent {
		return false
	}
	if e.date != nil && len(c.dates) > 0 && !c.dates[0].date.Equal(e.date.date) {
		return false
	}
	if e.place.conflicts(c.place) {
		return false
	}
	for _, f := range c.deaths {
		for _, g := range e.deaths {
			if f.who == g.who && f.q.Best != g.q.Best {
				return false
			}
		}
	}
	return true
}

// add takes what a clause says into e. A clause that only refers back to
// e ("the incident that occurred Monday night in the western Tahoua
// region") gives its date and place, not its actors or types.
func (e *event) add(c *clause, full bool) {
	if e.date == nil && len(c.dates) > 0 {
		d := c.dates[0]
		e.date = &d
		e.dateSpan = [2]int{c.toks[d.first].start, c.toks[d.last-1].end}
	}
	e.place.merge(c.place)
	for _, f := range c.deaths {
		dup := false
		for _, g := range e.deaths {
			dup = dup || g.who == f.who
		}
		if !dup {
			e.deaths = append(e.deaths, f)
		}
	}
	if full {
		e.types = append(e.types, c.types...)
		e.actors = append(e.actors, c.actors...)
	}
	e.sentences = append(e.sentences, [2]int{c.start, c.end})
}

// read applies the rules to one sentence.
func (lx *lexicon) read(text string, s sentence, pub time.Time, ref *time.Time) *clause {
	toks := s.toks
	c := &clause{start: s.start, end: s.end, toks: toks}
	skip := make([]bool, len(toks))
	for i := range toks {
		if _, n := lx.newEvent.match(toks, i); n > 0 {
			c.newEvent = true
		}
	}
	if c.newEvent && ref != nil {
		c.dates = lx.dates(toks, pub, *ref)
	} else {
		c.dates = lx.dates(toks, pub, pub)
	}
	for _, d := range c.dates {
		for k := d.first; k < d.last; k++ {
			skip[k] = true
		}
	}
	c.coup = lx.coupIn(text, s, c, skip)
	for i := 0; i < len(toks); i++ {
		if _, n := lx.anaphora.match(toks, i); n > 0 {
			c.anaphor = true
		}
		if r, n := lx.background.match(toks, i); n > 0 && c.background == "" {
			c.background = r
		}
		if skip[i] {
			continue
		}
		if f, n := lx.fatalityAt(toks, i, text, skip); n > 0 {
			c.deaths = append(c.deaths, f)
			for k := i; k < i+n; k++ {
				skip[k] = true
			}
			i += n - 1
			continue
		}
		if t, n := lx.types.match(toks, i); n > 0 {
			c.types = append(c.types, typeHit{t, toks[i].start, toks[i+n-1].end})
		}
		if a, n := lx.actors.match(toks, i); n > 0 {
			c.actors = append(c.actors, actorHit{a, toks[i].start, toks[i+n-1].end})
			i += n - 1
		}
	}
	// The anaphor itself ("the attack") is no new attack.
	if c.anaphor && !c.newEvent {
		kept := c.types[:0]
		for _, t := range c.types {
			if t.cue.sub != "Armed clash" {
				kept = append(kept, t)
			}
		}
		c.types = kept
	}
	c.place = lx.places(text, toks, skip)
	return c
}

// coupIn reads a coup with its date ("launched a coup on July 26 in
// Niger"). A coup named without a date ("since the military seized power")
// is a reference to one already known, not news. The coup's date and place
// are taken out of the sentence so the attack told in the same sentence
// does not get them.
func (lx *lexicon) coupIn(text string, s sentence, c *clause, skip []bool) *event {
	toks := s.toks
	for i := range toks {
		n := lx.coup.matchLen(toks, i)
		if n == 0 {
			continue
		}
		if sinceBefore(lx, toks, i) {
			continue // "since the military seized power": a reference
		}
		for di, d := range c.dates {
			if d.first < i+n || d.first > i+n+4 {
				continue
			}
			date := d
			e := &event{coup: true, date: &date, coupSpan: [2]int{toks[i].start, toks[i+n-1].end}}
			e.dateSpan = [2]int{toks[d.first].start, toks[d.last-1].end}
			end := min(len(toks), d.last+4)
			window := make([]bool, len(toks))
			for k := range window {
				window[k] = k < d.last || k >= end
			}
			p := lx.places(text, toks, window)
			e.place = *p
			for k := i; k < end; k++ {
				skip[k] = true
			}
			for k := max(0, i-4); k < i; k++ {
				if a, m := lx.actors.match(toks, k); m > 0 && a.kind == kindState {
					e.coupActors = append(e.coupActors, actorHit{a, toks[k].start, toks[k+m-1].end})
				}
			}
			e.sentences = [][2]int{{s.start, s.end}}
			c.dates = append(c.dates[:di:di], c.dates[di+1:]...)
			return e
		}
	}
	return nil
}

// sinceBefore says whether "since" comes in the three words before token i.
func sinceBefore(lx *lexicon, toks []token, i int) bool {
	for k := max(0, i-3); k < i; k++ {
		if lx.since.matchLen(toks, k) > 0 {
			return true
		}
	}
	return false
}

// fatalityAt reads a count of dead starting at token i: a quantity, who
// (after it, maybe past "of" and an adjective), and words that say they
// died, after ("were slain") or before ("claimed the lives of"). A count
// after "by" is the attackers' number, not their dead ("slain by hundreds
// of militants"); wounded, missing or abducted people are not dead.
func (lx *lexicon) fatalityAt(toks []token, i int, text string, skip []bool) (fatality, int) {
	q, n := lx.quantityAt(text, toks, i)
	if n == 0 || lx.agent[at(toks, i-1)] {
		return fatality{}, 0
	}
	j := i + n
	if lx.of[at(toks, j)] {
		j++
	}
	var v victim
	m := 0
	k := j
	for ; k < j+3 && k < len(toks); k++ {
		if v, m = lx.victims.match(toks, k); m > 0 {
			break
		}
		if skip[k] {
			return fatality{}, 0
		}
	}
	if m == 0 {
		return fatality{}, 0
	}
	end := k + m
	if v.who == whoLives {
		v.who = whoPeople
		if lx.of[at(toks, end)] {
			if w, m2 := lx.victims.match(toks, end+1); m2 > 0 && w.who != whoLives {
				v.who = w.who
				end += 1 + m2
			}
		}
	}
	// An adjective after the noun, in French ("soldats nigériens").
	if _, c := lx.countries.match(toks, end); c > 0 {
		end += c
	}
	f := fatality{who: v.who, q: q, start: toks[i].start, end: toks[end-1].end}
	if v.dead {
		return f, end - i
	}
	for a := end; a < end+6 && a < len(toks); a++ {
		if lx.wounded.matchLen(toks, a) > 0 {
			break
		}
		if m := lx.killAfter.matchLen(toks, a); m > 0 {
			f.end = toks[a+m-1].end
			return f, end - i
		}
	}
	for b := i - 1; b >= 0 && b >= i-6; b-- {
		if m := lx.killBefore.matchLen(toks, b); m > 0 && b+m <= i {
			f.start = toks[b].start
			return f, end - i
		}
	}
	return fatality{}, 0
}

// sentenceText is the sentences of an event, for its notes.
func sentenceText(text string, spans [][2]int) string {
	var b strings.Builder
	for _, s := range spans {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.TrimSpace(text[s[0]:s[1]]))
	}
	out := b.String()
	if len(out) > 2000 {
		out = out[:2000]
		for len(out) > 0 && out[len(out)-1]&0xC0 == 0x80 {
			out = out[:len(out)-1]
		}
	}
	return out
}
