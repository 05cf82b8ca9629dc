package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
)

// testTransfers runs the contract of a TransferStore: transfers and their
// transitions, each with its audit event, and exact year-to-date counters.
func testTransfers(t *testing.T, open func(t *testing.T) *Stores) {
	t.Run("Create", func(t *testing.T) { testTransferCreate(t, open(t)) })
	t.Run("Transition", func(t *testing.T) { testTransferTransition(t, open(t)) })
	t.Run("Counters", func(t *testing.T) { testTransferCounters(t, open(t)) })
	t.Run("Race", func(t *testing.T) { testTransferRace(t, open(t)) })
}

// SubjectKeys returns the subject keys of people from to to-1 (as the
// identifiers "person-<n>"), sorted.
func SubjectKeys(from, to int) []string {
	k := sluice.NewSubjectKeyer([]byte("storetest"))
	keys := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		keys = append(keys, k.Key(fmt.Sprintf("person-%d", i)))
	}
	slices.Sort(keys)
	return keys
}

// mustTransfer creates a transfer of dataset d for org in status st.
func mustTransfer(tb testing.TB, s *Stores, ctx context.Context, org *sluice.Org, d *sluice.Dataset, st sluice.TransferStatus) *sluice.Transfer {
	tb.Helper()
	tr := &sluice.Transfer{
		OrgID: org.ID, DatasetID: d.ID, Region: d.Region, Status: st,
		Fields: []string{"phone"}, DestinationCountry: "US", Recipient: "acme", RecipientKind: "company",
		Exemption: "none", Purpose: d.Purpose, LegalBasis: sluice.LegalBasisContract, Date: "2026-03-02",
		Decision: sluice.TransferDecision{Route: "EXEMPT", Reasons: []sluice.TransferReason{{Rule: "cn.o16.small", Ref: "O16 Art. 5(4)"}}},
		Evidence: []*sluice.TransferEvidence{},
	}
	e := &sluice.Event{Action: sluice.ActionTransferCreate, Decision: "EXEMPT", Object: map[string]any{"dataset": d.ID}}
	if err := s.Transfers.CreateTransfer(ctx, tr, e); err != nil {
		tb.Fatal(err)
	}
	return tr
}

