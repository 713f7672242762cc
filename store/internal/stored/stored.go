// Package stored is what the stores share about the rows they keep for an
// incident: its stored document read back (with the derived fields that
// UnmarshalJSON does not read) and its rows of border distances. The
// SQLite and PostGIS stores both keep these; one copy keeps them from
// drifting apart.
package stored

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
)

// Decode reads an incident back from the document a store keeps (the
// GeoJSON Feature Incident.MarshalJSON wrote).
func Decode(doc []byte) (*incident.Incident, error) {
	var in incident.Incident
	if err := json.Unmarshal(doc, &in); err != nil {
		return nil, fmt.Errorf("stored incident does not decode: %w", err)
	}
	// Derived fields are not read back by UnmarshalJSON (input never sets
	// them); restore them from the stored document.
	var f struct {
		Properties struct {
			Country    *string             `json:"country"`
			RegionCode *string             `json:"region_code"`
			RegionName *string             `json:"region_name"`
			Borders    map[string]float64  `json:"borders"`
			Nearest    *string             `json:"nearest_border"`
			NearestKM  *float64            `json:"nearest_border_km"`
			SnapKM     *float64            `json:"boundary_snap_km"`
			Near       *incident.NearPlace `json:"near"`
			Mismatch   bool                `json:"country_mismatch"`
			Zones      []string            `json:"zones"`
			Geocoded   string              `json:"geocoded"`
			AdminMism  bool                `json:"admin1_mismatch"`
		} `json:"properties"`
	}
	json.Unmarshal(doc, &f)
	p := f.Properties
	in.Country, in.Zones, in.Geocoded, in.Admin1Mismatch = p.Country, p.Zones, p.Geocoded, p.AdminMism
	if in.Zones == nil {
		in.Zones = []string{}
	}
	if p.RegionCode != nil {
		in.Region = &incident.Region{Code: *p.RegionCode}
		if p.RegionName != nil {
			in.Region.Name = *p.RegionName
		}
	}
	in.SnapKM, in.Mismatch, in.Near = p.SnapKM, p.Mismatch, p.Near
	for k, d := range p.Borders {
		in.Borders = append(in.Borders, storedBorder(k, d))
	}
	incident.SortBorders(in.Borders)
	if p.Nearest != nil && p.NearestKM != nil {
		n := storedBorder(*p.Nearest, *p.NearestKM)
		in.Nearest = &n
	}
	return &in, nil
}

// storedBorder reads a border distance of a stored document. Documents
// stored before borders were worldwide name Niger's border with a
// neighbour by the neighbour's code alone ("MLI").
func storedBorder(key string, km float64) incident.BorderDistance {
	if len(key) == 3 {
		key = geo.BorderKey(geo.Niger, key)
	}
	a, b, _ := geo.ParseBorder(key)
	return incident.BorderDistance{Border: a + "-" + b, Countries: [2]string{a, b}, DistanceKM: km}
}

// BorderRow is one precomputed border distance of an incident: a border's
// key ("MLI-NER"), a country's code ("MLI": the nearest of its borders) or
// "any" (the nearest border), and the distance in km.
type BorderRow struct {
	Key string
	KM  float64
}

// BorderRows are the incident's border distances a border filter tests,
// one per key, as Incident.BorderKM reads them: a row per border within
// 300 km, a row per country whose borders are within 300 km, and "any".
func BorderRows(in *incident.Incident) []BorderRow {
	rows := make([]BorderRow, 0, 2*len(in.Borders)+1)
	var countries []BorderRow
	for _, b := range in.Borders { // nearest first: a country's first is its nearest
		rows = append(rows, BorderRow{b.Border, b.DistanceKM})
		for _, c := range b.Countries {
			if !slices.ContainsFunc(countries, func(r BorderRow) bool { return r.Key == c }) {
				countries = append(countries, BorderRow{c, b.DistanceKM})
			}
		}
	}
	rows = append(rows, countries...)
	if n, ok := in.NearestBorder(); ok {
		rows = append(rows, BorderRow{"any", n.DistanceKM})
	}
	return rows
}

// Rederive runs batch, which derives the next batch of stored incidents
// again in its own transaction, until it says no more follow or ctx ends
// (between batches: a call again resumes), telling progress after each
// how many of total are done (done were before the first).
func Rederive(ctx context.Context, done, total int, batch func() (n int, more bool, err error), progress func(done, total int)) error {
	for more := true; more; {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int
		var err error
		if n, more, err = batch(); err != nil {
			return err
		}
		done += n
		if progress != nil && n > 0 {
			progress(min(done, total), total)
		}
	}
	return nil
}
