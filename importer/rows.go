package importer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// row is one record of a table, by normalised column name: a CSV or Excel
// row, or a JSON object's members (a GeoJSON Feature's properties, an
// object of ACLED's API), read by the same rules.
type row struct {
	header []string
	col    map[string]int
	rec    []string
	// typed are a JSON record's values, by the same index as rec (whose
	// text is a string's, a number's as written, "" for null): what is
	// not a string is kept in Extra as it is. nil for CSV and Excel.
	typed []json.RawMessage
	// feature is the GeoJSON Feature whose properties the row is.
	feature *incident.Feature
}

func (r row) get(k string) string {
	if i, ok := r.col[k]; ok && i < len(r.rec) {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

func (r row) int(k string, dst *int) error {
	s := r.get(k)
	if s == "" {
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return incident.FieldErrorf(k, "%q is not a whole number", clip(s))
		}
		v = int(f) // Excel stores 12 as 12.0 at times
	}
	*dst = v
	return nil
}

func (r row) optInt(k string, dst **int) error {
	if r.get(k) == "" {
		return nil
	}
	var v int
	if err := r.int(k, &v); err != nil {
		return err
	}
	*dst = &v
	return nil
}

// numericColumns hold numbers in ACLED and UCDP exports; they are kept as
// JSON numbers (so inter1 is 1, not "1"), when written plainly.
var numericColumns = map[string]bool{
	"inter1": true, "inter2": true, "interaction": true, "iso": true, "timestamp": true, "event_id_no_cnty": true, "data_id": true,
	"population_1km": true, "population_2km": true, "population_5km": true, "population_best": true, "year": true, "month": true, "day": true,
	// UCDP GED
	"ucdp_id": true, "active_year": true, "conflict_dset_id": true, "conflict_new_id": true, "dyad_dset_id": true, "dyad_new_id": true,
	"side_a_dset_id": true, "side_a_new_id": true, "side_b_dset_id": true, "side_b_new_id": true, "number_of_sources": true,
	"priogrid_gid": true, "country_id": true, "event_clarity": true, "deaths_a": true, "deaths_b": true, "deaths_civilians": true,
	"deaths_unknown": true, "type_of_violence": true, "ucdp_where_prec": true, "ucdp_date_prec": true,
}

// extraValue is a column's value as kept in Extra: a number for numeric
// columns written as plain numbers ("007" stays text, so it round-trips).
func extraValue(k, s string) any {
	if numericColumns[k] {
		if f, err := strconv.ParseFloat(s, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == s {
			return f
		}
	}
	return s
}

// skipColumns are not kept in Extra: incidentmap derives them (its own
// CSV export writes them), or they are a rejects file's reason.
var skipColumns = map[string]bool{
	"year": true, "region_code": true, "region_name": true, "nearest_border": true, "nearest_border_km": true,
	"zones": true, "created_at": true, "updated_at": true, "borders": true, "reason": true, "admin1_mismatch": true,
}

// keepRest puts the row's other columns in Extra; rename maps a column to
// the name it is kept under.
func keepRest(in *incident.Incident, r row, used map[string]bool, rename map[string]string) {
	for i, h := range r.header {
		k := normalizeHeader(h)
		if used[k] || skipColumns[k] || i >= len(r.rec) || strings.TrimSpace(r.rec[i]) == "" {
			continue
		}
		if n, ok := rename[k]; ok {
			k = n
		}
		if in.Extra == nil {
			in.Extra = map[string]any{}
		}
		in.Extra[k] = r.value(i, k)
	}
}

// value is cell i as kept in Extra: a JSON number, boolean, array or
// object as it is; text as extraValue keeps a CSV cell.
func (r row) value(i int, k string) any {
	if r.typed != nil && r.typed[i][0] != '"' {
		var v any
		json.Unmarshal(r.typed[i], &v)
		return v
	}
	return extraValue(k, strings.TrimSpace(r.rec[i]))
}

// id is the record's id: the first of cols that is not empty (ACLED's
// event_id_cnty before incidentmap's own id; UCDP's id, with prefix), or
// a GeoJSON Feature's id. Every id a record gives must name the same
// incident. When two disagree (a Feature id beside another
// event_id_cnty, as a GIS tool numbering features writes; an id column
// beside event_id_cnty) which incident the record is cannot be told, and
// either guess writes a duplicate or overwrites another incident: the
// record is rejected, naming both, and the others go in.
func (r row) id(prefix string, cols ...string) (string, error) {
	id, from := "", ""
	for _, c := range cols {
		v := r.get(c)
		switch {
		case v == "":
		case id == "":
			id, from = prefix+v, fmt.Sprintf("%s %q", c, v)
		case prefix+v != id:
			return id, incident.FieldErrorf(c, "%s and %s %q name different incidents; make them the same, or leave one out", from, c, clip(v))
		}
	}
	if r.feature == nil || r.feature.ID == "" {
		return id, nil
	}
	fid := r.feature.ID
	if prefix != "" && !strings.HasPrefix(fid, prefix) {
		fid = prefix + fid // UCDP's number as a Feature id
	}
	if id != "" && fid != id {
		return id, incident.FieldErrorf("id", "the Feature's id %q and %s name different incidents; make them the same, or leave one out", clip(r.feature.ID), from)
	}
	return fid, nil
}

// acledFields are the ACLED columns read into fields.
var acledFields = map[string]bool{
	"event_id_cnty": true, "id": true, "event_date": true, "time_precision": true, "event_type": true, "sub_event_type": true,
	"actor1": true, "actor2": true, "admin1": true, "admin2": true, "location": true, "latitude": true, "longitude": true,
	"geo_precision": true, "source": true, "source_url": true, "notes": true, "fatalities": true, "fatalities_low": true,
	"fatalities_high": true, "uncertainty_km": true, "tags": true,
}

// acledRow reads a row of an ACLED export (or of incidentmap's CSV, which
// has ACLED's columns first). The source's country is kept as
// reported_country: country is what incidentmap derives from the point.
func acledRow(in *incident.Incident, r row, d *dates, serial bool) error {
	var err error
	if in.ID, err = r.id("", "event_id_cnty", "id"); err != nil {
		return err
	}
	if err := acledDate(in, r, d, serial); err != nil {
		return err
	}
	if err := acledType(in, r); err != nil {
		return err
	}
	in.Actor1, in.Actor2, in.Admin1, in.Admin2 = r.get("actor1"), r.get("actor2"), r.get("admin1"), r.get("admin2")
	in.Location, in.Source, in.Notes, in.SourceURL = r.get("location"), r.get("source"), r.get("notes"), r.get("source_url")
	for _, n := range []struct {
		k string
		p *int
	}{{"time_precision", &in.TimePrecision}, {"geo_precision", &in.GeoPrecision}, {"fatalities", &in.Fatalities}} {
		if err := r.int(n.k, n.p); err != nil {
			return err
		}
	}
	if err := r.optInt("fatalities_low", &in.FatalitiesLow); err != nil {
		return err
	}
	if err := r.optInt("fatalities_high", &in.FatalitiesHigh); err != nil {
		return err
	}
	if s := r.get("uncertainty_km"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return incident.FieldErrorf("uncertainty_km", "%q is not a number", clip(s))
		}
		in.UncertaintyKM = &v
	}
	if err := point(in, r, "latitude", "longitude"); err != nil {
		return err
	}
	if err := tags(in, r); err != nil {
		return err
	}
	keepRest(in, r, acledFields, map[string]string{"country": "reported_country"})
	return nil
}

// tags reads the tags column: "a; b" (or "a, b"), a JSON array of strings
// (incidentmap's GeoJSON), or the text GDAL writes for a string list in a
// format without lists (see gdalList).
func tags(in *incident.Incident, r row) error {
	if raw := r.raw("tags"); len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		json.Unmarshal(raw, &items)
		for i, it := range items {
			var t string
			if json.Unmarshal(it, &t) != nil {
				return incident.FieldErrorf("tags", "item %d is %s; tags are text", i+1, clip(string(it)))
			}
			if t = strings.TrimSpace(t); t != "" {
				in.Tags = append(in.Tags, t)
			}
		}
		return nil
	}
	cell := r.get("tags")
	items, ok := gdalList(cell)
	if !ok {
		items = strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' })
	}
	for _, p := range items {
		if p = strings.TrimSpace(p); p != "" {
			in.Tags = append(in.Tags, p)
		}
	}
	return nil
}

