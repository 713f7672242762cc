package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Tokens are listed oldest first without their hashes; a revoked token is
// unknown at once; revoking an unknown id is not_found.
func TestTokens(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	desk, deskTok, _ := incident.NewToken("desk", incident.RoleEditor, t0, 0)
	_, gisTok, _ := incident.NewToken("gis", incident.RoleAdmin, t0.Add(time.Hour), 30*24*time.Hour)
	for _, tok := range []*incident.Token{gisTok, deskTok} {
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	list, err := db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != deskTok.ID || list[1].ID != gisTok.ID {
		t.Fatalf("listed %+v, want desk then gis", list)
	}
	if g := list[1]; g.Name != "gis" || g.Role != incident.RoleAdmin || !g.CreatedAt.Equal(gisTok.CreatedAt) || g.ExpiresAt == nil || !g.ExpiresAt.Equal(*gisTok.ExpiresAt) || g.Hash != "" {
		t.Errorf("listed %+v, want %+v without its hash", g, gisTok)
	}
	if list[0].ExpiresAt != nil {
		t.Errorf("a token without expiry listed as expiring %v", list[0].ExpiresAt)
	}

	if _, err := db.TokenByHash(ctx, incident.HashToken(desk)); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, deskTok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenByHash(ctx, incident.HashToken(desk)); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
		t.Errorf("a revoked token was found: %v", err)
	}
	if list, _ := db.Tokens(ctx); len(list) != 1 || list[0].ID != gisTok.ID {
		t.Errorf("after revoking desk: %+v", list)
	}
	if err := db.RevokeToken(ctx, deskTok.ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("revoking it again: %v, want not_found", err)
	}
}
