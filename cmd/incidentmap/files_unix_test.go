//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A backup into a folder that does not exist yet makes the folder (SQLite
// said only "unable to open database file (14)"), and backups and exports
// are made as other files are, honouring the umask: an export was 0600
// whatever the umask, unreadable to the group sharing the folder.
func TestBackupAndExportFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "im.db")
	start(t, db).stop()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for i, c := range []struct {
		umask int
		mode  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}} {
		syscall.Umask(c.umask)
		sub := filepath.Join(dir, "out", string(rune('a'+i)), "nested")
		backup := filepath.Join(sub, "backup.db")
		if _, stderr, err := runCLI(t, "", "backup", "--db", db, backup); err != nil {
			t.Fatalf("backup into a new folder: %v %s", err, stderr)
		}
		exp := filepath.Join(sub, "more", "export.geojson")
		if _, stderr, err := runCLI(t, "", "export", "--db", db, "--out", exp); err != nil {
			t.Fatalf("export into a new folder: %v %s", err, stderr)
		}
		for _, f := range []string{backup, exp} {
			st, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != c.mode {
				t.Errorf("umask %03o: %s is %v, want %v", c.umask, filepath.Base(f), st.Mode().Perm(), c.mode)
			}
		}
		if st, _ := os.Stat(sub); st.Mode().Perm() != 0o755&^os.FileMode(c.umask) {
			t.Errorf("umask %03o: the new folder is %v", c.umask, st.Mode().Perm())
		}
		// Nothing is left beside the export.
		entries, _ := os.ReadDir(filepath.Dir(exp))
		if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), "export.geojson") {
			t.Errorf("beside the export: %v", entries)
		}
	}
}