// gdalList reads a cell holding a list as GDAL writes one where the format
// has no list type. Our GeoJSON's tags array through ogr2ogr (or QGIS)
// into a GeoPackage or a Shapefile (-mapFieldType StringList=String)
// becomes the text "(2:curfew,checkpoint)", the count then the items;
// into a CSV, GDAL 3.6 writes the JSON array as text,
// `[ "curfew", "checkpoint" ]`. Split on ';' and ',' as any other cell,
// either would become tags like "(2:curfew" and "checkpoint)".
//
// GDAL does not escape a comma inside an item: ["a,b","c"] is written
// "(2:a,b,c)" (ogr2ogr 3.6.2). When the count is not the number of items
// the commas make, which comma is a separator cannot be told, so such a
// cell is not taken as a list (ok is false) and is read as any other:
// guessing would store tags nobody wrote, without a word.
func gdalList(cell string) (items []string, ok bool) {
	if strings.HasPrefix(cell, "[") {
		return items, json.Unmarshal([]byte(cell), &items) == nil
	}
	head, body, found := strings.Cut(strings.TrimPrefix(cell, "("), ":")
	n, err := strconv.Atoi(head)
	if !found || !strings.HasPrefix(cell, "(") || !strings.HasSuffix(body, ")") || err != nil || n < 0 || head != strconv.Itoa(n) {
		return nil, false
	}
	if body = strings.TrimSuffix(body, ")"); n == 0 {
		return nil, body == ""
	}
	items = strings.Split(body, ",")
	return items, len(items) == n
}

