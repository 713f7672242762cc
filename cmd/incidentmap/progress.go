package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal and stays silent otherwise (pipes, CI).
type progress struct {
	w     io.Writer
	label string
	total int
	start time.Time
	last  time.Time
	tty   bool
	ended bool
}

func newProgress(w io.Writer, label string, total int) *progress {
	p := &progress{w: w, label: label, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) set(done int) {
	if !p.tty || p.total == 0 || (time.Since(p.last) < 100*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / p.total
	rate := float64(done) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d (%.0f/s)", p.label, strings.Repeat("█", filled), strings.Repeat("·", width-filled), done, p.total, rate)
}

func (p *progress) done() {
	if p.tty && p.total > 0 && !p.ended {
		p.ended = true
		p.set(p.total)
		fmt.Fprintln(p.w)
	}
}

// then ends the bar and says what the long step after it is (on a terminal).
func (p *progress) then(what string) {
	if p.tty {
		p.done()
		fmt.Fprintf(p.w, "%s…\n", what)
	}
}
