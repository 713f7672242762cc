package handlers

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// OGC API – Features Part 1 link relations, media types and conformance
// classes.
const (
	MIMEOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	MIMEHTML    = "text/html"
	MIMEJSON    = "application/json"
	CRS84       = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

	relSelf        = "self"
	relAlternate   = "alternate"
	relServiceDesc = "service-desc"
	relConformance = "conformance"
	relData        = "data"
	relItems       = "items"
	relNext        = "next"
	relCollection  = "collection"
)

var conformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

const (
	ogcDefaultLimit = 100
	ogcMaxLimit     = incident.MaxLimit
)

// collection is one OGC collection: incidents come from the store; the
// reference layers are fixed feature lists.
type collection struct {
	ID, Title, Description string
	static                 func(s *Server) []*geojson.Feature
}

var ogcCollections = []collection{
	{ID: "incidents", Title: "Incidents", Description: "Security incidents with ACLED's fields; filter with bbox, datetime and the incident filters (see queryables)."},
	{ID: "regions", Title: "Admin-1 regions", Description: "Natural Earth 1:10m admin-1 regions of Niger and its neighbours.", static: (*Server).regionFeatures},
	{ID: "borders", Title: "Niger's borders", Description: "Niger's seven international borders, derived from Natural Earth.", static: (*Server).borderFeatures},
	{ID: "zones", Title: "Border zones", Description: "Border zones inside Niger and the tri-border areas (outlines for display; membership is by exact distance).", static: (*Server).zoneFeatures},
	{ID: "places", Title: "Gazetteer", Description: "Niger's towns from GeoNames (CC BY 4.0).", static: (*Server).placeFeatures},
}

func (s *Server) ogcRoutes() {
	g := s.echo.Group("/ogc")
	if s.cfg.ReadsNeedToken {
		g.Use(s.requireRole(incident.RoleViewer))
	}
	g.GET("", s.ogcLanding)
	g.GET("/", s.ogcLanding)
	g.GET("/conformance", s.ogcConformance)
	g.GET("/api", s.ogcAPI)
	g.GET("/collections", s.ogcCollections)
	g.GET("/collections/:cid", s.ogcCollection)
	g.GET("/collections/:cid/items", s.ogcItems)
	g.GET("/collections/:cid/items/:fid", s.ogcItem)
	g.GET("/collections/:cid/queryables", s.ogcQueryables)
	g.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })
}

// wantHTML decides the output format in one place: f= wins, then Accept.
func wantHTML(c echo.Context) (bool, error) {
	switch c.QueryParam("f") {
	case "html":
		return true, nil
	case "json", "geojson":
		return false, nil
	case "":
		a := c.Request().Header.Get(echo.HeaderAccept)
		return strings.Contains(a, "text/html") && !strings.Contains(a, "json"), nil
	}
	return false, incident.FieldErrorf("f", "%q: use json or html", c.QueryParam("f"))
}

func ogcBase(c echo.Context) string { return baseURL(c) + "/ogc" }

func (s *Server) respond(c echo.Context, mime string, v any, title string, links []link) error {
	html, err := wantHTML(c)
	if err != nil {
		return err
	}
	if html {
		return renderHTML(c, title, v, links)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mime, b)
}

func selfLinks(c echo.Context, path, mime string) []link {
	base := ogcBase(c) + path
	return []link{
		{Href: base + "?f=json", Rel: relSelf, Type: mime, Title: "this document"},
		{Href: base + "?f=html", Rel: relAlternate, Type: MIMEHTML, Title: "this document as HTML"},
	}
}

