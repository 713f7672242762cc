package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

// newPlacesServer is a test server with a gazetteer of its own, which the
// places API changes.
func newPlacesServer(t *testing.T) *testServer {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g, err := geo.Load(geo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	svc := &incident.Service{Store: db, Locator: g, Geocoder: g}
	ts := &testServer{t: t, db: db, srv: NewServer(Config{Service: svc, Store: db, Tokens: db, Places: db, Geo: g, Logger: slog.New(slog.DiscardHandler)})}
	ts.editor, ts.admin = ts.token(incident.RoleEditor), ts.token(incident.RoleAdmin)
	return ts
}

func TestPlacesAPI(t *testing.T) {
	ts := newPlacesServer(t)
	rec := ts.do("GET", "/api/v1/places?q=Tillabery", "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Tillabéri"`) {
		t.Fatalf("GET ?q=Tillabery: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do("POST", "/api/v1/places", "", "name,lat,lon\nKobadjou Tinkar,14.6,1.4\n"); rec.Code != http.StatusUnauthorized {
		t.Errorf("POST without a token: %d, want 401", rec.Code)
	}
	// A bad row fails the whole body: nothing stored.
	wantProblem(t, ts.do("POST", "/api/v1/places", ts.editor, "name,lat,lon\nKobadjou Tinkar,14.6,1.4\nTera,200,0.75\n"), http.StatusBadRequest, "body", "line 3")
	if rec := ts.do("GET", "/api/v1/places", "", ""); rec.Code != http.StatusOK || len(decodeBody(t, rec)["features"].([]any)) != 0 {
		t.Fatalf("after a refused POST: %d %s, want no places", rec.Code, rec.Body)
	}
	wantProblem(t, ts.do("POST", "/api/v1/places", ts.editor, "\x00\x01binary"), http.StatusBadRequest, "body", "binary")

	rec = ts.do("POST", "/api/v1/places", ts.editor, "name,lat,lon,variants\nKobadjou Tinkar,14.6,1.4,Kobadjou\n")
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	f := decodeBody(t, rec)["features"].([]any)[0].(map[string]any)
	id := f["id"].(float64)
	if props(f)["region"] != "NE-6" || props(f)["source"] != SourceAPI {
		t.Errorf("posted place: %v", f)
	}
	// The geocoder sees it at once.
	rec = ts.do("GET", "/api/v1/geocode?q=Kobadjou", "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"name":"Kobadjou Tinkar"`) {
		t.Fatalf("geocode after POST: %d %s", rec.Code, rec.Body)
	}
	path := fmt.Sprintf("/api/v1/places/%d", int64(id))
	if rec := ts.do("DELETE", path, ts.editor, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE %s: %d %s", path, rec.Code, rec.Body)
	}
	if rec := ts.do("GET", "/api/v1/geocode?q=Kobadjou", "", ""); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("geocode after DELETE: %d %s, want 422", rec.Code, rec.Body)
	}
	wantProblem(t, ts.do("DELETE", path, ts.editor, ""), http.StatusNotFound, "", "no added place")
	wantProblem(t, ts.do("DELETE", "/api/v1/places/abc", ts.editor, ""), http.StatusBadRequest, "id", "not a place id")
}
