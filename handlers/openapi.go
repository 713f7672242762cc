package handlers

import (
	"sort"

	"github.com/labstack/echo/v4"
)

// ogcAPI serves the OpenAPI 3.0 definition of the OGC API.
func (s *Server) ogcAPI(c echo.Context) error {
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/parameters/" + name} }
	jsonResp := func(desc string, types ...string) map[string]any {
		content := map[string]any{}
		for _, t := range types {
			content[t] = map[string]any{"schema": map[string]any{"type": "object"}}
		}
		return map[string]any{"description": desc, "content": content}
	}
	problem := map[string]any{"description": "what to fix, as RFC 7807 problem details", "content": map[string]any{MIMEProblem: map[string]any{"schema": map[string]any{"type": "object"}}}}
	op := func(id, summary string, params []any, resp map[string]any) map[string]any {
		return map[string]any{"get": map[string]any{"operationId": id, "summary": summary, "parameters": params,
			"responses": map[string]any{"200": resp, "400": problem, "404": problem}}}
	}
	var qnames []string
	for k := range queryables {
		qnames = append(qnames, k)
	}
	sort.Strings(qnames)
	itemParams := []any{ref("collectionId"), ref("f"), ref("bbox"), ref("datetime"), ref("limit"),
		map[string]any{"name": "cursor", "in": "query", "required": false, "schema": map[string]any{"type": "string"}, "description": "incidents: position of the next page (from the next link)"},
		map[string]any{"name": "offset", "in": "query", "required": false, "schema": map[string]any{"type": "integer", "minimum": 0}, "description": "reference layers: features to skip (from the next link)"}}
	params := map[string]any{
		"collectionId": map[string]any{"name": "collectionId", "in": "path", "required": true, "schema": map[string]any{"type": "string", "enum": []string{"incidents", "regions", "borders", "zones", "places"}}},
		"featureId":    map[string]any{"name": "featureId", "in": "path", "required": true, "schema": map[string]any{"type": "string"}},
		"f":            map[string]any{"name": "f", "in": "query", "required": false, "schema": map[string]any{"type": "string", "enum": []string{"json", "html"}}},
		"bbox": map[string]any{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
			"schema": map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}},
		"datetime": map[string]any{"name": "datetime", "in": "query", "required": false, "schema": map[string]any{"type": "string"}, "description": "an instant (2023-10-02) or interval (2023-07-01/.., ../2023-09-30)"},
		"limit":    map[string]any{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false, "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}},
	}
	for _, k := range qnames {
		q := queryables[k]
		params[k] = map[string]any{"name": k, "in": "query", "required": false, "schema": q, "description": q["description"]}
		itemParams = append(itemParams, ref(k))
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "incidentmap OGC API – Features", "version": "1.0.0",
			"description": "Security incidents in Niger and its border areas, with ACLED's field names, and the reference geography they are measured against.",
			"license":     map[string]any{"name": "Data: see /api/v1 and data/README.md"}},
		"servers": []any{map[string]any{"url": ogcBase(c)}},
		"paths": map[string]any{
			"/":                                 op("getLandingPage", "Landing page", []any{ref("f")}, jsonResp("links to the API", MIMEJSON, MIMEHTML)),
			"/conformance":                      op("getConformance", "Conformance classes", []any{ref("f")}, jsonResp("conformance classes", MIMEJSON, MIMEHTML)),
			"/collections":                      op("getCollections", "Collections", []any{ref("f")}, jsonResp("the collections", MIMEJSON, MIMEHTML)),
			"/collections/{collectionId}":       op("describeCollection", "One collection", []any{ref("collectionId"), ref("f")}, jsonResp("the collection", MIMEJSON, MIMEHTML)),
			"/collections/{collectionId}/items": op("getFeatures", "Features, paged", itemParams, jsonResp("a page of features", MIMEGeoJSON, MIMEHTML)),
			"/collections/{collectionId}/items/{featureId}": op("getFeature", "One feature", []any{ref("collectionId"), ref("featureId"), ref("f")}, jsonResp("the feature", MIMEGeoJSON, MIMEHTML)),
			"/collections/{collectionId}/queryables":        op("getQueryables", "Queryable properties", []any{ref("collectionId")}, jsonResp("JSON Schema of the queryables", "application/schema+json")),
		},
		"components": map[string]any{"parameters": params},
	}
	return c.JSON(200, doc)
}
