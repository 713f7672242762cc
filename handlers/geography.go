package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"
)

func (s *Server) reverse(c echo.Context) error {
	lon, err := floatParam(c, "lon", -180, 180)
	if err != nil {
		return err
	}
	lat, err := floatParam(c, "lat", -90, 90)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.cfg.Geo.Reverse(lon, lat))
}

func floatParam(c echo.Context, name string, lo, hi float64) (float64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return 0, incident.FieldErrorf(name, "required: a number from %v to %v", lo, hi)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v {
		return 0, incident.FieldErrorf(name, "%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, incident.FieldErrorf(name, "%v is out of range %v..%v", v, lo, hi)
	}
	return v, nil
}

// geocode answers with the candidates for q, best first; text that cannot be
// placed is a 422 whose detail says why.
func (s *Server) geocode(c echo.Context) error {
	q := c.QueryParam("q")
	if strings.TrimSpace(q) == "" {
		return incident.FieldErrorf("q", "required: a place phrase such as \"near Ayorou\" or \"western Tahoua region near the Mali border\"")
	}
	if len(q) > 500 {
		return incident.FieldErrorf("q", "is %d bytes; at most 500", len(q))
	}
	cs, reason := s.cfg.Geo.Geocode(q)
	if len(cs) == 0 {
		return &incident.Error{Code: incident.EUNPROCESSABLE, Field: "q", Message: reason}
	}
	return c.JSON(http.StatusOK, cs)
}

func (s *Server) regions(c echo.Context) error {
	country := strings.ToUpper(c.QueryParam("country"))
	if country == "" {
		country = geo.Niger
	}
	if _, ok := geo.CountryNames[country]; !ok && country != "ALL" {
		return incident.FieldErrorf("country", "%q: use an ISO3 code of Niger or a neighbour (NER, MLI, BFA, BEN, NGA, TCD, LBY, DZA) or all", c.QueryParam("country"))
	}
	fc := geojson.NewFeatureCollection()
	for _, r := range s.cfg.Geo.Regions {
		if country != "ALL" && r.Country != country {
			continue
		}
		f := geojson.NewFeature(r.Geometry)
		f.ID = r.Code
		f.Properties = geojson.Properties{"code": r.Code, "name": r.Name, "name_fr": r.NameFR, "country": r.Country, "label": []float64{r.Label[0], r.Label[1]}}
		fc.Append(f)
	}
	return writeGeoJSON(c, fc)
}

func (s *Server) borders(c echo.Context) error {
	fc := geojson.NewFeatureCollection()
	for _, b := range s.cfg.Geo.Borders {
		var f *geojson.Feature
		if len(b.Geometry) == 1 {
			f = geojson.NewFeature(b.Geometry[0])
		} else {
			f = geojson.NewFeature(b.Geometry)
		}
		f.ID = b.Country
		f.Properties = geojson.Properties{"country": b.Country, "countries": []string{geo.Niger, b.Country}, "name": b.Name, "neighbour": geo.CountryNames[b.Country], "length_km": b.LengthKM}
		fc.Append(f)
	}
	return writeGeoJSON(c, fc)
}

func (s *Server) zones(c echo.Context) error {
	return c.Blob(http.StatusOK, MIMEGeoJSON, s.zonesGeoJSON())
}

// zonesGeoJSON draws the zones once: border zone outlines take a moment.
func (s *Server) zonesGeoJSON() []byte {
	s.zonesOnce.Do(func() {
		fc := geojson.NewFeatureCollection()
		for _, z := range s.cfg.Geo.Zones {
			f := geojson.NewFeature(s.cfg.Geo.ZoneGeometry(z))
			f.ID = z.Name
			props := geojson.Properties{"name": z.Name, "width_km": z.WidthKM}
			if z.Border != "" {
				props["kind"] = "border"
				props["border"] = z.Border
				props["description"] = "inside Niger, within " + strconv.FormatFloat(z.WidthKM, 'f', -1, 64) + " km of the border with " + geo.CountryNames[z.Border]
			} else {
				props["kind"] = "tripoint"
				props["countries"] = z.Countries
				props["center"] = []float64{z.Center[0], z.Center[1]}
				props["description"] = "within " + strconv.FormatFloat(z.WidthKM, 'f', -1, 64) + " km of the " + strings.Join(z.Countries, "–") + " tripoint"
			}
			f.Properties = props
			fc.Append(f)
		}
		s.zonesJSON, _ = fc.MarshalJSON()
	})
	return s.zonesJSON
}

func writeGeoJSON(c echo.Context, fc *geojson.FeatureCollection) error {
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEGeoJSON, b)
}

func (s *Server) typology(c echo.Context) error {
	type et struct {
		EventType     string   `json:"event_type"`
		SubEventTypes []string `json:"sub_event_types"`
	}
	out := []et{}
	for _, t := range incident.EventTypes {
		out = append(out, et{t.Name, t.SubEvents})
	}
	return c.JSON(http.StatusOK, out)
}
