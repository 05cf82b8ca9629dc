package security_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/sluice-gateway/sluice/internal/testenv"
)

// bin is the sluice binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-security")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "sluice")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sluice").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A server is a running sluice serve and the setup of its stores.
type server struct {
	URL  string
	env  []string // the CLI's environment: where the stores are
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`sluice serving on (http://\S+)`)

// sqliteEnv keeps the stores of regions CN and EU under dir, which
// sluice init makes a data directory.
func sqliteEnv(t *testing.T, dir string) []string {
	env := []string{"SLUICE_DATA_DIR=" + dir, "SLUICE_REGIONS=CN,EU"}
	cli(t, env, "init")
	return env
}

// postgresEnv keeps the control store and both regions in fresh
// PostgreSQL databases, initialised by sluice init; it skips the test
// without SLUICE_TEST_POSTGRES.
func postgresEnv(t *testing.T, dir string) []string {
	env := []string{"SLUICE_DATA_DIR=" + dir, "SLUICE_REGIONS=CN,EU",
		"SLUICE_CONTROL_DSN=" + mustCreatePostgres(t), "SLUICE_REGION_CN=" + mustCreatePostgres(t), "SLUICE_REGION_EU=" + mustCreatePostgres(t)}
	cli(t, env, "init")
	return env
}

// cli runs a sluice command with env and returns its standard output.
func cli(t *testing.T, env []string, args ...string) string {
	t.Helper()
	return cliFound(t, env, false, args...)
}

// cliFound is cli, where a command that finds nothing (exit 3) passes
// too if empty is true.
func cliFound(t *testing.T, env []string, empty bool, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil && !(empty && cmd.ProcessState.ExitCode() == 3) {
		t.Fatalf("sluice %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// mustKey makes org (in region) if needed and a key of role for it.
func mustKey(t *testing.T, env []string, org, region, role string) string {
	t.Helper()
	if !strings.Contains(cliFound(t, env, true, "org", "list"), org) {
		cli(t, env, "org", "create", "--name", org, "--region", region)
	}
	return strings.TrimSpace(cli(t, env, "key", "create", "--org", org, "--role", role))
}

// serve starts sluice serve with env and flags on a loopback port.
func serve(t *testing.T, env []string, flags ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{env: env, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.out.Write(append(sc.Bytes(), '\n'))
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	select {
	case s.URL = <-urls:
	case <-s.done:
		t.Fatalf("sluice serve exited:\n%s", s.out)
	}
	return s
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
}

// A response is a status, headers and a body.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) errorBody(t *testing.T) (code, message string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("not an error body: %s", r.body)
	}
	return e.Error.Code, e.Error.Message
}

// do sends a request; body is JSON-encoded unless it is []byte or string.
func (s *server) do(t *testing.T, method, path, key string, body any) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

func want(t *testing.T, r *response, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// mustCreatePostgres creates an empty database on SLUICE_TEST_POSTGRES,
// drops it when the test ends, and returns its URL (see
// testenv.CreatePostgres).
func mustCreatePostgres(t *testing.T) string {
	t.Helper()
	return testenv.CreatePostgres(t)
}
