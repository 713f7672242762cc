package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// notRun are the README's shell commands this test does not run, each with
// the reason. Every other command in a ```sh block is run; one that is
// neither run nor listed here fails the test, so a new example is either
// checked or consciously left out.
var notRun = map[string]string{
	// Starts the server on :8080 and runs until stopped: the test runs the
	// same program in-process on 127.0.0.1:0 instead, against which the
	// other examples run.
	"go run ./cmd/incidentmap": "the server itself",
	// Runs every test, this one included.
	"./scripts/test": "the whole test suite",
}

// readmeCommand is one shell command of the README, continuation lines and
// multi-line quoted arguments joined.
type readmeCommand struct {
	block int    // which ```sh block
	text  string // as written
}

// readmeBlocks returns the README's ```sh blocks (indented ones in lists
// too), each as its commands.
func readmeBlocks(t *testing.T, readme string) [][]readmeCommand {
	t.Helper()
	var blocks [][]readmeCommand
	var cur []string
	in := false
	indent := ""
	for _, line := range strings.Split(readme, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case !in && trimmed == "```sh":
			in, cur, indent = true, nil, line[:len(line)-len(trimmed)]
		case !in && slices.Contains([]string{"```bash", "```shell", "```console", "```zsh"}, trimmed):
			t.Errorf("README has a %s block: write shell examples as ```sh, which this test runs", trimmed)
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, splitCommands(len(blocks), cur))
		case in:
			cur = append(cur, strings.TrimPrefix(line, indent))
		}
	}
	if in {
		t.Fatal("README has an unclosed ```sh block")
	}
	return blocks
}

