// Package pgtest starts a throwaway PostgreSQL + PostGIS cluster for tests:
// the same Debian packages the test command installs, on a free loopback
// port, in a temporary directory, stopped and removed when the test binary's
// tests are done. Tests that need PostGIS call URL or NewDatabase; they never
// skip: without the packages they fail, saying what to install.
//
// INCIDENTMAP_TEST_PG, when set, names a server to use instead (a database
// URL whose user may create databases), e.g. a developer's own cluster.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Version is the PostgreSQL major version the test command installs.
const Version = "15"

var (
	once    sync.Once
	baseURL string
	dir     string
	bin     string
	runAs   []string
	errBoot error
	dbSeq   int
	dbMu    sync.Mutex
)

// URL returns the URL of the cluster's postgres database, starting the
// cluster on first use.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(boot)
	if errBoot != nil {
		t.Fatalf("pgtest: %v", errBoot)
	}
	return baseURL
}

// NewDatabase creates an empty database with the PostGIS extension for one
// test and returns its URL; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	dbMu.Lock()
	dbSeq++
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq)
	dbMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	dbURL := u.String()
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect %s: %v", name, err)
	}
	if _, err := db.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		db.Close(ctx)
		t.Fatalf("pgtest: create extension postgis: %v", err)
	}
	db.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return dbURL
}

// Main runs a package's tests and stops the cluster they started, for
// the package's TestMain: without it the postgres processes outlive the
// test binary.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the cluster this process started, if any, and removes its
// files. Call it from TestMain after m.Run (Main does).
func Stop() {
	if dir == "" {
		return
	}
	run(command(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "immediate", "stop"))
	os.RemoveAll(dir)
}

func boot() {
	if u := os.Getenv("INCIDENTMAP_TEST_PG"); u != "" {
		baseURL = u
		return
	}
	bin = "/usr/lib/postgresql/" + Version + "/bin"
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		errBoot = fmt.Errorf("PostgreSQL %s is not installed (%v): install postgresql-%s and postgresql-%s-postgis-3 from Debian, as ./scripts/test does", Version, err, Version, Version)
		return
	}
	if _, err := os.Stat("/usr/share/postgresql/" + Version + "/extension/postgis.control"); err != nil {
		errBoot = fmt.Errorf("PostGIS is not installed: install postgresql-%s-postgis-3 from Debian, as ./scripts/test does", Version)
		return
	}
	d, err := os.MkdirTemp("", "incidentmap-pgtest-")
	if err != nil {
		errBoot = err
		return
	}
	dir = d
	// PostgreSQL refuses to run as root: as root, run it as the postgres
	// user the Debian package made.
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			errBoot = fmt.Errorf("running as root and there is no postgres user: %v", err)
			return
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			errBoot = err
			return
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			errBoot = err
			return
		}
		runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	port, err := freePort()
	if err != nil {
		errBoot = err
		return
	}
	data := filepath.Join(dir, "data")
	if out, err := run(command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")); err != nil {
		errBoot = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = off\nshared_buffers = 128MB\njit = off\nmax_connections = 200\n", port, dir)
	// Trust for everyone but PasswordRole, which must give its password:
	// the first matching line of pg_hba.conf decides.
	hba := filepath.Join(data, "pg_hba.conf")
	rules, err := os.ReadFile(hba)
	if err != nil {
		errBoot = err
		return
	}
	if err := os.WriteFile(hba, append([]byte("host all "+PasswordRole+" 127.0.0.1/32 scram-sha-256\n"), rules...), 0o600); err != nil {
		errBoot = err
		return
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		errBoot = err
		return
	}
	f.WriteString(conf)
	f.Close()
	if out, err := run(command(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start")); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		errBoot = fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
		return
	}
	baseURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// PasswordRole is the one role the cluster asks for a password.
const PasswordRole = "incidentmap_pw"

// PasswordDatabase creates a database owned by PasswordRole, whose
// password is password, and returns its URL without the password: a test
// adds the right or a wrong one. It is dropped when the test ends.
func PasswordDatabase(t testing.TB, password string) string {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	u, _ := url.Parse(dbURL)
	for _, q := range []string{
		"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + PasswordRole + "') THEN CREATE ROLE " + PasswordRole + " LOGIN; END IF; END $$",
		"ALTER ROLE " + PasswordRole + " PASSWORD '" + strings.ReplaceAll(password, "'", "''") + "'",
		"ALTER DATABASE " + strings.TrimPrefix(u.Path, "/") + " OWNER TO " + PasswordRole,
		"ALTER SCHEMA public OWNER TO " + PasswordRole,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("pgtest: %s: %v", q, err)
		}
	}
	u.User = url.User(PasswordRole)
	return u.String()
}

// StopServer stops the cluster's server (fast shutdown: connections are
// cut), as a database going away mid-request; StartServer brings it back
// on the same port. Only for the cluster this process started.
func StopServer(t testing.TB) {
	t.Helper()
	URL(t)
	if dir == "" {
		t.Fatal("pgtest: StopServer needs the cluster pgtest started, not INCIDENTMAP_TEST_PG's")
	}
	if out, err := run(command(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "fast", "-w", "stop")); err != nil {
		t.Fatalf("pgtest: pg_ctl stop: %v: %s", err, out)
	}
}

// StartServer starts the server StopServer stopped.
func StartServer(t testing.TB) {
	t.Helper()
	if out, err := run(command(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start")); err != nil {
		t.Fatalf("pgtest: pg_ctl start: %v: %s", err, out)
	}
}

func command(name string, args ...string) *exec.Cmd {
	all := append(append([]string{}, runAs...), name)
	all = append(all, args...)
	return exec.Command(all[0], all[1:]...)
}

func run(c *exec.Cmd) (string, error) {
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