func (s *Server) ogcLanding(c echo.Context) error {
	b := ogcBase(c)
	links := append(selfLinks(c, "", MIMEJSON),
		link{Href: b + "/api", Rel: relServiceDesc, Type: MIMEOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
		link{Href: b + "/conformance", Rel: relConformance, Type: MIMEJSON, Title: "conformance classes"},
		link{Href: b + "/collections", Rel: relData, Type: MIMEJSON, Title: "collections"},
	)
	return s.respond(c, MIMEJSON, map[string]any{
		"title":       "incidentmap",
		"description": "Security incidents in Niger and its border areas, with the reference geography they are measured against. OGC API – Features.",
		"links":       links,
	}, "incidentmap — OGC API Features", links)
}

func (s *Server) ogcConformance(c echo.Context) error {
	return s.respond(c, MIMEJSON, map[string]any{"conformsTo": conformsTo}, "Conformance", selfLinks(c, "/conformance", MIMEJSON))
}

func (s *Server) collectionDoc(c echo.Context, col collection) (map[string]any, error) {
	b := ogcBase(c) + "/collections/" + col.ID
	bbox := []float64{-180, -90, 180, 90}
	var interval []any = []any{nil, nil}
	if col.ID == "incidents" {
		st, err := s.cfg.Store.Stats(c.Request().Context(), incident.Filter{})
		if err != nil {
			return nil, err
		}
		if len(st.ByMonth) > 0 {
			interval = []any{st.ByMonth[0].Key + "-01T00:00:00Z", nil}
		}
		bbox = []float64{-13, 3, 26, 38}
	} else {
		var bd orb.Bound
		for i, f := range col.static(s) {
			if i == 0 {
				bd = f.Geometry.Bound()
			} else {
				bd = bd.Union(f.Geometry.Bound())
			}
		}
		bbox = []float64{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]}
	}
	links := []link{
		{Href: b + "?f=json", Rel: relSelf, Type: MIMEJSON, Title: "this collection"},
		{Href: b + "?f=html", Rel: relAlternate, Type: MIMEHTML, Title: "this collection as HTML"},
		{Href: b + "/items?f=json", Rel: relItems, Type: MIMEGeoJSON, Title: col.Title},
		{Href: b + "/items?f=html", Rel: relItems, Type: MIMEHTML, Title: col.Title + " as HTML"},
	}
	if col.ID == "incidents" {
		links = append(links, link{Href: b + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: "application/schema+json", Title: "queryables"})
	}
	return map[string]any{
		"id": col.ID, "title": col.Title, "description": col.Description, "itemType": "feature",
		"crs":    []string{CRS84},
		"extent": map[string]any{"spatial": map[string]any{"bbox": [][]float64{bbox}, "crs": CRS84}, "temporal": map[string]any{"interval": [][]any{interval}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}},
		"links":  links,
	}, nil
}

func findCollection(id string) (collection, error) {
	for _, col := range ogcCollections {
		if col.ID == id {
			return col, nil
		}
	}
	return collection{}, incident.Errorf(incident.ENOTFOUND, "no collection %q; the collections are incidents, regions, borders, zones and places", id)
}

func (s *Server) ogcCollections(c echo.Context) error {
	var cols []any
	for _, col := range ogcCollections {
		d, err := s.collectionDoc(c, col)
		if err != nil {
			return err
		}
		cols = append(cols, d)
	}
	links := selfLinks(c, "/collections", MIMEJSON)
	return s.respond(c, MIMEJSON, map[string]any{"links": links, "collections": cols}, "Collections", links)
}

func (s *Server) ogcCollection(c echo.Context) error {
	col, err := findCollection(c.Param("cid"))
	if err != nil {
		return err
	}
	d, err := s.collectionDoc(c, col)
	if err != nil {
		return err
	}
	return s.respond(c, MIMEJSON, d, col.Title, d["links"].([]link))
}

// queryables lists the incident filters the items endpoint takes besides
// bbox, datetime and limit.
var queryables = map[string]map[string]any{
	"event_type":     {"type": "string", "description": "ACLED event type; comma-separated for several"},
	"sub_event_type": {"type": "string", "description": "ACLED sub-event type; comma-separated for several"},
	"region":         {"type": "string", "description": "admin-1 region, ISO 3166-2 code (NE-5) or name (Tahoua)"},
	"admin1":         {"type": "string", "description": "admin-1 name as the source reported it, however spelled (Tillabery, Tillabéri); comma-separated for several"},
	"admin2":         {"type": "string", "description": "admin-2 name as the source reported it, however spelled; comma-separated for several"},
	"flag":           {"type": "string", "enum": incident.FlagNames, "description": "a derived flag: admin1_mismatch, the point lies outside the admin1 the source reported"},
	"border":         {"type": "string", "enum": append(append([]string{}, incident.BorderISO3...), "any"), "description": "a neighbour whose border with Niger the incidents are near"},
	"border_km":      {"type": "number", "description": "with border: the distance in km (default 50)"},
	"near":           {"type": "string", "description": "lon,lat of a point"},
	"radius_km":      {"type": "number", "description": "with near: the distance in km (default 25)"},
	"min_fatalities": {"type": "integer", "minimum": 0},
	"q":              {"type": "string", "description": "words in location, actors, admin names, notes, source or tags; each matches the start of a word, case and accents aside"},
}

