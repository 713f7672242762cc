// Command vendorweb copies the map's front-end libraries from npm, at the
// versions pinned in web/vendor.json, into web/static/vendor, and records
// each file's SHA-256 in web/vendor.lock.json so tests can tell a vendored
// file from a hand-edited one.
//
//	go run ./cmd/vendorweb            # fetch with `npm pack`
//	go run ./cmd/vendorweb -from DIR  # use tarballs already in DIR
//
// To update a library: change its version in web/vendor.json, run this, and
// check the map in a browser (./scripts/test runs the browser tests).
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

type manifest struct {
	Comment  string `json:"comment"`
	Packages []struct {
		Name    string            `json:"name"`
		Version string            `json:"version"`
		Licence string            `json:"licence"`
		Files   map[string]string `json:"files"`
	} `json:"packages"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "vendorweb:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("vendorweb", flag.ContinueOnError)
	from := fs.String("from", "", "directory holding the npm tarballs (default: fetch them with `npm pack`)")
	web := fs.String("web", "web", "the web directory (holding vendor.json)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: go run ./cmd/vendorweb [-from DIR] [-web DIR]\n\nVendors the npm packages pinned in web/vendor.json into web/static/vendor.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(*web, "vendor.json"))
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("vendor.json: %w", err)
	}
	dir := *from
	if dir == "" {
		tmp, err := os.MkdirTemp("", "vendorweb")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		var specs []string
		for _, p := range m.Packages {
			specs = append(specs, p.Name+"@"+p.Version)
		}
		cmd := exec.Command("npm", append([]string{"pack", "--silent"}, specs...)...)
		cmd.Dir, cmd.Stderr = tmp, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm pack %s: %w", strings.Join(specs, " "), err)
		}
		dir = tmp
	}
	out := filepath.Join(*web, "static", "vendor")
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	lock := map[string]string{}
	for _, p := range m.Packages {
		tgz := filepath.Join(dir, strings.TrimPrefix(strings.ReplaceAll(p.Name, "/", "-"), "@")+"-"+p.Version+".tgz")
		got, err := extract(tgz, p.Files, out)
		if err != nil {
			return err
		}
		for k, v := range got {
			lock[k] = v
		}
		fmt.Printf("%s@%s: %d files\n", p.Name, p.Version, len(got))
	}
	keys := make([]string, 0, len(lock))
	for k := range lock {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range keys {
		fmt.Fprintf(&b, "  %q: %q", k, lock[k])
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return os.WriteFile(filepath.Join(*web, "vendor.lock.json"), []byte(b.String()), 0o644)
}

func extract(tgz string, files map[string]string, out string) (map[string]string, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tgz, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tgz, err)
		}
		dst, ok := files[h.Name]
		if !ok {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(out, filepath.FromSlash(dst))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		got["vendor/"+dst] = hex.EncodeToString(sum[:])
	}
	if len(got) != len(files) {
		return nil, fmt.Errorf("%s: found %d of the %d files vendor.json lists", tgz, len(got), len(files))
	}
	return got, nil
}
