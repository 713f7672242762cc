package notify

import (
	"bufio"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// smtpServer is just enough of an SMTP server (RFC 5321's commands, no
// extensions) to receive what Mailer sends, and to be down when told.
type smtpServer struct {
	t    *testing.T
	ln   net.Listener
	down atomic.Bool
	mu   sync.Mutex
	got  []*mail.Message
	to   []string
	sent chan struct{}
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln, sent: make(chan struct{}, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	if s.down.Load() {
		say("421 test server going down")
		return
	}
	say("220 test ESMTP")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = strings.Trim(strings.TrimSpace(line)[len("RCPT TO:"):], "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			m, err := mail.ReadMessage(strings.NewReader(msg.String()))
			if err != nil {
				s.t.Errorf("the message does not parse: %v\n%s", err, msg.String())
				say("554 bad message")
				continue
			}
			s.mu.Lock()
			s.got, s.to = append(s.got, m), append(s.to, rcpt)
			s.mu.Unlock()
			say("250 queued")
			s.sent <- struct{}{}
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *smtpServer) messages() []*mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*mail.Message(nil), s.got...)
}

// A watch delivered by e-mail gets its notices as messages to its address,
// which say what happened where; while the SMTP server is down they wait,
// and go out when it is back.
func TestEmailNotices(t *testing.T) {
	srv := newSMTPServer(t)
	m, err := ParseMailer("smtp://"+srv.ln.Addr().String(), "alerts@example.org")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(n *Notifier) { n.Mail = m })
	w := &incident.Watch{ID: "w-mail", Name: "Torodi base", Owner: "tok", Query: "near=1.7987,13.1192&radius_km=25", Email: "security@example.org", Secret: "s", CreatedAt: time.Now()}
	if err := incident.ParseWatch(w, f.n.Places); err != nil {
		t.Fatal(err)
	}
	if err := f.n.CreateWatch(f.ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, torodi(1.7987, 13.1192, 7)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.sent:
	case <-time.After(20 * time.Second):
		t.Fatal("no message was sent")
	}
	f.settled(t)
	msgs := srv.messages()
	if len(msgs) != 1 || srv.to[0] != "security@example.org" {
		t.Fatalf("%d messages to %v; want one to security@example.org", len(msgs), srv.to)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msgs[0].Header.Get("Subject"))
	body, _ := io.ReadAll(msgs[0].Body)
	if subject != "[incidentmap] Torodi base: 1 change" || msgs[0].Header.Get("From") != "alerts@example.org" {
		t.Errorf("subject %q from %q", subject, msgs[0].Header.Get("From"))
	}
	for _, want := range []string{"New: 2024-03-10, Armed clash, Torodi", "7 fatalities", "id: torodi-1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the message does not say %q:\n%s", want, body)
		}
	}

	// The server goes down: the update waits, with the failure on record,
	// and is mailed when it is back.
	srv.down.Store(true)
	if _, err := f.svc.Patch(f.ctx, "torodi-1", []byte(`{"properties":{"fatalities":9}}`), incident.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _ := f.db.Watch(f.ctx, "w-mail")
		if got.Delivery != nil && got.Delivery.Failures > 0 && got.Delivery.Pending == 1 {
			if !strings.Contains(got.Delivery.LastError, "421") {
				t.Errorf("last error %q; want the server's 421", got.Delivery.LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %+v; want a failure and 1 pending", got.Delivery)
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.down.Store(false)
	f.settled(t)
	msgs = srv.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages after the server came back; want 2", len(msgs))
	}
	body, _ = io.ReadAll(msgs[1].Body)
	if !strings.Contains(string(body), "Updated: 2024-03-10") || !strings.Contains(string(body), "changed: fatalities") {
		t.Errorf("the second message:\n%s", body)
	}
}

func TestParseMailer(t *testing.T) {
	for _, c := range []struct{ url, from, err string }{
		{"http://mail.example.org", "a@example.org", "is not smtp://"},
		{"smtp://mail.example.org", "", "--smtp-from is required"},
		{"smtp://mail.example.org", "not an address", "is not an e-mail address"},
		{"smtp://u:hunter2@", "a@example.org", "xxx"},
	} {
		_, err := ParseMailer(c.url, c.from)
		if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseMailer(%q, %q) = %v; want an error saying %q, never the password", c.url, c.from, err, c.err)
		}
	}
	m, err := ParseMailer("smtps://u:p@mail.example.org", "Alerts <alerts@example.org>")
	if err != nil || m.addr != "mail.example.org:465" || !m.implicit || m.from != "alerts@example.org" {
		t.Errorf("smtps: %+v %v", m, err)
	}
}
