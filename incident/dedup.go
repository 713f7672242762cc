package incident

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Duplicate is a stored incident (or draft) that may tell of the same
// event as another: a score from 0 to 1 and the reasons, for an editor to
// decide.
type Duplicate struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"` // "incident" or "draft"
	Score      float64  `json:"score"`
	Reasons    []string `json:"reasons"`
	EventDate  string   `json:"event_date"`
	Location   string   `json:"location"`
	Fatalities int      `json:"fatalities"`
}

// De-duplication thresholds.
const (
	// DuplicateMinKM is the least distance two reports of one event may
	// put apart: sources place an attack at the nearest town they know,
	// often 20 km from where another source puts it.
	DuplicateMinKM = 25.0
	// duplicateSearchKM is how far candidates are looked for: far enough
	// for a stored incident placed only by its region (a radius of up to
	// about 400 km in Niger) to be compared; each pair is then held to its
	// own larger radius.
	duplicateSearchKM = 400.0
	// DuplicateMinScore is the least score reported as a possible
	// duplicate.
	DuplicateMinScore = 0.5
	// duplicateCandidates bounds the incidents compared per incident.
	duplicateCandidates = 500
)

// dateWindowDays is how many days apart two reports of one event may date
// it: a day (one source dates a night attack by its start, another by its
// end), widened to a week or a month when a date is only known to that
// precision.
func dateWindowDays(precision int) int {
	switch precision {
	case TimeWeek:
		return 7
	case TimeMonth:
		return 31
	}
	return 1
}

// violent are the event types one attack may be coded as by different
// sources (an IED ambush is an Armed clash to one, a Remote explosive to
// another).
var violent = map[string]bool{"Battles": true, "Explosions/Remote violence": true, "Violence against civilians": true}

// CompareIncidents scores whether a and b may be the same event. ok is
// false when they cannot be: dates further apart than the window of the
// less precise one, points further apart than the larger uncertainty
// radius (at least DuplicateMinKM), or types no source would confuse.
// Otherwise the score weighs closeness in time (0.3) and space (0.3), the
// type (0.2) and the fatalities (0.2).
func CompareIncidents(a, b *Incident) (score float64, reasons []string, ok bool) {
	da, err1 := time.Parse(DateLayout, a.EventDate)
	db, err2 := time.Parse(DateLayout, b.EventDate)
	if err1 != nil || err2 != nil {
		return 0, nil, false
	}
	window := max(dateWindowDays(a.TimePrecision), dateWindowDays(b.TimePrecision))
	days := int(math.Abs(da.Sub(db).Hours()/24) + 0.5)
	if days > window {
		return 0, nil, false
	}
	radius := max(DuplicateMinKM, unc(a), unc(b))
	km := orbgeo.DistanceHaversine(orb.Point{a.Lon, a.Lat}, orb.Point{b.Lon, b.Lat}) / 1000
	if km > radius {
		return 0, nil, false
	}
	var typeScore float64
	switch {
	case a.SubEventType == b.SubEventType && a.EventType == b.EventType:
		typeScore = 1
		reasons = append(reasons, "same type: "+a.SubEventType)
	case a.EventType == b.EventType:
		typeScore = 0.8
		reasons = append(reasons, "same event type: "+a.EventType)
	case violent[a.EventType] && violent[b.EventType]:
		typeScore = 0.5
		reasons = append(reasons, fmt.Sprintf("compatible types: %s and %s", a.SubEventType, b.SubEventType))
	default:
		return 0, nil, false
	}
	if days == 0 {
		reasons = append(reasons, "same date")
	} else {
		reasons = append(reasons, fmt.Sprintf("dates %d day(s) apart (window %d)", days, window))
	}
	reasons = append(reasons, fmt.Sprintf("%.1f km apart (within %.0f km)", km, radius))
	fatScore := fatalitySimilarity(a, b)
	switch {
	case fatScore == 1:
		reasons = append(reasons, fmt.Sprintf("fatalities agree (%d and %d)", a.Fatalities, b.Fatalities))
	case fatScore >= 0.5:
		reasons = append(reasons, fmt.Sprintf("similar fatalities (%d and %d)", a.Fatalities, b.Fatalities))
	default:
		reasons = append(reasons, fmt.Sprintf("fatalities differ (%d and %d)", a.Fatalities, b.Fatalities))
	}
	score = 0.3*(1-float64(days)/float64(window+1)) + 0.3*(1-km/(radius*1.0001)) + 0.2*typeScore + 0.2*fatScore
	return math.Round(score*100) / 100, reasons, true
}

func unc(in *Incident) float64 {
	if in.UncertaintyKM != nil {
		return *in.UncertaintyKM
	}
	return 0
}

