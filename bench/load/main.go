// Command load runs sluice under load and faults on loopback, and prints
// what it saw: requests per second, p50 and p99 latency and errors per
// endpoint with many concurrent clients mixing ingest, reads and
// decisions; rounds of kill -9 during ingest, each followed by the count
// of records acknowledged against those stored and sluice verify; and a
// flood of silent and slow clients against /healthz. bench/load.sh builds
// sluice and runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	bin       = flag.String("bin", "", "the sluice binary")
	clients   = flag.String("clients", "64,256", "concurrent clients of each mixed round")
	duration  = flag.Duration("duration", 10*time.Second, "length of each mixed round")
	kills     = flag.Int("kills", 3, "kill -9 rounds during ingest")
	killAfter = flag.Duration("kill-after", 2*time.Second, "ingest time before each kill -9")
	flood     = flag.Int("flood", 2000, "silent and slow sockets of the flood")
	maxConns  = flag.Int("max-conns", 1024, "the server's --max-conns in the mixed rounds")
	floodCap  = flag.Int("flood-max-conns", 64, "the server's --max-conns in the flood")
)

func main() {
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "load: give -bin")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "sluice-load")
	check(err)
	defer os.RemoveAll(dir)
	env := []string{"SLUICE_DATA_DIR=" + filepath.Join(dir, "data"), "SLUICE_REGIONS=CN"}
	owner := key(env, "load-owner", "owner")
	consumer := key(env, "load-consumer", "consumer")

	srv := start(env, *maxConns)
	dataset := setup(srv.url, owner, consumer)
	for _, c := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		check(err)
		mixed(srv.url, owner, consumer, dataset, n)
	}
	srv.stop(syscall.SIGTERM)
	fsrv := start(env, *floodCap)
	floodRound(fsrv.url)
	fsrv.stop(syscall.SIGTERM)

	for round := 1; round <= *kills; round++ {
		killRound(env, owner, dataset, round)
	}
}

// A server is a running sluice serve.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

var servingRE = regexp.MustCompile(`sluice serving on (http://\S+)`)

func start(env []string, maxConns int) *server {
	cmd := exec.Command(*bin, "serve", "--addr", "127.0.0.1:0", "--max-conns", strconv.Itoa(maxConns))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = io.Discard
	check(cmd.Start())
	s := &server{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case s.url = <-urls:
	case <-s.done:
		fail("sluice serve exited at start")
	}
	return s
}

func (s *server) stop(sig syscall.Signal) {
	s.cmd.Process.Signal(sig)
	<-s.done
}

func key(env []string, org, role string) string {
	run(env, "org", "create", "--name", org, "--region", "CN")
	return strings.TrimSpace(run(env, "key", "create", "--org", org, "--role", role))
}

func run(env []string, args ...string) string {
	cmd := exec.Command(*bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		fail("sluice %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}, Timeout: time.Minute}

func do(method, url, key, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// csvRows is n records of a small dataset, people from first on.
func csvRows(first, n int) string {
	var b strings.Builder
	b.WriteString("phone,name,city\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "139%08d,name-%d,city-%d\n", i%100000000, i, i%50)
	}
	return b.String()
}

func setup(url, owner, consumer string) int64 {
	code, b, err := do("POST", url+"/v1/datasets", owner, `{"name":"load","purpose":"ride-hailing","subject_field":"phone"}`)
	if err != nil || code != 201 {
		fail("create dataset: %d %s %v", code, b, err)
	}
	var d struct{ ID int64 }
	check(json.Unmarshal(b, &d))
	if code, b, err := do("POST", fmt.Sprintf("%s/v1/datasets/%d/records?format=csv", url, d.ID), owner, csvRows(0, 1000)); err != nil || code != 201 {
		fail("first ingest: %d %s %v", code, b, err)
	}
	if code, b, err := do("POST", url+"/v1/purposes", consumer, `{"name":"risk-model","legal_basis":"consent","retention_days":30}`); err != nil || code != 201 {
		fail("purpose: %d %s %v", code, b, err)
	}
	return d.ID
}

// A tally is what one endpoint saw.
type tally struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
}

func (t *tally) add(d time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat = append(t.lat, d)
	if !ok {
		t.errors++
	}
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(float64(len(lat))*p))]
}

// mixed runs n clients for the round's duration: 1 in 10 requests an
// ingest of 100 records, 6 in 10 a read of a page, 3 in 10 a decision.
func mixed(url, owner, consumer string, dataset int64, n int) {
	names := []string{"ingest", "read", "decision"}
	tallies := map[string]*tally{}
	for _, name := range names {
		tallies[name] = &tally{}
	}
	var seq atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	startAt := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := seq.Add(1)
				var name, method, path, key, body string
				want := 200
				switch {
				case i%10 == 0:
					name, method, path, key, body, want = "ingest", "POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", dataset), owner, csvRows(int(i*100), 100), 201
				case i%10 < 7:
					name, method, path, key = "read", "GET", fmt.Sprintf("/v1/datasets/%d/records?limit=100", dataset), owner
				default:
					name, method, path, key, body = "decision", "POST", "/v1/decisions", consumer, fmt.Sprintf(`{"dataset":%d,"purpose":"risk-model","fields":["phone","city"]}`, dataset)
				}
				t0 := time.Now()
				code, _, err := do(method, url+path, key, body)
				tallies[name].add(time.Since(t0), err == nil && code == want)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(startAt)
	fmt.Printf("\n%d concurrent clients, %s (ingest 100 records : read a page of 100 : decision = 1:6:3)\n", n, elapsed.Round(time.Millisecond))
	fmt.Printf("  %-9s %9s %9s %9s %9s %7s\n", "endpoint", "requests", "req/s", "p50", "p99", "errors")
	total := 0
	for _, name := range names {
		t := tallies[name]
		slices.Sort(t.lat)
		total += len(t.lat)
		fmt.Printf("  %-9s %9d %9.0f %9s %9s %7d\n", name, len(t.lat), float64(len(t.lat))/elapsed.Seconds(),
			pct(t.lat, 0.50).Round(10*time.Microsecond), pct(t.lat, 0.99).Round(10*time.Microsecond), t.errors)
	}
	fmt.Printf("  %-9s %9d %9.0f\n", "all", total, float64(total)/elapsed.Seconds())
}

