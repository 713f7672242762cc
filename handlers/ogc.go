package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
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
	{ID: "zones", Title: "Border zones", Description: "Border zones inside Niger and the tri-border areas (outlines for display; membership is by exact distance), and the zones editors drew (zone= takes any of them).", static: (*Server).zoneFeatures},
	{ID: "places", Title: "Gazetteer", Description: "Cities and towns of the gazetteer (OpenStreetMap, ODbL, © OpenStreetMap contributors; GeoNames, CC BY 4.0) and the places users added; villages are matched by the geocoder, not listed.", static: (*Server).placeFeatures},
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
	if !c.QueryParams().Has("f") {
		a := c.Request().Header.Get(echo.HeaderAccept)
		return strings.Contains(a, "text/html") && !strings.Contains(a, "json"), nil
	}
	switch c.QueryParam("f") {
	case "html":
		return true, nil
	case "json", "geojson":
		return false, nil
	}
	return false, incident.FieldErrorf("f", "%q: use json or html, or leave f out for the Accept header to decide", c.QueryParam("f"))
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
	extent, err := s.collectionExtent(c, col)
	if err != nil {
		return nil, err
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
	doc := map[string]any{
		"id": col.ID, "title": col.Title, "description": col.Description, "itemType": "feature",
		"crs":   []string{CRS84},
		"links": links,
	}
	if extent != nil {
		doc["extent"] = extent
	}
	return doc, nil
}

// collectionExtent is where (and, for incidents, when) a collection's
// features are: the incidents' from the store, the reference layers' from
// their geometries. A store without incidents has no extent (nil).
func (s *Server) collectionExtent(c echo.Context, col collection) (map[string]any, error) {
	spatial := func(bd orb.Bound) map[string]any {
		return map[string]any{"bbox": [][]float64{{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]}}, "crs": CRS84}
	}
	if col.static != nil {
		var bd orb.Bound
		for i, f := range col.static(s) {
			if i == 0 {
				bd = f.Geometry.Bound()
			} else {
				bd = bd.Union(f.Geometry.Bound())
			}
		}
		return map[string]any{"spatial": spatial(bd)}, nil
	}
	e, err := s.cfg.Store.Extent(c.Request().Context())
	if err != nil || e == nil {
		return nil, err
	}
	// Event dates are days: the interval runs from the first one's start to
	// the last one's end.
	interval := []string{e.First + "T00:00:00Z", e.Last + "T23:59:59Z"}
	return map[string]any{
		"spatial":  spatial(e.BBox),
		"temporal": map[string]any{"interval": [][]string{interval}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
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

// ogcQueryables answers with the JSON Schema of what a collection's items
// can be filtered by besides bbox and datetime: for incidents, the incident
// filters (incident.FilterParams) OGC has no parameter of its own for; the
// reference layers have none.
func (s *Server) ogcQueryables(c echo.Context) error {
	col, err := findCollection(c.Param("cid"))
	if err != nil {
		return err
	}
	props := map[string]any{}
	if col.static == nil {
		for _, p := range incident.FilterParams {
			if isQueryable(p) {
				sc := filterSchema(p, false)
				sc["description"] = p.Description
				props[p.Name] = sc
			}
		}
	}
	doc := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ogcBase(c) + "/collections/" + col.ID + "/queryables",
		"type": "object", "title": col.Title, "properties": props,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
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
	if err == nil && start != "" && end != "" && end < start {
		return "", "", incident.FieldErrorf("datetime", "the interval ends (%s) before it starts (%s)", end, start)
	}
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
	q, err := ogcItemsQuery(c.QueryParams(), col)
	if err != nil {
		return err
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
		f, err := incident.ParseFilter(q, s.cfg.Areas)
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
			return nil, 0, nil, incident.FieldErrorf(k, "unknown parameter; %s takes bbox, datetime, limit and offset", col.ID)
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
	return append(slices.Clone(s.nigerZoneFeatures()), s.drawnZoneFeatures()...)
}

func (s *Server) placeFeatures() []*geojson.Feature {
	var out []*geojson.Feature
	for i, p := range s.cfg.Geo.Places.Towns() {
		f := geojson.NewFeature(p.Point)
		f.ID = strconv.Itoa(i + 1)
		f.Properties = geojson.Properties{"name": p.Name, "kind": p.Kind, "variants": strings.Join(p.Variants, "; "), "region": p.Region, "country": p.Country, "source": p.Source}
		out = append(out, f)
	}
	return out
}
