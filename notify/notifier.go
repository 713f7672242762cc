// Package notify tells people what changed: it reads the store's change
// log from where it left off, turns each change into the notices of the
// watches it concerns (stored with the new position in one transaction:
// an outbox), posts them to webhooks in order per watch, retrying for a
// day, and fans changes out to live streams. A change that committed is
// in the log even when the server died a moment later, so after a restart
// its notices are made and posted then: none is lost, and a notice posted
// twice carries the same Idempotency-Key.
package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Store is what the notifier needs of the store.
type Store interface {
	incident.ChangeLog
	incident.WatchStore
	incident.Outbox
}

// Notifier makes and delivers notices. Set the fields, then Start.
type Notifier struct {
	Store  Store
	Places incident.Places
	Allow  *Allow
	// Mail sends the notices of watches delivered by e-mail; nil when the
	// server has no SMTP (such watches are then refused).
	Mail   *Mailer
	Logger *slog.Logger
	Now    func() time.Time
	// Poll is how often the change log is read when nothing wakes the
	// notifier (writes by another process, the import command): 1 s.
	Poll time.Duration
	// Retry is the first wait after a failed post, doubled after each
	// failure up to an hour (1 s); GiveUp is how long a notice is tried
	// before it is dead (24 h).
	Retry, GiveUp time.Duration
	// Workers post to this many webhooks at once (8).
	Workers int

	Hub *Hub
	// Refresh, when set, brings Places up to date before the watches are
	// read again (their zone= and near_site= name zones and sites that
	// another server may have changed): serve reads the zones and sites
	// of the store again. Servers that match with the same watches and
	// the same areas make the same notices.
	Refresh func(context.Context) error

	mu    sync.Mutex // held while matching, and while watches change
	index atomic.Pointer[incident.WatchIndex]
	// version is the store's WatchesVersion the index was read at;
	// streamed, the last change told to this server's streams (each
	// server tells its own, whoever made the notices).
	version, streamed int64
	wake              chan struct{}
	kick              chan struct{}
	client            *http.Client
	loops             sync.WaitGroup
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// Init loads the watches; Start calls it, and tests that only match.
func (n *Notifier) Init(ctx context.Context) error {
	if n.Logger == nil {
		n.Logger = slog.Default()
	}
	if n.Poll == 0 {
		n.Poll = time.Second
	}
	if n.Retry == 0 {
		n.Retry = time.Second
	}
	if n.GiveUp == 0 {
		n.GiveUp = 24 * time.Hour
	}
	if n.Workers == 0 {
		n.Workers = 8
	}
	if n.Hub == nil {
		n.Hub = NewHub()
	}
	n.wake, n.kick = make(chan struct{}, 1), make(chan struct{}, 1)
	n.client = newClient(n.Allow)
	n.mu.Lock()
	defer n.mu.Unlock()
	var err error
	if n.streamed, err = n.Store.LastChange(ctx); err != nil {
		return err
	}
	return n.reload(ctx)
}

// Start runs the notifier until ctx is done.
func (n *Notifier) Start(ctx context.Context) error {
	if err := n.Init(ctx); err != nil {
		return err
	}
	n.loops.Add(2)
	go func() { defer n.loops.Done(); n.matchLoop(ctx) }()
	go func() { defer n.loops.Done(); n.deliverLoop(ctx) }()
	return nil
}

// Wait returns when the notifier has stopped (its context done), posts in
// flight finished and recorded.
func (n *Notifier) Wait() { n.loops.Wait() }

// Wake has the notifier read the change log now (after a write). It never
// blocks; it fits Service.OnChange.
func (n *Notifier) Wake(context.Context, []incident.Change) {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// reload reads the watches and their version (before them: a change in
// between is seen as a newer version, and read again).
func (n *Notifier) reload(ctx context.Context) error {
	v, err := n.Store.WatchesVersion(ctx)
	if err != nil {
		return err
	}
	if n.Refresh != nil {
		if err := n.Refresh(ctx); err != nil {
			return err
		}
	}
	ws, err := n.Store.Watches(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if err := incident.ParseWatch(w, n.Places); err != nil {
			// Saved once valid; the geography changed since. It hears
			// nothing until edited, and the log says why.
			n.Logger.Warn("watch no longer parses; it is skipped", "watch", w.ID, "err", err)
			w.Filter = incident.Filter{Q: "/"} // matches nothing
		}
	}
	n.index.Store(incident.NewWatchIndex(ws))
	n.version = v
	return nil
}

// Reload parses every watch again: a zone or site their filters name
// changed.
func (n *Notifier) Reload(ctx context.Context) error {
	return n.change(ctx, func() error { return nil })
}

// change runs a change to the watches with matching paused, then reloads
// them: a watch saved here hears of every change after it, none before.
func (n *Notifier) change(ctx context.Context, fn func() error) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := fn(); err != nil {
		return err
	}
	return n.reload(ctx)
}

// CreateWatch stores a new watch and starts matching it.
func (n *Notifier) CreateWatch(ctx context.Context, w *incident.Watch) error {
	return n.change(ctx, func() error { return n.Store.CreateWatch(ctx, w) })
}

// ReplaceWatch stores an edited watch.
func (n *Notifier) ReplaceWatch(ctx context.Context, w *incident.Watch) error {
	return n.change(ctx, func() error { return n.Store.ReplaceWatch(ctx, w) })
}

// DeleteWatch deletes a watch and its notices.
func (n *Notifier) DeleteWatch(ctx context.Context, id string) error {
	return n.change(ctx, func() error { return n.Store.DeleteWatch(ctx, id) })
}

// Resend puts a watch's dead notices back in line.
func (n *Notifier) Resend(ctx context.Context, id string) (int, error) {
	k, err := n.Store.ResendDead(ctx, id)
	if err == nil {
		n.Kick()
	}
	return k, err
}

// Kick has the deliverer look for notices to post now.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// batch is how many changes are read and matched at a time.
const batch = 500

func (n *Notifier) matchLoop(ctx context.Context) {
	t := time.NewTicker(n.Poll)
	defer t.Stop()
	for {
		more, err := n.Step(ctx)
		if err != nil && ctx.Err() == nil {
			n.Logger.Error("notices: reading the change log failed; trying again", "err", err)
		}
		if more && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-t.C:
		}
	}
}

