package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/store/sqlite"
)

func TestHistoryAndSoftDelete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed")
	editor, admin := token(t, db, "editor"), token(t, db, "admin")
	f := feature("h-1", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 3, nil)
	before := time.Now().UTC().Format(time.RFC3339Nano)
	if r := s.do("POST", "/api/v1/incidents", editor, f); r.status != 201 {
		t.Fatal(r.status, string(r.body))
	}
	s.do("PATCH", "/api/v1/incidents/h-1", editor, `{"properties":{"fatalities":4}}`)
	if r := s.do("DELETE", "/api/v1/incidents/h-1", editor, nil); r.status != 204 {
		t.Fatal(r.status)
	}
	if r := s.get("/api/v1/incidents/h-1"); r.status != 404 {
		t.Errorf("deleted incident GET: %d", r.status)
	}
	if c := s.list(""); c.NumberMatched != 0 {
		t.Errorf("deleted incident still listed")
	}
	// A sync client asking what changed sees the deletion as a marker.
	c := s.list("updated_since=" + before)
	if len(c.Features) != 1 || c.Features[0].Properties["deleted"] != true || c.Features[0].Geometry != nil {
		t.Errorf("updated_since listing: %+v", c.Features)
	}
	var h struct {
		Revisions []struct {
			Action, Actor string
			Before, After json.RawMessage
		}
	}
	json.Unmarshal(s.get("/api/v1/incidents/h-1/history").body, &h)
	var actions []string
	for _, r := range h.Revisions {
		actions = append(actions, r.Action+":"+r.Actor)
	}
	if strings.Join(actions, " ") != "create:test-editor update:test-editor delete:test-editor" {
		t.Errorf("history %v", actions)
	}
	if len(h.Revisions) == 3 && (string(h.Revisions[0].Before) != "null" || !strings.Contains(string(h.Revisions[1].Before), `"fatalities":3`) || !strings.Contains(string(h.Revisions[1].After), `"fatalities":4`)) {
		t.Errorf("update revision before/after wrong: %s / %s", h.Revisions[1].Before, h.Revisions[1].After)
	}
	// Recreating the id is a conflict that says how to restore; editors
	// cannot restore, admins can.
	if r := s.do("POST", "/api/v1/incidents", editor, f); r.status != 409 || !strings.Contains(string(r.body), "restore") {
		t.Errorf("re-create deleted id: %d %s", r.status, r.body)
	}
	if r := s.do("POST", "/api/v1/incidents/h-1/restore", editor, nil); r.status != 403 {
		t.Errorf("editor restore: %d", r.status)
	}
	if r := s.do("POST", "/api/v1/incidents/h-1/restore", admin, nil); r.status != 200 {
		t.Errorf("admin restore: %d %s", r.status, r.body)
	}
	if r := s.get("/api/v1/incidents/h-1"); r.status != 200 || !strings.Contains(string(r.body), `"fatalities":4`) {
		t.Errorf("restored incident: %d %s", r.status, r.body)
	}
	if r := s.get("/api/v1/incidents/nope/history"); r.status != 404 {
		t.Errorf("history of unknown id: %d", r.status)
	}
}

func TestTokensExpireAndWritesAreRateLimited(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	s := start(t, db, "--no-seed", "--write-rate", "6")
	var out, errb strings.Builder
	if err := runEnv(context.Background(), []string{"token", "create", "--db", db, "--role", "editor", "--expires", "1ms"}, env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}); err != nil {
		t.Fatal(err)
	}
	expired := strings.TrimSpace(out.String())
	time.Sleep(5 * time.Millisecond)
	f := feature("r-0", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 0, nil)
	if r := s.do("POST", "/api/v1/incidents", expired, f); r.status != 401 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
	tok := token(t, db, "editor")
	var limited response
	for i := 0; i < 10; i++ {
		r := s.do("POST", "/api/v1/incidents", tok, feature(fmt.Sprintf("r-%d", i), "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 0, nil))
		if r.status == 429 {
			limited = r
			break
		}
		if r.status != 201 {
			t.Fatalf("write %d: %d %s", i, r.status, r.body)
		}
	}
	if limited.status != 429 || limited.header.Get("Retry-After") == "" || limited.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("no 429 with Retry-After after a burst of writes: %+v", limited.status)
	}
	// Reads are not limited.
	for i := 0; i < 20; i++ {
		if r := s.get("/api/v1/incidents?limit=1"); r.status != 200 {
			t.Fatalf("read %d: %d", i, r.status)
		}
	}
}

