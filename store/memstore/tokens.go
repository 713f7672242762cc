package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/incidentmap/incidentmap/incident"
)

// CreateToken implements incident.TokenStore; ECONFLICT when the id or the
// hash is taken.
func (s *Store) CreateToken(ctx context.Context, t *incident.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.tokens {
		if o.ID == t.ID || o.Hash == t.Hash {
			return incident.Errorf(incident.ECONFLICT, "a token with id %q or its secret exists", t.ID)
		}
	}
	c := *t
	c.CreatedAt, c.ExpiresAt = t.CreatedAt.UTC(), ptr(t.ExpiresAt)
	if c.ExpiresAt != nil {
		*c.ExpiresAt = c.ExpiresAt.UTC()
	}
	s.tokens = append(s.tokens, &c)
	return nil
}

// TokenByHash implements incident.TokenStore. Expired tokens are found:
// whoever checks a request's token decides what expiry means.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*incident.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.tokens {
		if t.Hash == hash {
			c := *t
			c.ExpiresAt = ptr(t.ExpiresAt)
			return &c, nil
		}
	}
	return nil, incident.Errorf(incident.EUNAUTHORIZED, "unknown token; create one with `incidentmap token create`")
}

// Tokens implements incident.TokenStore: oldest first (then by id),
// without hashes.
func (s *Store) Tokens(ctx context.Context) ([]*incident.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []*incident.Token{}
	for _, t := range s.tokens {
		c := *t
		c.Hash, c.ExpiresAt = "", ptr(t.ExpiresAt)
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *incident.Token) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeToken implements incident.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.tokens, func(t *incident.Token) bool { return t.ID == id })
	if i < 0 {
		return incident.Errorf(incident.ENOTFOUND, "no token with id %q; `incidentmap token list` shows them", id)
	}
	s.tokens = slices.Delete(s.tokens, i, i+1)
	return nil
}
