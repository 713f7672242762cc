package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

func cmdRederive(ctx context.Context, args []string, e env) error {
	fs := newFlags("rederive", "[flags]", "Derives every stored incident again from its point with the geography built into this program\n(country, admin-1 and admin-2, border distances, zones, flags): documents and indexes change,\nthe history does not. The upgrade to worldwide borders does this once by itself; an\ninterrupted run resumes where it stopped. Writes wait while a batch is written.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	var g geoFlags
	g.register(fs)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, ""); err != nil {
		return err
	}
	if err := requireDB(*dbPath); err != nil {
		return err
	}
	a, err := openApp(ctx, *dbPath, g, e.stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	rd, ok := a.db.(rederiver)
	if !ok {
		return fmt.Errorf("this store cannot derive stored incidents again")
	}
	if err := rd.StartRederive(ctx); err != nil {
		return err
	}
	n, err := rederive(ctx, a, e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "derived %d incidents again\n", n)
	return nil
}

// rederive derives again the incidents the database says are waiting (all
// of them after the upgrade to worldwide borders), with a progress bar on
// a terminal, and says how many there were.
func rederive(ctx context.Context, a *app, stderr io.Writer) (int, error) {
	rd, ok := a.db.(rederiver)
	if !ok {
		return 0, nil // the store keeps no record of incidents waiting
	}
	left, total, err := rd.RederivePending(ctx)
	if err != nil || left == 0 {
		return 0, err
	}
	if left > 10000 {
		fmt.Fprintf(stderr, "deriving %d of %d incidents again with this program's geography (about 15 minutes per million here; stopped, it resumes where it was)\n", left, total)
	}
	bar := newProgress(stderr, "re-deriving", total)
	err = rd.Rederive(ctx, a.svc.Rederive, func(done, _ int) { bar.set(done) })
	bar.done()
	return left, err
}

// deriveInBackground derives the incidents that wait (after an upgrade
// brought a new geography) while the server serves, and closes the channel
// it returns when done or stopped. Before, serve did it before listening:
// about 15 minutes per million incidents with the service down. Meanwhile
// an incident not yet reached reads as the old geography placed it, and
// writes wait at most one batch (0.2 s); a stop resumes at the next start.
func deriveInBackground(ctx context.Context, a *app, logger *slog.Logger, p *derivingProgress) <-chan struct{} {
	done := make(chan struct{})
	rd, ok := a.db.(rederiver)
	if !ok {
		close(done)
		return done
	}
	left, total, err := rd.RederivePending(ctx)
	if err != nil || left == 0 {
		if err != nil {
			logger.Error("cannot tell which incidents wait to be derived again; run incidentmap rederive", "err", err)
		}
		close(done)
		return done
	}
	logger.Info("deriving incidents again with this program's geography, while serving (those not yet reached read as before; /readyz says how far)", "waiting", left, "incidents", total)
	p.set(total-left, total, true)
	go func() {
		defer close(done)
		defer p.set(0, 0, false)
		start, next := time.Now(), total/10
		err := rd.Rederive(ctx, a.svc.Rederive, func(d, _ int) {
			p.set(d, total, true)
			if d >= next {
				logger.Info("deriving incidents again", "done", d, "of", total)
				next += max(total/10, 1)
			}
		})
		switch {
		case ctx.Err() != nil:
			logger.Info("deriving incidents again: stopped; the next start resumes it")
		case err != nil:
			logger.Error("deriving incidents again failed; run incidentmap rederive to finish", "err", err)
		default:
			logger.Info("derived incidents again", "incidents", left, "took", time.Since(start).Round(time.Second))
		}
	}()
	return done
}

// derivingProgress is how far deriveInBackground is, for /readyz.
type derivingProgress struct {
	mu          sync.Mutex
	done, total int
	active      bool
}

func (p *derivingProgress) set(done, total int, active bool) {
	p.mu.Lock()
	p.done, p.total, p.active = done, total, active
	p.mu.Unlock()
}

func (p *derivingProgress) get() (done, total int, active bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done, p.total, p.active
}

// rederiver is a store that records which incidents wait to be derived
// again (the SQLite store).
type rederiver interface {
	DerivedWith(ctx context.Context, version string) (stale bool, err error)
	StartRederive(ctx context.Context) error
	RederivePending(ctx context.Context) (left, total int, err error)
	Rederive(ctx context.Context, redo func(*incident.Incident), progress func(done, total int)) error
}
