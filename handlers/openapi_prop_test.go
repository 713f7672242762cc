package handlers

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// junk is what the generator sends besides valid values: empty, blank,
// malformed, out of range, oversized, hostile.
var junk = []string{
	"", " ", "abc", "-1", "0", "1e309", "NaN", "Infinity", "-0", "0x10", "1_000", "9999999999999999999999",
	"0,0", "1,2,3", "1,2,3,4,5", "1,2,3,4,5,6", "4,16,0,12", "181,0", "0,91", "a,b,c,d", ",,,", ",", "1,,2,3",
	"2023-13-45", "2023-02-30", "23-01-01", "2023-01-01T25:00:00Z", "../..", "..", "2024-01-01/2023-01-01", "/",
	"null", "[]", "{}", "<script>alert(1)</script>", "'; DROP TABLE incidents; --", "%00", "\x00", "\xff\xfe",
	"😀", strings.Repeat("é", 300), strings.Repeat("x", 5000), "MLI,BFA", "mli", "Battles,Nope", "any,MLI",
	"NE-99", "Tillabéri", " Tahoua ", "html", "json", "csv", "xml", "geojson", "true",
	"0x1p4", "Inf", "+5", ".5", "5.", "1E3", "100000", "Battles,,Riots", "NE-5,", "2023-07-01/", "2023-07-01T00:00:00",
}

// genOp is a GET operation of a document, with its parameters resolved.
type genOp struct {
	doc, path string
	params    []*openapi3.Parameter
	// role is the token the operation's security asks for ("" for none):
	// an admin's, which every role requirement accepts.
	role string
}

// Requests generated from the documents, a few thousand with a fixed seed:
// every GET operation the server routes, each parameter left out, given a
// value the documents offer as valid (an enum member, an example, a number
// in range) or given junk. Whatever the request, the server never fails
// (no 5xx), every 4xx is an RFC 7807 problem, and every answer is one the
// documents describe; a request made only of documented valid values is
// accepted (2xx).
func TestGeneratedRequests(t *testing.T) {
	// Thousands of requests from one client: the heavy-request rate (its
	// own tests are in heavy_test.go) would answer most of them 429 before
	// they reached what this test is about.
	ts := newLiveServer(t, true, func(c *Config) { c.HeavyPerMinute = -1 })
	k := loadContract(t, ts, "")
	features := featureIDs(t, ts)
	// A watch of the admin's (whose token the generated requests carry),
	// for the watch paths' {id}, and its feed's key.
	_, res, body := ts.request(t, "POST", "/api/v1/watches", "admin", ctJSON, `{"name":"generated","filter":"event_type=Battles"}`)
	var w struct{ ID, Feed string }
	if err := json.Unmarshal(body, &w); err != nil || res.StatusCode != 201 {
		t.Fatalf("a watch: %d %s", res.StatusCode, body)
	}
	feed, _ := url.Parse(w.Feed)
	features["watch"] = []string{w.ID}
	var ops []genOp
	for _, op := range k.operations() {
		parts := strings.SplitN(op, " ", 3)
		if parts[1] != "GET" || !routed(ts.srv, k, op) {
			continue
		}
		item := k.docs[parts[0]].Paths.Find(parts[2])
		if ok := item.Get.Responses.Status(200); ok != nil && ok.Value.Content.Get("text/event-stream") != nil {
			// A stream never ends, so its answer cannot be read whole
			// (stream_test.go reads it).
			continue
		}
		g := genOp{doc: parts[0], path: parts[2]}
		if sec := item.Get.Security; sec != nil && !slices.ContainsFunc(*sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }) {
			g.role = "admin"
		}
		for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), item.Get.Parameters...) {
			g.params = append(g.params, p.Value)
		}
		ops = append(ops, g)
	}
	r := rand.New(rand.NewSource(18))
	const n = 3000
	valid, accepted, failed := 0, 0, 0
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		g := ops[r.Intn(len(ops))]
		path, query, allValid := g.generate(r, features)
		if strings.HasSuffix(g.path, "/feed") && allValid {
			query.Set("key", feed.Query().Get("key")) // a key is valid only as the watch's
		}
		prefix := ""
		if g.doc == "ogc" {
			prefix = "/ogc"
		}
		target := prefix + path
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		req, res, body := ts.request(t, "GET", target, g.role, "", "")
		x := exchange{method: "GET", url: ts.URL + target, auth: req.Header.Get("Authorization"), status: res.StatusCode, header: res.Header, body: body}
		v, err := k.check(x)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		name := "GET " + target
		statuses[res.StatusCode]++
		if res.StatusCode >= 500 {
			t.Errorf("%s: %d: %.300s", name, res.StatusCode, body)
		}
		if res.StatusCode >= 400 {
			checkProblem(t, name, res.StatusCode, res.Header, body)
		}
		if v.resErr != nil {
			t.Errorf("%s: the answer (%d %s) is not what the document says: %.600v", name, res.StatusCode, res.Header.Get("Content-Type"), v.resErr)
		}
		if v.reqErr != nil && res.StatusCode/100 == 2 && !g.acceptedInAnyCase(k, x, ts.URL+prefix+path, query) {
			t.Errorf("%s: the document refuses the request (%.300v), yet the server answers %d", name, v.reqErr, res.StatusCode)
		}
		if allValid {
			valid++
			if v.reqErr != nil {
				t.Errorf("%s: made of documented valid values, yet the document refuses it: %v", name, v.reqErr)
			}
			if res.StatusCode/100 != 2 {
				t.Errorf("%s: made of documented valid values, yet refused: %d %.300s", name, res.StatusCode, body)
			} else {
				accepted++
			}
		}
		if t.Failed() {
			failed++
			if failed > 20 {
				t.Fatalf("stopped after %d requests", i+1)
			}
		}
	}
	t.Logf("%d requests, %d of documented valid values (%d accepted), over %d operations; statuses %v", n, valid, accepted, len(ops), statuses)
	if valid < n/5 {
		t.Errorf("only %d of %d requests were valid: the generator does not exercise the happy paths", valid, n)
	}
}

