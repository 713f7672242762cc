package handlers

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// ogcDocument is the OpenAPI 3.0 definition of the OGC API (OGC API –
// Features Part 1 has a conformance class for OpenAPI 3.0, not 3.1),
// without its servers, which depend on the request.
var ogcDocument = sync.OnceValues(func() (map[string]any, error) {
	doc, err := readDocument("openapi/ogc.json")
	if err != nil {
		return nil, err
	}
	var all, reference []string
	for _, col := range ogcCollections {
		all = append(all, col.ID)
		if col.static != nil {
			reference = append(reference, col.ID)
		}
	}
	params := object(doc, "components", "parameters")
	object(params, "collectionId", "schema")["enum"] = all
	object(params, "referenceCollectionId", "schema")["enum"] = reference
	for _, p := range incident.FilterParams {
		if isQueryable(p) {
			params[p.Name] = filterParameter(p, true)
		}
	}
	return doc, addFilters(doc, true)
})

// ogcAPI serves the OpenAPI 3.0 definition of the OGC API.
func (s *Server) ogcAPI(c echo.Context) error {
	doc, err := ogcDocument()
	if err != nil {
		return err
	}
	out := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	out["servers"] = []any{map[string]any{"url": ogcBase(c)}}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEOpenAPI, b)
}

// isQueryable says whether a filter parameter is one of the incidents'
// queryables: not paging, and not one OGC has a parameter of its own for
// (bbox, datetime).
func isQueryable(p incident.FilterParam) bool { return !p.Paging && p.OGC == "" }

func queryableNames() []string {
	var out []string
	for _, p := range incident.FilterParams {
		if isQueryable(p) {
			out = append(out, p.Name)
		}
	}
	return out
}
