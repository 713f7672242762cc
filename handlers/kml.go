package handlers

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// kmlColors are the map's event type colours in KML's aabbggrr.
var kmlColors = map[string]string{
	"Battles":                    "ff2828c6",
	"Explosions/Remote violence": "ff006cef",
	"Violence against civilians": "ff9a1b6a",
	"Protests":                   "ff327d2e",
	"Riots":                      "ff414c6d",
	"Strategic developments":     "ffc06515",
}

func styleID(eventType string) string {
	return "t" + strconv.Itoa(strings.Index(strings.Join(incident.EventTypeNames(), "|"), eventType))
}

// kmlEnc writes KML 2.2 for Google Earth: one styled Placemark per incident,
// its fields as ExtendedData (which GIS tools read as attributes) and as a
// description table.
type kmlEnc struct{ w *bufio.Writer }

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (e *kmlEnc) begin() error {
	e.w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>incidentmap incidents</name>` + "\n")
	for _, t := range incident.EventTypes {
		fmt.Fprintf(e.w, `<Style id="%s"><IconStyle><color>%s</color><scale>1.0</scale><Icon><href>http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png</href></Icon></IconStyle></Style>`+"\n", styleID(t.Name), kmlColors[t.Name])
	}
	_, err := e.w.WriteString(`<Folder><name>Incidents</name>` + "\n")
	return err
}

func (e *kmlEnc) write(in *incident.Incident) error {
	fields := incidentFields(in)
	var desc strings.Builder
	desc.WriteString("<table>")
	for _, f := range fields {
		if f[1] != "" {
			desc.WriteString("<tr><th>" + html.EscapeString(f[0]) + "</th><td>" + html.EscapeString(f[1]) + "</td></tr>")
		}
	}
	desc.WriteString("</table>")
	fmt.Fprintf(e.w, `<Placemark id="%s"><name>%s</name><description>%s</description><TimeStamp><when>%s</when></TimeStamp><styleUrl>#%s</styleUrl><ExtendedData>`,
		xmlText(in.ID), xmlText(in.EventDate+" "+in.SubEventType), xmlText(desc.String()), xmlText(in.EventDate), styleID(in.EventType))
	for _, f := range fields {
		fmt.Fprintf(e.w, `<Data name="%s"><value>%s</value></Data>`, xmlText(f[0]), xmlText(f[1]))
	}
	_, err := fmt.Fprintf(e.w, `</ExtendedData><Point><coordinates>%s,%s</coordinates></Point></Placemark>`+"\n",
		strconv.FormatFloat(in.Lon, 'f', -1, 64), strconv.FormatFloat(in.Lat, 'f', -1, 64))
	return err
}

func (e *kmlEnc) end(int) error {
	_, err := e.w.WriteString("</Folder></Document></kml>\n")
	return err
}

// incidentFields is an incident as flat name/value pairs, in ACLED's order
// then incidentmap's: what the tabular formats (KML, GeoPackage) write.
func incidentFields(in *incident.Incident) [][2]string {
	opt := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	optF := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	country, regionCode, regionName, nearest, nearestKM := "", "", "", "", ""
	if in.Country != nil {
		country = *in.Country
	}
	if in.Region != nil {
		regionCode, regionName = in.Region.Code, in.Region.Name
	}
	if n, ok := in.NearestBorder(); ok {
		nearest, nearestKM = n.Border, strconv.FormatFloat(n.DistanceKM, 'f', -1, 64)
	}
	return [][2]string{
		{"id", in.ID}, {"event_date", in.EventDate}, {"time_precision", strconv.Itoa(in.TimePrecision)},
		{"event_type", in.EventType}, {"sub_event_type", in.SubEventType}, {"actor1", in.Actor1}, {"actor2", in.Actor2},
		{"admin1", in.Admin1}, {"admin2", in.Admin2}, {"location", in.Location}, {"geo_precision", strconv.Itoa(in.GeoPrecision)},
		{"uncertainty_km", optF(in.UncertaintyKM)}, {"fatalities", strconv.Itoa(in.Fatalities)},
		{"fatalities_low", opt(in.FatalitiesLow)}, {"fatalities_high", opt(in.FatalitiesHigh)},
		{"source", in.Source}, {"source_url", in.SourceURL}, {"notes", in.Notes}, {"tags", strings.Join(in.Tags, "; ")},
		{"country", country}, {"region_code", regionCode}, {"region_name", regionName},
		{"nearest_border", nearest}, {"nearest_border_km", nearestKM}, {"zones", strings.Join(in.Zones, "; ")},
		{"created_at", in.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}, {"updated_at", in.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")},
	}
}
