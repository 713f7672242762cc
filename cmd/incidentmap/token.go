package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"
)

const tokenUsage = `Usage:
  incidentmap token create --role viewer|editor|admin [--name NAME] [--expires 30d] [--db FILE]
  incidentmap token list [--json] [--db FILE]
  incidentmap token revoke [--db FILE] ID

Run "incidentmap token SUBCOMMAND --help" for its flags. The server's admin API does the
same: GET, POST /api/v1/tokens and DELETE /api/v1/tokens/{id}.
`

// cmdTokenList prints every token: id, name, role, created and expires,
// never the secret (which is not stored) or its hash.
func cmdTokenList(ctx context.Context, args []string, e env) error {
	fs := newFlags("token list", "[--json] [--db FILE]", "Lists API tokens, oldest first: id, name, role, when created and when they expire. Secrets are\nshown only when created, and never stored.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	asJSON := fs.Bool("json", false, "write a JSON array instead of a table")
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if err := noArgs(fs, ""); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := db.Tokens(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ts)
	}
	now := time.Now()
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tEXPIRES")
	for _, t := range ts {
		expires := "never"
		if t.ExpiresAt != nil {
			expires = t.ExpiresAt.UTC().Format(time.RFC3339)
			if now.After(*t.ExpiresAt) {
				expires += " (expired)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), expires)
	}
	return w.Flush()
}

// cmdTokenRevoke deletes a token: a server using the database refuses it
// from its next request on.
func cmdTokenRevoke(ctx context.Context, args []string, e env) error {
	fs := newFlags("token revoke", "[--db FILE] ID", "Revokes an API token (its ID from `incidentmap token list`): requests with it get 401 from then\non, also on a server that is running.", e)
	dbPath := fs.String("db", defaultDB, dbUsage)
	if err := parse(fs, args, e); err != nil {
		return helpOK(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"token revoke takes one token ID (see `incidentmap token list`)"}
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeToken(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %s revoked; requests with it now get 401\n", fs.Arg(0))
	return nil
}
