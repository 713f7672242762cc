package handlers

import (
	"strings"
	"testing"
)

func TestTokenAdministration(t *testing.T) {
	ts := newTestServer(t)
	wantProblem(t, ts.do("GET", "/api/v1/tokens", ts.editor, ""), 403, "", "this needs admin")
	rec := ts.do("GET", "/api/v1/tokens", ts.admin, "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "imt_") || strings.Contains(rec.Body.String(), "hash") {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	ids := map[string]string{}
	for _, tok := range decodeBody(t, rec)["tokens"].([]any) {
		m := tok.(map[string]any)
		ids[m["name"].(string)] = m["id"].(string)
		if m["role"] == nil || m["created_at"] == nil {
			t.Errorf("listed %v", m)
		}
	}
	if ids["test-editor"] == "" || ids["test-admin"] == "" {
		t.Fatalf("listed %v", ids)
	}

	// Create: the secret is shown once, and works.
	rec = ts.do("POST", "/api/v1/tokens", ts.admin, `{"role":"viewer","name":"gis","expires":"30d"}`)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	created := decodeBody(t, rec)
	secret, _ := created["token"].(string)
	if !strings.HasPrefix(secret, "imt_") || created["role"] != "viewer" || created["expires_at"] == nil || created["hash"] != nil {
		t.Errorf("created %v", created)
	}
	wantProblem(t, ts.do("GET", "/api/v1/tokens", secret, ""), 403, "", "has role viewer")
	wantProblem(t, ts.do("POST", "/api/v1/tokens", ts.admin, `{"role":"boss"}`), 400, "role", "not a role")
	wantProblem(t, ts.do("POST", "/api/v1/tokens", ts.admin, `{"role":"viewer","expires":"soon"}`), 400, "expires", "30d")
	wantProblem(t, ts.do("POST", "/api/v1/tokens", ts.editor, `{"role":"admin"}`), 403, "", "this needs admin")

	// Revoke: 401 from the next request on; an unknown id is 404.
	wantProblem(t, ts.do("DELETE", "/api/v1/tokens/"+ids["test-admin"], ts.editor, ""), 403, "", "this needs admin")
	if rec := ts.do("DELETE", "/api/v1/tokens/"+ids["test-editor"], ts.admin, ""); rec.Code != 204 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, ts.do("POST", "/api/v1/incidents", ts.editor, `{}`), 401, "", "not valid")
	wantProblem(t, ts.do("DELETE", "/api/v1/tokens/"+ids["test-editor"], ts.admin, ""), 404, "", "no token with id")
}
