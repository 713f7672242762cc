package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"testing"
)

// The vendored libraries are exactly what cmd/vendorweb took from npm.
func TestVendoredFilesMatchLock(t *testing.T) {
	raw, err := os.ReadFile("vendor.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock map[string]string
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatal(err)
	}
	if len(lock) == 0 {
		t.Fatal("vendor.lock.json lists no files")
	}
	for path, want := range lock {
		b, err := fs.ReadFile(Files(), path)
		if err != nil {
			t.Errorf("%s: %v (run go run ./cmd/vendorweb)", path, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s was changed by hand: sha256 %s, lock says %s; rerun go run ./cmd/vendorweb", path, got, want)
		}
	}
}

// The page loads nothing from other hosts and runs no inline script, so it
// works offline and under the server's Content-Security-Policy.
func TestPageIsSelfContained(t *testing.T) {
	page, err := fs.ReadFile(Files(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Find(page); m != nil {
		t.Errorf("index.html loads from another host: %s", m)
	}
	if m := regexp.MustCompile(`(?is)<script(?:\s[^>]*)?>\s*[^<\s]`).Find(page); m != nil {
		t.Errorf("index.html has an inline script: %s", m)
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+=|style="`).Find(page); m != nil {
		t.Errorf("index.html has an inline handler or style, which the CSP blocks: %s", m)
	}
	for _, ref := range regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllSubmatch(page, -1) {
		if _, err := fs.Stat(Files(), string(ref[1])); err != nil {
			t.Errorf("index.html refers to %s, which is not embedded", ref[1])
		}
	}
}
