package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/incidentmap/incidentmap/internal/acledfake"
)

// BenchmarkImportCLI runs the real program on an invented ACLED export of
// 100,000 rows into an empty database and reports its peak resident memory,
// and that of a 100-row import (the program with its geography loaded):
// the difference is what the import itself costs (issue 12: at most 300 MB).
func BenchmarkImportCLI(b *testing.B) {
	bin := buildBinary(b)
	dir := b.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := acledfake.WriteCSV(f, n, 7); err != nil {
			b.Fatal(err)
		}
		f.Close()
		return p
	}
	small, large := write("small.csv", 100), write("large.csv", 100000)
	peak := func(src string) float64 {
		db := filepath.Join(dir, "bench.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(db + suffix)
		}
		cmd := exec.Command(bin, "import", "--db", db, "--create", src)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // Linux: KB
	}
	var base, full float64
	for b.Loop() {
		base, full = max(base, peak(small)), max(full, peak(large))
	}
	b.ReportMetric(full, "peak-RSS-MB")
	b.ReportMetric(full-base, "RSS-growth-MB")
}
