package incident

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// TokenPrefix starts every secret, so a leaked one is easy to recognise.
const TokenPrefix = "imt_"

// NewToken makes a token with a random 256-bit secret. The secret is
// returned once, to give to its user; only its hash is kept.
func NewToken(name, role string, now time.Time, ttl time.Duration) (secret string, t *Token, err error) {
	if !RoleAtLeast(role, RoleViewer) {
		return "", nil, FieldErrorf("role", "%q is not a role; use viewer, editor or admin", clip(role))
	}
	if strings.TrimSpace(name) == "" {
		name = role
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	id := make([]byte, 6)
	rand.Read(id)
	t = &Token{ID: "tok-" + hex.EncodeToString(id), Name: name, Role: role, Hash: HashToken(secret), CreatedAt: now.UTC()}
	if ttl > 0 {
		exp := now.Add(ttl).UTC()
		t.ExpiresAt = &exp
	}
	return secret, t, nil
}

// HashToken is the SHA-256 of a secret, in hex: what the store keeps and
// looks tokens up by.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ParseTokenTTL reads how long a token is valid: a Go duration ("720h") or
// whole days ("30d").
func ParseTokenTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	if err != nil || d <= 0 {
		return 0, FieldErrorf("expires", "%q: use a duration like 720h or 30d", clip(s))
	}
	return d, nil
}

// Expired says whether the token no longer opens anything at now. Stores
// keep and return expired tokens as they are; this is the one test of them.
func (t *Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && now.After(*t.ExpiresAt)
}
