package incident

import (
	"context"
	"fmt"
	"testing"
)

func (s *memStore) Delete(_ context.Context, id string) error {
	if s.m[id] == nil {
		return Errorf(ENOTFOUND, "no incident %q", id)
	}
	s.writes++
	delete(s.m, id)
	return nil
}

// Every write tells OnChange what it did, with the incident before and
// after; a write that changes nothing tells nothing.
func TestWritesReportBeforeAndAfter(t *testing.T) {
	s, _ := newService()
	var got []string
	s.OnChange = func(ctx context.Context, chs []Change) {
		for _, c := range chs {
			b, a := "nil", "nil"
			if c.Before != nil {
				b = fmt.Sprint(c.Before.Fatalities)
			}
			if c.After != nil {
				a = fmt.Sprint(c.After.Fatalities)
			}
			got = append(got, fmt.Sprintf("%s %s %s>%s %s", c.Action, c.ID, b, a, c.Actor))
		}
	}
	ctx := WithActor(context.Background(), "desk")
	if _, err := s.Create(ctx, valid()); err != nil {
		t.Fatal(err)
	}
	in := valid()
	in.Fatalities = 5
	if _, err := s.Replace(ctx, "x-1", in); err != nil {
		t.Fatal(err)
	}
	in = valid()
	in.Fatalities = 5
	if _, err := s.Replace(ctx, "x-1", in); err != nil { // the same: no change
		t.Fatal(err)
	}
	if _, err := s.Patch(ctx, "x-1", []byte(`{"properties":{"fatalities":6}}`), PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "x-1"); err != nil {
		t.Fatal(err)
	}
	a, b := valid(), valid()
	b.ID, b.Fatalities = "x-2", 1
	if _, err := s.Import(ctx, []*Incident{a, b}, nil, nil, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	a = valid()
	a.Fatalities = 4
	if _, err := s.Import(ctx, []*Incident{a}, []Deletion{{ID: "x-2"}}, nil, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"create x-1 nil>3 desk", "update x-1 3>5 desk", "update x-1 5>6 desk", "delete x-1 6>nil desk",
		"create x-1 nil>3 desk", "create x-2 nil>1 desk", "update x-1 3>4 desk", "delete x-2 1>nil desk"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes:\n%v\nwant\n%v", got, want)
	}
}
