package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/sluice-gateway/sluice"
)

// A controlRescoper rescopes the subject keys of a control store.
type controlRescoper interface {
	DatasetOrgs(ctx context.Context) (map[int64]int64, error)
	RescopeSubjectKeys(ctx context.Context, sc *sluice.SubjectScoper, records int64, logger *slog.Logger) (bool, error)
}

// A recordRescoper rescopes the subject keys of a record store.
type recordRescoper interface {
	RescopeSubjectKeys(ctx context.Context, orgOf map[int64]int64, sc *sluice.SubjectScoper) (int64, bool, error)
}

// rescopeSubjectKeys turns every stored subject key that is still
// server-wide into its org-scoped form: each region's records first, then
// the control store, which logs one audit event for the change. Each
// store records that it is done, so a crash midway is taken up where it
// stopped, and a later start does nothing.
func rescopeSubjectKeys(ctx context.Context, s *Stores, secret []byte, logger *slog.Logger) error {
	if s.Rescoper == nil {
		return nil
	}
	orgOf, err := s.Rescoper.DatasetOrgs(ctx)
	if err != nil {
		return fmt.Errorf("rescope subject keys: %w", err)
	}
	var records int64
	regions := make([]sluice.Region, 0, len(s.Regions))
	for r := range s.Regions {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		rs, ok := s.Regions[r].(recordRescoper)
		if !ok {
			return fmt.Errorf("rescope subject keys: the record store of %s cannot", r)
		}
		n, done, err := rs.RescopeSubjectKeys(ctx, orgOf, sluice.NewSubjectScoper(secret))
		if err != nil {
			return fmt.Errorf("rescope subject keys of %s: %w", r, err)
		}
		if done && n > 0 {
			logger.InfoContext(ctx, "subject keys of records scoped per org", slog.String("region", string(r)), slog.Int64("records", n))
		}
		records += n
	}
	done, err := s.Rescoper.RescopeSubjectKeys(ctx, sluice.NewSubjectScoper(secret), records, logger)
	if err != nil {
		return fmt.Errorf("rescope subject keys: %w", err)
	}
	if done {
		logger.InfoContext(ctx, "subject keys scoped per org")
	}
	return nil
}
