package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// Zones editors draw and sites: named geometries the incident filters
// refer to (zone=, near_site=), stored, and kept in Config.Areas so that
// filters resolve them without a query.

// bodyLimitArea: 100,000 positions written out in full
// ([-12.123456789012345,13.123456789012345]) are about 4 MB. A bigger
// body is cut at this many bytes; one of more positions is refused as
// soon as the 100,001st is read (incident.ReadAreaFeature).
const bodyLimitArea = 16 << 20

const zoneAdvice = `a zone is a GeoJSON Feature, {"type":"Feature","properties":{"name":"Torodi corridor"},"geometry":{"type":"Polygon","coordinates":[[[1.5,13],[2.2,13],[2.2,13.5],[1.5,13.5],[1.5,13]]]}}, of at most 100,000 positions`

const siteAdvice = `a site is a GeoJSON Feature, {"type":"Feature","properties":{"name":"Torodi base"},"geometry":{"type":"Point","coordinates":[1.8,13.1]}} (a LineString for a road, a Polygon for a camp), of at most 100,000 positions`

func (s *Server) areaStore() (incident.AreaStore, error) {
	if s.cfg.AreaStore == nil {
		return nil, s.notYet("drawn zones and sites are")
	}
	return s.cfg.AreaStore, nil
}

// areasChanged has the watches parse their filters again: a zone or site
// they name was changed.
func (s *Server) areasChanged(ctx context.Context) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	return s.cfg.Notifier.Reload(ctx)
}

// usedByWatch refuses to remove a zone or site a watch's filter names:
// the watch would hear nothing from then on, silently.
func (s *Server) usedByWatch(ctx context.Context, param string, names func(string) bool) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	ws, err := s.cfg.Notifier.Store.Watches(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		q, _ := url.ParseQuery(w.Query)
		for _, v := range q[param] {
			for _, n := range strings.Split(v, ",") {
				if names(strings.TrimSpace(n)) {
					return incident.Errorf(incident.ECONFLICT, "watch %q (%s) filters by it with %s=; change or delete the watch first", w.Name, w.ID, param)
				}
			}
		}
	}
	return nil
}

// createZone is POST /api/v1/zones.
func (s *Server) createZone(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	z, err := s.readZone(c, "")
	if err != nil {
		return err
	}
	z.Owner = caller(c).ID
	z.CreatedAt = time.Now().UTC()
	z.UpdatedAt = z.CreatedAt
	if err := st.CreateZone(c.Request().Context(), z); err != nil {
		return err
	}
	s.cfg.Areas.PutZone(z)
	c.Response().Header().Set(echo.HeaderLocation, baseURL(c)+"/api/v1/zones/"+z.ID)
	return writeGeoFeature(c, http.StatusCreated, s.zoneFeature(z))
}

// readZone reads a zone from the body and checks its name is no other
// zone's. id is the zone being replaced; "" for a new one, whose id is the
// Feature's or a new one.
func (s *Server) readZone(c echo.Context, id string) (*incident.Zone, error) {
	af, err := incident.ReadAreaFeature(c.Request().Body)
	if err != nil {
		return nil, err
	}
	mp, err := incident.ZoneGeometry(af.Geometry)
	if err != nil {
		return nil, err
	}
	if other, ok := s.cfg.Areas.ZoneNamed(af.Name); ok && other.ID != id {
		return nil, &incident.Error{Code: incident.ECONFLICT, Field: "name", Message: "zone " + strconv.Quote(other.ID) + " is named " + strconv.Quote(other.Name) + "; zone= finds a zone by name, so give this one another"}
	}
	if id == "" {
		if id, err = s.newAreaID(af, "zone-"); err != nil {
			return nil, err
		}
	}
	return incident.NewDrawnZone(id, af.Name, mp), nil
}

// newAreaID is the id of a new zone or site: the Feature's, unless a zone
// or site has it, or a new one.
func (s *Server) newAreaID(af *incident.AreaFeature, prefix string) (string, error) {
	if af.ID == "" {
		return prefix + incident.NewID()[4:], nil
	}
	_, zone := s.cfg.Areas.ZoneNamed(af.ID)
	_, site := s.cfg.Areas.SiteByID(af.ID)
	if zone || site {
		return "", &incident.Error{Code: incident.ECONFLICT, Field: "id", Message: "a zone or site has id " + strconv.Quote(af.ID) + "; give another, or leave id out for one to be made"}
	}
	return af.ID, nil
}

