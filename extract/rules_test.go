package extract

import (
	"testing"
	"time"
)

// firstDate reads the first date in a phrase.
func firstDate(lang, phrase string, pub time.Time) (string, int) {
	lx := lexiconFor(lang)
	toks := tokenize(phrase, 0, len(phrase))
	ds := lx.dates(toks, pub, pub)
	if len(ds) == 0 {
		return "", 0
	}
	return ds[0].date.Format("2006-01-02"), ds[0].precision
}

func TestDates(t *testing.T) {
	pub := day("2023-10-03") // a Tuesday
	for _, tt := range []struct {
		lang, phrase, date string
		precision          int
	}{
		{"en", "on Monday night", "2023-10-02", 1},
		{"en", "on Thursday", "2023-09-28", 1},
		{"en", "on Tuesday", "2023-09-26", 1}, // the most recent Tuesday before publication
		{"en", "last month", "2023-09-15", 3},
		{"en", "last week", "2023-09-27", 2},
		{"en", "yesterday", "2023-10-02", 1},
		{"en", "in July", "2023-07-15", 3},
		{"en", "in November", "2022-11-15", 3}, // the most recent November not after publication
		{"en", "in October", "2023-10-03", 3},  // this month, its middle still to come
		{"en", "on July 26", "2023-07-26", 1},
		{"en", "on 2 October 2023", "2023-10-02", 1},
		{"en", "on the 26th of July", "2023-07-26", 1},
		{"en", "on December 24", "2022-12-24", 1},
		{"en", "in March 2021", "2021-03-15", 3},
		{"en", "troops may attack", "", 0}, // "may" is not May
		{"fr", "le 2 octobre", "2023-10-02", 1},
		{"fr", "le 1er octobre", "2023-10-01", 1},
		{"fr", "mardi soir", "2023-09-26", 1},
		{"fr", "lundi", "2023-10-02", 1},
		{"fr", "dimanche dernier", "2023-10-01", 1},
		{"fr", "dans la nuit de samedi à dimanche", "2023-09-30", 1},
		{"fr", "dans la nuit du 1er au 2 octobre", "2023-10-01", 1},
		{"fr", "le mois dernier", "2023-09-15", 3},
		{"fr", "la semaine dernière", "2023-09-27", 2},
		{"fr", "hier", "2023-10-02", 1},
		{"fr", "en juillet", "2023-07-15", 3},
		{"fr", "au mois de décembre", "2022-12-15", 3},
		{"fr", "le 26 juillet 2023", "2023-07-26", 1},
		{"fr", "le 5 octobre", "2022-10-05", 1}, // not after publication
	} {
		d, p := firstDate(tt.lang, tt.phrase, pub)
		if d != tt.date || p != tt.precision {
			t.Errorf("%s %q: %s precision %d, want %s precision %d", tt.lang, tt.phrase, d, p, tt.date, tt.precision)
		}
	}
}

// A date after publication is no date: a report cannot tell of it.
func TestDateAfterPublicationDropped(t *testing.T) {
	if d, _ := firstDate("en", "on 5 October 2023", day("2023-10-03")); d != "" {
		t.Errorf("got %s", d)
	}
}

func TestFatalities(t *testing.T) {
	for _, tt := range []struct {
		lang, phrase, who string
		best, low, high   int // high -1: open
		figure            bool
	}{
		{"en", "at least 29 soldiers were killed", whoSoldiers, 29, 29, -1, true},
		{"en", "claimed the lives of no less than 29 troops", whoSoldiers, 29, 29, -1, true},
		{"en", "several dozen terrorists were also killed", whoAttackers, 24, 24, 60, false},
		{"en", "a dozen civilians were killed", whoCivilians, 12, 12, 12, true},
		{"en", "Twelve troops were slain by hundreds of militants", whoSoldiers, 12, 12, 12, true},
		{"en", "twenty-nine soldiers died", whoSoldiers, 29, 29, 29, true},
		{"en", "more than 20 villagers were killed", whoCivilians, 21, 21, -1, true},
		{"en", "killing between 10 and 15 civilians", whoCivilians, 10, 10, 15, true},
		{"en", "dozens of militants were killed", whoAttackers, 24, 24, 99, false},
		{"en", "claimed at least 17 lives of soldiers", whoSoldiers, 17, 17, -1, true},
		{"en", "the attack left 7 dead", whoPeople, 7, 7, 7, true},
		{"en", "about 40 jihadists were neutralised", whoAttackers, 40, 40, 40, true},
		{"en", "3 soldiers were wounded", "", 0, 0, 0, false},
		{"en", "1,500 French forces", "", 0, 0, 0, false},
		{"en", "a three-day national mourning period", "", 0, 0, 0, false},
		{"fr", "au moins vingt-neuf soldats ont été tués", whoSoldiers, 29, 29, -1, true},
		{"fr", "douze militaires ont perdu la vie", whoSoldiers, 12, 12, 12, true},
		{"fr", "plusieurs dizaines de terroristes ont été neutralisés", whoAttackers, 20, 20, 60, false},
		{"fr", "une douzaine de civils tués", whoCivilians, 12, 12, 12, true},
		{"fr", "une vingtaine de villageois ont été tués", whoCivilians, 20, 20, 20, true},
		{"fr", "l'attaque a fait quatre-vingt-dix morts", whoPeople, 90, 90, 90, true},
		{"fr", "coûté la vie à soixante-dix civils", whoCivilians, 70, 70, 70, true},
		{"fr", "plus de 30 soldats tués", whoSoldiers, 31, 31, -1, true},
		{"fr", "tuant dix-sept gendarmes", whoSoldiers, 17, 17, 17, true},
		{"fr", "cinq soldats blessés", "", 0, 0, 0, false},
		{"fr", "tués par des centaines de terroristes", "", 0, 0, 0, false},
		{"fr", "un deuil national de trois jours", "", 0, 0, 0, false},
	} {
		lx := lexiconFor(tt.lang)
		toks := tokenize(tt.phrase, 0, len(tt.phrase))
		skip := make([]bool, len(toks))
		var got fatality
		for i := range toks {
			if f, n := lx.fatalityAt(toks, i, tt.phrase, skip); n > 0 {
				got = f
				break
			}
		}
		high := got.q.High
		if got.q.Open {
			high = -1
		}
		if got.who != tt.who || got.q.Best != tt.best || got.q.Low != tt.low || tt.who != "" && high != tt.high || got.q.Figure != tt.figure {
			t.Errorf("%s %q: %s best %d low %d high %d figure %v; want %s %d %d %d %v", tt.lang, tt.phrase,
				got.who, got.q.Best, got.q.Low, high, got.q.Figure, tt.who, tt.best, tt.low, tt.high, tt.figure)
		}
	}
}

