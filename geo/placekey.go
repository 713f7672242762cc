package geo

import (
	"strings"
)

// romanNumerals are the numerals that end village names ("Karre I", "Karre
// II"): written either way in reports, so both fold to the digits.
var romanNumerals = map[string]string{
	"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10",
}

// transliterations are the spellings French and English (and the national
// languages written in either) use for one sound, longest first: Ouallam,
// Wallam; Tillabéri, Tillabery; Tchintabaraden, Chintabaraden; Djibo, Jibo.
var transliterations = []struct{ from, to string }{
	{"tch", "c"}, {"ch", "c"}, {"sh", "c"}, {"dj", "j"}, {"ou", "u"}, {"ph", "f"},
	{"kh", "k"}, {"gh", "g"}, {"ck", "k"}, {"w", "u"}, {"y", "i"}, {"q", "k"},
}

// PlaceKey folds a place name to the key the gazetteer matches on: accents,
// case, punctuation, hyphens and spaces dropped (In-Ates, Inates and In Ates
// are one key, N'Guigmi and Nguigmi another), roman numerals after the first
// word as digits (Karre I, Karre 1), French and English spellings of one
// sound as one letter (ou/u/w, y/i, tch/ch/sh, dj/j) and doubled letters
// single (Tillabery, Tillaberi).
func PlaceKey(name string) string {
	return keyOfWords(strings.Fields(normalize(name)))
}

// keyOfWords is PlaceKey of words already normalized.
func keyOfWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			if n, ok := romanNumerals[w]; ok {
				w = n
			}
		}
		for _, r := range w {
			if r != '.' {
				b.WriteRune(r)
			}
		}
	}
	s := b.String()
	b.Reset()
	for i := 0; i < len(s); {
		done := false
		for _, t := range transliterations {
			if strings.HasPrefix(s[i:], t.from) {
				b.WriteString(t.to)
				i += len(t.from)
				done = true
				break
			}
		}
		if !done {
			b.WriteByte(s[i])
			i++
		}
	}
	s = b.String()
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// withinEdits reports whether a and b are at most k single-letter edits
// (insertions, deletions, substitutions) apart. It stops as soon as every
// path costs more than k.
func withinEdits(a, b string, k int) bool {
	if d := len(a) - len(b); d > k || -d > k {
		return false
	}
	var rowBuf [2][64]int
	if len(b)+1 > len(rowBuf[0]) {
		return false
	}
	prev, cur := rowBuf[0][:len(b)+1], rowBuf[1][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= k
}

// editBudget is how many edits a name of n letters may be off by: none
// under 6 letters (Say and Sai are different places), 1 up to 9, 2 from 10.
func editBudget(n int) int {
	switch {
	case n >= 10:
		return 2
	case n >= 6:
		return 1
	}
	return 0
}
