// The harness of the end-to-end tests: the real program started on
// 127.0.0.1:0 with a temp database (start), requests to it (do, list),
// the CLI run in-process (runCLI), and the fixtures the tests share.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// instance is the real program serving on 127.0.0.1:0 with a temp database.
type instance struct {
	t      testing.TB
	base   string
	db     string
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t testing.TB, db string, extra ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{t: t, db: db, cancel: cancel, done: make(chan error, 1), logs: &syncBuffer{}}
	ready := make(chan string, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, extra...)
	go func() {
		in.done <- runEnv(ctx, args, env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: in.logs, stderr: in.logs, ready: func(a string) { ready <- a }})
	}()
	select {
	case a := <-ready:
		in.base = "http://" + a
	case err := <-in.done:
		t.Fatalf("server did not start: %v\n%s", err, in.logs)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start in 20 s")
	}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	in.cancel = nil
	if err := <-in.done; err != nil && !errors.Is(err, context.Canceled) {
		in.t.Errorf("server stopped with %v", err)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (in *instance) do(method, path, token string, body any) response {
	in.t.Helper()
	return in.doCT(method, path, token, "application/geo+json", body)
}

func (in *instance) doCT(method, path, token, ctype string, body any) response {
	in.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = in.base + path
	}
	req, _ := http.NewRequest(method, u, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func (in *instance) get(path string) response { in.t.Helper(); return in.do("GET", path, "", nil) }

// token creates a token with the CLI, as an operator would.
func token(t *testing.T, db, role string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := runEnv(context.Background(), []string{"token", "create", "--db", db, "--role", role, "--name", "test-" + role}, env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}); err != nil {
		t.Fatalf("token create: %v %s", err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

type fc struct {
	Type     string `json:"type"`
	Features []struct {
		ID         string         `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	NumberMatched  int `json:"numberMatched"`
	NumberReturned int `json:"numberReturned"`
	Links          []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
}

func (in *instance) list(query string) fc {
	in.t.Helper()
	r := in.get("/api/v1/incidents?" + query)
	if r.status != 200 {
		in.t.Fatalf("GET incidents?%s: %d %s", query, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		in.t.Errorf("Content-Type %q, want application/geo+json", ct)
	}
	var c fc
	if err := json.Unmarshal(r.body, &c); err != nil {
		in.t.Fatalf("not GeoJSON: %v", err)
	}
	return c
}

func ids(c fc) []string {
	var out []string
	for _, f := range c.Features {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

func feature(id, date, typ, sub string, lon, lat float64, fatalities int, extra map[string]any) map[string]any {
	props := map[string]any{"event_date": date, "event_type": typ, "sub_event_type": sub, "fatalities": fatalities, "location": id}
	for k, v := range extra {
		props[k] = v
	}
	return map[string]any{"type": "Feature", "id": id, "geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}, "properties": props}
}

var seedIDs = []string{"ner-2023-07-26-niamey-coup", "ner-2023-08-15-koutougou", "ner-2023-09-27-niamey-ambassador", "ner-2023-09-28-southwest-niger", "ner-2023-10-02-tahoua-mali-border"}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// Test incidents at known places, with hand-computed expectations.
func loadFixtures(t *testing.T, s *instance, tok string) {
	t.Helper()
	fx := []map[string]any{
		// Torodi: Tillabéri, 48 km from Burkina Faso.
		feature("torodi-1", "2024-03-10", "Battles", "Armed clash", 1.79869, 13.11915, 7, map[string]any{"actor1": "JNIM", "notes": "Ambush on a convoy"}),
		// Tillia: Tahoua, 72 km from Mali.
		feature("tillia-1", "2024-02-01", "Explosions/Remote violence", "Remote explosive/landmine/IED", 4.78972, 16.12333, 3, nil),
		// Ayorou: Tillabéri, 27 km from Mali, in the tri-border area.
		feature("ayorou-1", "2024-01-15", "Violence against civilians", "Attack", 0.91739, 14.73075, 12, map[string]any{"location": "Ayorou market"}),
		// Diffa: 2 km from Nigeria.
		feature("diffa-1", "2023-12-24", "Battles", "Armed clash", 12.61135, 13.31536, 0, nil),
		// Niamey, 10 km east of the seed's point.
		feature("niamey-1", "2024-04-01", "Protests", "Peaceful protest", 2.2021, 13.51366, 0, map[string]any{"notes": "Rassemblement à Niamey"}),
	}
	for _, f := range fx {
		if r := s.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
			t.Fatalf("POST %v: %d %s", f["id"], r.status, r.body)
		}
	}
}

func runCLI(t testing.TB, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runEnv(context.Background(), args, env{getenv: func(string) string { return "" }, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return out.String(), errb.String(), err
}
