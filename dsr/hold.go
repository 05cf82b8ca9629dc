package dsr

import (
	"context"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// PlaceHold places a legal hold on a dataset of the acting org: erasure
// of its data becomes restriction, with reason shown, until it is lifted.
func (s *Service) PlaceHold(ctx context.Context, datasetID int64, reason string) (*sluice.DatasetHold, error) {
	org, err := requireOwner(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "A legal hold needs its reason: the duty to keep the data."}
	} else if len(reason) > sluice.MaxRequestText {
		return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "The reason is too long."}
	}
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return nil, err
	} else if d.OrgID != org.ID {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", datasetID)
	}
	h := &sluice.DatasetHold{DatasetID: d.ID, OrgID: org.ID, Reason: reason}
	e := &sluice.Event{Action: sluice.ActionHoldPlace, Object: map[string]any{"dataset": d.ID},
		Details: map[string]any{"reason_sha256": sluice.TextHash(reason)}}
	if err := s.Requests.PutHold(ctx, h, e); err != nil {
		return nil, err
	}
	return h, nil
}

// LiftHold lifts a dataset's legal hold.
func (s *Service) LiftHold(ctx context.Context, datasetID int64) error {
	org, err := requireOwner(ctx)
	if err != nil {
		return err
	}
	d, err := s.Datasets.FindDatasetByID(ctx, datasetID)
	if err != nil {
		return err
	} else if d.OrgID != org.ID {
		return sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", datasetID)
	}
	return s.Requests.DeleteHold(ctx, d.ID, &sluice.Event{Action: sluice.ActionHoldLift, Object: map[string]any{"dataset": d.ID}})
}

// Holds lists the legal holds on the acting org's datasets.
func (s *Service) Holds(ctx context.Context) ([]*sluice.DatasetHold, error) {
	org, err := actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	hs, err := s.Requests.FindHolds(ctx, org.ID)
	if hs == nil {
		hs = []*sluice.DatasetHold{}
	}
	return hs, err
}
