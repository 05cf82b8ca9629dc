package dsr

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// A Deletion reports what deleting a dataset or offboarding an org did.
type Deletion struct {
	Datasets         []int64 `json:"datasets"`
	Records          int64   `json:"records"`
	GrantsRevoked    int     `json:"grants_revoked"`
	TransfersRevoked int     `json:"transfers_revoked"`
	Forced           bool    `json:"forced"`
	Reason           string  `json:"reason,omitempty"`
}

// dependents lists what stands in the way of deleting dataset d: its
// legal hold, and the open grants and transfers on it.
func (s *Service) dependents(ctx context.Context, d *sluice.Dataset, holds map[int64]*sluice.DatasetHold) (blockers []string, grants []int64, transfers []int64, err error) {
	if h := holds[d.ID]; h != nil {
		blockers = append(blockers, fmt.Sprintf("dataset %d is under a legal hold: %s", d.ID, h.Reason))
	}
	if s.Grants != nil {
		gs, _, err := s.Grants.FindGrants(ctx, sluice.GrantFilter{DatasetID: &d.ID})
		if err != nil {
			return nil, nil, nil, err
		}
		for _, g := range gs {
			if g.Status == sluice.GrantPending || g.Status == sluice.GrantApproved && (g.ExpiresAt == nil || s.now().Before(*g.ExpiresAt)) {
				blockers = append(blockers, fmt.Sprintf("grant %d (%s) on dataset %d", g.ID, g.Status, d.ID))
				grants = append(grants, g.ID)
			}
		}
	}
	if s.Transfers != nil {
		ts, _, err := s.Transfers.FindTransfers(ctx, sluice.TransferFilter{DatasetID: &d.ID})
		if err != nil {
			return nil, nil, nil, err
		}
		for _, t := range ts {
			if !t.Status.Final() {
				blockers = append(blockers, fmt.Sprintf("transfer %d (%s) of dataset %d", t.ID, t.Status, d.ID))
				transfers = append(transfers, t.ID)
			}
		}
	}
	return blockers, grants, transfers, nil
}

// refuse returns the ECONFLICT of a deletion that something depends on,
// or EINVALID for a forced one without a reason.
func refuseDeletion(what string, blockers []string, force bool, reason string) error {
	if force && strings.TrimSpace(reason) == "" {
		return &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "A forced deletion needs its reason."}
	}
	if len(blockers) > 0 && !force {
		return sluice.Errorf(sluice.ECONFLICT, "Cannot delete %s: %s. Lift or end them first, or force the deletion with a reason.", what, strings.Join(blockers, "; "))
	}
	return nil
}

// DeleteDataset deletes a dataset of the acting owner's org (or any, for
// the operator): every record, on disk as an erasure, its fields and its
// hold; open grants and transfers on it are revoked. It is refused while a
// legal hold or an open grant or transfer depends on it, unless forced
// with a reason.
func (s *Service) DeleteDataset(ctx context.Context, id int64, force bool, reason string) (*Deletion, error) {
	if a := sluice.ActorFromContext(ctx); a != nil && a.Org != nil && a.Role != sluice.RoleOwner {
		return nil, sluice.Errorf(sluice.EFORBIDDEN, "Only an owner key deletes datasets.")
	}
	d, err := s.Datasets.FindDatasetByID(ctx, id)
	if err != nil {
		return nil, err
	}
	holds, err := s.holds(ctx, d.OrgID)
	if err != nil {
		return nil, err
	}
	blockers, grants, transfers, err := s.dependents(ctx, d, holds)
	if err != nil {
		return nil, err
	}
	if err := refuseDeletion(fmt.Sprintf("dataset %d", d.ID), blockers, force, reason); err != nil {
		return nil, err
	}
	out := &Deletion{Forced: force, Reason: reason}
	return out, s.deleteDataset(ctx, d, grants, transfers, holds[d.ID] != nil, out)
}

func (s *Service) deleteDataset(ctx context.Context, d *sluice.Dataset, grants, transfers []int64, held bool, out *Deletion) error {
	why := "dataset deleted"
	if out.Reason != "" {
		why += ": " + out.Reason
	}
	for _, id := range grants {
		if _, err := s.Grants.RevokeGrant(ctx, id, why); err != nil && sluice.ErrorCode(err) != sluice.ECONFLICT {
			return err
		}
		out.GrantsRevoked++
	}
	for _, id := range transfers {
		if err := s.revokeTransfer(ctx, id, why); err != nil {
			return err
		}
		out.TransfersRevoked++
	}
	st, err := s.subjectStore(d.Region)
	if err != nil {
		return err
	}
	e := &sluice.Event{Action: sluice.ActionDatasetDelete, Object: map[string]any{"dataset": d.ID},
		Details: map[string]any{"records": d.RecordCount, "forced": out.Forced, "hold_overridden": held,
			"grants_revoked": len(grants), "transfers_revoked": len(transfers), "reason_sha256": sluice.TextHash(out.Reason)}}
	// The tombstone first: no ingest or read finds the dataset from now
	// on; a crash before the records are gone leaves them to Sweep.
	if err := s.Requests.MarkDatasetDeleted(ctx, d.ID, e); err != nil {
		return err
	}
	n, err := st.DeleteDatasetRecords(ctx, d.ID)
	if err != nil {
		return fmt.Errorf("delete records of dataset %d: %w", d.ID, err)
	}
	out.Datasets = append(out.Datasets, d.ID)
	out.Records += n
	return nil
}

