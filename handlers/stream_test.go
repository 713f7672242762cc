package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/notify"
)

type sseEvent struct{ id, event, data string }

// openStream reads a stream's events into a channel until cancel.
func openStream(t *testing.T, ts *liveServer, query, lastID string) (<-chan sseEvent, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/stream?"+query, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 100)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			k, v, _ := strings.Cut(line, ": ")
			switch {
			case line == "" && ev.data != "":
				out <- ev
				ev = sseEvent{}
			case k == "id":
				ev.id = v
			case k == "event":
				ev.event = v
			case k == "data":
				ev.data = v
			}
		}
		close(out)
	}()
	return out, cancel
}

func next(t *testing.T, c <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev := <-c:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10 s")
	}
	return sseEvent{}
}

func incidentAt(id string, lon, lat float64, fatalities int) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"event_date":"2024-03-10","event_type":"Battles","sub_event_type":"Armed clash","fatalities":%d,"location":"Torodi"}}`, id, lon, lat, fatalities)
}

// The stream sends the changes its filters concern as they are stored,
// and a client that comes back with Last-Event-ID gets what it missed,
// and only that.
func TestStreamResumes(t *testing.T) {
	ts := newLiveServer(t, false, nil)
	const near = "near=1.7987,13.1192&radius_km=25"
	events, stop := openStream(t, ts, near, "")
	post := func(body string) {
		if _, res, b := ts.request(t, "POST", "/api/v1/incidents", "editor", ctGeo, body); res.StatusCode != 201 {
			t.Fatalf("%d %s", res.StatusCode, b)
		}
	}
	post(incidentAt("s-1", 1.80, 13.12, 1))
	ev := next(t, events)
	var data notify.Event
	json.Unmarshal([]byte(ev.data), &data)
	if ev.event != "match" || data.IncidentID != "s-1" || ev.id == "" {
		t.Fatalf("first event %+v", ev)
	}
	if _, res, _ := ts.request(t, "PATCH", "/api/v1/incidents/s-1", "editor", ctPatch, `{"properties":{"fatalities":4}}`); res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
	ev = next(t, events)
	if ev.event != "updated" || !strings.Contains(ev.data, `"changed":["fatalities"]`) {
		t.Errorf("second event %+v", ev)
	}
	stop()
	last := ev.id
	post(incidentAt("s-far", 4.0, 16.0, 1)) // elsewhere: not for this stream
	post(incidentAt("s-2", 1.81, 13.13, 2))
	events, stop = openStream(t, ts, near, last)
	defer stop()
	if ev := next(t, events); ev.event != "match" || !strings.Contains(ev.data, `"incident_id":"s-2"`) {
		t.Errorf("resumed with %+v, want s-2's match and nothing before it", ev)
	}
	if _, res, _ := ts.request(t, "DELETE", "/api/v1/incidents/s-2", "editor", "", ""); res.StatusCode != 204 {
		t.Fatal(res.Status)
	}
	if ev := next(t, events); ev.event != "retracted" {
		t.Errorf("after a delete: %+v", ev)
	}
}

// atomFeed is what Atom 1.0 requires of a feed and its entries.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func parseAtom(t *testing.T, b []byte) atomFeed {
	t.Helper()
	var f atomFeed
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("not Atom: %v\n%s", err, b)
	}
	for _, s := range []string{f.ID, f.Title, f.Updated} {
		if s == "" {
			t.Errorf("the feed lacks id, title or updated: %s", b)
		}
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	for _, e := range f.Entries {
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Title == "" || e.Link.Href == "" {
			t.Errorf("entry %+v lacks id, title, updated or link", e)
		}
	}
	return f
}

// A filter's incidents and a watch's notices as Atom feeds.
func TestAtomFeeds(t *testing.T) {
	ts := newLiveServer(t, true, nil)
	_, res, b := ts.request(t, "GET", "/api/v1/incidents?f=atom&border=MLI&border_km=100", "", "", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), MIMEAtom) {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if f := parseAtom(t, b); len(f.Entries) == 0 {
		t.Error("no entries")
	}
	_, res, b = ts.request(t, "POST", "/api/v1/watches", "viewer", ctJSON, `{"name":"Torodi <base> & camp","filter":"near=1.7987,13.1192&radius_km=25"}`)
	if res.StatusCode != 201 {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	var w struct{ Feed string }
	json.Unmarshal(b, &w)
	ts.request(t, "POST", "/api/v1/incidents", "editor", ctGeo, incidentAt("a-1", 1.80, 13.12, 3))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, res, b = ts.request(t, "GET", strings.TrimPrefix(w.Feed, ts.URL), "", "", "")
		if res.StatusCode != 200 {
			t.Fatalf("%d %s", res.StatusCode, b)
		}
		f := parseAtom(t, b)
		if len(f.Entries) == 1 {
			if f.Title != "Torodi <base> & camp" || !strings.HasPrefix(f.Entries[0].Title, "New: Armed clash at Torodi") {
				t.Errorf("feed %q, entry %q", f.Title, f.Entries[0].Title)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no entry in the watch's feed: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
