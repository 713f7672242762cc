package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A command run from another folder, or with a mistyped --db, must not
// create a new empty database and quietly put a token in it or export
// nothing from it: it says which file is missing and how to make one.
func TestCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	src := filepath.Join(dir, "in.geojson")
	os.WriteFile(src, []byte(`{"type":"FeatureCollection","features":[]}`), 0o644)
	missing := filepath.Join(dir, "missing.db")
	for _, args := range [][]string{
		{"token", "create", "--role", "editor"},
		{"token", "create", "--role", "editor", "--db", "missing.db"},
		{"token", "list", "--db", "missing.db"},
		{"token", "revoke", "--db", "missing.db", "tok-0123456789ab"},
		{"export", "--db", "missing.db"},
		{"export", "--db", "missing.db", "--out", "out.geojson"},
		{"import", "--db", "missing.db", src},
		{"backup", "--db", "missing.db", "backup.db"},
		{"rederive", "--db", "missing.db"},
	} {
		want := missing
		if !strings.Contains(strings.Join(args, " "), "--db") {
			want = filepath.Join(dir, "incidentmap.db")
		}
		out, _, err := runCLI(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "no database at "+want) || !strings.Contains(err.Error(), "incidentmap serve") || !strings.Contains(err.Error(), "--db") {
			t.Errorf("%v: err %v, want one naming %s and saying how to make one", args, err, want)
		}
		if out != "" {
			t.Errorf("%v printed %q", args, out)
		}
		for _, f := range []string{want, "out.geojson", "backup.db"} {
			if _, err := os.Stat(f); err == nil {
				t.Fatalf("%v created %s", args, f)
			}
		}
	}
	// import --create is how a new database is filled from a file.
	if _, _, err := runCLI(t, "", "import", "--db", "missing.db", "--create", src); err != nil {
		t.Errorf("import --create: %v", err)
	}
	if _, _, err := runCLI(t, "", "token", "create", "--role", "editor", "--db", "missing.db"); err != nil {
		t.Errorf("token create once the database exists: %v", err)
	}
}

// serve says which file it opened, by its absolute path, and whether it
// made and seeded it.
func TestServeLogsTheDatabaseItOpened(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	abs, _ := filepath.Abs("im.db")
	s := start(t, "im.db")
	s.stop()
	if want := fmt.Sprintf(`msg="opened database" path=%s created=true seeded=5`, abs); !strings.Contains(s.logs.String(), want) {
		t.Errorf("first start: log lacks %s:\n%s", want, s.logs)
	}
	if want := "db=" + abs; !strings.Contains(s.logs.String(), want) {
		t.Errorf("the serving line lacks %s:\n%s", want, s.logs)
	}
	s = start(t, "im.db")
	s.stop()
	if want := fmt.Sprintf(`msg="opened database" path=%s created=false seeded=0`, abs); !strings.Contains(s.logs.String(), want) {
		t.Errorf("restart: log lacks %s:\n%s", want, s.logs)
	}
}
