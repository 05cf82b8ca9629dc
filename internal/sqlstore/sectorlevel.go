package sqlstore

import (
	"context"

	"github.com/sluice-gateway/sluice"
)

// attachSectorLevels sets, on each of ds, the class and level its fields
// have in the sector catalogues of its owner's sector, when the service
// has a SectorLeveler. Computed on reading from the fields' categories:
// nothing is stored, so a new catalogue applies to every dataset at once.
func (s *DatasetService) attachSectorLevels(ctx context.Context, q Querier, ds []*sluice.Dataset) error {
	if s.Sectors == nil {
		return nil
	}
	sectors := map[int64]string{}
	for _, d := range ds {
		sector, ok := sectors[d.OrgID]
		if !ok {
			if err := q.QueryRow(ctx, `SELECT sector FROM orgs WHERE id = $1`, d.OrgID).Scan(&sector); err != nil {
				return err
			}
			sectors[d.OrgID] = sector
		}
		d.SectorLevels = s.Sectors.DatasetSectorLevels(d.Fields, sector)
	}
	return nil
}
