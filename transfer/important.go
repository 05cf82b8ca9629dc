package transfer

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// Ensure ImportantService implements the interface.
var _ sluice.ImportantService = (*ImportantService)(nil)

// ImportantService records that an authority notified a dataset as
// important data (O16 Art. 2; NDSR Art. 37). The dataset store shows the
// notice on the dataset, and the transfer service then treats every
// transfer of the dataset as one of important data.
type ImportantService struct {
	Datasets sluice.DatasetService
	Store    sluice.ImportantStore
}

// refImportant is the legal reference of a notice.
const refImportant = "O16 Art. 2; NDSR Art. 37"

// FindImportantNotice returns the notice of a dataset of the actor's org.
func (s *ImportantService) FindImportantNotice(ctx context.Context, datasetID int64) (*sluice.ImportantNotice, error) {
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID) // ENOTFOUND unless the actor's org owns it
	if err != nil {
		return nil, err
	}
	if d.ImportantNotice == nil {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no important-data notice.", d.ID)
	}
	return d.ImportantNotice, nil
}

// SetImportantNotice records n for a dataset of the acting owner's org,
// replacing any notice it had, with its audit event.
func (s *ImportantService) SetImportantNotice(ctx context.Context, datasetID int64, n *sluice.ImportantNotice) error {
	if err := ownerOnly(ctx); err != nil {
		return err
	}
	if err := n.Validate(); err != nil {
		return err
	}
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return err
	}
	n.DatasetID = d.ID
	ev := &sluice.Event{
		Action: sluice.ActionImportantNotify, Actor: sluice.EventActorFromContext(ctx),
		Decision: string(sluice.GradeImportant), Reason: refImportant,
		Object:  map[string]any{"dataset": d.ID},
		Details: map[string]any{"notice": n.Notice, "authority": n.Authority, "date": n.Date},
	}
	return s.Store.PutImportantNotice(ctx, n, ev)
}

// ClearImportantNotice removes the notice of a dataset of the acting
// owner's org, with its audit event: the notice was withdrawn or recorded
// in error.
func (s *ImportantService) ClearImportantNotice(ctx context.Context, datasetID int64) error {
	if err := ownerOnly(ctx); err != nil {
		return err
	}
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return err
	}
	if d.ImportantNotice == nil {
		return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d has no important-data notice.", d.ID)
	}
	ev := &sluice.Event{
		Action: sluice.ActionImportantClear, Actor: sluice.EventActorFromContext(ctx),
		Decision: "cleared", Reason: refImportant,
		Object:  map[string]any{"dataset": d.ID},
		Details: map[string]any{"notice": d.ImportantNotice.Notice, "authority": d.ImportantNotice.Authority, "date": d.ImportantNotice.Date},
	}
	return s.Store.ClearImportantNotice(ctx, d.ID, ev)
}

// ownerOnly refuses anyone but an owner of an org.
func ownerOnly(ctx context.Context) error {
	a := sluice.ActorFromContext(ctx)
	if a == nil || a.Org == nil {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "Only an org's owner can record an important-data notice.")
	}
	if a.Role != sluice.RoleOwner {
		return sluice.Errorf(sluice.EFORBIDDEN, "Only an owner can record or clear an important-data notice.")
	}
	return nil
}

// noticeReason is the reason a transfer's decision gives for a dataset an
// authority notified as important data: the notice it rests on.
func noticeReason(n *sluice.ImportantNotice) sluice.TransferReason {
	return sluice.TransferReason{
		Rule:       "cn.notified_important",
		Ref:        refImportant + "; notice " + n.Notice,
		Text:       "The dataset is important data: " + n.Authority + " notified it as such on " + n.Date + " (notice " + n.Notice + "). Data an authority has notified or published as important is declared as important data for export.",
		Confidence: "checked",
	}
}
