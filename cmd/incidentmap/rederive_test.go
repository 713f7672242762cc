package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// rederive derives every stored incident again and says how many: the
// documents stay as they were when the geography has not changed, and it
// explains itself with --help.
func TestRederive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	if _, _, err := runCLI(t, "", "import", "--db", db, "--create", "../../docs/examples/incidents.geojson"); err != nil {
		t.Fatal(err)
	}
	before, _, err := runCLI(t, "", "export", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "", "rederive", "--db", db)
	if err != nil || out != "derived 3 incidents again\n" {
		t.Fatalf("rederive: %q %v", out, err)
	}
	after, _, _ := runCLI(t, "", "export", "--db", db)
	features := func(fc string) string { s, _, _ := strings.Cut(fc, `"timeStamp"`); return s }
	if features(after) != features(before) {
		t.Errorf("the export changed:\n%s\nwas\n%s", after, before)
	}
	out, errOut, err := runCLI(t, "", "rederive", "--help")
	if help := out + errOut; err != nil || !strings.Contains(help, "Usage: incidentmap rederive") || !strings.Contains(help, "the history does not") || !strings.Contains(help, "-db") {
		t.Errorf("rederive --help: %v\n%s", err, help)
	}
	if out, _, _ := runCLI(t, "", "--help"); !strings.Contains(out, "incidentmap rederive") {
		t.Errorf("the command list leaves out rederive:\n%s", out)
	}
}