// raw is a JSON record's value of column k, nil for CSV and Excel.
func (r row) raw(k string) json.RawMessage {
	if i, ok := r.col[k]; ok && r.typed != nil {
		return r.typed[i]
	}
	return nil
}

// acledDate reads event_date in any form exports use, or builds it from
// year, month and day columns when event_date is empty.
func acledDate(in *incident.Incident, r row, d *dates, serial bool) error {
	var month, day, year int
	r.int("month", &month)
	r.int("day", &day)
	r.int("year", &year)
	s := r.get("event_date")
	if s == "" && year > 0 && month > 0 && day > 0 {
		v, err := ymd(year, month, day, r.get("year")+"-"+r.get("month")+"-"+r.get("day"))
		in.EventDate = v
		return err
	}
	if s == "" {
		return incident.FieldErrorf("event_date", "empty; write the date as 2023-10-02")
	}
	v, err := d.parse(in, in.Line, s, serial, month, day)
	in.EventDate = v
	return err
}

// point reads the point from a row's latitude and longitude. A GeoJSON
// Feature's geometry is its point (and one with neither is geocoded from
// its location, as through the API).
func point(in *incident.Incident, r row, latCol, lonCol string) error {
	if f := r.feature; f != nil {
		return featurePoint(in, r, latCol, lonCol)
	}
	lon, lat, err := coordinates(r, latCol, lonCol)
	if err != nil {
		return err
	}
	in.SetPoint(lon, lat)
	return nil
}

func coordinates(r row, latCol, lonCol string) (lon, lat float64, err error) {
	lat, err1 := strconv.ParseFloat(r.get(latCol), 64)
	lon, err2 := strconv.ParseFloat(r.get(lonCol), 64)
	switch {
	case err1 != nil && err2 != nil:
		return 0, 0, incident.FieldErrorf(latCol+"/"+lonCol, "%q, %q are not numbers; write decimal degrees with a point, like 13.51, 2.11", clip(r.get(latCol)), clip(r.get(lonCol)))
	case err1 != nil:
		return 0, 0, incident.FieldErrorf(latCol, "%q is not a number; write decimal degrees with a point, like 13.51", clip(r.get(latCol)))
	case err2 != nil:
		return 0, 0, incident.FieldErrorf(lonCol, "%q is not a number; write decimal degrees with a point, like 2.11", clip(r.get(lonCol)))
	}
	return lon, lat, nil
}

