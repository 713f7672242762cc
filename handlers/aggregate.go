package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
)

// aggregateResponse is the body of GET /api/v1/aggregate.
type aggregateResponse struct {
	Zoom          int                  `json:"zoom"`
	Level         int                  `json:"level"`
	NumberMatched int                  `json:"numberMatched"`
	Cells         []incident.CellCount `json:"cells"`
}

// levelForZoom is the s2 level whose cells are about 50 px across on a web
// map at that zoom (a level-L cell is about 7,800/2^L km; at zoom 6 a pixel
// at Niger's latitude is about 2.4 km, so level 6 cells are about 50 px).
// Below level 2 the cells are bigger than a continent and say nothing.
func levelForZoom(zoom int) int {
	return max(2, min(zoom, incident.MaxAggregateLevel))
}

// aggregate answers GET /api/v1/aggregate?<filters>&zoom=Z: what the filters
// select, counted per s2 cell of the level for that zoom, so a map draws
// every match (not the newest page) at any zoom. The cells' counts add up to
// numberMatched, which equals /api/v1/incidents' for the same filters. A map
// passes its view as bbox. Heavy (isHeavyAggregate) unless the store adds
// up counts it keeps for it, or it has a box no bigger than a map's view or
// a month: a filter may group every incident (3.6 s at 1M for region=NE-6
// on SQLite, which adds up counts it keeps for event types alone: 0.2 s
// for five of six).
func (s *Server) aggregate(c echo.Context) error {
	ag, ok := s.cfg.Store.(incident.Aggregator)
	if !ok {
		return incident.Errorf(incident.EINTERNAL, "this store cannot count incidents per cell")
	}
	zoom, f, err := s.aggregateQuery(c.QueryParams())
	if err != nil {
		return err
	}
	level := levelForZoom(zoom)
	cells, err := ag.Aggregate(c.Request().Context(), f, level)
	if err != nil {
		return err
	}
	out := aggregateResponse{Zoom: zoom, Level: level, Cells: cells}
	if out.Cells == nil {
		out.Cells = []incident.CellCount{}
	}
	for _, cc := range cells {
		out.NumberMatched += cc.Incidents
	}
	return c.JSON(http.StatusOK, out)
}

// aggregateQuery reads the query of GET /api/v1/aggregate: the map's zoom
// and the incident filters. The heavy gate reads it too (isHeavyAggregate).
func (s *Server) aggregateQuery(q url.Values) (int, incident.Filter, error) {
	zs := q.Get("zoom")
	if zs == "" {
		return 0, incident.Filter{}, incident.FieldErrorf("zoom", "required: the map's zoom, a whole number from 0 to 22")
	}
	zoom, err := strconv.Atoi(zs)
	if err != nil || zoom < 0 || zoom > 22 {
		return 0, incident.Filter{}, incident.FieldErrorf("zoom", "%q: want a whole number from 0 to 22", zs)
	}
	for _, k := range []string{"limit", "cursor", "f"} {
		if q.Has(k) {
			return 0, incident.Filter{}, incident.FieldErrorf(k, "counts per cell take the incident filters but not %s", k)
		}
	}
	rest := make(url.Values, len(q))
	for k, v := range q {
		if k != "zoom" {
			rest[k] = v
		}
	}
	f, err := incident.ParseFilter(rest, s.cfg.Areas)
	return zoom, f, err
}