// Step reads the next changes of the log, stores their notices, tells the
// streams, and says whether there are more. Watches another server changed
// are read again first; notices another server stored already are not
// stored again (the store's AddNotices sees its cursor passed).
func (n *Notifier) Step(ctx context.Context) (more bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, err := n.Store.WatchesVersion(ctx)
	if err != nil {
		return false, err
	}
	if v != n.version {
		if err := n.reload(ctx); err != nil {
			return false, err
		}
	}
	cursor, err := n.Store.NoticeCursor(ctx)
	if err != nil {
		return false, err
	}
	chs, more, err := n.makeNotices(ctx, cursor)
	if incident.ErrorCode(err) == incident.ECONFLICT {
		// The watches changed between reading them and storing: read
		// them again and match again, now.
		return true, n.reload(ctx)
	}
	if err != nil {
		return false, err
	}
	streamMore, err := n.stream(ctx, cursor, chs)
	return more || streamMore, err
}

// makeNotices matches the changes after cursor and stores their notices;
// it returns the changes it read (nil when it read none).
func (n *Notifier) makeNotices(ctx context.Context, cursor int64) (chs []incident.Change, more bool, err error) {
	idx := n.index.Load()
	if idx.Len() == 0 {
		// Nobody to tell: skip ahead without reading (a bulk load of a
		// million incidents is a million changes).
		last, err := n.Store.LastChange(ctx)
		if err != nil || last <= cursor {
			return nil, false, err
		}
		return nil, false, n.Store.AddNotices(ctx, nil, last, n.version)
	}
	chs, err = n.Store.ChangesSince(ctx, cursor, batch)
	if err != nil {
		return nil, false, err
	}
	if len(chs) == 0 {
		return []incident.Change{}, false, nil // read: none since cursor
	}
	var ns []incident.Notice
	names := map[string]string{}
	for _, c := range chs {
		for _, nt := range idx.Notices(c) {
			if _, ok := names[nt.WatchID]; !ok {
				names[nt.WatchID] = idx.Name(nt.WatchID)
			}
			nt.Body = Body(nt, names[nt.WatchID])
			ns = append(ns, nt)
		}
	}
	if err := n.Store.AddNotices(ctx, ns, chs[len(chs)-1].Seq, n.version); err != nil {
		return nil, false, err
	}
	if len(ns) > 0 {
		n.Kick()
	}
	return chs, len(chs) == batch, nil
}

// stream tells this server's streams the changes after the last it told
// them (the changes makeNotices read from cursor, when it read from
// there): a change written through another server reaches the streams of
// every server.
func (n *Notifier) stream(ctx context.Context, cursor int64, read []incident.Change) (more bool, err error) {
	if n.Hub.Len() == 0 {
		// Nobody listening: a stream that starts reads the log from
		// where it starts, and the hub from here.
		last, err := n.Store.LastChange(ctx)
		if err == nil {
			n.streamed = last
		}
		return false, err
	}
	chs := read
	if read == nil || cursor != n.streamed {
		if chs, err = n.Store.ChangesSince(ctx, n.streamed, batch); err != nil {
			return false, err
		}
	}
	if len(chs) == 0 {
		return false, nil
	}
	n.Hub.Publish(chs)
	n.streamed = chs[len(chs)-1].Seq
	return len(chs) == batch, nil
}

// IdempotencyKey is the same for every post of a notice: the watch and
// the change.
func IdempotencyKey(nt incident.Notice) string {
	return nt.WatchID + ":" + strconv.FormatInt(nt.Seq, 10)
}

// Event is a change as a watch's webhook and feed, or a stream, are told of
// it (a stream's have no ID nor Watch).
type Event struct {
	ID         string             `json:"id,omitempty"` // the notice's idempotency key
	Watch      *WatchRef          `json:"watch,omitempty"`
	Kind       string             `json:"kind"` // match, entered, updated, retracted
	Action     string             `json:"action"`
	IncidentID string             `json:"incident_id"`
	Changed    []string           `json:"changed,omitempty"`
	Seq        int64              `json:"change_seq"`
	At         time.Time          `json:"at"`
	Incident   *incident.Incident `json:"incident"`
}

// WatchRef names the watch a notice is for.
type WatchRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Body is a notice as a webhook receives it (and as the feed and the
// dead-letter list read it back).
func Body(nt incident.Notice, watchName string) []byte {
	b, _ := json.Marshal(Event{ID: IdempotencyKey(nt), Watch: &WatchRef{nt.WatchID, watchName}, Kind: nt.Kind, Action: nt.Action,
		IncidentID: nt.IncidentID, Changed: nt.Changed, Seq: nt.Seq, At: nt.At.UTC(), Incident: nt.Incident})
	return b
}
