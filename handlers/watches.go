package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Watches: saved filters whose notices are kept (an Atom feed), and posted
// to a webhook when one is given. Anyone with a token may watch; posting to
// a webhook takes an editor (the server makes requests on its behalf).
// A token sees and changes its own watches; an admin sees all.

// bodyLimitWatch: a drawn area of 100,000 positions is about 4 MB.
const bodyLimitWatch = 8 << 20

const watchAdvice = `a watch is a JSON object like {"name":"Torodi base","filter":"near=1.8,13.1&radius_km=25","webhook":"https://..."}, its drawn area (within) at most 100,000 positions`

// watchRequest is what a client sends.
type watchRequest struct {
	Name    string          `json:"name"`
	Filter  string          `json:"filter"`
	Within  json.RawMessage `json:"within"`
	Webhook string          `json:"webhook"`
	Email   string          `json:"email"`
}

func (s *Server) readWatch(c echo.Context) (*incident.Watch, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, err
	}
	var req watchRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, incident.Errorf(incident.EINVALID, "%s: %v", watchAdvice, err)
	}
	w := &incident.Watch{Name: req.Name, Query: req.Filter, Within: req.Within, Webhook: req.Webhook, Email: req.Email}
	if err := incident.ParseWatch(w, s.cfg.Areas); err != nil {
		return nil, err
	}
	if w.Email != "" {
		// The server sends mail on the caller's behalf to any address:
		// editors only, as for webhooks.
		if t := caller(c); !incident.RoleAtLeast(t.Role, incident.RoleEditor) {
			return nil, incident.Errorf(incident.EFORBIDDEN, "token %q has role %s; e-mail delivery needs editor or above (leave email out to read the watch as a feed)", t.Name, t.Role)
		}
		if s.cfg.Notifier.Mail == nil {
			return nil, &incident.Error{Code: incident.EINVALID, Field: "email", Message: "this server sends no e-mail (its admin starts it with --smtp and --smtp-from); use a webhook or the watch's feed"}
		}
	}
	if w.Webhook != "" {
		if t := caller(c); !incident.RoleAtLeast(t.Role, incident.RoleEditor) {
			return nil, incident.Errorf(incident.EFORBIDDEN, "token %q has role %s; a webhook needs editor or above (leave webhook out to read the watch as a feed)", t.Name, t.Role)
		}
		if err := s.cfg.Notifier.Allow.CheckURL(c.Request().Context(), w.Webhook); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// caller is the request's token (requireRole put it there).
func caller(c echo.Context) *incident.Token {
	t, _ := c.Get("token").(*incident.Token)
	if t == nil {
		return &incident.Token{}
	}
	return t
}

func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// feedKey lets a feed reader, which sends no token, read one watch's feed.
func feedKey(w *incident.Watch) string {
	m := hmac.New(sha256.New, []byte(w.Secret))
	m.Write([]byte("feed"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// watchJSON is a watch as the API shows it; the secret only on create.
func watchJSON(c echo.Context, w *incident.Watch, secret bool) map[string]any {
	out := map[string]any{"id": w.ID, "name": w.Name, "owner": w.Owner, "filter": w.Query, "created_at": w.CreatedAt,
		"feed": baseURL(c) + "/api/v1/watches/" + url.PathEscape(w.ID) + "/feed?key=" + feedKey(w)}
	if len(w.Within) > 0 {
		out["within"] = w.Within
	}
	if w.Webhook != "" || w.Email != "" {
		if w.Webhook != "" {
			out["webhook"] = w.Webhook
		} else {
			out["email"] = w.Email
		}
		d := w.Delivery
		if d == nil {
			d = &incident.DeliveryStatus{}
		}
		out["delivery"] = d
		if secret {
			out["secret"] = w.Secret
		}
	}
	return out
}

func (s *Server) createWatch(c echo.Context) error {
	w, err := s.readWatch(c)
	if err != nil {
		return err
	}
	w.ID, w.Owner, w.Secret, w.CreatedAt = "wat-"+incident.NewID()[4:], caller(c).ID, newSecret(), time.Now().UTC()
	if err := s.cfg.Notifier.CreateWatch(c.Request().Context(), w); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c)+"/api/v1/watches/"+w.ID)
	return c.JSON(http.StatusCreated, watchJSON(c, w, true))
}

// ownWatch is watch id, if the caller may see it (its owner, or an
// admin); someone else's is not found, so ids cannot be probed.
func (s *Server) ownWatch(c echo.Context) (*incident.Watch, error) {
	w, err := s.cfg.Notifier.Store.Watch(c.Request().Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if t := caller(c); w.Owner != t.ID && t.Role != incident.RoleAdmin {
		return nil, incident.Errorf(incident.ENOTFOUND, "no watch with id %q", c.Param("id"))
	}
	return w, nil
}

func (s *Server) listWatches(c echo.Context) error {
	ws, err := s.cfg.Notifier.Store.Watches(c.Request().Context())
	if err != nil {
		return err
	}
	t := caller(c)
	out := []map[string]any{}
	for _, w := range ws {
		if w.Owner == t.ID || t.Role == incident.RoleAdmin {
			out = append(out, watchJSON(c, w, false))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"watches": out})
}

func (s *Server) getWatch(c echo.Context) error {
	w, err := s.ownWatch(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, watchJSON(c, w, false))
}

func (s *Server) replaceWatch(c echo.Context) error {
	old, err := s.ownWatch(c)
	if err != nil {
		return err
	}
	w, err := s.readWatch(c)
	if err != nil {
		return err
	}
	w.ID, w.Owner, w.Secret, w.CreatedAt = old.ID, old.Owner, old.Secret, old.CreatedAt
	if err := s.cfg.Notifier.ReplaceWatch(c.Request().Context(), w); err != nil {
		return err
	}
	w, err = s.cfg.Notifier.Store.Watch(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, watchJSON(c, w, false))
}

func (s *Server) deleteWatch(c echo.Context) error {
	w, err := s.ownWatch(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Notifier.DeleteWatch(c.Request().Context(), w.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// noticeStates are the values of notices?state=.
var noticeStates = []string{"pending", "delivered", "dead", "kept"}

// watchNotices answers GET /api/v1/watches/{id}/notices: the latest
// notices, newest first, as posted, with their delivery state; state=dead
// is the dead-letter list.
func (s *Server) watchNotices(c echo.Context) error {
	w, err := s.ownWatch(c)
	if err != nil {
		return err
	}
	if err := refuseEmpty(c, "state", "limit"); err != nil {
		return err
	}
	state := c.QueryParam("state")
	if state != "" && !contains(noticeStates, state) {
		return incident.FieldErrorf("state", "%q: use pending, delivered, dead or kept", state)
	}
	limit := 100
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return incident.FieldErrorf("limit", "%q: use a whole number from 1 to 1000", v)
		}
	}
	ns, err := s.cfg.Notifier.Store.Notices(c.Request().Context(), w.ID, state, limit)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(ns))
	for _, n := range ns {
		out = append(out, map[string]any{"id": n.ID, "state": n.State, "attempts": n.Attempts, "last_error": n.LastError, "notice": json.RawMessage(n.Body)})
	}
	return c.JSON(http.StatusOK, map[string]any{"notices": out})
}

// resendWatch answers POST /api/v1/watches/{id}/resend: the dead notices
// are posted again, in order.
func (s *Server) resendWatch(c echo.Context) error {
	w, err := s.ownWatch(c)
	if err != nil {
		return err
	}
	n, err := s.cfg.Notifier.Resend(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"resent": n})
}

// watchFeed answers GET /api/v1/watches/{id}/feed?key=: the watch's latest
// notices as Atom, for feed readers (the key, from the watch, stands for a
// token).
func (s *Server) watchFeed(c echo.Context) error {
	w, err := s.cfg.Notifier.Store.Watch(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(c.QueryParam("key")), []byte(feedKey(w))) != 1 {
		return incident.Errorf(incident.EFORBIDDEN, "key= is missing or wrong; the watch's feed URL (in GET /api/v1/watches/%s) carries it", w.ID)
	}
	ns, err := s.cfg.Notifier.Store.Notices(c.Request().Context(), w.ID, "", 100)
	if err != nil {
		return err
	}
	return writeNoticeFeed(c, w, ns)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