func (s *Service) revokeTransfer(ctx context.Context, id int64, reason string) error {
	_, err := s.Transfers.TransitionTransfer(ctx, id, func(t *sluice.Transfer) (*sluice.Event, error) {
		if t.Status.Final() {
			return nil, nil
		}
		from := t.Status
		t.Status, t.Reason = sluice.TransferRevoked, reason
		return &sluice.Event{Action: sluice.ActionTransferRevoke, Decision: string(t.Status), Object: map[string]any{"dataset": t.DatasetID},
			Details: map[string]any{"from": string(from), "reason_sha256": sluice.TextHash(reason)}}, nil
	})
	return err
}

// OffboardOrg removes an organisation, for the operator: every dataset
// deleted as DeleteDataset does, the grants it holds as a consumer
// revoked, its keys revoked and its consent ledger deleted. It is refused
// while a legal hold or an open grant or transfer depends on it, unless
// forced with a reason.
func (s *Service) OffboardOrg(ctx context.Context, orgID int64, force bool, reason string) (*Deletion, error) {
	if a := sluice.ActorFromContext(ctx); a != nil && a.Org != nil {
		return nil, sluice.Errorf(sluice.EFORBIDDEN, "Only the operator offboards an org.")
	}
	org, err := s.Orgs.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	datasets, err := s.orgDatasets(ctx, orgID)
	if err != nil {
		return nil, err
	}
	holds, err := s.holds(ctx, orgID)
	if err != nil {
		return nil, err
	}
	type plan struct {
		d                 *sluice.Dataset
		grants, transfers []int64
	}
	var plans []plan
	var blockers []string
	for _, d := range datasets {
		b, g, t, err := s.dependents(ctx, d, holds)
		if err != nil {
			return nil, err
		}
		blockers = append(blockers, b...)
		plans = append(plans, plan{d, g, t})
	}
	var consumed []int64
	if s.Grants != nil {
		gs, _, err := s.Grants.FindGrants(ctx, sluice.GrantFilter{ConsumerOrgID: &orgID})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if g.Status == sluice.GrantPending || g.Status == sluice.GrantApproved && (g.ExpiresAt == nil || s.now().Before(*g.ExpiresAt)) {
				blockers = append(blockers, fmt.Sprintf("grant %d (%s) the org holds as a consumer", g.ID, g.Status))
				consumed = append(consumed, g.ID)
			}
		}
	}
	if err := refuseDeletion("org "+org.Name, blockers, force, reason); err != nil {
		return nil, err
	}
	out := &Deletion{Forced: force, Reason: reason, Datasets: []int64{}}
	for _, p := range plans {
		if err := s.deleteDataset(ctx, p.d, p.grants, p.transfers, holds[p.d.ID] != nil, out); err != nil {
			return out, err
		}
	}
	for _, id := range consumed {
		if _, err := s.Grants.RevokeGrant(ctx, id, "org offboarded"); err != nil && sluice.ErrorCode(err) != sluice.ECONFLICT {
			return out, err
		}
		out.GrantsRevoked++
	}
	e := &sluice.Event{Action: sluice.ActionOrgOffboard, Object: map[string]any{"org": org.Name},
		Details: map[string]any{"datasets": len(out.Datasets), "records": out.Records, "forced": force, "reason_sha256": sluice.TextHash(reason)}}
	if err := s.Requests.CloseOrg(ctx, orgID, e); err != nil {
		return out, err
	}
	return out, nil
}

// Sweep removes the records of deleted datasets that a deletion cut short
// left in a region's store. sluice serve runs it at start.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	ds, err := s.Requests.DeletedDatasets(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range ds {
		st, err := s.subjectStore(d.Region)
		if sluice.ErrorCode(err) == sluice.EUNAVAILABLE {
			continue // not served here
		} else if err != nil {
			return total, err
		}
		n, err := st.DeleteDatasetRecords(ctx, d.ID)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
