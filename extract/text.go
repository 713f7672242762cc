package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of the report: where it is in the original text (bytes,
// [start, end)) and its folded form (lower case, accents and ligatures
// taken off), which is what the rules compare.
type token struct {
	start, end int
	w          string
	upper      bool // starts with a capital letter in the text
}

// sentence is a run of tokens the rules read together, with its span.
type sentence struct {
	start, end int
	toks       []token
}

// fold lowers s and takes off the accents French and English reports use,
// so "Tillabéri", "tillaberi" and "TILLABERI" compare equal.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'à', 'â', 'ä', 'á', 'À', 'Â', 'Ä', 'Á':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
			b.WriteByte('e')
		case 'î', 'ï', 'í', 'Î', 'Ï':
			b.WriteByte('i')
		case 'ô', 'ö', 'ó', 'Ô', 'Ö':
			b.WriteByte('o')
		case 'ù', 'û', 'ü', 'ú', 'Ù', 'Û', 'Ü':
			b.WriteByte('u')
		case 'ç', 'Ç':
			b.WriteByte('c')
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'æ', 'Æ':
			b.WriteString("ae")
		case '\u2011', '\u2010':
			b.WriteByte('-')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isWordRune says what a word is made of; a hyphen, comma or full stop
// between two of these stays inside the word ("vingt-neuf", "1,500",
// "sud-ouest"), an apostrophe does not ("l'attaque" is "l" and "attaque").
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isJoiner(r rune) bool {
	return r == '-' || r == '\u2011' || r == '\u2010'
}

// tokenize splits text[start:end] into tokens.
func tokenize(text string, start, end int) []token {
	var toks []token
	i := start
	for i < end {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < end {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r2) {
				j += n2
				continue
			}
			// A joiner between two word characters; a comma or a full
			// stop only between two digits ("1,500", "1.5").
			if j+n2 < end {
				r3, _ := utf8.DecodeRuneInString(text[j+n2:])
				prev, _ := utf8.DecodeLastRuneInString(text[i:j])
				if isJoiner(r2) && isWordRune(r3) || (r2 == ',' || r2 == '.') && unicode.IsDigit(prev) && unicode.IsDigit(r3) {
					j += n2
					continue
				}
			}
			break
		}
		first, _ := utf8.DecodeRuneInString(text[i:])
		toks = append(toks, token{start: i, end: j, w: fold(text[i:j]), upper: unicode.IsUpper(first)})
		i = j
	}
	return toks
}

// sentences splits text into sentences: at a full stop, question or
// exclamation mark followed by a space and a capital letter, a digit or an
// opening quote, and at every line break (paragraphs, headlines). Closing
// quotes stay with their sentence.
func sentences(text string) []sentence {
	var out []sentence
	start := 0
	flush := func(end int) {
		s, e := start, end
		for s < e && unicode.IsSpace(rune(text[s])) {
			s++
		}
		for e > s && unicode.IsSpace(rune(text[e-1])) {
			e--
		}
		if toks := tokenize(text, s, e); len(toks) > 0 {
			out = append(out, sentence{start: s, end: e, toks: toks})
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			flush(i)
			start = i + n
		case r == '.' || r == '!' || r == '?':
			j := i + n
			for j < len(text) {
				q, qn := utf8.DecodeRuneInString(text[j:])
				if q != '"' && q != '\u201d' && q != '\u00bb' && q != '\'' && q != '\u2019' {
					break
				}
				j += qn
			}
			if j >= len(text) || endsSentence(text[j:]) && !abbreviation(text[start:i]) {
				flush(j)
				start = j
				i = j
				continue
			}
		}
		i += n
	}
	flush(len(text))
	return out
}

// endsSentence says whether the text after a full stop starts a new
// sentence: white space, then a capital, a digit or a quote.
func endsSentence(rest string) bool {
	k := 0
	for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t' || rest[k] == '\r' || rest[k] == '\n') {
		k++
	}
	if k == 0 || k == len(rest) {
		return k > 0
	}
	r, _ := utf8.DecodeRuneInString(rest[k:])
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"'\u201c\u00ab\u2018(", r)
}

// abbreviation says whether the text before a full stop ends with a title
// or an initial ("Lt.", "Col.", "M.", "U.N."), which does not end a sentence.
func abbreviation(before string) bool {
	k := len(before)
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(before[:k])
		if !unicode.IsLetter(r) {
			break
		}
		k -= n
	}
	w := before[k:]
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	switch strings.ToLower(w) {
	case "lt", "col", "gen", "gén", "mr", "mrs", "dr", "sgt", "capt", "cpt", "cdt", "st", "no", "mgr", "vs":
		return true
	}
	return false
}

// runeOffsets converts byte offsets into text to character (code point)
// offsets, which is what the evidence spans are given in: a browser
// highlights characters, and a report is rarely plain ASCII.
type runeOffsets struct {
	text     string
	lastByte int
	lastRune int
}

func (ro *runeOffsets) at(b int) int {
	if b < ro.lastByte {
		return utf8.RuneCountInString(ro.text[:b])
	}
	ro.lastRune += utf8.RuneCountInString(ro.text[ro.lastByte:b])
	ro.lastByte = b
	return ro.lastRune
}
