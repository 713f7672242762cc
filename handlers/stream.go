package handlers

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/notify"
	"github.com/labstack/echo/v4"
)

// The live stream: GET /api/v1/stream?<filters> is Server-Sent Events of
// the changes the filters concern, as they are stored; an event's id is
// the change's number in the store's log, so a client that reconnects
// with Last-Event-ID (browsers' EventSource does) misses nothing.

const streamPath = "/api/v1/stream"

func isStream(c echo.Context) bool { return c.Path() == streamPath }

// keepAlive: a comment this often keeps proxies from closing an idle
// stream and finds clients that went away.
const keepAlive = 20 * time.Second

func (s *Server) stream(c echo.Context) error {
	f, err := s.countFilter(c, "streams", "updated_since")
	if err != nil {
		return err
	}
	last := int64(-1)
	if v := c.Request().Header.Get("Last-Event-ID"); v != "" {
		if last, err = strconv.ParseInt(v, 10, 64); err != nil || last < 0 {
			return incident.FieldErrorf("Last-Event-ID", "%q is not an event id this server sent (a whole number)", v)
		}
	}
	ctx := c.Request().Context()
	n := s.cfg.Notifier
	sub := n.Hub.Subscribe()
	defer n.Hub.Unsubscribe(sub)
	if last < 0 {
		if last, err = n.Store.LastChange(ctx); err != nil {
			return err
		}
	}
	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on at once
	res.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(res)
	w := bufio.NewWriter(res)
	flush := func() error {
		rc.SetWriteDeadline(time.Now().Add(keepAlive * 3))
		if err := w.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	send := func(ch incident.Change) {
		defer func() { last = ch.Seq }()
		kind := incident.NoticeKind(ch, f.Match)
		if kind == "" {
			return
		}
		ev := notify.Event{Kind: kind, Action: ch.Action, IncidentID: ch.ID, Seq: ch.Seq, At: ch.At, Incident: ch.After}
		if ch.After == nil {
			ev.Incident = ch.Before
		}
		if kind != incident.NoticeMatch {
			ev.Changed = incident.ChangedFields(ch.Before, ch.After)
		}
		b, _ := json.Marshal(ev)
		w.WriteString("id: " + strconv.FormatInt(ch.Seq, 10) + "\nevent: " + kind + "\ndata: ")
		w.Write(b)
		w.WriteString("\n\n")
	}
	w.WriteString("retry: 3000\n: incidentmap stream\n\n")
	if err := flush(); err != nil {
		return nil
	}
	// What was missed, from the log; then what the hub brings (skipping
	// what the log already gave).
	for {
		chs, err := n.Store.ChangesSince(ctx, last, 500)
		if err != nil {
			return nil
		}
		for _, ch := range chs {
			send(ch)
		}
		if err := flush(); err != nil || len(chs) < 500 {
			break
		}
	}
	t := time.NewTicker(keepAlive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ch, ok := <-sub:
			if !ok {
				return nil // fell behind: the client resumes from its last id
			}
			if ch.Seq <= last {
				continue
			}
			send(ch)
			// Whatever else has arrived goes in the same write.
			for more := true; more; {
				select {
				case ch, ok := <-sub:
					if !ok {
						flush()
						return nil
					}
					if ch.Seq > last {
						send(ch)
					}
				default:
					more = false
				}
			}
		case <-t.C:
			w.WriteString(": keep-alive\n\n")
		}
		if err := flush(); err != nil {
			return nil
		}
	}
}