func (s *Server) ogcQueryables(c echo.Context) error {
	if c.Param("cid") != "incidents" {
		if _, err := findCollection(c.Param("cid")); err != nil {
			return err
		}
	}
	props := map[string]any{}
	if c.Param("cid") == "incidents" {
		for k, v := range queryables {
			props[k] = v
		}
	}
	doc := map[string]any{
		"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": ogcBase(c) + "/collections/" + c.Param("cid") + "/queryables",
		"type": "object", "title": c.Param("cid"), "properties": props,
	}
	b, _ := json.Marshal(doc)
	return c.Blob(http.StatusOK, "application/schema+json", b)
}

// parseDatetime reads OGC's datetime: an instant or an interval with ".."
// for an open end, and returns inclusive start and end dates.
func parseDatetime(s string) (string, string, error) {
	date := func(v string) (string, error) {
		if v == ".." || v == "" {
			return "", nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC().Format(incident.DateLayout), nil
		}
		if _, err := time.Parse(incident.DateLayout, v); err == nil {
			return v, nil
		}
		return "", incident.FieldErrorf("datetime", "%q is not a date or RFC 3339 time; use 2023-10-02, 2023-07-01/.. or 2023-07-01/2023-09-30", v)
	}
	a, b, interval := strings.Cut(s, "/")
	start, err := date(a)
	if err != nil {
		return "", "", err
	}
	if !interval {
		if start == "" {
			return "", "", incident.FieldErrorf("datetime", "an instant cannot be \"..\"")
		}
		return start, start, nil
	}
	end, err := date(b)
	return start, end, err
}

func (s *Server) ogcItems(c echo.Context) error {
	col, err := findCollection(c.Param("cid"))
	if err != nil {
		return err
	}
	html, err := wantHTML(c)
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	q.Del("f")
	limit := ogcDefaultLimit
	if l := q.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 {
			return incident.FieldErrorf("limit", "%q: use a whole number from 1 to %d", l, ogcMaxLimit)
		}
		limit = min(v, ogcMaxLimit) // OGC: a larger limit is lowered, not refused
	}
	q.Set("limit", strconv.Itoa(limit))
	if dt := q.Get("datetime"); dt != "" {
		start, end, err := parseDatetime(dt)
		if err != nil {
			return err
		}
		q.Del("datetime")
		if start != "" {
			q.Set("start", start)
		}
		if end != "" {
			q.Set("end", end)
		}
	}
	if bb := q.Get("bbox"); bb != "" && strings.Count(bb, ",") == 5 {
		p := strings.Split(bb, ",") // 3D bbox: drop the heights
		q.Set("bbox", strings.Join([]string{p[0], p[1], p[3], p[4]}, ","))
	}
	base := ogcBase(c) + "/collections/" + col.ID + "/items"
	pageLink := func(extra url.Values, format string) string {
		v := url.Values{}
		for k, vs := range c.QueryParams() {
			v[k] = vs
		}
		v.Del("cursor")
		v.Del("offset")
		for k, vs := range extra {
			v[k] = vs
		}
		v.Set("f", format)
		return base + "?" + v.Encode()
	}
	var fc *geojson.FeatureCollection
	var matched int
	var next url.Values
	if col.static == nil {
		f, err := incident.ParseFilter(q, s.resolveRegion)
		if err != nil {
			return err
		}
		f.JSONOnly = !html
		page, err := s.cfg.Store.List(c.Request().Context(), f)
		if err != nil {
			return err
		}
		matched = page.NumberMatched
		if page.Next != nil {
			next = url.Values{"cursor": {page.Next.Encode()}}
		}
		if !html {
			links := []link{
				{Href: pageLink(nil, "json"), Rel: relSelf, Type: MIMEGeoJSON, Title: "this page"},
				{Href: pageLink(nil, "html"), Rel: relAlternate, Type: MIMEHTML, Title: "this page as HTML"},
				{Href: ogcBase(c) + "/collections/" + col.ID, Rel: relCollection, Type: MIMEJSON, Title: col.Title},
			}
			if next != nil {
				links = append(links, link{Href: pageLink(next, "json"), Rel: relNext, Type: MIMEGeoJSON, Title: "next page"})
			}
			return writeCollection(c, page.Incidents, matched, links)
		}
		fc = geojson.NewFeatureCollection()
		for _, in := range page.Incidents {
			fc.Append(incidentFeature(in))
		}
	} else {
		fc, matched, next, err = staticItems(s, col, q)
		if err != nil {
			return err
		}
	}
	links := []link{
		{Href: pageLink(nil, "json"), Rel: relSelf, Type: MIMEGeoJSON, Title: "this page"},
		{Href: pageLink(nil, "html"), Rel: relAlternate, Type: MIMEHTML, Title: "this page as HTML"},
		{Href: ogcBase(c) + "/collections/" + col.ID, Rel: relCollection, Type: MIMEJSON, Title: col.Title},
	}
	if next != nil {
		f := "json"
		if html {
			f = "html"
		}
		links = append(links, link{Href: pageLink(next, f), Rel: relNext, Type: MIMEGeoJSON, Title: "next page"})
	}
	if html {
		return renderFeaturesHTML(c, col, fc, matched, links)
	}
	fc.ExtraMembers = geojson.Properties{"numberMatched": matched, "numberReturned": len(fc.Features), "timeStamp": time.Now().UTC().Format(time.RFC3339), "links": links}
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEGeoJSON, b)
}