// generate makes a request for the operation: its path and query, and
// whether every value in it is one the documents give as valid.
func (g genOp) generate(r *rand.Rand, features map[string][]string) (string, url.Values, bool) {
	allValid := true
	path := g.path
	q := url.Values{}
	chosen := map[string]bool{}
	var needs []string
	// Path parameters first: the collection decides which feature ids exist.
	sort.SliceStable(g.params, func(i, j int) bool { return g.params[i].In == "path" && g.params[j].In != "path" })
	pathValues := map[string]string{}
	for _, p := range g.params {
		if p.In == "path" {
			var v string
			if r.Intn(20) == 0 {
				v, allValid = url.PathEscape(junk[r.Intn(len(junk))]), false
				if v == "" || v == "." || v == ".." {
					v = "nope"
				}
			} else if s, ok := validValue(r, p.Schema.Value); ok {
				v = s
			} else if ids := features["watch"]; strings.HasPrefix(g.path, "/api/v1/watches/") {
				v = ids[0]
			} else if ids := features[p.Name]; len(ids) > 0 {
				v = url.PathEscape(ids[r.Intn(len(ids))]) // a draft's or a report's
			} else if ids := features[pathValues["collectionId"]]; len(ids) > 0 {
				v = url.PathEscape(ids[r.Intn(len(ids))])
			} else {
				v, allValid = "nope", false // in a collection that is not one
			}
			pathValues[p.Name] = v
			path = strings.Replace(path, "{"+p.Name+"}", v, 1)
			continue
		}
		if !p.Required && r.Intn(2) == 0 {
			continue
		}
		v, ok := validValue(r, p.Schema.Value)
		if !ok || r.Intn(3) == 0 {
			v, allValid = junk[r.Intn(len(junk))], false
		}
		q.Set(p.Name, v)
		chosen[p.Name] = true
		if need, _ := p.Extensions["x-needs"].(string); need != "" {
			needs = append(needs, need)
		}
	}
	for _, need := range needs {
		if chosen[need] {
			continue
		}
		for _, p := range g.params {
			if p.Name == need {
				v, _ := validValue(r, p.Schema.Value)
				q.Set(need, v)
			}
		}
	}
	if q.Has("region") && q.Has("country") {
		// Each is valid alone, but a region must be one of the countries
		// named ("Tillaberi" with country=MLI,BFA is refused, on purpose).
		allValid = false
	}
	return path, q, allValid
}

