package postgis

import (
	"context"
	"errors"

	"github.com/incidentmap/incidentmap/incident"
	"github.com/jackc/pgx/v5"
)

// CreateToken implements incident.TokenStore.
func (db *DB) CreateToken(ctx context.Context, t *incident.Token) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tokens (id, name, role, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)", t.ID, t.Name, t.Role, t.Hash, t.CreatedAt, t.ExpiresAt)
		return err
	})
}

// TokenByHash implements incident.TokenStore. It reads the table on every
// request, so a token revoked on one server fails on every server at the
// next request.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*incident.Token, error) {
	var t incident.Token
	err := db.pool.QueryRow(ctx, "SELECT id, name, role, hash, created_at, expires_at FROM tokens WHERE hash = $1", hash).Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt, &t.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, incident.Errorf(incident.EUNAUTHORIZED, "unknown token; create one with `incidentmap token create`")
	}
	if err != nil {
		return nil, db.fail("token", err)
	}
	utc(&t)
	return &t, nil
}

func utc(t *incident.Token) {
	t.CreatedAt = t.CreatedAt.UTC()
	if t.ExpiresAt != nil {
		e := t.ExpiresAt.UTC()
		t.ExpiresAt = &e
	}
}

// Tokens implements incident.TokenStore: every token, oldest first,
// without its hash.
func (db *DB) Tokens(ctx context.Context) ([]*incident.Token, error) {
	rows, err := db.pool.Query(ctx, "SELECT id, name, role, created_at, expires_at FROM tokens ORDER BY created_at, id")
	if err != nil {
		return nil, db.fail("tokens", err)
	}
	defer rows.Close()
	out := []*incident.Token{}
	for rows.Next() {
		var t incident.Token
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.ExpiresAt); err != nil {
			return nil, db.fail("tokens", err)
		}
		utc(&t)
		out = append(out, &t)
	}
	return out, db.fail("tokens", rows.Err())
}

// RevokeToken implements incident.TokenStore.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM tokens WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return incident.Errorf(incident.ENOTFOUND, "no token with id %q; `incidentmap token list` shows them", id)
		}
		return nil
	})
}
