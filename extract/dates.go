package extract

import (
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// dateMention is a date the text gives, resolved against the publication
// date, with ACLED's time precision and where it is written.
type dateMention struct {
	date        time.Time
	precision   int
	first, last int // tokens [first, last) of the sentence
}

// midMonth is the day a month-precision date is put on: the middle of the
// month, as the seed incidents do ("last month" in an October report is
// 2023-08-15 at time_precision 3), or the publication date when the month
// is the current one and its middle is still to come.
const midMonth = 15

// dates finds every date in the tokens, resolved against published (a
// date, at midnight UTC). Dates after publication are dropped: a report
// cannot tell of what has not happened.
//
// ref is what "last month" is told from: the publication date, or in a
// sentence that brings in another event the date of the one before it
// (see anchor).
func (lx *lexicon) dates(toks []token, published, ref time.Time) []dateMention {
	var out []dateMention
	for i := 0; i < len(toks); {
		d, n := lx.dateAt(toks, i, published)
		if r, m := lx.relative.match(toks, i); m > 0 && r == relLastMonth && !ref.Equal(published) {
			d, n = resolveRelative(r, ref), m
		}
		if n == 0 {
			i++
			continue
		}
		d.first, d.last = i, i+n
		if !d.date.After(published) {
			out = append(out, d)
		}
		i += n
	}
	return out
}

func (lx *lexicon) dateAt(toks []token, i int, pub time.Time) (dateMention, int) {
	// "dans la nuit de lundi à mardi", "in the night of 1 to 2 October":
	// the night is dated by the day it began.
	if n := lx.nightOfTo.matchLen(toks, i); n > 0 {
		if d, m := lx.dateAt(toks, i+n, pub); m > 0 {
			j := i + n + m
			if w := at(toks, j); w == "a" || w == "au" || w == "to" {
				if _, m2 := lx.dateAt(toks, j+1, pub); m2 > 0 {
					j += 1 + m2
				}
			}
			return d, j - i
		}
		// "du 1er au 2 octobre": a day, then the day and month that end it.
		if day, ok := lx.dayNumber(at(toks, i+n)); ok && (at(toks, i+n+1) == "au" || at(toks, i+n+1) == "to") {
			if d, m := lx.dateAt(toks, i+n+2, pub); m > 0 && d.precision == incident.TimeDay {
				start := time.Date(d.date.Year(), d.date.Month(), day, 0, 0, 0, 0, time.UTC)
				if start.After(d.date) {
					start = start.AddDate(0, -1, 0)
				}
				return dateMention{date: start, precision: incident.TimeDay}, n + 2 + m
			}
		}
	}
	if r, n := lx.relative.match(toks, i); n > 0 {
		return resolveRelative(r, pub), n
	}
	w := toks[i].w
	// A weekday: the most recent such day before publication.
	if wd, ok := lx.weekdays[w]; ok {
		n := 1
		if m := lx.dayParts.matchLen(toks, i+1); m > 0 {
			n += m
		}
		d := pub.AddDate(0, 0, -1)
		for d.Weekday() != wd {
			d = d.AddDate(0, 0, -1)
		}
		return dateMention{date: d, precision: incident.TimeDay}, n
	}
	// "2 October 2023", "26th of July", "le 1er octobre".
	if day, ok := lx.dayNumber(w); ok {
		j := i + 1
		if at(toks, j) == "of" {
			j++
		}
		if m, ok := lx.month(toks, j); ok {
			j++
			year, yn := yearAt(toks, j)
			return dayDate(year, m, day, pub), j + yn - i
		}
	}
	// "July 26", "October 2, 2023"; a month alone after "in", "en", "early".
	if m, ok := lx.month(toks, i); ok {
		if day, ok := lx.dayNumber(at(toks, i+1)); ok {
			year, yn := yearAt(toks, i+2)
			return dayDate(year, m, day, pub), 2 + yn
		}
		if lx.monthLead[at(toks, i-1)] || at(toks, i-1) == "mois" && at(toks, i-2) == "au" {
			year, yn := yearAt(toks, i+1)
			return monthDate(year, m, pub), 1 + yn
		}
	}
	return dateMention{}, 0
}

// month reads a month name; English "May" and "March" only with a capital,
// so "troops may" and "the march" are not dates.
func (lx *lexicon) month(toks []token, i int) (time.Month, bool) {
	if i >= len(toks) {
		return 0, false
	}
	m, ok := lx.months[toks[i].w]
	if ok && lx.lang == "en" && (m == time.May || m == time.March) && !toks[i].upper {
		return 0, false
	}
	return m, ok
}

// dayNumber reads a day of the month: "2", "26th", "1er".
func (lx *lexicon) dayNumber(w string) (int, bool) {
	for _, suf := range lx.ordinalEnd {
		if len(w) > len(suf) && strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			break
		}
	}
	if len(w) == 0 || len(w) > 2 || w[0] < '0' || w[0] > '9' {
		return 0, false
	}
	d, err := strconv.Atoi(w)
	return d, err == nil && d >= 1 && d <= 31
}

// yearAt reads a year written after a date.
func yearAt(toks []token, i int) (int, int) {
	w := at(toks, i)
	if len(w) != 4 {
		return 0, 0
	}
	y, err := strconv.Atoi(w)
	if err != nil || y < 1900 || y > 2100 {
		return 0, 0
	}
	return y, 1
}

// dayDate is a day of a month: in the given year, or without one the most
// recent such day not after publication.
func dayDate(year int, m time.Month, day int, pub time.Time) dateMention {
	if year == 0 {
		year = pub.Year()
		if time.Date(year, m, day, 0, 0, 0, 0, time.UTC).After(pub) {
			year--
		}
	}
	return dateMention{date: time.Date(year, m, day, 0, 0, 0, 0, time.UTC), precision: incident.TimeDay}
}

// monthDate is a month: in the given year, or without one the most recent
// such month not after publication ("in July" in an October report is
// this year's July, in a March report last year's).
func monthDate(year int, m time.Month, pub time.Time) dateMention {
	if year == 0 {
		year = pub.Year()
		if m > pub.Month() {
			year--
		}
	}
	return inMonth(year, m, pub)
}

func inMonth(year int, m time.Month, pub time.Time) dateMention {
	d := time.Date(year, m, midMonth, 0, 0, 0, 0, time.UTC)
	if d.After(pub) && year == pub.Year() && m == pub.Month() {
		d = pub
	}
	return dateMention{date: d, precision: incident.TimeMonth}
}

// resolveRelative dates "yesterday", "last week", "last month". A week is
// dated by its Wednesday (the seed's "last week" in a Tuesday 3 October
// report is 27 September, time_precision 2).
func resolveRelative(r relative, pub time.Time) dateMention {
	switch r {
	case relYesterday:
		return dateMention{date: pub.AddDate(0, 0, -1), precision: incident.TimeDay}
	case relToday:
		return dateMention{date: pub, precision: incident.TimeDay}
	case relLastWeek:
		back := (int(pub.Weekday()) + 6) % 7 // days since Monday
		monday := pub.AddDate(0, 0, -back-7)
		return dateMention{date: monday.AddDate(0, 0, 2), precision: incident.TimeWeek}
	case relLastMonth:
		first := time.Date(pub.Year(), pub.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
		return inMonth(first.Year(), first.Month(), pub)
	default: // relThisMonth
		return inMonth(pub.Year(), pub.Month(), pub)
	}
}