// acceptedInAnyCase says whether the documents accept the request once the
// values of parameters marked x-case-insensitive are written as their
// enums have them.
func (g genOp) acceptedInAnyCase(k *contract, x exchange, u string, query url.Values) bool {
	folded := url.Values{}
	for name, vs := range query {
		folded[name] = vs
		for _, p := range g.params {
			if p.Name != name || p.Extensions["x-case-insensitive"] != true {
				continue
			}
			for _, e := range p.Schema.Value.Enum {
				if s := fmt.Sprint(e); strings.EqualFold(s, vs[0]) {
					folded[name] = []string{s}
				}
			}
		}
	}
	x.url = u + "?" + folded.Encode()
	v, err := k.check(x)
	return err == nil && v.reqErr == nil
}

// validValue picks a value a schema documents as valid, written as in a
// URL (lists comma-separated), or says there is none to pick.
func validValue(r *rand.Rand, s *openapi3.Schema) (string, bool) {
	if s.Type.Is("array") && s.Items != nil && len(s.Items.Value.Enum) > 0 {
		enum := s.Items.Value.Enum
		var parts []string
		for _, i := range r.Perm(len(enum))[:1+r.Intn(min(3, len(enum)))] {
			parts = append(parts, fmt.Sprint(enum[i]))
		}
		return strings.Join(parts, ","), true
	}
	if len(s.Enum) > 0 {
		return fmt.Sprint(s.Enum[r.Intn(len(s.Enum))]), true
	}
	examples := s.Examples
	if s.Example != nil {
		examples = append(examples, s.Example)
	}
	if len(examples) > 0 {
		return urlValue(examples[r.Intn(len(examples))]), true
	}
	if (s.Type.Is("integer") || s.Type.Is("number")) && s.Min != nil {
		hi := *s.Min + 300
		if s.Max != nil {
			hi = min(hi, *s.Max)
		}
		return strconv.Itoa(int(*s.Min) + r.Intn(int(hi-*s.Min)+1)), true
	}
	return "", false
}

// urlValue writes a JSON value as a query parameter: arrays comma-separated.
func urlValue(v any) string {
	switch x := v.(type) {
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, urlValue(e))
		}
		return strings.Join(parts, ",")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// featureIDs reads a few feature ids of each OGC collection (and, under "",
// the incidents'): the valid values of featureId and id.
func featureIDs(t *testing.T, ts *liveServer) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, col := range ogcCollections {
		_, res, body := ts.request(t, "GET", "/ogc/collections/"+col.ID+"/items?limit=3", "", "", "")
		var fc struct{ Features []struct{ ID any } }
		if err := json.Unmarshal(body, &fc); err != nil || res.StatusCode != 200 || len(fc.Features) == 0 {
			t.Fatalf("%s items: %d %v", col.ID, res.StatusCode, err)
		}
		for _, f := range fc.Features {
			out[col.ID] = append(out[col.ID], fmt.Sprint(f.ID))
		}
	}
	out[""] = out["incidents"]
	contractDrafts(t, ts.db)
	out["draftId"], out["reportId"] = []string{"drf-contract-1", "drf-contract-2"}, []string{"rep-contract"}
	return out
}