func TestMetricsReadyzAndHeaders(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "im.db"))
	s.get("/api/v1/incidents")
	s.get("/api/v1/incidents?bbox=3,1,2,4")
	m := string(s.get("/metrics").body)
	for _, want := range []string{`incidentmap_http_requests_total{method="GET",route="/api/v1/incidents",status="200"} 1`, `status="400"} 1`, "incidentmap_incidents 5", "incidentmap_http_request_duration_seconds_bucket"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, m)
		}
	}
	if r := s.get("/readyz"); r.status != 200 {
		t.Errorf("/readyz: %d", r.status)
	}
	r := s.get("/")
	for h, want := range map[string]string{"Content-Security-Policy": "script-src 'self'", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if !strings.Contains(r.header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, r.header.Get(h), want)
		}
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

func TestBackupWhileServingAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "im.db")
	s := start(t, db)
	tok := token(t, db, "editor")
	s.do("POST", "/api/v1/incidents", tok, feature("b-1", "2024-01-01", "Battles", "Armed clash", 1.8, 13.1, 2, nil))
	backup := filepath.Join(dir, "backup.db")
	if _, stderr, err := runCLI(t, "", "backup", "--db", db, backup); err != nil {
		t.Fatalf("backup while serving: %v %s", err, stderr)
	}
	if _, _, err := runCLI(t, "", "backup", "--db", db, backup); err == nil {
		t.Error("backup overwrote an existing file")
	}
	s.do("POST", "/api/v1/incidents", tok, feature("b-2", "2024-01-02", "Battles", "Armed clash", 1.8, 13.1, 2, nil))
	s.stop()
	if _, _, err := runCLI(t, "", "restore", "--db", db, backup); err == nil {
		t.Error("restore replaced a database without --force")
	}
	if _, stderr, err := runCLI(t, "", "restore", "--db", db, "--force", backup); err != nil {
		t.Fatalf("restore: %v %s", err, stderr)
	}
	s = start(t, db)
	if got := ids(s.list("")); !contains(got, "b-1") || contains(got, "b-2") || len(got) != 6 {
		t.Errorf("after restore: %v; want the seed and b-1, not b-2", got)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o644)
	if _, _, err := runCLI(t, "", "restore", "--db", filepath.Join(dir, "new.db"), junk); err == nil {
		t.Error("restored from a file that is not a database")
	}
}

// buildBinary builds the real program once, for tests that kill it.
var buildOnce sync.Once
var binPath string
var buildErr error

func buildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "incidentmap-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "incidentmap")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// child runs the built program as a separate process.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, bin, db string, extra ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--write-rate", "0", "--no-seed"}, extra...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first log lines say where it listens.
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 512)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n, err := stderr.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if i := strings.Index(string(buf), "url=http://"); i >= 0 {
			rest := string(buf[i+len("url="):])
			if j := strings.IndexAny(rest, " \n"); j > 0 {
				go io.Copy(io.Discard, stderr)
				return &child{cmd: cmd, base: rest[:j]}
			}
		}
		if err != nil {
			break
		}
	}
	cmd.Process.Kill()
	t.Fatalf("child did not start: %s", buf)
	return nil
}

