// Package parallel runs the iterations of a loop on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn(i) for i in [0, n), on up to GOMAXPROCS goroutines, each
// taking every k-th i; loops shorter than minPer an extra goroutine are
// not split further (starting one costs more than a few iterations).
func For(n, minPer int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/max(1, minPer)))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