// splitCommands joins a block's lines into commands: a line ending in a
// backslash, or inside an open quote, continues on the next. Comment and
// blank lines are dropped.
func splitCommands(block int, lines []string) []readmeCommand {
	var cmds []readmeCommand
	var b strings.Builder
	for _, line := range lines {
		if b.Len() == 0 && (strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#")) {
			continue
		}
		b.WriteString(line)
		if open, _ := scanShell(b.String()); open != 0 || strings.HasSuffix(line, `\`) {
			b.WriteString("\n")
			continue
		}
		cmds = append(cmds, readmeCommand{block, b.String()})
		b.Reset()
	}
	return cmds
}

// withoutComment drops a trailing "  # comment" outside quotes.
func withoutComment(cmd string) string {
	if _, hash := scanShell(cmd); hash >= 0 {
		cmd = cmd[:hash]
	}
	return strings.TrimSpace(cmd)
}

// scanShell reads a command as the shell quotes it: the quote still open at
// its end (0 if none) and where a comment starts (-1 if none).
func scanShell(cmd string) (open rune, comment int) {
	for i, r := range cmd {
		switch {
		case open == 0 && (r == '\'' || r == '"'):
			open = r
		case r == open:
			open = 0
		case open == 0 && r == '#' && i > 0 && (cmd[i-1] == ' ' || cmd[i-1] == '\t'):
			return 0, i
		}
	}
	return open, -1
}

// runnable says whether the test runs this command: curl calls, the
// program (by go run, go build or as ./incidentmap), GDAL's tools, and
// variables set from them.
var runnable = regexp.MustCompile(`^(curl |go run \./cmd/incidentmap |go build -o incidentmap \./cmd/incidentmap$|\./incidentmap |ogrinfo |ogr2ogr |[A-Z_]+=\$\(go run \./cmd/incidentmap )`)

// TestREADMEExamples runs the README's shell examples, as written, against
// the seeded server: each ```sh block as one bash script with set -e, from
// a folder where ./incidentmap.db is the server's database and docs/examples
// are at hand, as for someone following the README from the repository's
// folder. http://localhost:8080 becomes the test server's address and
// `go run ./cmd/incidentmap` the program built once. Every command must
// succeed, every curl call get a 2xx, and every incident query find
// something in the seed.
func TestREADMEExamples(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Abs("../../docs")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if err := os.Symlink(docs, filepath.Join(work, "docs")); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	s := start(t, filepath.Join(work, "incidentmap.db"))

	var curls []readmeCommand // in the order they run
	scripts := map[int]string{}
	var order []int
	usesGDAL := false
	for _, block := range readmeBlocks(t, string(raw)) {
		for _, c := range block {
			cmd := withoutComment(c.text)
			if _, ok := notRun[cmd]; ok {
				continue
			}
			if !runnable.MatchString(cmd) {
				t.Errorf("README example %q is neither run by this test nor in its notRun list", cmd)
				continue
			}
			if strings.HasPrefix(cmd, "curl ") {
				curls = append(curls, c)
			}
			usesGDAL = usesGDAL || strings.HasPrefix(cmd, "ogr")
			cmd = strings.ReplaceAll(cmd, "http://localhost:8080", s.base)
			cmd = strings.ReplaceAll(cmd, "go build -o incidentmap ./cmd/incidentmap", `cp "$IM_BIN" incidentmap`)
			cmd = strings.ReplaceAll(cmd, "go run ./cmd/incidentmap", `"$IM_BIN"`)
			if _, ok := scripts[c.block]; !ok {
				order = append(order, c.block)
			}
			scripts[c.block] += cmd + "\n"
		}
	}
	if len(curls) < 10 || len(order) < 5 {
		t.Fatalf("found %d curl examples in %d blocks: is the README's format what this test reads?", len(curls), len(order))
	}
	if usesGDAL {
		if _, err := exec.LookPath("ogrinfo"); err != nil {
			t.Fatal("the README's GDAL examples need ogrinfo and ogr2ogr: `apt-get install gdal-bin` (./scripts/test does)")
		}
	}

	// curl is a function that fails on a non-2xx answer (curl -f, keeping
	// the body for the message) and keeps each body for the checks below.
	out := t.TempDir()
	prelude := `set -euo pipefail
im_curl=0
curl() {
	im_curl=$((im_curl+1))
	command curl -sS --fail-with-body "$@" | tee "$IM_OUT/$IM_BLOCK.$im_curl"
}
`
	first := 0 // index in curls of the block's first curl call
	for _, b := range order {
		before, _ := os.ReadDir(work)
		cmd := exec.Command("bash", "-c", prelude+scripts[b])
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "IM_BIN="+bin, "IM_OUT="+out, fmt.Sprintf("IM_BLOCK=%d", b),
			"GDAL_HTTP_TIMEOUT=30", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS=", "GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR")
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("README block %d failed: %v\n--- script\n%s--- output\n%.3000s", b+1, err, scripts[b], got)
		}
		var made []string // files the block wrote into the folder
		after, _ := os.ReadDir(work)
		for _, e := range after {
			if !slices.ContainsFunc(before, func(d os.DirEntry) bool { return d.Name() == e.Name() }) {
				made = append(made, filepath.Join(work, e.Name()))
			}
		}
		n := 0
		for _, c := range curls[first:] {
			if c.block != b {
				break
			}
			n++
			checkCurlAnswer(t, c.text, filepath.Join(out, fmt.Sprintf("%d.%d", b, n)), made)
		}
		first += n
	}
}

// checkCurlAnswer checks that what a README curl call printed is what it
// promises: a query for incidents finds at least one in the seed, other
// reads answer something, a download (-O) is among the files its block
// made.
func checkCurlAnswer(t *testing.T, cmd, bodyFile string, made []string) {
	t.Helper()
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		t.Errorf("%s: did not run (%v)", cmd, err)
		return
	}
	if strings.Contains(cmd, " -X ") {
		return // a write: its 2xx is checked
	}
	call, _, _ := strings.Cut(cmd, " #") // a trailing comment is not the URL
	fields := strings.Fields(call)
	u, err := url.Parse(strings.Trim(fields[len(fields)-1], `'"`))
	if err != nil {
		t.Errorf("%s: %v", cmd, err)
		return
	}
	if strings.Contains(cmd, " -O") {
		ext := "." + u.Query().Get("f")
		for _, f := range made {
			if st, err := os.Stat(f); err == nil && st.Size() > 0 && filepath.Ext(f) == ext {
				return
			}
		}
		t.Errorf("%s: no %s file saved; the block made %v", cmd, ext, made)
		return
	}
	if u.Query().Get("f") == "atom" {
		if !bytes.Contains(body, []byte(`<feed xmlns="http://www.w3.org/2005/Atom">`)) || !bytes.Contains(body, []byte("<entry>")) {
			t.Errorf("%s: not an Atom feed with entries:\n%.300s", cmd, body)
		}
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: the answer is not JSON: %v\n%.300s", cmd, err, body)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if fs, ok := x["features"].([]any); ok && len(fs) == 0 {
			t.Errorf("%s finds no %s in the seed data", cmd, u.Path)
		}
		if len(x) == 0 {
			t.Errorf("%s answers {}", cmd)
		}
	case []any:
		if len(x) == 0 {
			t.Errorf("%s answers []", cmd)
		}
	}
}
