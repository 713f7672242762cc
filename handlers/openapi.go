package handlers

import (
	"embed"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// MIMEOpenAPI31 is the media type of the API's OpenAPI 3.1 document.
const MIMEOpenAPI31 = "application/vnd.oai.openapi+json;version=3.1"

// The OpenAPI documents are written by hand as JSON, except for what has
// its one source in code, which is filled in when they are first served:
// the incident filter parameters (incident.FilterParams), the download
// formats (formats) and the OGC collections (ogcCollections). An operation marked "x-incident-filters"
// gets the filters: "all" of them, the "filters" without the paging ones,
// the "live" filters (those without updated_since), or the OGC "queryables".
//
//go:embed openapi/*.json
var openapiFiles embed.FS

// apiDocument is the OpenAPI 3.1 document of /api/v1, built once.
var apiDocument = sync.OnceValues(func() ([]byte, error) {
	doc, err := readDocument("openapi/api.json")
	if err != nil {
		return nil, err
	}
	params := object(doc, "components", "parameters")
	for _, p := range incident.FilterParams {
		params[p.Name] = filterParameter(p, false)
	}
	var names []string
	for _, ft := range formats {
		names = append(names, ft.F)
	}
	params["f"] = map[string]any{"name": "f", "in": "query",
		"description": "download every incident the filters select (up to limit when given) in this format, as an attachment",
		"schema":      map[string]any{"type": "string", "enum": names}}
	content := object(doc, "paths", "/api/v1/incidents", "get", "responses", "200", "content")
	for _, ft := range formats {
		mt, _, err := mime.ParseMediaType(ft.Type)
		if err != nil {
			return nil, err
		}
		if _, ok := content[mt]; !ok {
			content[mt] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": mt, "description": ft.Title + " (f=" + ft.F + ")"}}
		}
	}
	if err := addFilters(doc, false); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

// openAPI serves the API's OpenAPI 3.1 document.
func (s *Server) openAPI(c echo.Context) error {
	b, err := apiDocument()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEOpenAPI31, b)
}

func readDocument(name string) (map[string]any, error) {
	raw, err := openapiFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}

// object returns the object at path in a decoded JSON document, creating
// the missing ones.
func object(doc map[string]any, path ...string) map[string]any {
	for _, k := range path {
		next, ok := doc[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[k] = next
		}
		doc = next
	}
	return doc
}

// addFilters gives each operation marked x-incident-filters a reference to
// every filter parameter it takes (components/parameters has them).
func addFilters(doc map[string]any, oas30 bool) error {
	for _, item := range object(doc, "paths") {
		for _, v := range item.(map[string]any) {
			op, ok := v.(map[string]any)
			if !ok {
				continue
			}
			which, ok := op["x-incident-filters"]
			if !ok {
				continue
			}
			delete(op, "x-incident-filters")
			var names []string
			switch which {
			case "all":
				names = incident.FilterParamNames(true)
			case "filters":
				names = incident.FilterParamNames(false)
			case "live":
				// Counts of what is stored now: no deletion markers, so
				// no updated_since.
				for _, n := range incident.FilterParamNames(false) {
					if n != "updated_since" {
						names = append(names, n)
					}
				}
			case "queryables":
				names = queryableNames()
			default:
				return fmt.Errorf("x-incident-filters: %v is not all, filters, live or queryables", which)
			}
			params, _ := op["parameters"].([]any)
			for _, n := range names {
				params = append(params, map[string]any{"$ref": "#/components/parameters/" + n})
			}
			op["parameters"] = params
		}
	}
	return nil
}

// filterParameter is the OpenAPI Parameter Object of a filter parameter.
func filterParameter(p incident.FilterParam, oas30 bool) map[string]any {
	desc := p.Description
	if p.Needs != "" {
		desc += "; needs " + p.Needs
	}
	param := map[string]any{"name": p.Name, "in": "query", "description": desc, "schema": filterSchema(p, oas30)}
	if p.List {
		param["style"], param["explode"] = "form", false
	}
	if p.Needs != "" {
		param["x-needs"] = p.Needs
	}
	if p.CaseInsensitive {
		param["description"] = desc + " (in any case)"
		param["x-case-insensitive"] = true
	}
	return param
}

// filterSchema is the JSON Schema of a filter parameter's value: the
// dialect of OpenAPI 3.1 (JSON Schema 2020-12, also what OGC queryables
// use), or OpenAPI 3.0's.
func filterSchema(p incident.FilterParam, oas30 bool) map[string]any {
	item := map[string]any{"type": p.Type}
	if p.Format != "" {
		item["format"] = p.Format
	}
	if len(p.Enum) > 0 {
		item["enum"] = p.Enum
	}
	if p.Minimum != nil {
		switch {
		case p.ExclusiveMinimum && oas30:
			item["minimum"], item["exclusiveMinimum"] = *p.Minimum, true
		case p.ExclusiveMinimum:
			item["exclusiveMinimum"] = *p.Minimum
		default:
			item["minimum"] = *p.Minimum
		}
	}
	if p.Maximum != nil {
		item["maximum"] = *p.Maximum
	}
	if p.MaxLength > 0 {
		item["maxLength"] = p.MaxLength
	}
	schema := item
	if p.List {
		schema = map[string]any{"type": "array", "items": item, "minItems": max(1, p.MinItems)}
		if p.MaxItems > 0 {
			schema["maxItems"] = p.MaxItems
		}
		if p.LonLat && !oas30 {
			var prefix []any
			for i := 0; i < p.MaxItems; i++ {
				lim := 180.0
				if i%2 == 1 {
					lim = 90
				}
				prefix = append(prefix, map[string]any{"type": "number", "minimum": -lim, "maximum": lim})
			}
			schema["prefixItems"] = prefix
		}
	}
	if p.Default != nil {
		schema["default"] = p.Default
	}
	var examples []any
	for _, e := range p.Examples {
		examples = append(examples, typedValue(p, e))
	}
	switch {
	case len(examples) == 0:
	case oas30:
		schema["example"] = examples[0]
	default:
		schema["examples"] = examples
	}
	return schema
}

// typedValue is a value of a filter parameter, as written in a URL, in its
// JSON type.
func typedValue(p incident.FilterParam, s string) any {
	one := func(s string) any {
		switch p.Type {
		case "number":
			v, _ := strconv.ParseFloat(s, 64)
			return v
		case "integer":
			v, _ := strconv.Atoi(s)
			return v
		}
		return s
	}
	if !p.List {
		return one(s)
	}
	var out []any
	for _, part := range strings.Split(s, ",") {
		out = append(out, one(part))
	}
	return out
}
