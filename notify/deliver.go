package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Webhook headers.
const (
	HeaderSignature   = "X-Incidentmap-Signature"
	HeaderIdempotency = "Idempotency-Key"
	HeaderEvent       = "X-Incidentmap-Event"
)

// Sign is the signature of a body with a watch's secret, as the header
// carries it: sha256=<hex HMAC-SHA256>.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// newClient posts webhooks: only to allowed addresses (Allow.DialContext),
// no proxy from the environment (it would dial for us), no redirects
// (a 3xx is a failure: a redirect could lead anywhere), 10 s a post.
func newClient(a *Allow) *http.Client {
	tr := &http.Transport{
		DialContext:         a.DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// post sends one notice.
func (n *Notifier) post(ctx context.Context, w *incident.Watch, nt incident.Notice) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Webhook, bytes.NewReader(nt.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "incidentmap-webhook")
	req.Header.Set(HeaderSignature, Sign(w.Secret, nt.Body))
	req.Header.Set(HeaderIdempotency, IdempotencyKey(nt))
	req.Header.Set(HeaderEvent, nt.Kind)
	res, err := n.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("the receiver answered %s", res.Status)
	}
	return nil
}

// mail sends a watch's notices as one message; without SMTP (the server
// restarted without --smtp) it fails, and the notices wait for it.
func (n *Notifier) mail(ctx context.Context, w *incident.Watch, ns []incident.Notice) error {
	if n.Mail == nil {
		return fmt.Errorf("this server has no SMTP server to send e-mail through (start it with --smtp)")
	}
	subject, body := n.Mail.Digest(w, ns)
	return n.Mail.Send(ctx, w.Email, subject, body)
}

// backoff is the wait after the failures-th failure in a row.
func (n *Notifier) backoff(failures int) time.Duration {
	d := n.Retry
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (n *Notifier) deliverLoop(ctx context.Context) {
	t := time.NewTicker(n.Poll)
	defer t.Stop()
	// busy: the watches being delivered here; again: those claimed again
	// while still busy here (their deliverer had just ended its claim),
	// delivered as soon as it returns, or their claim would lapse unused.
	busy := map[string]bool{}
	type claim struct {
		w  *incident.Watch
		at time.Time
	}
	again := map[string]claim{}
	done := make(chan string)
	sem := make(chan struct{}, n.Workers)
	var posting sync.WaitGroup
	defer posting.Wait()
	start := func(w *incident.Watch, claimed time.Time) {
		busy[w.ID] = true
		posting.Add(1)
		go func() {
			defer posting.Done()
			sem <- struct{}{}
			n.deliver(ctx, w, claimed)
			<-sem
			select {
			case done <- w.ID:
			case <-ctx.Done():
			}
		}()
	}
	finished := func(id string) {
		delete(busy, id)
		if c, ok := again[id]; ok {
			delete(again, id)
			start(c.w, c.at)
		}
	}
	for {
		claimed := n.now()
		due, err := n.Store.DueWebhooks(ctx, claimed)
		if err != nil && ctx.Err() == nil {
			n.Logger.Error("webhooks: reading the outbox failed; trying again", "err", err)
		}
		for _, w := range due {
			if busy[w.ID] {
				again[w.ID] = claim{w, claimed}
				continue
			}
			start(w, claimed)
		}
	wait:
		select {
		case <-ctx.Done():
			return
		case id := <-done:
			finished(id)
			// Drain the others that finished too before looking again.
			for {
				select {
				case id := <-done:
					finished(id)
				default:
					break wait
				}
			}
		case <-n.kick:
		case <-t.C:
		}
	}
}

// deliver posts a watch's pending notices, oldest first, until they are
// all delivered or one fails: later ones wait for it, so a receiver gets a
// watch's notices in order. The watch is this server's from claimed for
// incident.DeliveryLease: it stops posting after half of it, and ends the
// claim (recording nothing delivered, or a failure) when it stops.
func (n *Notifier) deliver(ctx context.Context, w *incident.Watch, claimed time.Time) {
	failures := 0
	if w.Delivery != nil {
		failures = w.Delivery.Failures
	}
	for {
		var ns []incident.Notice
		var err error
		if ctx.Err() == nil && n.now().Sub(claimed) < incident.DeliveryLease/2 {
			if ns, err = n.Store.PendingNotices(ctx, w.ID, 100); err != nil {
				n.Logger.Error("webhooks: reading the outbox failed", "watch", w.ID, "err", err)
			}
		}
		var ok []int64
		var fail *incident.DeliveryFailure
		failed := func(nt incident.Notice, err error) {
			now := n.now()
			fail = &incident.DeliveryFailure{NoticeID: nt.ID, Err: err.Error(), NextAt: now.Add(n.backoff(failures + 1)), GiveUp: now.Add(-n.GiveUp)}
		}
		switch {
		case len(ns) == 0:
		case w.Email != "":
			// One message for the batch; when it fails, the whole batch
			// waits on its first notice.
			if err := n.mail(ctx, w, ns); err != nil {
				failed(ns[0], err)
				break
			}
			for _, nt := range ns {
				ok = append(ok, nt.ID)
			}
		default:
			for _, nt := range ns {
				if n.now().Sub(claimed) >= incident.DeliveryLease/2 {
					break // the rest in the next claim
				}
				if err := n.post(ctx, w, nt); err != nil {
					failed(nt, err)
					break
				}
				ok = append(ok, nt.ID)
			}
		}
		// A fresh context: what was posted is recorded even as the
		// server stops (else it would be posted again after a restart).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = n.Store.RecordDeliveries(rctx, w.ID, ok, n.now(), fail)
		cancel()
		if err != nil {
			n.Logger.Error("webhooks: recording deliveries failed", "watch", w.ID, "err", err)
			return
		}
		if fail != nil {
			n.Logger.Warn("delivering notices failed; will retry", "watch", w.ID, "notice", fail.NoticeID, "err", fail.Err, "next", fail.NextAt)
			return
		}
		if len(ok) == 0 {
			return // the claim ended
		}
	}
}
