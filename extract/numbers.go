package extract

import (
	"strconv"
	"strings"
)

// Quantity is a number of people as a report words it, read as a range.
// Best follows ACLED's conservative rule: the lowest number the words
// support ("several dozen" is 24, "more than 20" is 21). High is 0 when
// Open: "at least 29" has no upper bound.
type Quantity struct {
	Best, Low, High int
	Open            bool
	// Figure is true when the text gives a number ("29", "twelve", "a
	// dozen", "at least 17"), false for words that only bound one
	// ("several dozen", "des dizaines"): fatalities_by shows a figure as a
	// number and words as the words.
	Figure     bool
	Words      string
	start, end int
}

// vagueQuantity is a quantity said in words: its low and high ends.
type vagueQuantity struct {
	low, high int
	figure    bool
}

// modifier changes what the number after it means.
type modifier int

const (
	modNone    modifier = iota
	modAtLeast          // at least N: N, open
	modMore             // more than N: N+1, open
	modAbout            // about N: N
	modUpTo             // up to N: N, at most N
)

// numberWords are the cardinal numbers; hyphenated compounds ("twenty-nine",
// "vingt-neuf", "quatre-vingt-dix") are read part by part.
var numberWords = map[string]int{
	// English
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
	// French
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
	"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
	"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
}

// numberValue reads a number written in digits ("29", "1,500", "1 500" is
// two tokens and is not read) or in words, hyphenated compounds included.
func numberValue(w string) (int, bool) {
	if w == "" {
		return 0, false
	}
	if w[0] >= '0' && w[0] <= '9' {
		d := strings.ReplaceAll(w, ",", "")
		n, err := strconv.Atoi(d)
		return n, err == nil && n < 1000000
	}
	parts := strings.Split(w, "-")
	total := 0
	for _, p := range parts {
		if p == "et" || p == "and" {
			continue
		}
		v, ok := numberWords[p]
		if !ok {
			return 0, false
		}
		switch {
		case v == 100:
			total = max(total, 1) * 100
		case v == 20 && total > 0 && total < 10:
			total *= 20 // quatre-vingt(s)
		default:
			total += v
		}
	}
	return total, true
}

// quantityAt reads a quantity starting at token i: modifiers, a number
// (digits, words, a range) or words that stand for one. It returns the
// number of tokens read, 0 when there is no quantity at i.
func (lx *lexicon) quantityAt(text string, toks []token, i int) (Quantity, int) {
	j := i
	mod := modNone
	if m, n := lx.modifiers.match(toks, j); n > 0 {
		mod, j = m, j+n
	}
	var q Quantity
	if v, n := lx.vague.match(toks, j); n > 0 {
		q = Quantity{Best: v.low, Low: v.low, High: v.high, Figure: v.figure}
		j += n
	} else if v, ok := numberValue(at(toks, j)); ok && v > 0 {
		j++
		if m := at(toks, j); m == "hundred" || m == "cent" || m == "cents" {
			v *= 100
			j++
		} else if m == "dozen" {
			v *= 12
			j++
		}
		q = Quantity{Best: v, Low: v, High: v, Figure: true}
		// A range: "between 20 and 30", "20 to 30", "deux ou trois".
		if lx.rangeWords[at(toks, j)] {
			if hi, ok := numberValue(at(toks, j+1)); ok && hi > v {
				q.High = hi
				j += 2
			}
		}
	} else if lo, hi, ok := digitRange(at(toks, j)); ok {
		q = Quantity{Best: lo, Low: lo, High: hi, Figure: true}
		j++
	} else {
		return Quantity{}, 0
	}
	switch mod {
	case modAtLeast:
		q.Open, q.High = true, 0
	case modMore:
		q.Best, q.Low, q.Open, q.High = q.Best+1, q.Low+1, true, 0
	case modUpTo:
		q.Low = 0
	}
	if n := lx.orMore.matchLen(toks, j); n > 0 {
		q.Open, q.High = true, 0
		j += n
	}
	if q.High > 0 && q.High < q.Low {
		q.High = q.Low
	}
	q.start, q.end = toks[i].start, toks[j-1].end
	q.Words = text[q.start:q.end]
	return q, j - i
}

// digitRange reads "20-30".
func digitRange(w string) (int, int, bool) {
	a, b, ok := strings.Cut(w, "-")
	if !ok {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo <= 0 || hi <= lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// at returns token i's folded word, or "" past the end.
func at(toks []token, i int) string {
	if i < 0 || i >= len(toks) {
		return ""
	}
	return toks[i].w
}

// phrases is a table of word sequences, each with a value, matched on
// folded tokens longest first.
type phrases[V any] struct {
	byFirst map[string][]phraseEntry[V]
}

type phraseEntry[V any] struct {
	words []string
	value V
}

func newPhrases[V any](m map[string]V) phrases[V] {
	p := phrases[V]{byFirst: map[string][]phraseEntry[V]{}}
	for k, v := range m {
		ws := strings.Fields(k)
		p.byFirst[ws[0]] = append(p.byFirst[ws[0]], phraseEntry[V]{ws, v})
	}
	for k, es := range p.byFirst {
		// Longest first, then alphabetically, so matching is deterministic.
		for a := 1; a < len(es); a++ {
			for b := a; b > 0 && (len(es[b].words) > len(es[b-1].words) || len(es[b].words) == len(es[b-1].words) && strings.Join(es[b].words, " ") < strings.Join(es[b-1].words, " ")); b-- {
				es[b], es[b-1] = es[b-1], es[b]
			}
		}
		p.byFirst[k] = es
	}
	return p
}

// match returns the value of the longest phrase starting at token i and
// its length in tokens (0: none).
func (p phrases[V]) match(toks []token, i int) (V, int) {
	var zero V
	if i >= len(toks) {
		return zero, 0
	}
	for _, e := range p.byFirst[toks[i].w] {
		if seqAt(toks, i, e.words) {
			return e.value, len(e.words)
		}
	}
	return zero, 0
}

func (p phrases[V]) matchLen(toks []token, i int) int {
	_, n := p.match(toks, i)
	return n
}

func seqAt(toks []token, i int, words []string) bool {
	if i+len(words) > len(toks) {
		return false
	}
	for k, w := range words {
		if toks[i+k].w != w {
			return false
		}
	}
	return true
}

// set makes a phrase table whose values are all true.
func set(words ...string) phrases[bool] {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return newPhrases(m)
}
