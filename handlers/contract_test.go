package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract holds the server's two OpenAPI documents, as it serves them,
// loaded and checked by kin-openapi, with routers to find an operation by
// request.
type contract struct {
	docs    map[string]*openapi3.T // "api", "ogc"
	routers map[string]routers.Router
	opts    *openapi3filter.Options
	mu      sync.Mutex
	valid   map[[32]byte]error // response validations by what was validated
}

func init() {
	// HTML pages are text; kin has no decoder of its own for them.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder(MIMEAtom, openapi3filter.PlainBodyDecoder)
}

// loadContract fetches the documents from the server, as role ("" for none).
func loadContract(t testing.TB, ts *liveServer, role string) *contract {
	t.Helper()
	k := &contract{docs: map[string]*openapi3.T{}, routers: map[string]routers.Router{}, valid: map[[32]byte]error{}}
	for _, d := range []struct{ name, path, ctype, server string }{
		{"api", "/api/v1/openapi.json", MIMEOpenAPI31, ts.URL},
		{"ogc", "/ogc/api", MIMEOpenAPI, ts.URL + "/ogc"},
	} {
		_, res, body := ts.request(t, http.MethodGet, d.path, role, "", "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != d.ctype {
			t.Fatalf("%s: %d %s, want 200 %s", d.path, res.StatusCode, res.Header.Get("Content-Type"), d.ctype)
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(body)
		if err != nil {
			t.Fatalf("%s does not load: %v", d.path, err)
		}
		if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
			t.Fatalf("%s is not a valid OpenAPI document: %v", d.path, err)
		}
		doc.Servers = openapi3.Servers{{URL: d.server}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("%s: %v", d.path, err)
		}
		k.docs[d.name], k.routers[d.name] = doc, r
	}
	if v := k.docs["api"].OpenAPI; !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("the API document is OpenAPI %s, want 3.1", v)
	}
	k.opts = &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		// The document says a bearer token is needed; whether it is a good
		// one is the server's to say (401, 403), which the responses check.
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
				return errors.New("no bearer token")
			}
			return nil
		},
	}
	return k
}

// exchange is one request and the server's answer.
type exchange struct {
	method, url, ctype, auth string
	reqBody                  []byte
	status                   int
	header                   http.Header
	body                     []byte
}

// validation is what the documents say of an exchange: the operation
// (document, method and path template) and whether request and response
// conform.
type validation struct {
	doc, op        string
	reqErr, resErr error
}

// check validates an exchange against the document whose server it is
// under.
func (k *contract) check(x exchange) (validation, error) {
	name := "api"
	if strings.Contains(x.url, "/ogc") {
		name = "ogc"
	}
	u := x.url
	if p, q, _ := strings.Cut(u, "?"); strings.HasSuffix(p, "/ogc") {
		u = p + "/?" + q // the landing page is served at /ogc and /ogc/
	}
	req, err := http.NewRequest(x.method, u, bytes.NewReader(x.reqBody))
	if err != nil {
		return validation{}, err
	}
	if x.ctype != "" {
		req.Header.Set("Content-Type", x.ctype)
	}
	if x.auth != "" {
		req.Header.Set("Authorization", x.auth)
	}
	route, pathParams, err := k.routers[name].FindRoute(req)
	if err != nil {
		return validation{}, err
	}
	v := validation{doc: name, op: x.method + " " + route.Path}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: k.opts}
	v.reqErr = openapi3filter.ValidateRequest(context.Background(), in)
	// Big answers (the regions are megabytes) come back the same many times:
	// each distinct one is validated once.
	h := sha256.New()
	for _, s := range []string{v.op, strconv.Itoa(x.status), x.header.Get("Content-Type"), x.header.Get("Link"), x.header.Get("Location"), x.header.Get("WWW-Authenticate"), x.header.Get("Retry-After")} {
		h.Write([]byte(s + "\x00"))
	}
	h.Write(x.body)
	var key [32]byte
	copy(key[:], h.Sum(nil))
	k.mu.Lock()
	resErr, seen := k.valid[key]
	k.mu.Unlock()
	if !seen {
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header, Options: k.opts}
		out.SetBodyBytes(x.body)
		resErr = openapi3filter.ValidateResponse(context.Background(), out)
		k.mu.Lock()
		k.valid[key] = resErr
		k.mu.Unlock()
	}
	v.resErr = resErr
	return v, nil
}

// operations lists every operation of the documents as "doc METHOD path".
func (k *contract) operations() []string {
	var out []string
	for name, doc := range k.docs {
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				out = append(out, name+" "+method+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}