// MaxPointDisagreementKM is how far a Feature's latitude and longitude
// properties may lie from its geometry. Copies of one point differ by
// rounding: ACLED writes 4 decimals (11 m), and coordinates rounded to 2
// (what a spreadsheet column formatted 0.00 keeps) are at most 0.8 km off;
// a reprojection round trip moves them by less than a millimetre. Farther
// apart, they are two places (a point moved in QGIS and its columns left,
// latitude and longitude swapped, columns of another row); ACLED's finest
// precision (geo_precision 1, a town) is a few km across, so 1 km is below
// any difference in place an analyst would mean.
const MaxPointDisagreementKM = 1.0

// featurePoint reads a Feature's point: its geometry, or its latitude and
// longitude properties (ACLED's columns, which ogr2ogr from a CSV writes
// with "geometry": null) read as a CSV's. With both, the geometry is the
// point, and the properties must agree with it: farther than
// MaxPointDisagreementKM, which is the incident's place cannot be told,
// and the record is rejected, naming both, as a record whose ids
// disagree is.
func featurePoint(in *incident.Incident, r row, latCol, lonCol string) error {
	f := r.feature
	if r.get(latCol) == "" && r.get(lonCol) == "" {
		if f.HasPoint {
			in.SetPoint(f.Lon, f.Lat)
		}
		return nil
	}
	lon, lat, err := coordinates(r, latCol, lonCol)
	if err != nil {
		return err
	}
	if !f.HasPoint {
		in.SetPoint(lon, lat)
		return nil
	}
	if d := incident.DistanceKM(orb.Point{f.Lon, f.Lat}, orb.Point{lon, lat}); d > MaxPointDisagreementKM {
		return incident.FieldErrorf(latCol+"/"+lonCol, "%s, %s lie %.1f km from the geometry's Point [%s, %s]; they are two places, and which is the incident's cannot be told: make them agree (within %g km), or leave latitude and longitude out",
			r.get(latCol), r.get(lonCol), d, strconv.FormatFloat(f.Lon, 'f', -1, 64), strconv.FormatFloat(f.Lat, 'f', -1, 64), MaxPointDisagreementKM)
	}
	in.SetPoint(f.Lon, f.Lat)
	return nil
}

// legacyTypes is ACLED's crosswalk from the event types used before its
// 2019 revision to today's event and sub-event types. Where the old type
// spans several of today's sub-event types, none is guessed.
var legacyTypes = map[string][2]string{
	"battle-no change of territory":              {"Battles", "Armed clash"},
	"battle-government regains territory":        {"Battles", "Government regains territory"},
	"battle-non-state actor overtakes territory": {"Battles", "Non-state actor overtakes territory"},
	"remote violence":                            {"Explosions/Remote violence", ""},
	"violence against civilians":                 {"Violence against civilians", ""},
	"strategic development":                      {"Strategic developments", ""},
	"non-violent transfer of territory":          {"Strategic developments", "Non-violent transfer of territory"},
	"headquarters or base established":           {"Strategic developments", "Headquarters or base established"},
}

// legacyKey folds the spellings of old types ("Battle - No change of
// territory", "Battle-No change of territory").
func legacyKey(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.ToLower(s), " - ", "-")), " ")
}

// acledType reads event_type and sub_event_type, mapping the pre-2019
// typology onto today's and keeping the original as
// acled_original_event_type.
func acledType(in *incident.Incident, r row) error {
	in.EventType, in.SubEventType = r.get("event_type"), r.get("sub_event_type")
	if incident.IsEventType(in.EventType) || in.EventType == "" {
		return nil
	}
	orig := in.EventType
	if legacyKey(orig) == "riots/protests" {
		// One old type for both: ACLED's actor codes tell rioters (5)
		// from protesters (6).
		in.EventType = "Protests"
		if r.get("inter1") == "5" {
			in.EventType = "Riots"
		}
	} else if t, ok := legacyTypes[legacyKey(orig)]; ok {
		in.EventType = t[0]
		if in.SubEventType == "" {
			in.SubEventType = t[1]
		}
	} else {
		return nil // Validate names today's types
	}
	if in.Extra == nil {
		in.Extra = map[string]any{}
	}
	in.Extra["acled_original_event_type"] = orig
	return nil
}

// ucdpFields are the UCDP GED columns read into fields (or kept renamed).
var ucdpFields = map[string]bool{
	"id": true, "date_start": true, "type_of_violence": true, "side_a": true, "side_b": true, "adm_1": true, "adm_2": true,
	"where_description": true, "latitude": true, "longitude": true, "best": true, "low": true, "high": true,
	"source_article": true, "where_prec": true, "date_prec": true, "country": true,
}

