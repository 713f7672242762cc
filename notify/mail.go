package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Mailer sends a watch's notices by e-mail through one SMTP server the
// admin configured (--smtp): one message per batch of notices, so a
// bulk import that touches a watch 300 times sends a few digests, not 300
// messages.
type Mailer struct {
	addr     string // host:port
	host     string
	implicit bool // smtps: TLS from the first byte (port 465)
	auth     smtp.Auth
	from     string
	// Timeout bounds a whole send (30 s): a hung server must not hold a
	// watch's deliveries forever.
	Timeout time.Duration
	// tlsConfig is for tests (a server with a test certificate).
	tlsConfig *tls.Config
}

// ParseMailer reads --smtp (smtp://user:password@host:587, or smtps:// for
// TLS from the start; STARTTLS is used whenever the server offers it) and
// --smtp-from. An empty URL means no e-mail: nil, nil.
func ParseMailer(raw, from string) (*Mailer, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not smtp://[user:password@]host[:port] (or smtps://)", redact(raw))
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", Timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicit {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		pw, _ := u.User.Password()
		// PlainAuth refuses to send the password unless the connection
		// is TLS or to localhost.
		m.auth = smtp.PlainAuth("", u.User.Username(), pw, m.host)
	}
	if from == "" {
		return nil, fmt.Errorf("--smtp-from is required with --smtp: the address notices are sent from")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("--smtp-from %q is not an e-mail address", from)
	}
	m.from = a.Address
	return m, nil
}

// redact hides a URL's password for messages.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxx")
			return u.String()
		}
	}
	return raw
}

// Send delivers one message to one address.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	d := &net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	tc := m.tlsConfig
	if tc == nil {
		tc = &tls.Config{ServerName: m.host}
	}
	if m.implicit {
		conn = tls.Client(conn, tc)
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.implicit {
		if err := c.StartTLS(tc); err != nil {
			return err
		}
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(m.from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.message(to, subject, body)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// message is an RFC 5322 message in UTF-8 plain text.
func (m *Mailer) message(to, subject, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n", m.from, to,
		mime.QEncoding.Encode("utf-8", subject), time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	return b.Bytes()
}

// kindWords say what a notice kind means to a reader.
var kindWords = map[string]string{
	incident.NoticeMatch:     "New",
	incident.NoticeEntered:   "Now matches",
	incident.NoticeUpdated:   "Updated",
	incident.NoticeRetracted: "No longer matches",
}

// Digest is the subject and text of one message telling of notices (as
// their bodies, Event JSON), oldest first.
func (m *Mailer) Digest(w *incident.Watch, ns []incident.Notice) (subject, body string) {
	subject = fmt.Sprintf("[incidentmap] %s: %d change", w.Name, len(ns))
	if len(ns) != 1 {
		subject += "s"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Watch %q (%s) heard of %d change(s).\n", w.Name, w.Query, len(ns))
	for _, nt := range ns {
		var ev Event
		if err := json.Unmarshal(nt.Body, &ev); err != nil || ev.Incident == nil {
			fmt.Fprintf(&b, "\n- %s (%s)\n", nt.IncidentID, nt.Kind)
			continue
		}
		in := ev.Incident
		kind := kindWords[ev.Kind]
		if kind == "" {
			kind = ev.Kind
		}
		fmt.Fprintf(&b, "\n- %s: %s, %s", kind, in.EventDate, in.SubEventType)
		if in.Location != "" {
			fmt.Fprintf(&b, ", %s", in.Location)
		}
		if in.Region != nil && in.Region.Name != "" {
			fmt.Fprintf(&b, " (%s)", in.Region.Name)
		}
		fmt.Fprintf(&b, ", %s fatalities\n", strconv.Itoa(in.Fatalities))
		if len(ev.Changed) > 0 {
			fmt.Fprintf(&b, "  changed: %s\n", strings.Join(ev.Changed, ", "))
		}
		if in.Source != "" {
			fmt.Fprintf(&b, "  source: %s\n", in.Source)
		}
		fmt.Fprintf(&b, "  id: %s\n", ev.IncidentID)
	}
	b.WriteString("\nSent by incidentmap because this address is the delivery of the watch above; delete the watch to stop.\n")
	return subject, b.String()
}
