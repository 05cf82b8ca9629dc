package console_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

var exportRowRE = regexp.MustCompile(`<tr class="entry"><td>(\d+)</td><td>[^<]*</td><td class="action">transfer\.export</td>`)

// TestLog_CommittedEntries: the log publishes salted commitments, and the
// log page shows the events behind them to those who may see them; an
// entry's proof download is checked offline with the log's verifier key.
func TestLog_CommittedEntries(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testCommittedEntries(t, newFixtureOn(t, engine)) })
	}
}

func testCommittedEntries(t *testing.T, f *fixture) {
	c := client(t)
	f.signIn(t, c, f.AuditorKey)
	resp, body := get(t, c, f.UI.URL+"/ui/log")
	m := exportRowRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("the auditor's log page lacks the hospital's export (status %d):\n%s", resp.StatusCode, body)
	}
	idx, _ := strconv.ParseInt(m[1], 10, 64)
	leaves, err := f.Log.Store.ReadEntries(t.Context(), idx, 1)
	if err != nil || len(leaves) != 1 || !auditlog.IsCommitment(leaves[0]) {
		t.Fatalf("entry %d as published is not a commitment: %q %v", idx, leaves, err)
	}

	resp, body = get(t, c, fmt.Sprintf("%s/ui/log/proof/%d", f.UI.URL, idx))
	if resp.StatusCode != 200 {
		t.Fatalf("proof download: %d %s", resp.StatusCode, body)
	}
	var p auditlog.EntryProof
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("proof download: %v\n%s", err, body)
	}
	v, err := note.NewVerifier(f.Log.Key.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := auditlog.VerifyEntryProof(&p, v)
	if err != nil {
		t.Fatalf("the downloaded proof does not verify: %v", err)
	}
	var e sluice.Event
	if err := json.Unmarshal(p.Entry, &e); err != nil || e.Action != "transfer.export" || string(leaf) != string(leaves[0]) {
		t.Errorf("the proof is of %+v (%v), leaf %x, published %x", e, err, leaf, leaves[0])
	}

	// Another org's owner sees neither the entry nor its proof.
	o := client(t)
	f.signIn(t, o, f.ShopKey)
	if _, body := get(t, o, f.UI.URL+"/ui/log"); strings.Contains(body, "transfer.export") {
		t.Error("another org sees the hospital's export")
	}
	if resp, _ := get(t, o, fmt.Sprintf("%s/ui/log/proof/%d", f.UI.URL, idx)); resp.StatusCode != 404 {
		t.Errorf("another org's proof download: %d", resp.StatusCode)
	}
}
