package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/incidentmap/incidentmap/store/memstore"
)

// Tokens checks a TokenStore: tokens come back as created (expiry to the
// microsecond), listed oldest first without their hashes; an expired token
// is still found (Token.Expired is the one test of expiry); a revoked one
// is not, and cannot be revoked twice.
func Tokens(t *testing.T, open Open) {
	store := open(t)
	ts, ok := store.(incident.TokenStore)
	if !ok {
		t.Logf("%T keeps no tokens", store)
		return
	}
	ctx := context.Background()
	ref := memstore.New()
	now := time.Now().UTC().Truncate(time.Microsecond)
	var secrets []string
	var made []*incident.Token
	for i, c := range []struct {
		role string
		at   time.Time
		ttl  time.Duration
	}{
		{incident.RoleAdmin, now.Add(-72 * time.Hour), 0},
		{incident.RoleViewer, now.Add(-48 * time.Hour), time.Hour}, // expired
		{incident.RoleEditor, now.Add(-48 * time.Hour), 720 * time.Hour},
		{incident.RoleViewer, now, 30 * 24 * time.Hour},
	} {
		secret, tok, err := incident.NewToken("token "+string(rune('a'+i))+" é", c.role, c.at, c.ttl)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []incident.TokenStore{ref, ts} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
		}
		secrets, made = append(secrets, secret), append(made, tok)
	}
	if err := ts.CreateToken(ctx, made[0]); err == nil {
		t.Error("CreateToken of a token stored already: no error")
	}
	for i, s := range secrets {
		got, err := ts.TokenByHash(ctx, incident.HashToken(s))
		if err != nil {
			t.Fatalf("TokenByHash of token %d: %v", i, err)
		}
		if !sameToken(got, made[i], true) {
			t.Errorf("TokenByHash: %+v, want %+v", got, made[i])
		}
		if got.Expired(now) != (i == 1) {
			t.Errorf("token %d (expires %v) expired: %v", i, got.ExpiresAt, got.Expired(now))
		}
	}
	if _, err := ts.TokenByHash(ctx, incident.HashToken("imt_unknown")); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
		t.Errorf("TokenByHash of an unknown secret: %v, want unauthorized", err)
	}
	for _, s := range []incident.TokenStore{ref, ts} {
		if err := s.RevokeToken(ctx, made[2].ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
	}
	if _, err := ts.TokenByHash(ctx, incident.HashToken(secrets[2])); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
		t.Errorf("TokenByHash of a revoked token: %v, want unauthorized", err)
	}
	if err := ts.RevokeToken(ctx, made[2].ID); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("RevokeToken twice: %v, want not found", err)
	}
	got, err := ts.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ref.Tokens(ctx)
	if len(got) != len(want) {
		t.Fatalf("Tokens: %d, want %d", len(got), len(want))
	}
	for i := range got {
		if !sameToken(got[i], want[i], false) {
			t.Errorf("Tokens: token %d is %+v, want %+v", i, got[i], want[i])
		}
	}
}

// sameToken compares tokens, their times as instants; with hash, a's hash
// must be b's, without, a must carry none (listings leave it out).
func sameToken(a, b *incident.Token, hash bool) bool {
	sameExp := a.ExpiresAt == nil && b.ExpiresAt == nil || a.ExpiresAt != nil && b.ExpiresAt != nil && a.ExpiresAt.Equal(*b.ExpiresAt)
	sameHash := a.Hash == ""
	if hash {
		sameHash = a.Hash == b.Hash
	}
	return a.ID == b.ID && a.Name == b.Name && a.Role == b.Role && a.CreatedAt.Equal(b.CreatedAt) && sameExp && sameHash
}