// UCDP's where_prec (1 exact place … 7 international waters) and date_prec
// (1 the day … 5 more than a month) as ACLED's geo_precision (1 town, 2
// near a town or part of a region, 3 region or larger) and time_precision
// (1 day, 2 week, 3 month). Originals are kept as ucdp_where_prec and
// ucdp_date_prec.
var (
	ucdpGeoPrecision  = map[string]int{"1": 1, "2": 2, "3": 2, "4": 3, "5": 3, "6": 3, "7": 3}
	ucdpTimePrecision = map[string]int{"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
)

// ucdpRow reads a row of UCDP's Georeferenced Event Dataset. Its id becomes
// the incident id ucdp-<id> (UCDP's ids are bare numbers, which would
// collide with other sources'); the number is kept as ucdp_id.
func ucdpRow(in *incident.Incident, r row, d *dates, serial bool) error {
	var err error
	if in.ID, err = r.id("ucdp-", "id"); err != nil {
		return err
	}
	if in.ID == "" {
		return incident.FieldErrorf("id", "empty; every UCDP GED row has an id")
	}
	id := strings.TrimPrefix(in.ID, "ucdp-")
	in.Extra = map[string]any{"ucdp_id": extraValue("ucdp_id", id)}
	s := r.get("date_start")
	if s == "" {
		return incident.FieldErrorf("date_start", "empty; write the date as 2023-10-02")
	}
	v, err := d.parse(in, in.Line, s, serial, 0, 0)
	if err != nil {
		err.(*incident.Error).Field = "date_start"
		return err
	}
	in.EventDate = v
	switch tv := r.get("type_of_violence"); tv {
	case "1", "2":
		in.EventType, in.SubEventType = "Battles", "Armed clash"
	case "3":
		in.EventType, in.SubEventType = "Violence against civilians", "Attack"
	default:
		return incident.FieldErrorf("type_of_violence", "%q: UCDP's types are 1 (state-based), 2 (non-state) and 3 (one-sided)", clip(tv))
	}
	in.Extra["type_of_violence"] = extraValue("type_of_violence", r.get("type_of_violence"))
	in.Actor1, in.Actor2, in.Admin1, in.Admin2 = r.get("side_a"), r.get("side_b"), r.get("adm_1"), r.get("adm_2")
	in.Location, in.Source = r.get("where_description"), r.get("source_article")
	if err := r.int("best", &in.Fatalities); err != nil {
		return err
	}
	if err := r.optInt("low", &in.FatalitiesLow); err != nil {
		return err
	}
	if err := r.optInt("high", &in.FatalitiesHigh); err != nil {
		return err
	}
	for _, p := range []struct {
		col, keep string
		to        map[string]int
		dst       *int
	}{{"where_prec", "ucdp_where_prec", ucdpGeoPrecision, &in.GeoPrecision}, {"date_prec", "ucdp_date_prec", ucdpTimePrecision, &in.TimePrecision}} {
		s := r.get(p.col)
		if s == "" {
			continue
		}
		v, ok := p.to[s]
		if !ok {
			return incident.FieldErrorf(p.col, "%q is not one of UCDP's codes (%d to %d)", clip(s), 1, len(p.to))
		}
		*p.dst = v
		in.Extra[p.keep] = extraValue(p.keep, s)
	}
	if err := point(in, r, "latitude", "longitude"); err != nil {
		return err
	}
	keepRest(in, r, ucdpFields, nil)
	if c := r.get("country"); c != "" {
		in.Extra["reported_country"] = c
	}
	return nil
}

// deletionRow reads a row of ACLED's deletion list.
func deletionRow(r row, line int) (incident.Deletion, error) {
	d := incident.Deletion{Record: line, ID: r.get("event_id_cnty")}
	if d.ID == "" {
		return d, incident.FieldErrorf("event_id_cnty", "empty; each row names the event deleted")
	}
	s := r.get("deleted_timestamp")
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return d, incident.FieldErrorf("deleted_timestamp", "%q is not a Unix time in seconds", clip(s))
	}
	d.Timestamp = ts
	return d, nil
}
