// Tests of how the command reads its settings from the environment.

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

func TestEnvironmentSetsFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	start(t, db).stop()
	t.Chdir(t.TempDir()) // where no ./incidentmap.db can answer instead
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "INCIDENTMAP_DB" {
			return db
		}
		return ""
	}
	if err := runEnv(context.Background(), []string{"token", "create", "--role", "admin"}, env{getenv: getenv, stdout: &out, stderr: &errb}); err != nil {
		t.Fatalf("INCIDENTMAP_DB was not used: %v %s", err, errb.String())
	}
}
