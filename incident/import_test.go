package incident

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// chunks is an import input of the given chunks, then its end (or err).
func chunks(err error, cs ...*ImportChunk) func() (*ImportChunk, error) {
	return func() (*ImportChunk, error) {
		if len(cs) == 0 {
			return nil, err
		}
		c := cs[0]
		cs = cs[1:]
		return c, nil
	}
}

func numbered(ids ...string) []*Incident {
	var out []*Incident
	for i, id := range ids {
		in := valid()
		in.ID, in.Line = id, i+2
		out = append(out, in)
	}
	return out
}

// An id seen in an earlier chunk is a duplicate, named with its first
// line; OnChange hears each chunk once it is stored; an input that fails
// after a chunk says what was imported before it, one that fails in its
// first chunk that nothing was.
func TestImportStreamAcrossChunks(t *testing.T) {
	s, st := newService()
	var told []string
	s.OnChange = func(_ context.Context, chs []Change) {
		told = append(told, fmt.Sprint(len(chs)))
	}
	a, b := numbered("a1", "a2", "a3"), numbered("b1", "a2")
	b[0].Line, b[1].Line = 5, 6
	res, err := s.ImportStream(context.Background(), chunks(nil, &ImportChunk{Incidents: a}, &ImportChunk{Incidents: b}), ImportOptions{})
	if err != nil || res.New != 4 || len(res.Rejected) != 1 || res.Rejected[0].Record != 6 || !strings.Contains(res.Rejected[0].Reason, "first at record 3") {
		t.Fatalf("%+v %v", res, err)
	}
	if fmt.Sprint(told) != "[3 1]" || len(st.m) != 4 {
		t.Errorf("OnChange told %v, %d stored; want [3 1], 4", told, len(st.m))
	}
	res, err = s.ImportStream(context.Background(), chunks(Errorf(EINVALID, "line 9: broken"), &ImportChunk{Incidents: numbered("c1")}), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 9: broken; the records before it were imported (new 1,") || res.New != 1 {
		t.Errorf("input failing after a chunk: %+v, %v", res, err)
	}
	res, err = s.ImportStream(context.Background(), chunks(Errorf(EINVALID, "line 2: broken")), ImportOptions{})
	if err == nil || err.Error() != "line 2: broken; nothing was imported" || res != nil {
		t.Errorf("input failing in its first chunk: %+v, %v", res, err)
	}
}
