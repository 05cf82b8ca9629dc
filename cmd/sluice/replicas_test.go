package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/httpapi"
)

// startReplicas starts a sluice serve process per data directory on the
// stores of s (dirs[0] is s's). The replicas share the first one's audit
// log key and subject-key secret, as a deployment of several servers
// must: a person's subject key is the same whichever server ingests.
func startReplicas(t *testing.T, bin string, s *storeSetup, dirs []string) []*proc {
	t.Helper()
	procs := []*proc{startServe(t, bin, s.flags...)}
	shared := map[string][]byte{}
	for _, name := range []string{logKeyFile, subjectKeyFile} {
		b, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		shared[name] = b
	}
	for _, dir := range dirs[1:] {
		for name, b := range shared {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		flags := append([]string(nil), s.flags...)
		flags[1] = dir // --data-dir
		procs = append(procs, startServe(t, bin, flags...))
	}
	return procs
}

// apiDo sends a request to the API and returns the response's status,
// headers and body.
func apiDo(t *testing.T, method, url, key, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// peopleCSV is a CSV of the people from to to (exclusive), by phone.
func peopleCSV(from, to int) []byte {
	var b bytes.Buffer
	b.WriteString("phone,city\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "1370000%04d,c%d\n", i, i%7)
	}
	return b.Bytes()
}

// TestServe_Replicas runs three sluice serve processes on one PostgreSQL
// control store and region store, and drives all three at once: ingests
// through each, owner reads through each, and cross-border transfers
// created and exported through each, of datasets whose people overlap.
// It checks that they keep one log — every checkpoint any of them served
// is consistent with the final tree, and every acknowledged ingest and
// every export is in it once — and that the year-to-date counter is
// exact: the number of distinct people all exports released, no update
// lost between servers.
func TestServe_Replicas(t *testing.T) {
	bin := buildSluice(t)
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	s := postgresSetup(t, dirs[0])
	key := mustOwner(t, s.env, "cn-rides")
	procs := startReplicas(t, bin, s, dirs)
	logKey := logKeyOf(t, dirs[0])
	ctx := context.Background()

	// Datasets to export: riders-i holds the people [50i, 50i+100).
	const exportSets = 6
	riders := make([]int64, exportSets)
	for i := range riders {
		p := procs[i%len(procs)]
		riders[i], _ = strconv.ParseInt(createDataset(t, p.URL, key, fmt.Sprintf("riders-%d", i), "phone"), 10, 64)
		if code, _, body := apiDo(t, "POST", fmt.Sprintf("%s/v1/datasets/%d/records", p.URL, riders[i]), key, "text/csv", peopleCSV(50*i, 50*i+100)); code != 201 {
			t.Fatalf("ingest riders-%d: %d %s", i, code, body)
		}
	}
	var d sluice.Dataset
	apiGet(t, procs[0].URL, key, "/v1/datasets/"+createDataset(t, procs[0].URL, key, "trips", "phone"), &d)

	// Ingests and reads through every server.
	var hs []*hammering
	stopReads := make(chan struct{})
	var readers sync.WaitGroup
	reads := make([]int, len(procs))
	for i, p := range procs {
		hs = append(hs, hammer(p.URL, key, d.ID, 2))
		readers.Go(func() {
			for {
				select {
				case <-stopReads:
					return
				default:
				}
				if code, _, body := apiDo(t, "GET", fmt.Sprintf("%s/v1/datasets/%d/records?limit=500", p.URL, d.ID), key, "", nil); code != 200 {
					t.Errorf("read through server %d: %d %s", i, code, body)
					return
				}
				reads[i]++
			}
		})
	}
	// Transfers through every server: created on one, exported through
	// the next.
	exported := make([][]string, exportSets) // phones released by each export
	var transfers sync.WaitGroup
	for i, id := range riders {
		transfers.Go(func() {
			create, export := procs[i%len(procs)], procs[(i+1)%len(procs)]
			req, _ := json.Marshal(sluice.TransferRequest{Dataset: id, Fields: []string{"phone"}, DestinationCountry: "US",
				Recipient: "Acme Travel Inc.", LegalBasis: sluice.LegalBasisContract})
			code, _, body := apiDo(t, "POST", create.URL+"/v1/transfers", key, "application/json", req)
			var tr sluice.Transfer
			if code != 201 || json.Unmarshal(body, &tr) != nil || tr.Status != sluice.TransferReady {
				t.Errorf("create transfer of riders-%d: %d %s", i, code, body)
				return
			}
			code, h, body := apiDo(t, "GET", fmt.Sprintf("%s/v1/transfers/%d/export?format=csv", export.URL, tr.ID), key, "", nil)
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if code != 200 || err != nil || len(rows) != 101 || h.Get(httpapi.HeaderSubjects) != "100" {
				t.Errorf("export transfer %d: %d %v, %d rows, %s people", tr.ID, code, err, len(rows), h.Get(httpapi.HeaderSubjects))
				return
			}
			for _, row := range rows[1:] {
				exported[i] = append(exported[i], row[0])
			}
		})
	}
	transfersDone := make(chan struct{})
	go func() { transfers.Wait(); close(transfersDone) }()

	// Collect the checkpoints every server serves meanwhile, until the
	// transfers are done and each server has acknowledged 10 ingests.
	seen := map[string]*auditlog.Checkpoint{}
	fetch := func() {
		for _, p := range procs {
			cp, err := auditlog.NewClient(p.URL+"/log", logKey.Verifier).FetchCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seen[string(cp.Note)] = cp
		}
	}
	waitFor(t, func() bool {
		fetch()
		select {
		case <-transfersDone:
		default:
			return false
		}
		for _, h := range hs {
			if h.count() < 10 {
				return false
			}
		}
		return true
	})
	close(stopReads)
	readers.Wait()
	var acked []*sluice.Ingest
	for _, h := range hs {
		acked = append(acked, h.finish()...)
	}
	if t.Failed() {
		t.FailNow()
	}

	// One history: org, key, datasets (7), riders ingests (6), trips
	// ingests, transfers created and exported (6 each), and the owner's
	// reads (each one logged before its page was served).
	want := int64(2 + 1 + 2*exportSets + len(acked) + 2*exportSets)
	for _, n := range reads {
		want += int64(n)
	}
	var cp *auditlog.Checkpoint
	var events []*sluice.Event
	for i, p := range procs {
		reader := "" // the full entries are read from the first server
		if i == 0 {
			reader = key
		}
		c, ev := logEntries(t, p.URL, logKey, want, reader)
		if c.Size != want {
			t.Fatalf("server %d serves a log of size %d, want %d", i, c.Size, want)
		}
		if cp != nil && c.Root != cp.Root {
			t.Fatalf("servers 0 and %d serve different trees of size %d", i, want)
		}
		if i == 0 {
			events = ev
		}
		cp = c
	}
	fetch()
	tree, err := auditlog.NewClient(procs[0].URL+"/log", logKey.Verifier).FetchTree(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range seen {
		if err := tree.CheckConsistency(old); err != nil {
			t.Fatalf("checkpoint %v: %v", old, err)
		}
	}
	logged := map[int64]int{}
	exports := 0
	for _, e := range events {
		switch e.Action {
		case sluice.ActionIngest:
			in, _ := e.Object["ingest"].(float64)
			logged[int64(in)]++
		case sluice.ActionTransferExport:
			exports++
		}
	}
	var total int64
	for _, in := range acked {
		total += in.RecordCount
		if logged[in.ID] != 1 {
			t.Errorf("ingest %d logged %d times", in.ID, logged[in.ID])
		}
	}
	if exports != exportSets {
		t.Errorf("%d exports logged, want %d", exports, exportSets)
	}
	apiGet(t, procs[2].URL, key, fmt.Sprintf("/v1/datasets/%d", d.ID), &d)
	if d.RecordCount != total {
		t.Errorf("dataset holds %d records, acknowledged ingests %d", d.RecordCount, total)
	}

	// The counter is exact: every person released, once.
	people := map[string]bool{}
	for _, phones := range exported {
		for _, p := range phones {
			people[p] = true
		}
	}
	for i, p := range procs {
		var v sluice.TransferCounterView
		apiGet(t, p.URL, key, "/v1/transfers/counters", &v)
		if len(v.Counters) == 0 || v.Counters[0].Counter != sluice.CounterPI || v.Counters[0].Count != int64(len(people)) || len(people) != 50*exportSets+50 {
			t.Fatalf("server %d: counters %+v, want pi = %d distinct people released", i, v.Counters, len(people))
		}
	}
	t.Logf("%d ingests, %v reads and %d exports through three servers; %d distinct checkpoints seen, log size %d",
		len(acked), reads, exports, len(seen), cp.Size)
	for _, p := range procs {
		if code, out, errOut := runCLI(t, nil, "", "verify", "--url", p.URL+"/log", "--key", logKey.VerifierKey, "--entries"); code != 0 {
			t.Fatalf("verify: %q %q", out, errOut)
		}
	}
}

// TestServe_ReplicaThroughput measures ingest throughput through one
// sluice serve and through two, each set-up on its own PostgreSQL stores:
// rounds of 200 ingests of 200 rows each, sent by 8 clients spread over
// the servers, alternating between the two set-ups so that both see the
// same load from the rest of the machine. It runs only when
// SLUICE_BENCH_REPLICAS is set (see bench/replicas.sh; SLUICE_BENCH_ROUNDS
// rounds, default 5), and reports the median of each, it does not judge:
// on one machine the servers share its cores with PostgreSQL.
func TestServe_ReplicaThroughput(t *testing.T) {
	if os.Getenv("SLUICE_BENCH_REPLICAS") == "" {
		t.Skip("SLUICE_BENCH_REPLICAS is unset")
	}
	const ingests, rows, clients = 200, 200, 8
	rounds := 5
	if v, err := strconv.Atoi(os.Getenv("SLUICE_BENCH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	bin := buildSluice(t)
	var body bytes.Buffer
	body.WriteString("phone,name\n")
	for r := range rows {
		fmt.Fprintf(&body, "1390000%04d,p%d\n", r, r)
	}
	type setup struct {
		procs   []*proc
		key, id string
		rates   []float64
	}
	setups := map[int]*setup{}
	for _, n := range []int{1, 2} {
		dirs := make([]string, n)
		for i := range dirs {
			dirs[i] = t.TempDir()
		}
		s := postgresSetup(t, dirs[0])
		su := &setup{key: mustOwner(t, s.env, "cn-rides")}
		su.procs = startReplicas(t, bin, s, dirs)
		su.id = createDataset(t, su.procs[0].URL, su.key, "trips", "phone")
		setups[n] = su
	}
	for round := range rounds {
		for _, n := range []int{1, 2} {
			su := setups[n]
			jobs := make(chan int, ingests)
			for i := range ingests {
				jobs <- i
			}
			close(jobs)
			start := time.Now()
			var wg sync.WaitGroup
			for c := range clients {
				p := su.procs[c%n]
				wg.Go(func() {
					for range jobs {
						if code, _, b := apiDo(t, "POST", p.URL+"/v1/datasets/"+su.id+"/records", su.key, "text/csv", body.Bytes()); code != 201 {
							t.Errorf("ingest: %d %s", code, strings.TrimSpace(string(b)))
							return
						}
					}
				})
			}
			wg.Wait()
			rate := float64(ingests) / time.Since(start).Seconds()
			su.rates = append(su.rates, rate)
			t.Logf("round %d, servers=%d: %.1f ingests/s", round+1, n, rate)
		}
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	one, two := median(setups[1].rates), median(setups[2].rates)
	t.Logf("servers=1: %.1f ingests/s, %.0f rows/s (median of %d)", one, one*rows, rounds)
	t.Logf("servers=2: %.1f ingests/s, %.0f rows/s (median of %d)", two, two*rows, rounds)
	t.Logf("2 servers / 1 server: %.2f×", two/one)
}