// TestCrashLosesNoAcknowledgedWrite kills the real server with SIGKILL while
// writers are busy, restarts it, and checks that every write it
// acknowledged is there, intact, and that the database is sound.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	start(t, db, "--no-seed").stop() // the server makes the database, then the token goes in
	tok := token(t, db, "editor")
	acked := map[string]int{} // id → fatalities
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for round := 0; round < 4; round++ {
		c := startChild(t, bin, db)
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; !stop.Load(); i++ {
					id := fmt.Sprintf("c%d-%d-%d", round, w, i)
					fat := (round*1000 + w*100 + i) % 997
					body, _ := json.Marshal(feature(id, "2024-01-01", "Battles", "Armed clash", 1.8+float64(w)/10, 13.1, fat, nil))
					req, _ := http.NewRequest("POST", c.base+"/api/v1/incidents", strings.NewReader(string(body)))
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err := client.Do(req)
					if err != nil {
						continue // the server died mid-request: not acknowledged
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode == 201 {
						mu.Lock()
						acked[id] = fat
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(150+rng.Intn(500)) * time.Millisecond)
		c.cmd.Process.Signal(syscall.SIGKILL)
		c.cmd.Wait()
		stop.Store(true)
		wg.Wait()
	}
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged; the test did not exercise the server", len(acked))
	}
	c := startChild(t, bin, db)
	defer func() { c.cmd.Process.Signal(syscall.SIGTERM); c.cmd.Wait() }()
	res, err := http.Get(c.base + "/api/v1/incidents?limit=10000")
	if err != nil {
		t.Fatal(err)
	}
	var got fc
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	have := map[string]int{}
	for _, f := range got.Features {
		have[f.ID] = int(f.Properties["fatalities"].(float64))
	}
	var lost []string
	for id, fat := range acked {
		if v, ok := have[id]; !ok || v != fat {
			lost = append(lost, id)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("%d acknowledged writes lost or altered after SIGKILL: %v", len(lost), lost)
	}
	t.Logf("%d writes acknowledged over 4 kills, all present; %d stored in all (some unacknowledged writes committed before the kill)", len(acked), len(have))
	if err := sqlite.Verify(context.Background(), db); err != nil {
		t.Errorf("after the crashes: %v", err)
	}
}

// TestLoad runs concurrent readers and writers for a bounded time: no 5xx,
// no lost write; it reports throughput and latency percentiles.
func TestLoad(t *testing.T) {
	db := filepath.Join(t.TempDir(), "load.db")
	s := start(t, db, "--write-rate", "0")
	tok := token(t, db, "editor")
	const dur = 3 * time.Second
	deadline := time.Now().Add(dur)
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var written []string
	var fivexx atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	do := func(kind string, req *http.Request) int {
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		mu.Lock()
		lat[kind] = append(lat[kind], time.Since(t0))
		mu.Unlock()
		if res.StatusCode >= 500 {
			fivexx.Add(1)
		}
		return res.StatusCode
	}
	queries := []string{"", "?bbox=0,12,4,16", "?border=MLI&border_km=50", "?near=2.1,13.5&radius_km=25", "?region=NE-6&event_type=Battles"}
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest("GET", s.base+"/api/v1/incidents"+queries[(r+i)%len(queries)], nil)
				do("read", req)
			}
		}(r)
	}
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("l%d-%d", w, i)
				body, _ := json.Marshal(feature(id, "2024-02-01", "Battles", "Armed clash", 0.5+float64(i%100)/20, 12+float64(w), 1, nil))
				req, _ := http.NewRequest("POST", s.base+"/api/v1/incidents", strings.NewReader(string(body)))
				req.Header.Set("Authorization", "Bearer "+tok)
				if do("write", req) == 201 {
					mu.Lock()
					written = append(written, id)
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if n := fivexx.Load(); n > 0 {
		t.Errorf("%d responses were 5xx", n)
	}
	stored := map[string]bool{}
	for _, id := range ids(s.list("limit=10000")) {
		stored[id] = true
	}
	for _, id := range written {
		if !stored[id] {
			t.Errorf("write %s acknowledged but not stored", id)
		}
	}
	for _, kind := range []string{"read", "write"} {
		ls := lat[kind]
		sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
		if len(ls) == 0 {
			t.Fatalf("no %ss completed", kind)
		}
		p := func(q float64) time.Duration { return ls[int(q*float64(len(ls)-1))] }
		t.Logf("%s: %d in %v (%.0f/s), p50 %v p95 %v p99 %v", kind, len(ls), dur, float64(len(ls))/dur.Seconds(), p(0.5), p(0.95), p(0.99))
	}
}

// With --tls-cert and --tls-key the server speaks HTTPS only, with HSTS.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, cert := selfSignedCert(t, dir, "cert")
	s := start(t, filepath.Join(dir, "im.db"), "--tls-cert", certFile, "--tls-key", keyFile)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	secure := strings.Replace(s.base, "http://", "https://", 1)
	res, err := client.Get(secure + "/api/v1/incidents?limit=1")
	if err != nil {
		t.Fatalf("GET over HTTPS: %v\n%s", err, s.logs)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil {
		t.Fatalf("GET over HTTPS: status %d, TLS %v", res.StatusCode, res.TLS != nil)
	}
	if h := res.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
		t.Errorf("Strict-Transport-Security = %q over HTTPS", h)
	}
	if !strings.Contains(s.logs.String(), "https://") {
		t.Errorf("the start-up log does not give the https URL:\n%s", s.logs)
	}
	// Plain HTTP to the same port gets no incidents.
	plain := &http.Client{Timeout: 10 * time.Second}
	if res, err := plain.Get(s.base + "/api/v1/incidents?limit=1"); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Errorf("plain HTTP to the TLS port answered 200: %.200s", b)
		}
	}
	// A certificate nobody trusts is refused by clients, as it should be.
	if _, err := plain.Get(secure + "/healthz"); err == nil {
		t.Error("a client without the test CA accepted the server's certificate")
	}
}

// selfSignedCert writes a self-signed certificate for 127.0.0.1 and its key
// into dir as NAME.pem and NAME-key.pem.
func selfSignedCert(t *testing.T, dir, name string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "incidentmap test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ = x509.ParseCertificate(der)
	return certFile, keyFile, cert
}
