package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

// PlaceStore keeps the places users add to the gazetteer; the SQLite store
// is one.
type PlaceStore interface {
	// AddPlaces stores all or none, and returns them with their ids.
	AddPlaces(ctx context.Context, ps []geo.Place) ([]geo.Place, error)
	// Places lists the added places, of one source when source is set.
	Places(ctx context.Context, source string) ([]geo.Place, error)
	// DeletePlace removes one; ENOTFOUND if there is none.
	DeletePlace(ctx context.Context, id int64) error
}

// SourceAPI marks places added through POST /api/v1/places.
const SourceAPI = "api"

// maxPlaceMatches bounds GET /api/v1/places?q=: a name shared by more
// places than that needs a country or region to tell them apart.
const maxPlaceMatches = 100

// listPlaces is GET /api/v1/places: with q=NAME, the gazetteer's places of
// that name (embedded and added, spelled any way the geocoder folds
// together, up to 100); without, the places users added (source= keeps
// one source: api, learned, or an imported file's name). GeoJSON.
func (s *Server) listPlaces(c echo.Context) error {
	var ps []geo.Place
	if q := c.QueryParam("q"); q != "" {
		if len(q) > 200 {
			return incident.FieldErrorf("q", "is %d bytes; a place name is at most 200", len(q))
		}
		ps = s.cfg.Geo.Places.Lookup(q)
		if len(ps) > maxPlaceMatches {
			ps = ps[:maxPlaceMatches]
		}
	} else if s.cfg.Places != nil {
		var err error
		if ps, err = s.cfg.Places.Places(c.Request().Context(), c.QueryParam("source")); err != nil {
			return err
		}
	}
	return writePlaces(c, http.StatusOK, ps)
}

// addPlaces is POST /api/v1/places: the body is places in any format
// `incidentmap places import` reads (GeoJSON Points with name and optional
// variants and kind; CSV name,lat,lon; a GeoNames dump). All are stored
// or none, and the geocoder uses them at once.
func (s *Server) addPlaces(c echo.Context) error {
	if s.cfg.Places == nil {
		return s.notYet("added places are")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	ps, err := geo.ReadPlaces(bytes.NewReader(body))
	if err != nil {
		return incident.FieldErrorf("body", "%s", err.Error())
	}
	for i := range ps {
		ps[i].Source = SourceAPI
	}
	added, err := s.cfg.Places.AddPlaces(c.Request().Context(), ps)
	if err != nil {
		return err
	}
	for i, p := range added {
		if added[i], err = s.cfg.Geo.Places.Add(p); err != nil {
			return err
		}
	}
	return writePlaces(c, http.StatusCreated, added)
}

// deletePlace is DELETE /api/v1/places/:id, for added places.
func (s *Server) deletePlace(c echo.Context) error {
	if s.cfg.Places == nil {
		return s.notYet("added places are")
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return incident.FieldErrorf("id", "%q is not a place id (a positive integer, as GET /api/v1/places lists)", c.Param("id"))
	}
	if err := s.cfg.Places.DeletePlace(c.Request().Context(), id); err != nil {
		return err
	}
	s.cfg.Geo.Places.Remove(id)
	return c.NoContent(http.StatusNoContent)
}

func writePlaces(c echo.Context, status int, ps []geo.Place) error {
	fc := geojson.NewFeatureCollection()
	for _, p := range ps {
		f := geojson.NewFeature(p.Point)
		if p.ID > 0 {
			f.ID = p.ID
		}
		f.Properties = geojson.Properties{"name": p.Name, "variants": nonNilStrings(p.Variants), "kind": p.Kind, "region": p.Region, "country": p.Country, "source": p.Source}
		fc.Append(f)
	}
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(status, MIMEGeoJSON, b)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
