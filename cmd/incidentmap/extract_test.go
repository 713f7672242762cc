package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// extract reads the seed report from the shared folder and prints its four
// events; --store puts them in the review queue of the server's database,
// where the served API lists them for editors. dedup finds the seed
// incidents reported twice once the drafts are accepted.
func TestExtractAndDedupCommands(t *testing.T) {
	out, errs, err := runCLI(t, "", "extract", "../../../shared/seed-article.txt", "--published", "2023-10-03")
	if err != nil {
		t.Fatalf("extract: %v %s", err, errs)
	}
	var res struct {
		Drafts []json.RawMessage `json:"drafts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Drafts) != 4 {
		t.Fatalf("extract printed %d drafts (%v): %.500s", len(res.Drafts), err, out)
	}
	if _, _, err := runCLI(t, "Twelve soldiers were killed on Monday.", "extract", "-", "--published", "2999-01-01"); err == nil || !strings.Contains(err.Error(), "after today") {
		t.Errorf("a future publication date: %v", err)
	}

	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db) // seeded with the report's events
	editor := token(t, db, "editor")
	_, errs, err = runCLI(t, "", "extract", "--db", db, "--store", "--published", "2023-10-03", "../../../shared/seed-article.txt")
	if err != nil {
		t.Fatalf("extract --store: %v %s", err, errs)
	}
	r := s.do("GET", "/api/v1/drafts", editor, nil)
	var drafts struct {
		Drafts []struct {
			ID                 string            `json:"id"`
			PossibleDuplicates []json.RawMessage `json:"possible_duplicates"`
		} `json:"drafts"`
	}
	json.Unmarshal(r.body, &drafts)
	if r.status != 200 || len(drafts.Drafts) != 4 {
		t.Fatalf("drafts: %d %.500s", r.status, r.body)
	}
	flagged := 0
	for _, d := range drafts.Drafts {
		if len(d.PossibleDuplicates) > 0 {
			flagged++
		}
		if r := s.do("POST", "/api/v1/drafts/"+d.ID+"/accept", editor, nil); r.status != 201 {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
	}
	// The seed incidents are the same events: every draft but the one
	// the seed dates otherwise is flagged as a possible duplicate.
	if flagged < 3 {
		t.Errorf("%d of 4 drafts flagged as possible duplicates of the seed incidents", flagged)
	}
	s.stop()
	out, errs, err = runCLI(t, "", "dedup", "--db", db)
	if err != nil {
		t.Fatalf("dedup: %v %s", err, errs)
	}
	if !strings.Contains(out, "ner-2023-10-02-tahoua-mali-border") || !strings.Contains(errs, "possible duplicate pairs") {
		t.Errorf("dedup: %s %s", out, errs)
	}
}
