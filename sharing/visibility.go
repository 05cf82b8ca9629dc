package sharing

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// A DatasetVisibility says whether an org may know that a dataset of
// another org exists: whether it is in what that org publishes for
// sharing. Decisions and grant requests about a dataset the asker may not
// see answer exactly as for one that does not exist.
type DatasetVisibility func(ctx context.Context, asker *sluice.Org, d *sluice.Dataset) bool

// findSharedDataset returns dataset id as a consumer may see it: the
// dataset, or for one it may not see, the very error of a dataset that
// does not exist.
func (sh *Service) findSharedDataset(ctx context.Context, id int64) (*sluice.Dataset, error) {
	d, err := sh.Datasets.FindDatasetByID(operatorContext(ctx), id)
	if err != nil {
		return nil, err
	}
	a := sluice.ActorFromContext(ctx)
	if sh.DatasetVisible != nil && (a == nil || a.Org == nil || a.Org.ID != d.OrgID && !sh.DatasetVisible(ctx, a.Org, d)) {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Dataset %d not found.", id)
	}
	return d, nil
}
