package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/internal/stored"
)

// Border distances live in incident_borders (migration 0015): per
// incident, a row per border within 300 km ("MLI-NER"), a row per country
// whose borders are within 300 km ("MLI", the nearest of them) and an "any"
// row (the nearest border). A border filter is the key range
// key = ? AND km <= ?, and its count adds the counts table's whole
// kilometres ('b:' || key) and reads only the last one.

// insertBorders stores the border rows of incidents (by row id), a few
// hundred rows to a statement.
func insertBorders(ctx context.Context, tx *sql.Tx, seqs []int64, ins []*incident.Incident, live bool) error {
	return insertBordersInto(ctx, tx, "incident_borders", seqs, ins, live, nil)
}

// insertBordersInto is insertBorders into table: incident_borders, or a
// bulk load's bordersLoadTable, whose counts (border rows and countries)
// are added up in tally instead of by triggers.
func insertBordersInto(ctx context.Context, tx execer, table string, seqs []int64, ins []*incident.Incident, live bool, tally tally) error {
	const perStatement, cols = 200, 5
	args := make([]any, 0, cols*perStatement)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (key, km, seq, live, country) VALUES "+valueRows(len(args)/cols, cols), args...)
		args = args[:0]
		return err
	}
	for i, in := range ins {
		var country any
		if in.Country != nil {
			country = *in.Country
		}
		if tally != nil && in.Country != nil {
			tally[countKey{"c:" + *in.Country, 0}]++
		}
		for _, r := range stored.BorderRows(in) {
			if tally != nil {
				tally[countKey{"b:" + r.Key, int64(r.KM)}]++
				if in.Country != nil {
					tally[countKey{"b:" + r.Key + "@" + *in.Country, int64(r.KM)}]++
				}
			}
			args = append(args, r.Key, r.KM, seqs[i], live, country)
			if len(args) == cap(args) {
				if err := flush(); err != nil {
					return fmt.Errorf("sqlite: insert borders: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("sqlite: insert borders: %w", err)
	}
	return nil
}

// replaceBorders puts an updated incident's border rows in place of its old
// ones.
func replaceBorders(ctx context.Context, tx *sql.Tx, seq int64, in *incident.Incident, live bool) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM incident_borders WHERE seq = ?", seq); err != nil {
		return err
	}
	return insertBorders(ctx, tx, []int64{seq}, []*incident.Incident{in}, live)
}

// setBordersLive follows a delete (false) or a restore (true).
func setBordersLive(ctx context.Context, tx *sql.Tx, seq int64, live bool) error {
	_, err := tx.ExecContext(ctx, "UPDATE incident_borders SET live = ? WHERE seq = ?", live, seq)
	return err
}

// borderPlan is how a border filter enters a query.
type borderPlan int

const (
	// borderLeads: the rows within the distance are read from
	// incident_borders, then their incidents.
	borderLeads borderPlan = iota
	// borderTested: each incident another index found is looked up in
	// incident_borders by its row id.
	borderTested
)

// borderKMSQL is the distance from the incident to the border asked about,
// NULL when none is stored (more than 300 km): one seek in the seq index.
const borderKMSQL = "(SELECT km FROM incident_borders INDEXED BY incident_borders_seq WHERE seq = incidents.seq AND key = ?)"

// borderDist is the expression of the distance results of f's border
// filter carry, with its arguments.
func borderDist(f incident.Filter) (string, []any) {
	if f.Border == "any" {
		return "d_any", nil
	}
	return borderKMSQL, []any{f.Border}
}

// borderCond is the border filter in SQL, as bp says, with its arguments.
func borderCond(f incident.Filter, bp borderPlan) (string, []any) {
	tested := bp == borderTested || f.UpdatedSince != nil
	if tested && f.Border == "any" {
		// The nearest border's distance is on the row (the stats bands'):
		// no lookup. border=any&border_km=300&region=NE-6 at 1M, region
		// first: 890 ms with a lookup per row.
		return "d_any <= ?", []any{f.BorderKM}
	}
	if tested {
		// A sync listing tests the few incidents changed, deleted ones too.
		return borderKMSQL + " <= ?", []any{f.Border, f.BorderKM}
	}
	q, args := "seq IN (SELECT seq FROM incident_borders WHERE key = ? AND km <= ? AND live", []any{f.Border, f.BorderKM}
	if len(f.Countries) > 0 {
		// One side (or some) of a border: the others' rows are not read.
		q += " AND country IN (" + placeholders(len(f.Countries)) + ")"
		for _, c := range f.Countries {
			args = append(args, c)
		}
	}
	return q + ")", args
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// borderCount counts live incidents within f.BorderKM of f.Border (in
// f.Countries, when set) from the counts table: the whole kilometres below
// it added up, the last part of a kilometre read from incident_borders.
func borderCount(f incident.Filter) (string, []any) {
	whole := math.Floor(f.BorderKM)
	dims := []any{"b:" + f.Border}
	side := ""
	var sideArgs []any
	if len(f.Countries) > 0 {
		dims = dims[:0]
		for _, c := range f.Countries {
			dims = append(dims, "b:"+f.Border+"@"+c)
			sideArgs = append(sideArgs, c)
		}
		side = " AND country IN (" + placeholders(len(f.Countries)) + ")"
	}
	args := append(dims, whole, f.Border, whole, f.BorderKM)
	return "SELECT (SELECT coalesce(sum(n), 0) FROM counts WHERE dim IN (" + placeholders(len(dims)) + ") AND k < ?) + (SELECT count(*) FROM incident_borders WHERE key = ? AND km >= ? AND km <= ? AND live" + side + ")",
		append(args, sideArgs...)
}

// countryCount counts live incidents in countries from the counts table.
func countryCount(countries []string) (string, []any) {
	args := make([]any, len(countries))
	for i, c := range countries {
		args[i] = "c:" + c
	}
	return "SELECT coalesce(sum(n), 0) FROM counts WHERE k = 0 AND dim IN (" + placeholders(len(countries)) + ")", args
}

// A bulk load writes its border rows to bordersLoadTable in the order they
// come (appended, by row id) and moves them to incident_borders sorted by
// key at the end: inserted as they came, about ten rows an incident went
// to pages all over incident_borders (a million incidents: 10 M rows,
// 260 MB), which made loads several times slower.
const (
	bordersLoadTable  = "incident_borders_load"
	bordersLoadCreate = "CREATE TABLE " + bordersLoadTable + " (key TEXT NOT NULL, km REAL NOT NULL, seq INTEGER NOT NULL, live INTEGER NOT NULL, country TEXT)"
	bordersLoadMove   = "INSERT INTO incident_borders (key, km, seq, live, country) SELECT key, km, seq, live, country FROM " + bordersLoadTable + " ORDER BY key, km, seq"
	bordersLoadDrop   = "DROP TABLE " + bordersLoadTable
)

// countKey is a row of the counts table.
type countKey struct {
	dim string
	k   int64
}

// tally is what a bulk load adds to the counts table for its border rows
// and countries, as the triggers would have row by row. Added up in Go as
// the rows go in: grouping the 10 M border rows of a million incidents in
// SQL afterwards was a sort of all of them (8 s of a 100,000-incident
// load's 18 s).
type tally map[countKey]int64

func (t tally) write(ctx context.Context, tx *sql.Tx) error {
	const perStatement = 300
	args := make([]any, 0, 3*perStatement)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO counts (dim, k, n) VALUES "+valueRows(len(args)/3, 3)+" ON CONFLICT DO UPDATE SET n = n + excluded.n", args...)
		args = args[:0]
		return err
	}
	for k, n := range t {
		args = append(args, k.dim, k.k, n)
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// byCountry adds up region buckets by the country of each region (a
// region lies in one country, so the rollups, kept by region, need no
// country of their own): one seek in the region index per region.
func (db *DB) byCountry(ctx context.Context, regions []incident.Bucket) ([]incident.Bucket, error) {
	byISO := map[string]int{} // index in out
	out := []incident.Bucket{}
	for _, r := range regions {
		var iso sql.NullString
		if r.Key != "" {
			err := db.read.QueryRowContext(ctx, "SELECT country FROM incidents INDEXED BY incidents_region WHERE region_code = ? AND country IS NOT NULL LIMIT 1", r.Key).Scan(&iso)
			if err != nil && err != sql.ErrNoRows {
				return nil, fmt.Errorf("sqlite: stats by country: %w", err)
			}
		}
		i, ok := byISO[iso.String]
		if !ok {
			i = len(out)
			byISO[iso.String] = i
			out = append(out, incident.Bucket{Key: iso.String})
		}
		out[i].Incidents += r.Incidents
		out[i].Fatalities += r.Fatalities
	}
	slices.SortFunc(out, func(a, b incident.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Coverage says which countries the live incidents are in, from the
// counts table's country rows, and the box around them (Extent: an index
// probe per side).
func (db *DB) Coverage(ctx context.Context) (*incident.Coverage, error) {
	cov := &incident.Coverage{Countries: []string{}}
	rows, err := db.read.QueryContext(ctx, "SELECT substr(dim, 3), n FROM counts WHERE dim >= 'c:' AND dim < 'c;' AND n > 0 ORDER BY dim")
	if err != nil {
		return nil, fmt.Errorf("sqlite: coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var iso string
		var n int
		if err := rows.Scan(&iso, &n); err != nil {
			return nil, err
		}
		cov.Countries = append(cov.Countries, iso)
		cov.Incidents += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ext, err := db.Extent(ctx)
	if err != nil || ext == nil {
		return cov, err
	}
	cov.BBox = &[4]float64{ext.BBox.Min[0], ext.BBox.Min[1], ext.BBox.Max[0], ext.BBox.Max[1]}
	return cov, nil
}
