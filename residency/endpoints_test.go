package residency_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// routePatterns returns every route the server registers, as "METHOD
// /path" patterns, read from the sources of package httpapi (its Handler
// and the routes it adds) and from the mounts sluice serve adds: an
// endpoint added later is swept without this test being told of it.
func routePatterns(t *testing.T) []string {
	t.Helper()
	handle := regexp.MustCompile(`\.Handle(?:Func)?\("((?:[A-Z]+ )?/[^"]*)"`)
	mount := regexp.MustCompile(`Mounts\["((?:[A-Z]+ )?/[^"]*)"\]`)
	var out []string
	for _, glob := range []string{"../httpapi/*.go", "../cmd/sluice/*.go"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range []*regexp.Regexp{handle, mount} {
				for _, m := range re.FindAllSubmatch(b, -1) {
					p := string(m[1])
					if !strings.Contains(p, " ") {
						p = "GET " + p
					}
					if !slices.Contains(out, p) {
						out = append(out, p)
					}
				}
			}
		}
	}
	slices.Sort(out)
	if len(out) < 10 {
		t.Fatalf("found only %d routes: %v", len(out), out)
	}
	return out
}

// TestResidency_Endpoints sweeps every endpoint, with every key of an org
// in another region (owner, consumer, auditor), aimed at a CN dataset, its
// records, its people and its approved transfer, and checks that no
// record of the CN region ever comes back: reads by a consumer abroad
// (even under a grant the CN owner approved), bulk reads, subject
// requests and transfer exports. The one way out is the CN owner's own
// export under an approved transfer, which the test checks does carry
// the records, so that the marker it looks for is known to show.
//
// It runs on SQLite and, when SLUICE_TEST_POSTGRES is set, on PostgreSQL.
func TestResidency_Endpoints(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testEndpoints(t, testenv.New(t, testenv.Options{Engine: engine})) })
	}
}

func testEndpoints(t *testing.T, ts *testenv.Env) {
	cn := &sluice.Org{Name: "cn-rides", Region: "CN"}
	cnKey := ts.Key(cn, sluice.RoleOwner)
	eu := &sluice.Org{Name: "eu-analytics", Region: "EU", Kind: sluice.OrgKind("")}
	keys := map[string]string{
		"eu owner":    ts.Key(eu, sluice.RoleOwner),
		"eu consumer": ts.Key(eu, sluice.RoleConsumer),
		"eu auditor":  ts.Key(eu, sluice.RoleAuditor),
	}
	const marker = "CNRECORD"
	var d sluice.Dataset
	ts.Do("POST", "/v1/datasets", cnKey, map[string]string{"name": "riders", "purpose": "rides", "subject_field": "phone"}).Want(t, 201).Decode(t, &d)
	var body bytes.Buffer
	body.WriteString("phone,name,city\n")
	for i := range 20 {
		fmt.Fprintf(&body, "139%08d,%s-name-%d,%s-city-%d\n", i, marker, i, marker, i)
	}
	ts.Do("POST", fmt.Sprintf("/v1/datasets/%d/records?format=csv", d.ID), cnKey, body.Bytes()).Want(t, 201)
	subject := sluice.NewOrgSubjectKeyer(ts.Secret, d.OrgID).Key("13900000003")

	// The ways a consumer abroad might get at the records: a purpose and
	// a grant on the CN dataset, approved by its owner if the server lets
	// it come that far.
	euOwnerCtx := sluice.NewContextWithActor(context.Background(), &sluice.Actor{Org: eu, Role: sluice.RoleOwner, Key: "k"})
	if err := ts.Stores.Purposes.CreatePurpose(euOwnerCtx, &sluice.Purpose{Name: "analytics", LegalBasis: "contract", RetentionDays: 30}); err != nil {
		t.Fatal(err)
	}
	var grant struct {
		ID int64 `json:"id"`
	}
	grantID := int64(1)
	if r := ts.Do("POST", "/v1/grants", keys["eu consumer"], map[string]any{
		"dataset": d.ID, "fields": []string{"name", "city"}, "purpose": "analytics", "legal_basis": "contract",
		"justification": "route analysis", "duration_days": 30,
	}); r.Status == 201 {
		r.Decode(t, &grant)
		grantID = grant.ID
		a := ts.Do("POST", fmt.Sprintf("/v1/grants/%d/approve", grant.ID), cnKey, map[string]any{
			"fields": []map[string]string{{"name": "name", "op": "clear"}, {"name": "city", "op": "clear"}},
		})
		t.Logf("cross-region grant %d: approval answered %d", grant.ID, a.Status)
	} else {
		t.Logf("cross-region grant refused at request: %d %s", r.Status, r.Body)
	}
	// An approved transfer of the CN records to a recipient in the EU.
	var tr sluice.Transfer
	ts.Do("POST", "/v1/transfers", cnKey, sluice.TransferRequest{Dataset: d.ID, Fields: []string{"name", "city"}, DestinationCountry: "DE",
		Recipient: "eu-analytics", LegalBasis: "contract"}).Want(t, 201).Decode(t, &tr)
	if tr.Status != sluice.TransferReady {
		t.Fatalf("transfer: %s", tr.Status)
	}

	ids := map[string]int64{"datasets": d.ID, "transfers": tr.ID, "grants": grantID}
	path := func(pattern string) string {
		p := pattern
		for prefix, id := range ids {
			p = strings.ReplaceAll(p, "/v1/"+prefix+"/{id}", fmt.Sprintf("/v1/%s/%d", prefix, id))
		}
		p = strings.ReplaceAll(p, "{subject_key}", subject)
		p = strings.ReplaceAll(p, "{name}", "name")
		p = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(p, "1")
		if strings.HasSuffix(p, "/") {
			p += "riders"
		}
		return p
	}
	queries := []string{"", fmt.Sprintf("?grant=%d&fields=name,city&limit=100", grantID), "?fields=name,city&format=jsonl"}
	bodies := []any{nil, map[string]any{"dataset": d.ID, "fields": []string{"name", "city"}, "purpose": "analytics", "grant": grantID}}
	swept := 0
	for _, pattern := range routePatterns(t) {
		method, p, _ := strings.Cut(pattern, " ")
		for who, key := range keys {
			for _, q := range queries {
				for _, b := range bodies {
					if (method == "GET") != (b == nil) {
						continue
					}
					r := ts.Do(method, path(p)+q, key, b, "Accept", "text/csv, application/x-ndjson, application/json")
					swept++
					if bytes.Contains(r.Body, []byte(marker)) || strings.Contains(fmt.Sprint(r.Header), marker) {
						t.Errorf("%s %s%s as %s (%d) returned CN records: %.200s", method, path(p), q, who, r.Status, r.Body)
					}
				}
			}
		}
	}
	if swept < 100 {
		t.Fatalf("swept only %d requests", swept)
	}

	// Bytes: the EU store holds no CN record.
	if n, err := ts.Stores.RawRecordCount("EU"); err != nil || n != 0 {
		t.Fatalf("EU store holds %d records (%v)", n, err)
	}
	// The way out: the owner's export under the approved transfer.
	if r := ts.Do("GET", fmt.Sprintf("/v1/transfers/%d/export", tr.ID), cnKey, nil).Want(t, 200); !bytes.Contains(r.Body, []byte(marker)) {
		t.Fatalf("the approved export does not carry the records: %s", r.Body)
	}
}