func incidentFeature(in *incident.Incident) *geojson.Feature {
	b, _ := in.MarshalJSON()
	f, _ := geojson.UnmarshalFeature(b)
	return f
}

// staticItems pages through a reference layer with bbox and offset.
func staticItems(s *Server, col collection, q url.Values) (*geojson.FeatureCollection, int, url.Values, error) {
	for k := range q {
		if k != "bbox" && k != "limit" && k != "offset" {
			return nil, 0, nil, incident.FieldErrorf(k, "unknown parameter; %s takes bbox, limit and offset", col.ID)
		}
	}
	var bbox *orb.Bound
	if s := q.Get("bbox"); s != "" {
		b, err := incident.ParseBBox(s)
		if err != nil {
			return nil, 0, nil, err
		}
		bbox = &b
	}
	offset := 0
	if o := q.Get("offset"); o != "" {
		v, err := strconv.Atoi(o)
		if err != nil || v < 0 {
			return nil, 0, nil, incident.FieldErrorf("offset", "%q: use a whole number of 0 or more", o)
		}
		offset = v
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	var all []*geojson.Feature
	for _, f := range col.static(s) {
		if bbox == nil || bbox.Intersects(f.Geometry.Bound()) {
			all = append(all, f)
		}
	}
	fc := geojson.NewFeatureCollection()
	end := min(len(all), offset+limit)
	if offset < end {
		fc.Features = all[offset:end]
	}
	var next url.Values
	if end < len(all) {
		next = url.Values{"offset": {strconv.Itoa(end)}}
	}
	return fc, len(all), next, nil
}

func (s *Server) ogcItem(c echo.Context) error {
	col, err := findCollection(c.Param("cid"))
	if err != nil {
		return err
	}
	var f *geojson.Feature
	if col.static == nil {
		in, err := s.cfg.Store.Get(c.Request().Context(), c.Param("fid"))
		if err != nil {
			return err
		}
		f = incidentFeature(in)
	} else {
		for _, sf := range col.static(s) {
			if sf.ID == c.Param("fid") {
				f = sf
			}
		}
		if f == nil {
			return incident.Errorf(incident.ENOTFOUND, "no feature %q in %s", c.Param("fid"), col.ID)
		}
	}
	b := ogcBase(c) + "/collections/" + col.ID
	links := []link{
		{Href: b + "/items/" + url.PathEscape(c.Param("fid")) + "?f=json", Rel: relSelf, Type: MIMEGeoJSON, Title: "this feature"},
		{Href: b + "/items/" + url.PathEscape(c.Param("fid")) + "?f=html", Rel: relAlternate, Type: MIMEHTML, Title: "this feature as HTML"},
		{Href: b + "?f=json", Rel: relCollection, Type: MIMEJSON, Title: col.Title},
	}
	html, err := wantHTML(c)
	if err != nil {
		return err
	}
	if html {
		fc := geojson.NewFeatureCollection()
		fc.Append(f)
		return renderFeaturesHTML(c, col, fc, 1, links)
	}
	out := *f
	out.ExtraMembers = geojson.Properties{"links": links}
	j, err := out.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEGeoJSON, j)
}

