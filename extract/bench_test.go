package extract

import (
	"os"
	"strings"
	"testing"
)

// report1000 is a report of at least 1,000 words, made of the English test
// report over and over.
func report1000(b *testing.B) string {
	raw, err := os.ReadFile("testdata/en-tillaberi.txt")
	if err != nil {
		b.Fatal(err)
	}
	var s strings.Builder
	for len(strings.Fields(s.String())) < 1000 {
		s.Write(raw)
	}
	return s.String()
}

// BenchmarkExtract1000Words measures the rules on a 1,000-word report,
// places geocoded (the geocoder caches phrases, as it does in the server).
func BenchmarkExtract1000Words(b *testing.B) {
	text := report1000(b)
	o := Options{Published: day("2024-03-12"), Geocoder: geography(b)}
	Extract(text, o)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Extract(text, o)
	}
}

// BenchmarkExtract1000WordsNoGeocoder measures the rules alone.
func BenchmarkExtract1000WordsNoGeocoder(b *testing.B) {
	text := report1000(b)
	o := Options{Published: day("2024-03-12")}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Extract(text, o)
	}
}
