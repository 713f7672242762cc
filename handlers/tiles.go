package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// MIMEMVT is the Mapbox Vector Tile media type.
const MIMEMVT = "application/vnd.mapbox-vector-tile"

// maxTileFeatures caps one tile: past it the newest incidents are kept, and
// the X-Tile-Truncated header says so.
const maxTileFeatures = 50000

// incidentTile serves /tiles/incidents/{z}/{x}/{y}.mvt: the incidents in the
// tile as a vector tile layer "incidents", honouring the incident filters.
func (s *Server) incidentTile(c echo.Context) error {
	z, err1 := strconv.Atoi(c.Param("z"))
	x, err2 := strconv.Atoi(c.Param("x"))
	ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	y, err3 := strconv.Atoi(ys)
	if !ok || err1 != nil || err2 != nil || err3 != nil || z < 0 || z > 22 {
		return incident.Errorf(incident.EINVALID, "tile %s/%s/%s: want /tiles/incidents/{z}/{x}/{y}.mvt with whole numbers, z from 0 to 22", c.Param("z"), c.Param("x"), c.Param("y"))
	}
	if n := 1 << z; x < 0 || y < 0 || x >= n || y >= n {
		return incident.Errorf(incident.EINVALID, "tile %d/%d/%d does not exist: at zoom %d, x and y run from 0 to %d", z, x, y, z, (1<<z)-1)
	}
	f, err := s.countFilter(c, "tiles", "bbox", "f")
	if err != nil {
		return err
	}
	tile := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	b := tile.Bound()
	f.BBox = &b
	f.Limit = maxTileFeatures
	fc := geojson.NewFeatureCollection()
	err = s.cfg.Store.Each(c.Request().Context(), f, func(in *incident.Incident) error {
		if len(fc.Features) >= maxTileFeatures {
			return errStop
		}
		ft := geojson.NewFeature(orb.Point{in.Lon, in.Lat})
		ft.ID = in.ID
		props := geojson.Properties{"id": in.ID, "event_date": in.EventDate, "event_type": in.EventType, "sub_event_type": in.SubEventType,
			"fatalities": in.Fatalities, "geo_precision": in.GeoPrecision}
		if in.Region != nil {
			props["region_code"] = in.Region.Code
		}
		ft.Properties = props
		fc.Append(ft)
		return nil
	})
	if err != nil && err != errStop {
		return err
	}
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"incidents": fc})
	layers.ProjectToTile(tile)
	layers.Clip(mvt.MapboxGLDefaultExtentBound)
	data, err := mvt.Marshal(layers)
	if err != nil {
		return err
	}
	if len(fc.Features) >= maxTileFeatures {
		c.Response().Header().Set("X-Tile-Truncated", strconv.Itoa(maxTileFeatures))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, MIMEMVT, data)
}
