package main

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// An operator lists tokens (never their secrets) and revokes one; a running
// server refuses it from the next request on.
func TestTokenListAndRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	editor := token(t, db, "editor")
	if _, _, err := runCLI(t, "", "token", "create", "--db", db, "--role", "viewer", "--name", "gis team", "--expires", "30d"); err != nil {
		t.Fatal(err)
	}

	out, _, err := runCLI(t, "", "token", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "test-editor") || !strings.Contains(lines[1], "never") ||
		!strings.Contains(lines[2], "gis team") || !strings.Contains(lines[2], "viewer") || strings.Contains(out, "imt_") || strings.Contains(out, editor[4:]) {
		t.Fatalf("token list:\n%s", out)
	}
	out, _, err = runCLI(t, "", "token", "list", "--json", "--db", db)
	var listed []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 2 || listed[1]["expires_at"] == nil || strings.Contains(out, "hash") {
		t.Fatalf("token list --json: %v\n%s", err, out)
	}
	id := listed[0]["id"].(string)

	f := feature("t-1", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 0, nil)
	if r := s.do("POST", "/api/v1/incidents", editor, f); r.status != 201 {
		t.Fatalf("before revoking: %d %s", r.status, r.body)
	}
	if _, msg, err := runCLI(t, "", "token", "revoke", "--db", db, id); err != nil || !strings.Contains(msg, "revoked") {
		t.Fatalf("revoke: %v %s", err, msg)
	}
	if r := s.do("DELETE", "/api/v1/incidents/t-1", editor, nil); r.status != 401 {
		t.Errorf("a revoked token: %d %s", r.status, r.body)
	}
	if _, _, err := runCLI(t, "", "token", "revoke", "--db", db, id); err == nil || !strings.Contains(err.Error(), "no token with id") {
		t.Errorf("revoking it again: %v", err)
	}
	for _, args := range [][]string{{"token"}, {"token", "frob"}, {"token", "revoke", "--db", db}} {
		var u usageError
		if _, _, err := runCLI(t, "", args...); !errors.As(err, &u) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
