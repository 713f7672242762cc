package importer

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// featureRow is a GeoJSON Feature's properties as a row, read by the rules
// a CSV row is read by: a GIS tool's export of an ACLED or UCDP file holds
// its columns as properties, typed (QGIS) or all text (ogr2ogr from a CSV,
// ACLED's API), and either way is the same rows. Properties incidentmap
// derives (its own exports write them) are dropped, never trusted, as
// through the API; "country" is read by readFeature.
func featureRow(f *incident.Feature) row {
	r := objectRow(f.Properties, func(k string) bool { return !incident.IsDerived(k) || k == "country" })
	r.feature = f
	return r
}

// objectRow is a JSON object's members as a row, those keep says. A
// member's cell is its text, a number as written, "" for null (missing,
// as an empty cell); its JSON value is kept beside it (row.typed).
func objectRow(obj map[string]json.RawMessage, keep func(string) bool) row {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if keep == nil || keep(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // a name written twice in other cases is read the same way each time
	r := row{header: keys, col: make(map[string]int, len(keys)), rec: make([]string, len(keys)), typed: make([]json.RawMessage, len(keys))}
	for i, k := range keys {
		raw := bytes.TrimSpace(obj[k])
		r.typed[i] = raw
		switch raw[0] {
		case '"':
			json.Unmarshal(raw, &r.rec[i])
		case 'n':
		default:
			r.rec[i] = string(raw)
		}
		if n := normalizeHeader(k); n != "" {
			if _, dup := r.col[n]; !dup {
				r.col[n] = i
			}
		}
	}
	return r
}

// readFeature reads a Feature's row as the row of the file it came from:
// UCDP's when it has UCDP's own columns, ACLED's (which incidentmap's
// GeoJSON also has) otherwise.
func readFeature(in *incident.Incident, r row, d *dates) error {
	for i, k := range r.header {
		if c := r.typed[i][0]; (c == '{' || c == '[') && fieldColumns[normalizeHeader(k)] && !(k == "tags" && c == '[') {
			return incident.FieldErrorf(k, "expected text or a number, got %s", clip(string(r.typed[i])))
		}
	}
	if _, ok := r.col["date_start"]; ok {
		if _, ok := r.col["type_of_violence"]; ok {
			return ucdpRow(in, r, d, false)
		}
	}
	if _, own := r.feature.Properties["region_code"]; own {
		// incidentmap's own GeoJSON: "country" is the country it derived
		// (written beside region_code), a hint to place the point near a
		// border as the API reads it; the source's is reported_country.
		if i, ok := r.col["country"]; ok {
			in.ReportedCountry = r.rec[i]
			r.rec[i] = ""
		}
	}
	if err := acledRow(in, r, d, false); err != nil {
		return err
	}
	// When incidentmap first stored it, kept by an import elsewhere.
	if s := r.get("created_at"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return incident.FieldErrorf("created_at", "%q is not an RFC 3339 time like 2023-10-03T12:00:00Z", clip(s))
		}
		in.CreatedAt = t
	}
	return nil
}

// fieldColumns are the columns read into an incident's fields, of either
// source: text or numbers, never an object or array (but tags).
var fieldColumns = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range []map[string]bool{acledFields, ucdpFields} {
		for k := range f {
			m[k] = true
		}
	}
	for _, k := range []string{"year", "month", "day", "created_at"} {
		m[k] = true
	}
	return m
}()