// getZone is GET /api/v1/zones/:id: a zone by id or name.
func (s *Server) getZone(c echo.Context) error {
	z, ok := s.cfg.Areas.ZoneNamed(c.Param("id"))
	if !ok {
		return incident.Errorf(incident.ENOTFOUND, "no zone %q; /api/v1/zones lists them", c.Param("id"))
	}
	return writeGeoFeature(c, http.StatusOK, s.zoneFeature(z))
}

// drawnZone is the drawn zone of the path's id (or name).
func (s *Server) drawnZone(c echo.Context) (*incident.Zone, error) {
	z, ok := s.cfg.Areas.ZoneNamed(c.Param("id"))
	if !ok {
		return nil, incident.Errorf(incident.ENOTFOUND, "no zone %q; /api/v1/zones lists them", c.Param("id"))
	}
	if !z.Drawn() {
		return nil, incident.Errorf(incident.EFORBIDDEN, "%q is one of the geography's zones, which cannot be changed; draw a zone of your own (POST /api/v1/zones)", z.Name)
	}
	return z, nil
}

// replaceZone is PUT /api/v1/zones/:id: a new name and area.
func (s *Server) replaceZone(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	old, err := s.drawnZone(c)
	if err != nil {
		return err
	}
	z, err := s.readZone(c, old.ID)
	if err != nil {
		return err
	}
	z.Owner, z.CreatedAt, z.UpdatedAt = old.Owner, old.CreatedAt, time.Now().UTC()
	if z.Name != old.Name {
		if err := s.usedByWatch(c.Request().Context(), "zone", func(n string) bool { return geo.ZoneID(n) == geo.ZoneID(old.Name) }); err != nil {
			return err
		}
	}
	if err := st.ReplaceZone(c.Request().Context(), z); err != nil {
		return err
	}
	s.cfg.Areas.PutZone(z)
	if err := s.areasChanged(c.Request().Context()); err != nil {
		return err
	}
	return writeGeoFeature(c, http.StatusOK, s.zoneFeature(z))
}

// deleteZone is DELETE /api/v1/zones/:id.
func (s *Server) deleteZone(c echo.Context) error {
	st, err := s.areaStore()
	if err != nil {
		return err
	}
	z, err := s.drawnZone(c)
	if err != nil {
		return err
	}
	if err := s.usedByWatch(c.Request().Context(), "zone", func(n string) bool {
		found, ok := s.cfg.Areas.ZoneNamed(n)
		return ok && found == z
	}); err != nil {
		return err
	}
	if err := st.DeleteZone(c.Request().Context(), z.ID); err != nil {
		return err
	}
	s.cfg.Areas.RemoveZone(z.ID)
	return c.NoContent(http.StatusNoContent)
}

// zoneFeature is a zone as the API shows it: a drawn zone's area, a
// built-in zone's outline (membership is by exact distance).
func (s *Server) zoneFeature(z *incident.Zone) *geojson.Feature {
	if z.Drawn() {
		f := geojson.NewFeature(z.Geometry)
		f.ID = z.ID
		f.Properties = geojson.Properties{"id": z.ID, "name": z.Name, "kind": "drawn", "owner": z.Owner,
			"created_at": z.CreatedAt.Format(time.RFC3339Nano), "updated_at": z.UpdatedAt.Format(time.RFC3339Nano),
			"description": "drawn by an editor: the incidents inside it"}
		return f
	}
	gz, _ := s.cfg.Geo.Zone(z.Name)
	return s.builtinZoneFeature(gz)
}

// drawnZoneFeatures are the drawn zones, oldest first.
func (s *Server) drawnZoneFeatures() []*geojson.Feature {
	var out []*geojson.Feature
	for _, z := range s.cfg.Areas.DrawnZones() {
		out = append(out, s.zoneFeature(z))
	}
	return out
}

func writeGeoFeature(c echo.Context, status int, f *geojson.Feature) error {
	b, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(status, MIMEGeoJSON, b)
}

// newAreas is the Areas of a Config that gave none: the geography with
// the zones and sites of the store, when it keeps them.
func newAreas(cfg *Config) {
	if cfg.AreaStore == nil {
		cfg.AreaStore, _ = cfg.Store.(incident.AreaStore)
	}
	if cfg.Areas != nil || cfg.Geo == nil {
		return
	}
	cfg.Areas = geo.NewAreas(cfg.Geo)
	if cfg.AreaStore != nil {
		if err := cfg.Areas.Load(context.Background(), cfg.AreaStore); err != nil {
			cfg.Logger.Error("zones and sites not loaded", "err", err)
		}
	}
}
