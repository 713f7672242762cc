package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	v, ok := incident.ParseNumber(s)
	if !ok {
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
	if n := utf8.RuneCountInString(q); n > 500 {
		return incident.FieldErrorf("q", "is %d characters; at most 500", n)
	}
	// country, admin1 and admin2, as a report gives them beside the
	// place name, pick among places of one name.
	hint := incident.PlaceHint{Country: c.QueryParam("country"), Admin1: c.QueryParam("admin1"), Admin2: c.QueryParam("admin2")}
	for name, v := range map[string]string{"country": hint.Country, "admin1": hint.Admin1, "admin2": hint.Admin2} {
		if len(v) > 200 {
			return incident.FieldErrorf(name, "is %d bytes; at most 200", len(v))
		}
	}
	cs, reason := s.cfg.Geo.GeocodeHint(q, hint)
	if len(cs) == 0 {
		return &incident.Error{Code: incident.EUNPROCESSABLE, Field: "q", Message: reason}
	}
	return c.JSON(http.StatusOK, cs)
}

// maxCountries bounds one regions request: the world's 4,215 admin-1 units
// are about 40 MB of GeoJSON, too much to send a map at once.
const maxCountries = 20

// countriesParam reads country= (comma-separated ISO3 codes; default
// Niger) and neighbours=true (add the countries bordering those).
func (s *Server) countriesParam(c echo.Context) ([]string, error) {
	if err := refuseEmpty(c, "country", "neighbours"); err != nil {
		return nil, err
	}
	raw := strings.ToUpper(strings.TrimSpace(c.QueryParam("country")))
	if raw == "" {
		raw = geo.Niger
	}
	if raw == "ALL" {
		return nil, incident.FieldErrorf("country", "the whole world (%d admin-1 units) is too much for one answer: ask for up to %d countries by ISO3 code, such as country=NER,MLI, or country=NER&neighbours=true", len(s.cfg.Geo.Regions), maxCountries)
	}
	var out []string
	for _, iso := range strings.Split(raw, ",") {
		iso = strings.TrimSpace(iso)
		if _, ok := s.cfg.Geo.Country(iso); !ok {
			return nil, incident.FieldErrorf("country", "%q is not a country's ISO 3166-1 alpha-3 code (NER, MLI, FRA...)", iso)
		}
		out = append(out, iso)
	}
	if v := c.QueryParam("neighbours"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return nil, incident.FieldErrorf("neighbours", "%q: use true or false", v)
		}
		if on {
			for _, iso := range slices.Clone(out) {
				out = append(out, s.cfg.Geo.Neighbours(iso)...)
			}
			slices.Sort(out)
			out = slices.Compact(out)
		}
	}
	if len(out) > maxCountries {
		return nil, incident.FieldErrorf("country", "%d countries: at most %d at once", len(out), maxCountries)
	}
	return out, nil
}

func (s *Server) regions(c echo.Context) error {
	countries, err := s.countriesParam(c)
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = s.cfg.Geo.RegionFeatures(countries...)
	return writeGeoJSON(c, fc)
}

