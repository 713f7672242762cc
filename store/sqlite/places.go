package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/paulmach/orb"
)

// SourceLearned marks places learned from incidents.
const SourceLearned = "learned"

// AddPlaces stores places users add, all or none, and returns them with
// their ids. Each is checked first (geo.CheckPlace): the first bad one
// fails the call with its position, and nothing is stored.
func (db *DB) AddPlaces(ctx context.Context, ps []geo.Place) ([]geo.Place, error) {
	for i, p := range ps {
		if err := geo.CheckPlace(p); err != nil {
			return nil, &incident.Error{Code: incident.EINVALID, Field: fmt.Sprintf("places[%d]", i), Message: err.Error()}
		}
	}
	out := make([]geo.Place, len(ps))
	at := db.Now().UTC().Format(time.RFC3339Nano)
	actor := incident.ActorFrom(ctx)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, "INSERT INTO places (name, variants, kind, lon, lat, source, incident_id, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)")
		if err != nil {
			return err
		}
		defer st.Close()
		for i, p := range ps {
			if err := ctx.Err(); err != nil {
				return err
			}
			vs, _ := json.Marshal(nonNil(p.Variants))
			if p.Kind == "" {
				p.Kind = "village"
			}
			p.Name = strings.TrimSpace(p.Name)
			var inc any
			if id, ok := strings.CutPrefix(p.Source, SourceLearned+":"); ok {
				p.Source, inc = SourceLearned, id
			}
			res, err := st.ExecContext(ctx, p.Name, string(vs), p.Kind, p.Point[0], p.Point[1], p.Source, inc, at, actor)
			if err != nil {
				return err
			}
			p.ID, _ = res.LastInsertId()
			out[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Places returns the added places, oldest first; source, when not "",
// keeps those of that source ("learned", "api", a file's name).
func (db *DB) Places(ctx context.Context, source string) ([]geo.Place, error) {
	if source != "" {
		return db.placesWhere(ctx, "source = ?", source)
	}
	return db.placesWhere(ctx, "1")
}

// placesWhere reads the added places a condition keeps, oldest first.
func (db *DB) placesWhere(ctx context.Context, cond string, args ...any) ([]geo.Place, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, variants, kind, lon, lat, source FROM places WHERE "+cond+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []geo.Place{}
	for rows.Next() {
		var p geo.Place
		var vs string
		if err := rows.Scan(&p.ID, &p.Name, &vs, &p.Kind, &p.Point[0], &p.Point[1], &p.Source); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(vs), &p.Variants); err != nil {
			return nil, fmt.Errorf("sqlite: place %d: variants: %w", p.ID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeletePlace removes an added place; ENOTFOUND if there is none.
func (db *DB) DeletePlace(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM places WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return incident.Errorf(incident.ENOTFOUND, "no added place %d (embedded places cannot be deleted)", id)
		}
		return nil
	})
}

// LoadPlaces puts every added place into the gazetteer, as the program
// starts, and returns the highest id (for LoadPlacesAfter).
func (db *DB) LoadPlaces(ctx context.Context, gz *geo.Gazetteer) (int64, error) {
	return db.LoadPlacesAfter(ctx, gz, 0)
}

// LoadPlacesAfter puts the added places whose id is above after into the
// gazetteer and returns the highest id seen (after, when none): a server
// calls it now and then to pick up the places another process (`places
// import`) stored. Ids only grow, so it reads just the new rows; a place
// already in the gazetteer is replaced by itself.
func (db *DB) LoadPlacesAfter(ctx context.Context, gz *geo.Gazetteer, after int64) (int64, error) {
	ps, err := db.placesWhere(ctx, "id > ?", after)
	if err != nil {
		return after, err
	}
	for _, p := range ps {
		if _, err := gz.Add(p); err != nil {
			return after, fmt.Errorf("sqlite: place %d: %w", p.ID, err)
		}
		after = max(after, p.ID)
	}
	return after, nil
}

// Learning returns the store with learning: after every write, each
// incident stored at geo_precision 1 with a location name teaches the
// gazetteer that name at its point — unless the gazetteer knows the name
// within 10 km already; a point farther than that from every known one is
// kept beside them, and the name becomes ambiguous. Learned places are
// stored (source "learned"), so they outlive a restart.
func (db *DB) Learning(gz *geo.Gazetteer) incident.Store {
	return &learningStore{DB: db, gz: gz}
}

type learningStore struct {
	*DB
	gz *geo.Gazetteer
}

func (l *learningStore) Create(ctx context.Context, in *incident.Incident) error {
	if err := l.DB.Create(ctx, in); err != nil {
		return err
	}
	return l.learn(ctx, []*incident.Incident{in})
}

func (l *learningStore) CreateMany(ctx context.Context, ins []*incident.Incident) error {
	if err := l.DB.CreateMany(ctx, ins); err != nil {
		return err
	}
	return l.learn(ctx, ins)
}

func (l *learningStore) Replace(ctx context.Context, in *incident.Incident) error {
	if err := l.DB.Replace(ctx, in); err != nil {
		return err
	}
	return l.learn(ctx, []*incident.Incident{in})
}

func (l *learningStore) Apply(ctx context.Context, ch incident.Changes) error {
	if err := l.DB.Apply(ctx, ch); err != nil {
		return err
	}
	return l.learn(ctx, append(append([]*incident.Incident(nil), ch.Create...), ch.Update...))
}

// ApplyBatches learns from each batch once it is committed; until then it
// keeps, of the creates and updates that could teach a place, the id, the
// name and the point, and of those with one name only the first within
// 10 km (learn keeps no more): 100,000 invented ACLED rows at seven
// villages cost 6 s and 70 MB to learn from one by one.
func (l *learningStore) ApplyBatches(ctx context.Context, opts incident.ApplyOptions, next func() (*incident.Changes, error)) error {
	var mu sync.Mutex
	var waiting [][]*incident.Incident
	kept := map[string][]orb.Point{}
	learned := 0
	committed := opts.Committed
	opts.Committed = func(batches int) {
		mu.Lock()
		var ins []*incident.Incident
		for ; learned < batches && len(waiting) > 0; learned++ {
			ins = append(ins, waiting[0]...)
			waiting = waiting[1:]
		}
		mu.Unlock()
		if err := l.learn(ctx, ins); err != nil {
			slog.Warn("sqlite: learning places from an import", "err", err)
		}
		if committed != nil {
			committed(batches)
		}
	}
	return l.DB.ApplyBatches(ctx, opts, func() (*incident.Changes, error) {
		ch, err := next()
		if ch != nil {
			var teach []*incident.Incident
			for _, in := range append(append([]*incident.Incident(nil), ch.Create...), ch.Update...) {
				name, pt := strings.TrimSpace(in.Location), orb.Point{in.Lon, in.Lat}
				if in.GeoPrecision != 1 || name == "" {
					continue
				}
				k := geo.PlaceKey(name)
				if slices.ContainsFunc(kept[k], func(p orb.Point) bool { return geo.DistanceKM(p, pt) <= 10 }) {
					continue
				}
				kept[k] = append(kept[k], pt)
				c := &incident.Incident{ID: in.ID, Location: in.Location, GeoPrecision: 1}
				c.SetPoint(in.Lon, in.Lat)
				teach = append(teach, c)
			}
			mu.Lock()
			waiting = append(waiting, teach)
			mu.Unlock()
		}
		return ch, err
	})
}

// learn stores and adds the places the incidents teach. The incidents are
// stored by then: a failure here is reported, and the next write of the
// same incident teaches the place again.
func (l *learningStore) learn(ctx context.Context, ins []*incident.Incident) error {
	var ps []geo.Place
	for _, in := range ins {
		name := strings.TrimSpace(in.Location)
		pt := orb.Point{in.Lon, in.Lat}
		if in.GeoPrecision != 1 || name == "" || !in.HasPoint() || !l.gz.Learnable(name, pt) {
			continue
		}
		dup := false
		for _, p := range ps {
			dup = dup || geo.PlaceKey(p.Name) == geo.PlaceKey(name) && geo.DistanceKM(p.Point, pt) <= 10
		}
		if !dup {
			ps = append(ps, geo.Place{Name: name, Point: pt, Kind: "village", Source: SourceLearned + ":" + in.ID})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	added, err := l.AddPlaces(ctx, ps)
	if err != nil {
		return fmt.Errorf("sqlite: the incidents are stored, but learning their places failed: %w", err)
	}
	for _, p := range added {
		if _, err := l.gz.Add(p); err != nil {
			return err
		}
	}
	return nil
}
