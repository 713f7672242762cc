package notify

import (
	"sync"

	"github.com/incidentmap/incidentmap/incident"
)

// Hub fans changes out to live streams. A subscriber that falls behind by
// more than its buffer is dropped (its channel closed) rather than slowing
// everyone: its client reconnects with Last-Event-ID and reads what it
// missed from the change log.
type Hub struct {
	mu   sync.Mutex
	subs map[chan incident.Change]struct{}
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[chan incident.Change]struct{}{}} }

// subBuffer is how many changes a subscriber may fall behind by: an
// import of more is read back from the log.
const subBuffer = 256

// Subscribe returns a channel of every change from now on; Unsubscribe
// with it when done.
func (h *Hub) Subscribe() chan incident.Change {
	c := make(chan incident.Change, subBuffer)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c
}

// Unsubscribe stops c (closing it, unless the hub already did).
func (h *Hub) Unsubscribe(c chan incident.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[c]; ok {
		delete(h.subs, c)
		close(c)
	}
}

// Len is how many subscribers there are.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish sends changes to every subscriber, dropping those that are full.
func (h *Hub) Publish(chs []incident.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		for _, ch := range chs {
			select {
			case c <- ch:
				continue
			default:
			}
			delete(h.subs, c)
			close(c)
			break
		}
	}
}