// lastEvent returns the latest audit event of s.
func lastEvent(tb testing.TB, s *Stores) (int64, *sluice.Event) {
	tb.Helper()
	ctx := context.Background()
	n, err := s.Events.CountEvents(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := s.Events.ReadEvents(ctx, n-1, 1)
	if err != nil || len(raw) != 1 {
		tb.Fatalf("read event %d: %v", n-1, err)
	}
	var e sluice.Event
	if err := json.Unmarshal(raw[0], &e); err != nil {
		tb.Fatal(err)
	}
	return n - 1, &e
}

func testTransferCreate(t *testing.T, s *Stores) {
	cn, eu := MustCreateOrg(t, s, "cn-rides", "CN"), MustCreateOrg(t, s, "eu-shop", "EU")
	cnCtx, euCtx := OwnerContext(cn), OwnerContext(eu)
	d := MustCreateDataset(t, s, cnCtx, "trips", "phone")
	tr := mustTransfer(t, s, cnCtx, cn, d, sluice.TransferReady)

	t.Run("OK", func(t *testing.T) {
		if tr.ID == 0 || tr.CreatedAt.IsZero() || !tr.UpdatedAt.Equal(tr.CreatedAt) {
			t.Fatalf("id %d, created %v, updated %v", tr.ID, tr.CreatedAt, tr.UpdatedAt)
		}
		got, err := s.Transfers.FindTransferByID(cnCtx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != sluice.TransferReady || got.DatasetID != d.ID || got.Recipient != "acme" || !slices.Equal(got.Fields, tr.Fields) ||
			got.Decision.Route != "EXEMPT" || !got.CreatedAt.Equal(tr.CreatedAt) {
			t.Fatalf("got %+v", got)
		}
		_, e := lastEvent(t, s)
		if e.Action != sluice.ActionTransferCreate || e.Object["transfer"] != float64(tr.ID) || e.Actor.Org != "cn-rides" {
			t.Fatalf("event %+v", e)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		second := mustTransfer(t, s, cnCtx, cn, d, sluice.TransferAwaitingEvidence)
		ts, n, err := s.Transfers.FindTransfers(cnCtx, sluice.TransferFilter{})
		if err != nil || n != 2 || len(ts) != 2 || ts[0].ID != second.ID {
			t.Fatalf("all: %d %v (newest first wanted)", n, err)
		}
		st := sluice.TransferAwaitingEvidence
		if ts, n, err = s.Transfers.FindTransfers(cnCtx, sluice.TransferFilter{Status: &st}); err != nil || n != 1 || ts[0].ID != second.ID {
			t.Fatalf("by status: %d %v", n, err)
		}
		other := int64(9999)
		if _, n, err = s.Transfers.FindTransfers(cnCtx, sluice.TransferFilter{DatasetID: &other}); err != nil || n != 0 {
			t.Fatalf("by dataset: %d %v", n, err)
		}
	})
	t.Run("ErrNotFoundOtherOrg", func(t *testing.T) {
		_, err := s.Transfers.FindTransferByID(euCtx, tr.ID)
		wantCode(t, err, sluice.ENOTFOUND)
		ts, n, err := s.Transfers.FindTransfers(euCtx, sluice.TransferFilter{})
		if err != nil || n != 0 || len(ts) != 0 {
			t.Fatalf("eu sees %d transfers (%v)", n, err)
		}
		_, err = s.Transfers.TransitionTransfer(euCtx, tr.ID, func(*sluice.Transfer) (*sluice.Event, error) {
			t.Fatal("fn called for another org's transfer")
			return nil, nil
		})
		wantCode(t, err, sluice.ENOTFOUND)
	})
	t.Run("ErrInvalidStatus", func(t *testing.T) {
		bad := &sluice.Transfer{OrgID: cn.ID, DatasetID: d.ID, Region: "CN", Status: "done"}
		wantCode(t, s.Transfers.CreateTransfer(cnCtx, bad, &sluice.Event{Action: sluice.ActionTransferCreate}), sluice.EINVALID)
	})
}

func testTransferTransition(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	tr := mustTransfer(t, s, ctx, cn, d, sluice.TransferAwaitingEvidence)

	t.Run("OK", func(t *testing.T) {
		before, _ := lastEvent(t, s)
		got, err := s.Transfers.TransitionTransfer(ctx, tr.ID, func(x *sluice.Transfer) (*sluice.Event, error) {
			x.Status = sluice.TransferApproved
			x.Evidence = append(x.Evidence, &sluice.TransferEvidence{Kind: sluice.EvidenceSCCFiling, Reference: "F-1", ValidFrom: "2026-03-02"})
			x.ExpiresOn = "2029-03-01"
			return &sluice.Event{Action: sluice.ActionTransferEvidence, Decision: "approved"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Transfers.FindTransferByID(ctx, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []*sluice.Transfer{got, again} {
			if x.Status != sluice.TransferApproved || len(x.Evidence) != 1 || x.Evidence[0].Reference != "F-1" || x.ExpiresOn != "2029-03-01" {
				t.Fatalf("got %+v", x)
			}
		}
		idx, e := lastEvent(t, s)
		if idx != before+1 || e.Action != sluice.ActionTransferEvidence || e.Object["transfer"] != float64(tr.ID) {
			t.Fatalf("event %d %+v", idx, e)
		}
	})
	t.Run("ErrRollsBack", func(t *testing.T) {
		before, _ := lastEvent(t, s)
		_, err := s.Transfers.TransitionTransfer(ctx, tr.ID, func(x *sluice.Transfer) (*sluice.Event, error) {
			x.Status = sluice.TransferRevoked
			return nil, sluice.Errorf(sluice.ECONFLICT, "no")
		})
		wantCode(t, err, sluice.ECONFLICT)
		got, _ := s.Transfers.FindTransferByID(ctx, tr.ID)
		if after, _ := lastEvent(t, s); got.Status != sluice.TransferApproved || after != before {
			t.Fatalf("status %s, events %d → %d", got.Status, before, after)
		}
	})
	t.Run("NoEventNoChange", func(t *testing.T) {
		before, _ := lastEvent(t, s)
		got, err := s.Transfers.TransitionTransfer(ctx, tr.ID, func(x *sluice.Transfer) (*sluice.Event, error) {
			x.Status = sluice.TransferRevoked // not kept: no event
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := s.Transfers.FindTransferByID(ctx, tr.ID)
		if after, _ := lastEvent(t, s); stored.Status != sluice.TransferApproved || after != before || got == nil {
			t.Fatalf("stored %s, events %d → %d", stored.Status, before, after)
		}
	})
	t.Run("ErrInvalidStatus", func(t *testing.T) {
		_, err := s.Transfers.TransitionTransfer(ctx, tr.ID, func(x *sluice.Transfer) (*sluice.Event, error) {
			x.Status = "gone"
			return &sluice.Event{Action: sluice.ActionTransferRevoke}, nil
		})
		wantCode(t, err, sluice.EINVALID)
	})
}

// export records an export of keys under tr, counted as counted, with a
// check that refuses once the pi count would pass limit (0: no limit).
func export(s *Stores, ctx context.Context, tr *sluice.Transfer, year int, keys []string, counted []string, limit int64) (*sluice.TransferExport, error) {
	x := &sluice.TransferExport{TransferID: tr.ID, Date: fmt.Sprintf("%d-06-01", year), Format: "csv", Fields: tr.Fields,
		Records: int64(len(keys)), Subjects: int64(len(keys)), Counted: counted}
	e := &sluice.Event{Action: sluice.ActionTransferExport, Object: map[string]any{"transfer": tr.ID},
		Details: map[string]any{"exporter": tr.OrgID, "year": year, "counted": anyStrings(counted)}}
	if err := auditlog.SetSubjects(e, keys); err != nil {
		return nil, err
	}
	err := s.Transfers.RecordExport(ctx, x, year, keys, e, func(cur *sluice.Transfer, x *sluice.TransferExport) error {
		if !cur.Status.Exportable() {
			return sluice.Errorf(sluice.ECONFLICT, "transfer %d is %s", cur.ID, cur.Status)
		}
		if limit > 0 && x.YTD.PI > limit {
			return sluice.Errorf(sluice.ECONFLICT, "over the limit: %d", x.YTD.PI)
		}
		return nil
	})
	return x, err
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func testTransferCounters(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	other := MustCreateOrg(t, s, "cn-bank", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	tr := mustTransfer(t, s, ctx, cn, d, sluice.TransferReady)
	pi := []string{sluice.CounterPI}
	both := []string{sluice.CounterPI, sluice.CounterSPI}
	count := func(t *testing.T, years []int, counters []string, keys []string) int64 {
		t.Helper()
		n, err := s.Transfers.CountSubjects(ctx, sluice.CounterQuery{OrgID: cn.ID, Years: years, Counters: counters}, keys)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("OK", func(t *testing.T) {
		if n := count(t, []int{2026}, pi, SubjectKeys(0, 30)); n != 30 {
			t.Fatalf("empty counter with 30 keys: %d", n)
		}
		x, err := export(s, ctx, tr, 2026, SubjectKeys(0, 30), pi, 0)
		if err != nil {
			t.Fatal(err)
		}
		if x.Added.PI != 30 || x.Added.SPI != 0 || x.YTD.PI != 30 || x.YTD.SPI != 0 || x.ID == 0 {
			t.Fatalf("first export: %+v", x)
		}
		idx, e := lastEvent(t, s)
		if x.EventIndex != idx || e.SubjectSet == nil || e.SubjectSet.Count != 30 {
			t.Fatalf("event %d (export says %d): %+v", idx, x.EventIndex, e)
		}
		stored, err := s.Log.ReadSubjectSet(ctx, idx)
		if err != nil || !slices.Equal(stored, SubjectKeys(0, 30)) {
			t.Fatalf("keys beside the event: %d keys, %v", len(stored), err)
		}
	})
	t.Run("OKOverlapCountsOnce", func(t *testing.T) {
		// 20 people again and 20 new, to both counters.
		if n := count(t, []int{2026}, pi, SubjectKeys(10, 50)); n != 50 {
			t.Fatalf("count with overlap: %d, want 50", n)
		}
		x, err := export(s, ctx, tr, 2026, SubjectKeys(10, 50), both, 0)
		if err != nil {
			t.Fatal(err)
		}
		if x.Added.PI != 20 || x.Added.SPI != 40 || x.YTD.PI != 50 || x.YTD.SPI != 40 {
			t.Fatalf("second export: added %+v ytd %+v", x.Added, x.YTD)
		}
		got, err := s.Transfers.TransferCounts(ctx, cn.ID, 2026)
		if err != nil || got != (sluice.TransferCounts{PI: 50, SPI: 40}) {
			t.Fatalf("counts %+v %v", got, err)
		}
		// The union of pi and spi is the 50 people.
		if n := count(t, []int{2026}, both, nil); n != 50 {
			t.Fatalf("pi ∪ spi: %d", n)
		}
	})
	t.Run("OKNewYearRestarts", func(t *testing.T) {
		x, err := export(s, ctx, tr, 2027, SubjectKeys(0, 10), pi, 0)
		if err != nil {
			t.Fatal(err)
		}
		if x.Added.PI != 10 || x.YTD.PI != 10 {
			t.Fatalf("2027: %+v", x)
		}
		if got, _ := s.Transfers.TransferCounts(ctx, cn.ID, 2026); got.PI != 50 {
			t.Fatalf("2026 changed: %+v", got)
		}
		// Since 1 January 2026, 2026 and 2027 together, with 5 more.
		if n := count(t, []int{2026, 2027}, both, SubjectKeys(45, 55)); n != 55 {
			t.Fatalf("two-year window: %d, want 55", n)
		}
	})
	t.Run("OKOrgsApart", func(t *testing.T) {
		got, err := s.Transfers.TransferCounts(ctx, other.ID, 2026)
		if err != nil || got != (sluice.TransferCounts{}) {
			t.Fatalf("other org: %+v %v", got, err)
		}
	})
	t.Run("ErrCheckUndoesAll", func(t *testing.T) {
		before, _ := lastEvent(t, s)
		_, err := export(s, ctx, tr, 2026, SubjectKeys(0, 100), both, 60)
		wantCode(t, err, sluice.ECONFLICT)
		got, _ := s.Transfers.TransferCounts(ctx, cn.ID, 2026)
		if after, _ := lastEvent(t, s); got != (sluice.TransferCounts{PI: 50, SPI: 40}) || after != before {
			t.Fatalf("after a refused export: %+v, events %d → %d", got, before, after)
		}
		xs, err := s.Transfers.FindTransferExports(ctx, tr.ID)
		if err != nil || len(xs) != 3 {
			t.Fatalf("exports: %d %v", len(xs), err)
		}
	})
	t.Run("ErrUnsortedKeys", func(t *testing.T) {
		keys := SubjectKeys(0, 3)
		keys[0], keys[1] = keys[1], keys[0]
		_, err := export(s, ctx, tr, 2026, keys, pi, 0)
		wantCode(t, err, sluice.EINVALID)
		_, err = s.Transfers.CountSubjects(ctx, sluice.CounterQuery{OrgID: cn.ID, Years: []int{2026}, Counters: pi}, []string{"nope"})
		wantCode(t, err, sluice.EINVALID)
	})
	t.Run("ErrNotExportable", func(t *testing.T) {
		if _, err := s.Transfers.TransitionTransfer(ctx, tr.ID, func(x *sluice.Transfer) (*sluice.Event, error) {
			x.Status = sluice.TransferRevoked
			return &sluice.Event{Action: sluice.ActionTransferRevoke}, nil
		}); err != nil {
			t.Fatal(err)
		}
		_, err := export(s, ctx, tr, 2026, SubjectKeys(500, 510), pi, 0)
		wantCode(t, err, sluice.ECONFLICT)
		if got, _ := s.Transfers.TransferCounts(ctx, cn.ID, 2026); got.PI != 50 {
			t.Fatalf("counted under a revoked transfer: %+v", got)
		}
	})
}

// testTransferRace runs exports of one org at once: the counters neither
// count a person twice nor miss one, and a limit that only some of them
// fit under lets through exactly those that fit, in commit order.
func testTransferRace(t *testing.T, s *Stores) {
	cn := MustCreateOrg(t, s, "cn-rides", "CN")
	ctx := OwnerContext(cn)
	d := MustCreateDataset(t, s, ctx, "trips", "phone")
	tr := mustTransfer(t, s, ctx, cn, d, sluice.TransferReady)
	pi := []string{sluice.CounterPI}

	t.Run("OKNoDoubleCountNoMiss", func(t *testing.T) {
		// Eight exports of 400 people each, every two overlapping by 200:
		// people 0..1799 in all.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		added := make([]int64, 8)
		for i := range 8 {
			wg.Go(func() {
				x, err := export(s, ctx, tr, 2026, SubjectKeys(200*i, 200*i+400), pi, 0)
				errs[i] = err
				if err == nil {
					added[i] = x.Added.PI
				}
			})
		}
		wg.Wait()
		var sum int64
		for i, err := range errs {
			if err != nil {
				t.Fatalf("export %d: %v", i, err)
			}
			sum += added[i]
		}
		got, err := s.Transfers.TransferCounts(ctx, cn.ID, 2026)
		if err != nil || got.PI != 1800 || sum != 1800 {
			t.Fatalf("counter %+v, sum of added %d; want 1800 (%v)", got, sum, err)
		}
	})
	t.Run("OKLimitLetsOneThrough", func(t *testing.T) {
		// Two exports of 300 new people each; only one fits under 2,200.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				_, errs[i] = export(s, ctx, tr, 2026, SubjectKeys(5000+1000*i, 5300+1000*i), pi, 2200)
			})
		}
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch sluice.ErrorCode(err) {
			case "":
				ok++
			case sluice.ECONFLICT:
				refused++
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		got, _ := s.Transfers.TransferCounts(ctx, cn.ID, 2026)
		if ok != 1 || refused != 1 || got.PI != 2100 {
			t.Fatalf("%d through, %d refused, counter %d; want 1, 1, 2100", ok, refused, got.PI)
		}
		xs, err := s.Transfers.FindTransferExports(ctx, tr.ID)
		if err != nil || len(xs) != 9 {
			t.Fatalf("%d exports recorded (%v), want 9", len(xs), err)
		}
	})
}
