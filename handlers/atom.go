package handlers

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// Atom 1.0 (RFC 4287) feeds: a watch's notices, and any filter's incidents
// (f=atom), for feed readers and newsrooms' tools.

// MIMEAtom is the media type of Atom feeds.
const MIMEAtom = "application/atom+xml"

const atomNS = "http://www.w3.org/2005/Atom"

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	XMLName  xml.Name  `xml:"entry"`
	ID       string    `xml:"id"`
	Title    string    `xml:"title"`
	Updated  string    `xml:"updated"`
	Link     atomLink  `xml:"link"`
	Summary  *atomText `xml:"summary,omitempty"`
	Category []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
}

// atomHead is a feed's opening: the elements before its entries.
func atomHead(id, title, self string, updated time.Time) string {
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return xml.Header + `<feed xmlns="` + atomNS + `">` + "\n" +
		"<id>" + esc(id) + "</id>\n<title>" + esc(title) + "</title>\n<updated>" + updated.UTC().Format(time.RFC3339) + "</updated>\n" +
		`<link rel="self" href="` + esc(self) + `"/>` + "\n<author><name>incidentmap</name></author>\n"
}

// incidentEntry is one incident as an Atom entry, linked to its GeoJSON.
func incidentEntry(base string, in *incident.Incident, id, prefix string, at time.Time) atomEntry {
	e := atomEntry{ID: id, Updated: at.UTC().Format(time.RFC3339), Link: atomLink{Href: base + "/api/v1/incidents/" + url.PathEscape(in.ID), Type: MIMEGeoJSON}}
	e.Title = fmt.Sprintf("%s%s at %s (%s), %d fatalities", prefix, in.SubEventType, in.Location, in.EventDate, in.Fatalities)
	if in.SubEventType == "" {
		e.Title = fmt.Sprintf("%s%s at %s (%s), %d fatalities", prefix, in.EventType, in.Location, in.EventDate, in.Fatalities)
	}
	if in.Notes != "" {
		e.Summary = &atomText{Type: "text", Body: in.Notes}
	}
	e.Category = append(e.Category, struct {
		Term string `xml:"term,attr"`
	}{in.EventType})
	return e
}

// writeNoticeFeed writes a watch's notices, newest first.
func writeNoticeFeed(c echo.Context, w *incident.Watch, ns []incident.Notice) error {
	updated := w.CreatedAt
	if len(ns) > 0 {
		updated = ns[0].At
	}
	base := baseURL(c)
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, MIMEAtom)
	res.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(res)
	bw.WriteString(atomHead("urn:incidentmap:watch:"+w.ID, w.Name, base+c.Request().URL.RequestURI(), updated))
	enc := xml.NewEncoder(bw)
	for _, n := range ns {
		var body struct {
			ID       string          `json:"id"`
			Changed  []string        `json:"changed"`
			Incident json.RawMessage `json:"incident"`
		}
		json.Unmarshal(n.Body, &body)
		in, err := incident.DecodeFeature(body.Incident)
		if err != nil {
			continue
		}
		in.ID = n.IncidentID
		prefix := map[string]string{incident.NoticeMatch: "New: ", incident.NoticeEntered: "Now matches: ", incident.NoticeUpdated: "Updated: ", incident.NoticeRetracted: "Retracted: "}[n.Kind]
		e := incidentEntry(base, in, "urn:incidentmap:notice:"+body.ID, prefix, n.At)
		if len(body.Changed) > 0 {
			e.Title += fmt.Sprintf(" — changed: %v", body.Changed)
		}
		enc.Encode(e)
		bw.WriteString("\n")
	}
	bw.WriteString("</feed>\n")
	return bw.Flush()
}

// atomEnc is f=atom on the incident listing: newest first, as the listing
// is. The feed's id and links are relative to the server (xml:base would
// need the request, which encoders do not see): Atom allows IRI
// references.
type atomEnc struct {
	w   *bufio.Writer
	enc *xml.Encoder
}

func (a *atomEnc) begin() error {
	_, err := a.w.WriteString(atomHead("urn:incidentmap:incidents", "incidentmap incidents", "/api/v1/incidents?f=atom", time.Now()))
	a.enc = xml.NewEncoder(a.w)
	return err
}

func (a *atomEnc) write(in *incident.Incident) error {
	if err := a.enc.Encode(incidentEntry("", in, "urn:incidentmap:incident:"+in.ID, "", in.UpdatedAt)); err != nil {
		return err
	}
	_, err := a.w.WriteString("\n")
	return err
}

func (a *atomEnc) end(int) error {
	_, err := a.w.WriteString("</feed>\n")
	return err
}
