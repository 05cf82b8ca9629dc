package dsr_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/dsr"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// onDisk returns, per needle, the SQLite files of the data directory
// (WAL included) that hold it.
func onDisk(t *testing.T, dir string, needles ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				out[n] = append(out[n], filepath.Base(name))
			}
		}
	}
	return out
}

func TestOffboarding(t *testing.T) {
	for _, engine := range testenv.Engines() {
		t.Run(string(engine), func(t *testing.T) { testOffboarding(t, engine) })
	}
}

func testOffboarding(t *testing.T, engine testenv.Engine) {
	t.Run("DeleteDataset", func(t *testing.T) {
		f := newFixture(t, engine)
		// A consumer asks for a grant on the visits: an open grant.
		consumer := f.Key(&sluice.Org{Name: "insurer", Region: "CN"}, sluice.RoleConsumer)
		f.Do("POST", "/v1/purposes", consumer, map[string]any{"name": "claims", "legal_basis": "consent", "categories": []string{"user.contact.phone_number"}, "retention_days": 180}).Want(t, 201)
		var g sluice.Grant
		f.Do("POST", "/v1/grants", consumer, map[string]any{"dataset": f.visit.ID, "fields": []string{"phone", "visit"},
			"purpose": "claims", "justification": "claim checks", "duration_days": 30}).Want(t, 201).Decode(t, &g)
		f.Do("POST", fmt.Sprintf("/v1/datasets/%d/hold", f.visit.ID), f.owner, map[string]string{"reason": "tax audit 2026"}).Want(t, 201)
		path := fmt.Sprintf("/v1/datasets/%d", f.visit.ID)
		e := f.Do("DELETE", path, f.owner, nil).Want(t, 409).Error(t)
		if !strings.Contains(e.Message, "tax audit 2026") || !strings.Contains(e.Message, fmt.Sprintf("grant %d (pending)", g.ID)) {
			t.Fatalf("delete under a hold: %+v", e)
		}
		f.Do("DELETE", path, f.owner, map[string]any{"force": true}).Want(t, 400)
		f.Do("DELETE", path, f.auditor, nil).Want(t, 403)
		var out dsr.Deletion
		f.Do("DELETE", path, f.owner, map[string]any{"force": true, "reason": "audit closed, counsel agreed"}).Want(t, 200).Decode(t, &out)
		if out.Records != 2 || out.GrantsRevoked != 1 || !out.Forced {
			t.Fatalf("deletion: %+v", out)
		}
		f.Do("GET", path, f.owner, nil).Want(t, 404)
		f.Do("GET", fmt.Sprintf("/v1/grants/%d", g.ID), consumer, nil).Want(t, 200).Decode(t, &g)
		if g.Status != sluice.GrantRevoked {
			t.Fatalf("grant after deletion: %s", g.Status)
		}
		// The name is free again.
		f.dataset("visits", "phone", `{"phone":"13900139000","visit":"again"}`+"\n")
		if f.Stores.Dir != "" {
			if found := onDisk(t, f.Stores.Dir, "2026-03-01 dental", "2026-03-02 eye"); len(found) > 0 {
				t.Fatalf("deleted records still on disk: %v", found)
			}
		}
	})

	t.Run("OffboardOrg", func(t *testing.T) {
		f := newFixture(t, engine)
		f.Do("POST", "/v1/purposes", f.owner, map[string]any{"name": "care", "legal_basis": "consent", "categories": []string{"user.contact.phone_number"}, "retention_days": 365}).Want(t, 201)
		f.Do("POST", "/v1/consents", f.owner, map[string]any{"subject": alicePhone, "purpose": "care", "kind": "consent"}).Want(t, 201)
		f.Do("POST", fmt.Sprintf("/v1/datasets/%d/hold", f.patients.ID), f.owner, map[string]string{"reason": "litigation"}).Want(t, 201)
		var org sluice.Org
		org.Name = "clinic"
		f.Key(&org, sluice.RoleAuditor)
		ctx := context.Background() // the operator
		if _, err := f.SubjectRequests.OffboardOrg(ctx, org.ID, false, ""); sluice.ErrorCode(err) != sluice.ECONFLICT || !strings.Contains(sluice.ErrorMessage(err), "litigation") {
			t.Fatalf("offboard under a hold: %v", err)
		}
		if _, err := f.SubjectRequests.OffboardOrg(sluice.NewContextWithActor(ctx, &sluice.Actor{Org: &org, Role: sluice.RoleOwner, Key: "k"}), org.ID, true, "x"); sluice.ErrorCode(err) != sluice.EFORBIDDEN {
			t.Fatalf("offboard by an org: %v", err)
		}
		out, err := f.SubjectRequests.OffboardOrg(ctx, org.ID, true, "contract ended")
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Datasets) != 3 || out.Records != 6 {
			t.Fatalf("offboarding: %+v", out)
		}
		f.Do("GET", "/v1/datasets", f.owner, nil).Want(t, 401)
		cs, n, err := f.Stores.Consents.FindConsents(ctx, sluice.ConsentFilter{OrgID: &org.ID})
		if err != nil || n != 0 || len(cs) != 0 {
			t.Fatalf("consents after offboarding: %d %v", n, err)
		}
		if f.Stores.Dir != "" {
			if found := onDisk(t, f.Stores.Dir, aliceID, alicePhone, aliceEmail, bobID); len(found) > 0 {
				t.Fatalf("offboarded org's data still on disk: %v", found)
			}
		}
	})
}