// floodRound opens flood sockets, half silent and half sending a header
// byte by byte, and measures /healthz and a read meanwhile.
func floodRound(url string) {
	addr := strings.TrimPrefix(url, "http://")
	var conns []net.Conn
	refused := 0
	for i := range *flood {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			refused++
			continue
		}
		if i%2 == 1 {
			c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		}
		conns = append(conns, c)
	}
	var lat []time.Duration
	errs := 0
	for range 20 {
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
		t0 := time.Now()
		resp, err := hc.Get(url + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			errs++
		} else {
			resp.Body.Close()
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	for _, c := range conns {
		c.Close()
	}
	fmt.Printf("\nflood: %d sockets opened (%d refused by the OS), half silent, half a header byte by byte; --max-conns %d\n", len(conns), refused, *floodCap)
	fmt.Printf("  /healthz meanwhile: 20 requests, p50 %s, max %s, errors %d\n", pct(lat, 0.5).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond), errs)
}

// killRound ingests with 16 clients, kills the server with SIGKILL,
// restarts it and compares the records acknowledged with those stored,
// then runs sluice verify on the log.
func killRound(env []string, owner string, dataset int64, round int) {
	srv := start(env, *maxConns)
	var before struct {
		RecordCount int64 `json:"record_count"`
	}
	_, b, err := do("GET", fmt.Sprintf("%s/v1/datasets/%d", srv.url, dataset), owner, "")
	check(err)
	check(json.Unmarshal(b, &before))
	var acked, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, _, err := do("POST", fmt.Sprintf("%s/v1/datasets/%d/records?format=csv", srv.url, dataset), owner, csvRows(round*10000000+w*100000+i*50, 50))
				if err == nil && code == 201 {
					acked.Add(50)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	time.Sleep(*killAfter)
	srv.stop(syscall.SIGKILL)
	close(stop)
	wg.Wait()

	srv = start(env, *maxConns)
	var after struct {
		RecordCount int64 `json:"record_count"`
	}
	_, b, err = do("GET", fmt.Sprintf("%s/v1/datasets/%d", srv.url, dataset), owner, "")
	check(err)
	check(json.Unmarshal(b, &after))
	stored := after.RecordCount - before.RecordCount
	vkey := strings.TrimSpace(run(env, "log", "key"))
	cmd := exec.Command(*bin, "verify", "--url", srv.url+"/log", "--key", vkey, "--entries")
	cmd.Env = append(os.Environ(), append(env, "SLUICE_API_KEY="+owner)...)
	var vout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &vout, &vout
	verr := cmd.Run()
	verdict := "lost nothing acknowledged"
	if stored < acked.Load() {
		verdict = "LOST ACKNOWLEDGED RECORDS"
	}
	fmt.Printf("\nkill -9 round %d: acknowledged %d records, stored %d (%d more: answers lost with the process), failed requests %d: %s\n",
		round, acked.Load(), stored, stored-acked.Load(), failed.Load(), verdict)
	fmt.Printf("  sluice verify --entries: %s (%v)\n", strings.TrimSpace(vout.String()), errOK(verr))
	srv.stop(syscall.SIGTERM)
}

func errOK(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
	os.Exit(1)
}
