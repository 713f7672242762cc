package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The review screen in a real browser: an editor pastes the seed report,
// sees its drafts with the words each field came from marked in the report
// and the background greyed, opens the Tahoua attack and accepts it; it is
// then a published incident, and the draft is gone from the list.
func TestReviewScreenInBrowser(t *testing.T) {
	article, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "seed-article.txt"))
	if err != nil {
		t.Fatalf("the seed report is read from ../shared beside the repository: %v", err)
	}
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	b := newBrowser(t)

	var drafts []string
	b.run(t,
		chromedp.Navigate(s.base+"/review.html"),
		chromedp.WaitVisible("#rv-secret", chromedp.ByID),
		chromedp.SendKeys("#rv-secret", tok, chromedp.ByID),
		chromedp.Click("#rv-token button[type=submit]", chromedp.ByQuery),
		chromedp.SetValue("#rv-published", "2023-10-03", chromedp.ByID),
		chromedp.SetValue("#rv-text", string(article), chromedp.ByID),
		chromedp.Click("#rv-extract button[type=submit]", chromedp.ByQuery),
		until(`document.querySelectorAll('#rv-drafts li').length === 4`),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#rv-drafts li button')).map(function (b) { return b.textContent })`, &drafts),
	)
	if len(drafts) != 4 {
		t.Fatalf("the seed report gave these drafts in the list: %q (want 4)", drafts)
	}
	tahoua := -1
	for i, d := range drafts {
		if strings.HasPrefix(d, "2023-10-02") {
			tahoua = i
		}
	}
	if tahoua < 0 {
		t.Fatalf("no draft of 2 October 2023 among %q", drafts)
	}

	var marked, context []string
	var fatalities string
	b.run(t,
		chromedp.Click(`#rv-drafts li:nth-child(`+strconv.Itoa(tahoua+1)+`) button`, chromedp.ByQuery),
		until(`!document.getElementById('rv-form').hidden && document.querySelectorAll('#rv-report-text mark').length > 0`),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#rv-report-text mark')).map(function (m) { return m.textContent })`, &marked),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#rv-report-text .rv-context')).map(function (m) { return m.textContent })`, &context),
		chromedp.Value(`#rv-fields input[name=fatalities_low]`, &fatalities, chromedp.ByQuery),
	)
	if !strings.Contains(strings.Join(marked, "|"), "29") {
		t.Errorf("the evidence marked in the report does not hold the 29 dead: %q", marked)
	}
	if !strings.Contains(strings.Join(context, " "), "French") {
		t.Errorf("the French withdrawal is not greyed as background: %q", context)
	}
	if fatalities != "29" {
		t.Errorf("fatalities_low in the form is %q, want 29", fatalities)
	}

	var status string
	b.run(t,
		chromedp.Click("#rv-accept", chromedp.ByID),
		until(`document.getElementById('rv-status').textContent.indexOf('Published as') === 0 && document.querySelectorAll('#rv-drafts li').length === 3`),
		chromedp.Text("#rv-status", &status, chromedp.ByID),
	)
	if !strings.HasPrefix(status, "Published as ") {
		t.Fatalf("accept: the screen says %q", status)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(status, "Published as "), ".")
	if r := s.do("GET", "/api/v1/incidents/"+id, "", ""); r.status != 200 || !strings.Contains(string(r.body), `"event_date":"2023-10-02"`) {
		t.Errorf("the accepted draft %q: %d %s", id, r.status, r.body)
	}
	if p := b.seen(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
}