func (s *Server) regionFeatures() []*geojson.Feature {
	return s.cfg.Geo.RegionFeatures(s.cfg.Geo.Focus()...)
}

func (s *Server) borderFeatures() []*geojson.Feature {
	return s.cfg.Geo.BorderFeatures(s.cfg.Geo.BordersOf(geo.Niger))
}

func (s *Server) zoneFeatures() []*geojson.Feature {
	fc, _ := geojson.UnmarshalFeatureCollection(s.zonesGeoJSON())
	return fc.Features
}

func (s *Server) placeFeatures() []*geojson.Feature {
	var out []*geojson.Feature
	for i, p := range s.cfg.Geo.Places.All() {
		f := geojson.NewFeature(p.Point)
		f.ID = strconv.Itoa(i + 1)
		f.Properties = geojson.Properties{"name": p.Name, "ascii_name": p.ASCIIName, "variants": strings.Join(p.Variants, "; "), "region": p.Region, "country": p.Country, "source": p.Source}
		out = append(out, f)
	}
	return out
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="/ogc.css"></head>
<body><header><a href="/ogc?f=html">incidentmap OGC API</a> · <a href="/">map</a></header>
<main><h1>{{.Title}}</h1>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}
{{if .Rows}}<table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>{{end}}
</tbody></table>{{end}}
{{if .JSON}}<pre>{{.JSON}}</pre>{{end}}
<h2>Links</h2><ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Rel}}{{end}}</a> <small>({{.Rel}}{{if .Type}}, {{.Type}}{{end}})</small></li>{{end}}</ul>
</main></body></html>`))

type cell struct{ Text, Href string }

type page struct {
	Title, Summary, JSON string
	Columns              []string
	Rows                 [][]cell
	Links                []link
}

func renderHTML(c echo.Context, title string, v any, links []link) error {
	j, _ := json.MarshalIndent(v, "", "  ")
	return writePage(c, page{Title: title, JSON: string(j), Links: links})
}

func renderFeaturesHTML(c echo.Context, col collection, fc *geojson.FeatureCollection, matched int, links []link) error {
	keys := map[string]bool{}
	for _, f := range fc.Features {
		for k := range f.Properties {
			keys[k] = true
		}
	}
	cols := make([]string, 0, len(keys))
	for k := range keys {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	p := page{Title: col.Title, Summary: strconv.Itoa(len(fc.Features)) + " of " + strconv.Itoa(matched) + " features.", Columns: append([]string{"id"}, cols...), Links: links}
	for _, f := range fc.Features {
		id := ""
		switch v := f.ID.(type) {
		case string:
			id = v
		case nil:
		default:
			id = strings.Trim(string(mustJSON(v)), `"`)
		}
		row := []cell{{Text: id, Href: ogcBase(c) + "/collections/" + col.ID + "/items/" + url.PathEscape(id) + "?f=html"}}
		for _, k := range cols {
			v := f.Properties[k]
			t := ""
			switch x := v.(type) {
			case nil:
			case string:
				t = x
			default:
				t = string(mustJSON(x))
			}
			row = append(row, cell{Text: t})
		}
		p.Rows = append(p.Rows, row)
	}
	return writePage(c, p)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func writePage(c echo.Context, p page) error {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, p); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}
