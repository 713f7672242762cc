package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// CreateToken implements incident.TokenStore.
func (db *DB) CreateToken(ctx context.Context, t *incident.Token) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO tokens (id, name, role, hash, created_at, expires_at) VALUES (?,?,?,?,?,?)", t.ID, t.Name, t.Role, t.Hash, t.CreatedAt.UTC().Format(time.RFC3339Nano), expiresAt(t))
		return err
	})
}

func expiresAt(t *incident.Token) any {
	if t.ExpiresAt == nil {
		return nil
	}
	return t.ExpiresAt.UTC().Format(time.RFC3339Nano)
}

// TokenByHash implements incident.TokenStore. It reads the table on every
// request, so a revoked token fails on the next one.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*incident.Token, error) {
	var t incident.Token
	var created string
	var expires sql.NullString
	err := db.read.QueryRowContext(ctx, "SELECT id, name, role, hash, created_at, expires_at FROM tokens WHERE hash = ?", hash).Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, incident.Errorf(incident.EUNAUTHORIZED, "unknown token; create one with `incidentmap token create`")
	}
	if err != nil {
		return nil, err
	}
	scanTimes(&t, created, expires)
	return &t, nil
}

func scanTimes(t *incident.Token, created string, expires sql.NullString) {
	t.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	if expires.Valid {
		exp, _ := time.Parse(time.RFC3339Nano, expires.String)
		t.ExpiresAt = &exp
	}
}

// Tokens implements incident.TokenStore: every token, oldest first, without
// its hash.
func (db *DB) Tokens(ctx context.Context) ([]*incident.Token, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, role, created_at, expires_at FROM tokens ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*incident.Token{}
	for rows.Next() {
		var t incident.Token
		var created string
		var expires sql.NullString
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &created, &expires); err != nil {
			return nil, err
		}
		scanTimes(&t, created, expires)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokeToken implements incident.TokenStore. The row goes: revisions name
// their author by the token's name, not its id, so history keeps it.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM tokens WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return incident.Errorf(incident.ENOTFOUND, "no token with id %q; `incidentmap token list` shows them", id)
		}
		return nil
	})
}