// fatalitySimilarity is 1 when the counts or their ranges overlap, the
// ratio of the smaller to the larger otherwise.
func fatalitySimilarity(a, b *Incident) float64 {
	lo := func(in *Incident) int {
		if in.FatalitiesLow != nil {
			return *in.FatalitiesLow
		}
		return in.Fatalities
	}
	hi := func(in *Incident) int {
		if in.FatalitiesHigh != nil {
			return *in.FatalitiesHigh
		}
		if in.FatalitiesLow != nil && *in.FatalitiesLow < in.Fatalities {
			return math.MaxInt32 // a range with no upper end ("at least 29")
		}
		return in.Fatalities
	}
	if lo(a) <= hi(b) && lo(b) <= hi(a) {
		return 1
	}
	x, y := float64(a.Fatalities), float64(b.Fatalities)
	return math.Min(x, y) / math.Max(x, y)
}

// DuplicateFilter is the store query that finds the candidates for in:
// the dates of the widest window around its date, within the search
// radius of its point.
func DuplicateFilter(in *Incident) (Filter, bool) {
	d, err := time.Parse(DateLayout, in.EventDate)
	if err != nil || !in.HasPoint() {
		return Filter{}, false
	}
	w := dateWindowDays(TimeMonth)
	p := orb.Point{in.Lon, in.Lat}
	return Filter{
		Start: d.AddDate(0, 0, -w).Format(DateLayout), End: d.AddDate(0, 0, w).Format(DateLayout),
		Near: &p, RadiusKM: max(duplicateSearchKM, unc(in)), Limit: duplicateCandidates,
	}, true
}

// Duplicates finds the stored incidents that may tell of the same event as
// in, best first. in itself (by id) is left out.
func (s *Service) Duplicates(ctx context.Context, in *Incident) ([]Duplicate, error) {
	f, ok := DuplicateFilter(in)
	if !ok {
		return []Duplicate{}, nil
	}
	out := []Duplicate{}
	err := s.Store.Each(ctx, f, func(c *Incident) error {
		if c.ID == in.ID {
			return nil
		}
		if score, reasons, ok := CompareIncidents(in, c); ok && score >= DuplicateMinScore {
			out = append(out, Duplicate{ID: c.ID, Kind: "incident", Score: score, Reasons: reasons, EventDate: c.EventDate, Location: c.Location, Fatalities: c.Fatalities})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortDuplicates(out)
	return out, nil
}

// sortDuplicates orders possible duplicates best first, then by id.
func sortDuplicates(ds []Duplicate) {
	slices.SortStableFunc(ds, func(x, y Duplicate) int {
		if x.Score != y.Score {
			if x.Score > y.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(x.ID, y.ID)
	})
}

// Merger is kept by stores that can merge two incidents in one
// transaction: survivor replaces the stored incident of its id, goneID is
// deleted, and both revisions carry note.
type Merger interface {
	Merge(ctx context.Context, survivor *Incident, goneID string, note string) error
}

// Merge keeps incident keepID with what other adds: both sources (joined
// "; "), both notes, every tag, the source URL when keepID had none, and
// merged_from listing the ids merged in. The other incident is deleted;
// its history stays under its id, and the revisions of both name the
// other.
func (s *Service) Merge(ctx context.Context, keepID, otherID string) (*Incident, error) {
	if keepID == otherID {
		return nil, FieldErrorf("with", "is the incident itself; name another incident to merge into %q", keepID)
	}
	m, ok := s.Store.(Merger)
	if !ok {
		return nil, Errorf(EINVALID, "this store cannot merge incidents")
	}
	keep, err := s.Store.Get(ctx, keepID)
	if err != nil {
		return nil, err
	}
	other, err := s.Store.Get(ctx, otherID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf("with", "no incident with id %q", otherID)
		}
		return nil, err
	}
	merged := *keep
	merged.Source = joinDistinct(keep.Source, other.Source, "; ")
	merged.Notes = joinDistinct(keep.Notes, other.Notes, "\n\n")
	if merged.SourceURL == "" {
		merged.SourceURL = other.SourceURL
	}
	merged.Tags = slices.Clone(keep.Tags)
	for _, t := range other.Tags {
		if !slices.Contains(merged.Tags, t) {
			merged.Tags = append(merged.Tags, t)
		}
	}
	merged.Extra = map[string]any{}
	for k, v := range keep.Extra {
		merged.Extra[k] = v
	}
	from := []any{}
	if prev, ok := keep.Extra["merged_from"].([]any); ok {
		from = append(from, prev...)
	}
	merged.Extra["merged_from"] = append(from, other.ID)
	merged.StoredJSON = nil
	merged.SetPoint(keep.Lon, keep.Lat)
	if err := s.Prepare(&merged); err != nil {
		return nil, err
	}
	merged.Geocoded = keep.Geocoded
	merged.UpdatedAt = s.now()
	note := fmt.Sprintf("merge: %s merged into %s", other.ID, keep.ID)
	if err := m.Merge(ctx, &merged, other.ID, note); err != nil {
		return nil, err
	}
	return &merged, nil
}

func joinDistinct(a, b, sep string) string {
	switch {
	case strings.TrimSpace(b) == "" || strings.Contains(a, b):
		return a
	case strings.TrimSpace(a) == "":
		return b
	}
	return a + sep + b
}