// borders answers Niger's borders by default, one country's with
// country=XXX, and all of the world's (323, about 6 MB) with country=all.
func (s *Server) borders(c echo.Context) error {
	if err := refuseEmpty(c, "country"); err != nil {
		return err
	}
	var bs []*geo.Border
	switch q := strings.ToUpper(c.QueryParam("country")); q {
	case "ALL":
		bs = s.cfg.Geo.Borders
	case "":
		bs = s.cfg.Geo.BordersOf(geo.Niger)
	default:
		// Several countries (the map asks for those its data covers):
		// each border once, however many of them it touches.
		isos := strings.Split(q, ",")
		if len(isos) > 20 {
			return incident.FieldErrorf("country", "%d countries: at most 20 in one request, or all", len(isos))
		}
		seen := map[*geo.Border]bool{}
		for _, iso := range isos {
			iso = strings.TrimSpace(iso)
			if _, ok := s.cfg.Geo.Country(iso); !ok {
				return incident.FieldErrorf("country", "%q is not a country's ISO 3166-1 alpha-3 code (NER, MLI, FRA...) nor all", iso)
			}
			for _, b := range s.cfg.Geo.BordersOf(iso) {
				if !seen[b] {
					seen[b] = true
					bs = append(bs, b)
				}
			}
		}
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = s.cfg.Geo.BorderFeatures(bs)
	return writeGeoJSON(c, fc)
}

// zones answers the zones touching Niger by default (its border zones and
// the two tri-border areas), or those touching country=XXX, then the zones
// editors drew.
func (s *Server) zones(c echo.Context) error {
	if err := refuseEmpty(c, "country"); err != nil {
		return err
	}
	iso := strings.ToUpper(c.QueryParam("country"))
	drawn := s.drawnZoneFeatures()
	if (iso == "" || iso == geo.Niger) && len(drawn) == 0 {
		return c.Blob(http.StatusOK, MIMEGeoJSON, s.zonesGeoJSON())
	}
	fc := geojson.NewFeatureCollection()
	if iso == "" || iso == geo.Niger {
		fc.Features = append(fc.Features, s.nigerZoneFeatures()...)
	} else {
		if _, ok := s.cfg.Geo.Country(iso); !ok {
			return incident.FieldErrorf("country", "%q is not a country's ISO 3166-1 alpha-3 code (NER, MLI, FRA...)", c.QueryParam("country"))
		}
		fc = s.zoneCollection(iso)
	}
	fc.Features = append(fc.Features, drawn...)
	return writeGeoJSON(c, fc)
}

// zonesGeoJSON draws Niger's zones once: border zone outlines take a moment.
func (s *Server) zonesGeoJSON() []byte {
	s.zonesOnce.Do(func() {
		fc := s.zoneCollection(geo.Niger)
		s.zonesJSON, _ = fc.MarshalJSON()
		s.zonesFeatures = fc.Features
	})
	return s.zonesJSON
}

// nigerZoneFeatures are Niger's zones, drawn once (zonesGeoJSON).
func (s *Server) nigerZoneFeatures() []*geojson.Feature {
	s.zonesGeoJSON()
	return s.zonesFeatures
}

func (s *Server) zoneCollection(iso3 string) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, z := range s.cfg.Geo.ZonesOf(iso3) {
		fc.Append(s.builtinZoneFeature(z))
	}
	return fc
}

// builtinZoneFeature is one of the geography's zones, its outline drawn
// for maps (membership is by exact distance).
func (s *Server) builtinZoneFeature(z *geo.Zone) *geojson.Feature {
	f := geojson.NewFeature(s.cfg.Geo.ZoneGeometry(z))
	f.ID = z.Name
	props := geojson.Properties{"id": geo.ZoneID(z.Name), "name": z.Name, "width_km": z.WidthKM, "countries": z.Countries}
	if z.Border != "" {
		props["kind"] = "border"
		props["border"] = z.Border
		props["description"] = "within " + strconv.FormatFloat(z.WidthKM, 'f', -1, 64) + " km of the " + s.cfg.Geo.CountryName(z.Countries[0]) + "–" + s.cfg.Geo.CountryName(z.Countries[1]) + " border, either side"
	} else {
		props["kind"] = "tripoint"
		props["center"] = []float64{z.Center[0], z.Center[1]}
		props["description"] = "within " + strconv.FormatFloat(z.WidthKM, 'f', -1, 64) + " km of where " + strings.Join(z.Countries, ", ") + " meet"
	}
	f.Properties = props
	return f
}

func writeGeoJSON(c echo.Context, fc *geojson.FeatureCollection) error {
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEGeoJSON, b)
}

// coverager is a store that can say where its incidents are
// (sqlite.DB).
type coverager interface {
	Coverage(ctx context.Context) (*incident.Coverage, error)
}

// coverage answers the countries the incidents are in and the box around
// them: the map shows those countries' units (/api/v1/regions?country=)
// and borders, and opens fitted to the box.
func (s *Server) coverage(c echo.Context) error {
	cs, ok := s.cfg.Store.(coverager)
	if !ok {
		return incident.Errorf(incident.EINTERNAL, "this store cannot say where its incidents are")
	}
	cov, err := cs.Coverage(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cov)
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
