package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// safeBuffer is a bytes.Buffer that counts the writes it gets.
type safeBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *safeBuffer) get() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLineBuffer(t *testing.T) {
	var out safeBuffer
	b := newLineBuffer(&out, 20*time.Millisecond)
	for i := 0; i < 100; i++ {
		b.Write([]byte("level=INFO msg=request path=/healthz\n"))
	}
	if s, _ := out.get(); s != "" {
		t.Errorf("written before the interval: %q", s)
	}
	// Within the interval, in one write.
	deadline := time.Now().Add(5 * time.Second)
	for s, _ := out.get(); s == "" && time.Now().Before(deadline); s, _ = out.get() {
		time.Sleep(5 * time.Millisecond)
	}
	if s, n := out.get(); strings.Count(s, "\n") != 100 || n != 1 {
		t.Errorf("after the interval: %d lines in %d writes, want 100 in 1", strings.Count(s, "\n"), n)
	}
	// A full buffer is written at once, whole records only; a record larger
	// than the buffer goes straight through.
	line := strings.Repeat("x", 1000) + "\n"
	for i := 0; i < 2*lineBufferSize/len(line); i++ {
		b.Write([]byte(line))
	}
	big := strings.Repeat("y", 2*lineBufferSize) + "\n"
	b.Write([]byte(big))
	b.Write([]byte("last\n"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ := out.get()
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l != line[:len(line)-1] && l != big[:len(big)-1] && l != "last" && l != "level=INFO msg=request path=/healthz" {
			t.Fatalf("a record was split or mangled: %.40q… (%d bytes)", l, len(l))
		}
	}
	if !strings.HasSuffix(s, big+"last\n") {
		t.Error("records out of order, or the last lost on Close")
	}
}