func TestNumberWords(t *testing.T) {
	for w, n := range map[string]int{
		"twelve": 12, "twenty-nine": 29, "douze": 12, "vingt-neuf": 29, "vingt-et-un": 21, "soixante-dix": 70,
		"quatre-vingts": 80, "quatre-vingt-dix": 90, "quatre-vingt-douze": 92, "deux-cents": 200, "1,500": 1500, "17": 17,
	} {
		if got, ok := numberValue(w); !ok || got != n {
			t.Errorf("%q: %d %v, want %d", w, got, ok, n)
		}
	}
	for _, w := range []string{"three-day", "troops", ""} {
		if _, ok := numberValue(w); ok {
			t.Errorf("%q read as a number", w)
		}
	}
}

// Each type rule, in both languages: one sentence that tells of one event.
func TestTypes(t *testing.T) {
	pub := day("2024-05-21")
	for _, tt := range []struct {
		lang, text, sub string
	}{
		{"en", "Three soldiers were killed when an IED struck their convoy near Torodi on Monday.", "Remote explosive/landmine/IED"},
		{"en", "A suicide bomber killed five soldiers at a post near Torodi on Monday.", "Suicide bomb"},
		{"en", "Kamikaze vehicles killed 12 soldiers near Torodi on Monday.", "Suicide bomb"},
		{"en", "Gunmen ambushed an army patrol near Torodi on Monday, killing 4 soldiers.", "Armed clash"},
		{"en", "Militants attacked a military post near Torodi on Monday and killed 6 soldiers.", "Armed clash"},
		{"en", "A drone strike killed 8 militants near Torodi on Monday.", "Air/drone strike"},
		{"en", "An air strike near Torodi on Monday killed 10 civilians.", "Air/drone strike"},
		{"en", "Gunmen abducted 20 villagers near Torodi on Monday.", "Abduction/forced disappearance"},
		{"en", "Gunmen killed 9 civilians in an attack near Torodi on Monday.", "Attack"},
		{"fr", "Trois soldats ont été tués lundi par un engin explosif improvisé près de Torodi.", "Remote explosive/landmine/IED"},
		{"fr", "Un kamikaze a tué cinq soldats lundi près de Torodi.", "Suicide bomb"},
		{"fr", "Quatre soldats ont été tués lundi dans une embuscade près de Torodi.", "Armed clash"},
		{"fr", "Une frappe de drone a tué huit terroristes lundi près de Torodi.", "Air/drone strike"},
		{"fr", "Des hommes armés ont enlevé vingt villageois lundi près de Torodi.", "Abduction/forced disappearance"},
		{"fr", "Neuf civils ont été tués lundi dans une attaque près de Torodi.", "Attack"},
		{"fr", "L'armée a pris le pouvoir le 26 juillet au Niger.", "Other"},
		{"en", "The army launched a coup on July 26 in Niger.", "Other"},
	} {
		r := Extract(tt.text, Options{Published: pub, Lang: tt.lang})
		if len(r.Drafts) != 1 {
			t.Errorf("%q: %d drafts", tt.text, len(r.Drafts))
			continue
		}
		if got := r.Drafts[0].Incident.SubEventType; got != tt.sub {
			t.Errorf("%q: %s, want %s", tt.text, got, tt.sub)
		}
	}
}

func TestLanguageDetected(t *testing.T) {
	if r := Extract("Douze soldats ont été tués lundi près de Torodi.", Options{Published: day("2024-05-21")}); r.Lang != "fr" {
		t.Errorf("%q", r.Lang)
	}
	if r := Extract("Twelve soldiers were killed on Monday near Torodi.", Options{Published: day("2024-05-21")}); r.Lang != "en" {
		t.Errorf("%q", r.Lang)
	}
}

// Evidence spans count characters, not bytes: "tués" is four characters.
func TestEvidenceInCharacters(t *testing.T) {
	text := "Écoles fermées. Douze soldats ont été tués lundi près de Torodi."
	r := Extract(text, Options{Published: day("2024-05-21"), Geocoder: geography(t)})
	if len(r.Drafts) != 1 {
		t.Fatalf("%d drafts", len(r.Drafts))
	}
	rs := []rune(text)
	s := r.Drafts[0].Evidence["event_date"][0]
	if got := string(rs[s[0]:s[1]]); got != "lundi" {
		t.Errorf("event_date evidence %q", got)
	}
	s = r.Drafts[0].Evidence["fatalities"][0]
	if got := string(rs[s[0]:s[1]]); got != "Douze soldats ont été tués" {
		t.Errorf("fatalities evidence %q", got)
	}
}
