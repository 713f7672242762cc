// Loads: CreateMany and CreateBatches through COPY, and bulk loads,
// which drop the secondary indexes and the count triggers and build and
// count everything again at their end.

package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/jackc/pgx/v5"
)

// CreateMany implements incident.Store, through COPY.
func (db *DB) CreateMany(ctx context.Context, ins []*incident.Incident) error {
	return db.CreateBatches(ctx, len(ins), once(ins))
}

// once is a CreateBatches source of one batch.
func once(ins []*incident.Incident) func() ([]*incident.Incident, error) {
	done := false
	return func() ([]*incident.Incident, error) {
		if done {
			return nil, nil
		}
		done = true
		return ins, nil
	}
}

// CreateBatches stores the incidents that next returns, a batch at each
// call until an empty one, all or none, in one transaction; so a load of
// any size needs memory for two batches (one made while the other is
// stored). total is how many there will be: a
// load of at least bulkMin, and at least as many as are stored, is a bulk
// load (bulkLoad), followed by VACUUM ANALYZE.
func (db *DB) CreateBatches(ctx context.Context, total int, next func() ([]*incident.Incident, error)) error {
	bulk := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if total >= bulkMin {
			var stored int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM incidents").Scan(&stored); err != nil {
				return err
			}
			bulk = total >= stored
		}
		if !bulk {
			return db.createBatches(ctx, tx, next)
		}
		finish, err := bulkLoad(ctx, tx)
		if err != nil {
			return err
		}
		if err := db.createBatches(ctx, tx, next); err != nil {
			return err
		}
		return finish()
	})
	if err == nil && bulk {
		// Statistics for the planner, and the visibility map that lets
		// counts read indexes alone.
		_, err = db.pool.Exec(ctx, "VACUUM ANALYZE incidents, incident_borders")
		err = db.fail("vacuum", err)
	}
	return err
}

// bulkMin is the smallest load CreateBatches treats as a bulk load (a
// variable for tests).
var bulkMin = 10000

// bulkLoad drops, in tx, the indexes of incidents, incident_borders and
// revisions that no constraint needs (GiST, GIN and B-trees); finish
// builds them again, each from a sort of all rows. Kept up row by row
// through COPY, the 15 indexes held a load of 100,000 to 1,265 incidents/s.
// The drop takes the tables' exclusive lock: readers wait for the load,
// as they would for any write to the schema; a failed load leaves the
// indexes as they were.
func bulkLoad(ctx context.Context, tx pgx.Tx) (finish func() error, err error) {
	rows, err := tx.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename IN ('incidents', 'incident_borders', 'revisions')
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, pgx.Identifier{name}.Sanitize()), append(defs, def)
	}
	if rows.Close(); rows.Err() != nil {
		return nil, rows.Err()
	}
	if len(names) > 0 {
		if _, err := tx.Exec(ctx, "DROP INDEX "+strings.Join(names, ", ")); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, countTriggers("DISABLE")); err != nil {
		return nil, err
	}
	return func() error {
		// Sorts for the B-trees in memory where they fit: at a million
		// incidents incident_borders has ten million rows, about 500 MB to
		// sort. The server's setting when it is larger; held only while
		// an index is built.
		if _, err := tx.Exec(ctx, "SELECT set_config('maintenance_work_mem', greatest(setting::bigint, 1048576)::text || 'kB', true) FROM pg_settings WHERE name = 'maintenance_work_mem'"); err != nil {
			return err
		}
		for _, def := range defs {
			if _, err := tx.Exec(ctx, def); err != nil {
				return fmt.Errorf("bulk load: %s: %w", def, err)
			}
		}
		if _, err := tx.Exec(ctx, "SELECT rebuild_counts()"); err != nil {
			return fmt.Errorf("bulk load: counts: %w", err)
		}
		_, err := tx.Exec(ctx, countTriggers("ENABLE"))
		return err
	}, nil
}

// countTriggers turns the triggers that keep the counts tables (migration
// 0006) on or off (verb ENABLE or DISABLE), by name: other triggers stay
// as they are. Off during a bulk load, which counts everything again at
// its end (rebuild_counts): a statement trigger's transition table would
// hold each COPY's rows a second time.
func countTriggers(verb string) string {
	return "ALTER TABLE incidents " + verb + " TRIGGER incidents_counts_insert, " + verb + " TRIGGER incidents_counts_update, " + verb + " TRIGGER incidents_counts_delete; " +
		"ALTER TABLE incident_borders " + verb + " TRIGGER incident_borders_counts_insert, " + verb + " TRIGGER incident_borders_counts_update, " + verb + " TRIGGER incident_borders_counts_delete"
}

// createBatches inserts the batches next returns until an empty one. The
// next batch is made while the database takes the last: next (a generator,
// a file being read and geocoded) and the COPYs each kept one of two cores
// busy in turn.
func (db *DB) createBatches(ctx context.Context, tx pgx.Tx, next func() ([]*incident.Incident, error)) error {
	type batch struct {
		ins []*incident.Incident
		err error
	}
	batches, stop := make(chan batch), make(chan struct{})
	defer func() {
		// next is not called again, nor still running, once this returns.
		close(stop)
		for range batches {
		}
	}()
	go func() {
		defer close(batches)
		for {
			select {
			case <-stop:
				return
			default:
			}
			ins, err := next()
			select {
			case batches <- batch{ins, err}:
			case <-stop:
				return
			}
			if err != nil || len(ins) == 0 {
				return
			}
		}
	}()
	for b := range batches {
		if b.err != nil || len(b.ins) == 0 {
			return b.err
		}
		if err := db.insert(ctx, tx, b.ins); err != nil {
			return err
		}
	}
	return nil
}
