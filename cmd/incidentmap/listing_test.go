// End-to-end tests of listings: the seed on first start, every filter at
// fixtures with hand-computed answers, and paging along cursors.

package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSeededOnFirstStartOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	c := s.list("")
	if !slices.Equal(ids(c), seedIDs) || c.NumberMatched != 5 {
		t.Fatalf("seeded ids %v (matched %d), want %v", ids(c), c.NumberMatched, seedIDs)
	}
	// Newest first.
	if c.Features[0].ID != "ner-2023-10-02-tahoua-mali-border" {
		t.Errorf("first feature %s, want the newest (2 Oct 2023)", c.Features[0].ID)
	}
	p := c.Features[0].Properties
	if p["region_code"] != "NE-5" || p["nearest_border"] != "MLI-NER" || p["geo_precision"].(float64) != 3 || !slices.Contains(toStrings(p["zones"]), "Mali–Niger border zone") {
		t.Errorf("2 Oct incident derived properties wrong: %v", p)
	}
	s.stop()

	// Restart: nothing duplicated. Delete everything, restart: not re-seeded.
	s = start(t, db)
	if n := s.list("").NumberMatched; n != 5 {
		t.Fatalf("after restart %d incidents, want 5", n)
	}
	tok := token(t, db, "editor")
	for _, id := range seedIDs {
		if r := s.do("DELETE", "/api/v1/incidents/"+id, tok, nil); r.status != 204 {
			t.Fatalf("DELETE %s: %d %s", id, r.status, r.body)
		}
	}
	s.stop()
	s = start(t, db)
	if n := s.list("").NumberMatched; n != 0 {
		t.Errorf("after deleting the seed and restarting, %d incidents: the seed came back", n)
	}
}

func TestFilters(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	loadFixtures(t, s, token(t, db, "editor"))
	tests := []struct {
		query string
		want  []string
	}{
		{"bbox=0,12,3,15", []string{"ayorou-1", "ner-2023-07-26-niamey-coup", "ner-2023-08-15-koutougou", "ner-2023-09-27-niamey-ambassador", "niamey-1", "torodi-1"}},
		{"bbox=12,13,13,14", []string{"diffa-1"}},
		{"start=2024-01-01&end=2024-02-28", []string{"ayorou-1", "tillia-1"}},
		{"start=2024-03-10", []string{"niamey-1", "torodi-1"}},
		{"end=2023-08-15", []string{"ner-2023-07-26-niamey-coup", "ner-2023-08-15-koutougou"}},
		{"event_type=Battles", []string{"diffa-1", "ner-2023-08-15-koutougou", "ner-2023-09-28-southwest-niger", "torodi-1"}},
		{"event_type=Protests,Violence%20against%20civilians", []string{"ayorou-1", "niamey-1"}},
		{"sub_event_type=Remote%20explosive/landmine/IED", []string{"tillia-1"}},
		{"region=NE-5", []string{"ner-2023-10-02-tahoua-mali-border", "tillia-1"}},
		{"region=Tillaberi", []string{"ayorou-1", "ner-2023-08-15-koutougou", "torodi-1"}},
		{"region=tillabéri", []string{"ayorou-1", "ner-2023-08-15-koutougou", "torodi-1"}},
		{"region=Diffa,Niamey", []string{"diffa-1", "ner-2023-07-26-niamey-coup", "ner-2023-09-27-niamey-ambassador", "niamey-1"}},
		{"border=MLI&border_km=50", []string{"ayorou-1", "ner-2023-10-02-tahoua-mali-border"}},
		{"border=MLI&border_km=80", []string{"ayorou-1", "ner-2023-10-02-tahoua-mali-border", "tillia-1"}},
		{"border=BFA&border_km=50", []string{"ner-2023-08-15-koutougou", "torodi-1"}},
		{"border=any&border_km=5", []string{"diffa-1"}},
		{"near=2.1098,13.51366&radius_km=5", []string{"ner-2023-07-26-niamey-coup", "ner-2023-09-27-niamey-ambassador"}},
		{"near=2.1098,13.51366&radius_km=10", []string{"ner-2023-07-26-niamey-coup", "ner-2023-09-27-niamey-ambassador", "niamey-1"}},
		{"min_fatalities=12", []string{"ayorou-1", "ner-2023-08-15-koutougou", "ner-2023-09-28-southwest-niger", "ner-2023-10-02-tahoua-mali-border"}},
		{"q=ambush", []string{"torodi-1"}},
		{"q=JNIM", []string{"torodi-1"}},
		{"q=rassemblement%20a%20niamey", []string{"niamey-1"}},
		{"q=market", []string{"ayorou-1"}},
		{"region=NE-6&event_type=Battles&start=2024-01-01", []string{"torodi-1"}},
		{"border=MLI&border_km=50&start=2023-07-01", []string{"ayorou-1", "ner-2023-10-02-tahoua-mali-border"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := s.list(tt.query)
			if got := ids(c); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if c.NumberMatched != len(tt.want) || c.NumberReturned != len(tt.want) {
				t.Errorf("numberMatched %d numberReturned %d, want %d", c.NumberMatched, c.NumberReturned, len(tt.want))
			}
			if strings.Contains(tt.query, "border=") || strings.Contains(tt.query, "near=") {
				for _, f := range c.Features {
					if _, ok := f.Properties["distance_km"].(float64); !ok {
						t.Errorf("%s has no distance_km", f.ID)
					}
				}
			}
		})
	}
	// distance_km is the distance asked about.
	c := s.list("near=2.1098,13.51366&radius_km=10")
	for _, f := range c.Features {
		if f.ID == "niamey-1" {
			if d := f.Properties["distance_km"].(float64); d < 9.9 || d > 10.1 {
				t.Errorf("niamey-1 distance_km %v, want about 10", d)
			}
		}
	}
	c = s.list("border=MLI&border_km=80")
	for _, f := range c.Features {
		if f.ID == "tillia-1" {
			if d := f.Properties["distance_km"].(float64); d < 71 || d > 73 {
				t.Errorf("tillia-1 distance to Mali %v, want about 72", d)
			}
		}
	}
}

func TestPagination(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	tok := token(t, db, "editor")
	var all []string
	for i := 0; i < 23; i++ {
		// Pairs of incidents share dates, so the cursor must order by id too.
		id := fmt.Sprintf("p-%02d", i)
		f := feature(id, fmt.Sprintf("2024-01-%02d", 1+i/2), "Battles", "Armed clash", 1.8, 13.1, i, nil)
		if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		all = append(all, id)
	}
	seen := map[string]int{}
	next := s.base + "/api/v1/incidents?limit=5&event_type=Battles"
	pages := 0
	lastDate := "9999"
	for next != "" {
		pages++
		r := s.get(next)
		var c fc
		json.Unmarshal(r.body, &c)
		if c.NumberMatched != 23 {
			t.Fatalf("numberMatched %d, want 23", c.NumberMatched)
		}
		for _, f := range c.Features {
			seen[f.ID]++
			d := f.Properties["event_date"].(string)
			if d > lastDate {
				t.Errorf("%s (%s) after %s: not newest first", f.ID, d, lastDate)
			}
			lastDate = d
		}
		next = ""
		for _, l := range c.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 5 {
		t.Errorf("%d pages, want 5", pages)
	}
	for _, id := range all {
		if seen[id] != 1 {
			t.Errorf("%s seen %d times, want exactly once", id, seen[id])
		}
	}
}
