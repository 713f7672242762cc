package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The image is built from a pinned base, without the repository's history,
// databases or build leftovers in its context, and checks its health with
// the command that speaks HTTPS when the server does (TestHealthcheckOverTLS).
func TestDockerfile(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(df), -1)
	if len(froms) == 0 {
		t.Fatal("no FROM in the Dockerfile")
	}
	for _, m := range froms {
		if m[1] != "scratch" && !regexp.MustCompile(`@sha256:[0-9a-f]{64}$`).MatchString(m[1]) {
			t.Errorf("FROM %s is not pinned by digest", m[1])
		}
	}
	if !strings.Contains(string(df), `CMD ["/incidentmap", "healthcheck"]`) {
		t.Error("the HEALTHCHECK does not run incidentmap healthcheck")
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(ignore), "\n")
	for _, want := range []string{".git", "*.db", "*.db-wal", "*.db-shm", "*.prof", "*.test", "node_modules"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}
