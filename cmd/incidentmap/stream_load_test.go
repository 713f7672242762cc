package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rssMB is a process's resident memory in MB, from /proc.
func rssMB(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// 1,000 clients stream at once from the real server: each gets every
// event its filter concerns, and the server stays within 300 MB resident.
func TestThousandStreams(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "streams.db")
	start(t, db, "--no-seed").stop()
	tok := token(t, db, "editor")
	c := startChild(t, bin, db)
	defer func() { c.cmd.Process.Signal(syscall.SIGTERM); c.cmd.Wait() }()
	idle := rssMB(t, c.cmd.Process.Pid)

	const clients, posts = 1000, 5
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	opened := make(chan struct{}, clients)
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Half watch the Mali border area, half a circle.
			q := "border=MLI&border_km=100"
			if i%2 == 1 {
				q = "near=1.5,14.3&radius_km=50"
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/stream?"+q, nil)
			res, err := client.Do(req)
			if err != nil {
				opened <- struct{}{}
				return
			}
			defer res.Body.Close()
			opened <- struct{}{}
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "event: match") {
					mu.Lock()
					got[i]++
					n := got[i]
					mu.Unlock()
					if n == posts {
						return
					}
				}
			}
		}(i)
	}
	for range clients {
		<-opened
	}
	time.Sleep(500 * time.Millisecond) // every stream past its catch-up
	in := &instance{t: t, base: c.base}
	for k := range posts {
		// 95 km from the Mali border, in both filters.
		f := feature(fmt.Sprintf("s-%d", k), "2024-05-01", "Battles", "Armed clash", 1.5, 14.3, 1, nil)
		if r := in.do("POST", "/api/v1/incidents", tok, f); r.status != 201 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
	}
	rss := rssMB(t, c.cmd.Process.Pid)
	cancel()
	mu.Lock()
	defer mu.Unlock()
	short := 0
	for i := range clients {
		if got[i] < posts {
			short++
		}
	}
	if short > 0 {
		t.Errorf("%d of %d streams missed events", short, clients)
	}
	if rss > 300 {
		t.Errorf("%.0f MB resident with %d streams, over 300", rss, clients)
	}
	t.Logf("%d streams: %.0f MB resident (%.0f MB idle)", clients, rss, idle)
}
