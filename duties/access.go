package duties

import (
	"context"
	"slices"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/supervise"
)

// EventAppender appends audit events.
type EventAppender interface {
	AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
}

// FindOrgFor returns org orgID if the actor in ctx may read its duties and
// records: the org's own keys, a supervisor of its region (whose view is
// logged through events, when set), or the operator. Anyone else gets
// ENOTFOUND, as for an org that does not exist.
func FindOrgFor(ctx context.Context, orgs sluice.OrgService, events EventAppender, orgID int64, view string) (*sluice.Org, error) {
	notFound := sluice.Errorf(sluice.ENOTFOUND, "Org %d not found.", orgID)
	a := sluice.ActorFromContext(ctx)
	if a != nil && a.Org != nil && a.Org.ID != orgID {
		return nil, notFound
	}
	org, err := orgs.FindOrgByID(sluice.NewContextWithActor(ctx, nil), orgID)
	if err != nil {
		return nil, err
	}
	if a != nil && a.Role == sluice.RoleSupervisor {
		if a.Org != nil || !slices.Contains(a.Regions, org.Region) {
			return nil, notFound
		}
		if events != nil {
			regions := make([]any, len(a.Regions))
			for i, r := range a.Regions {
				regions[i] = string(r)
			}
			if _, err := events.AppendEvent(ctx, &sluice.Event{
				Action: supervise.ActionView, Actor: sluice.EventActor{Role: string(sluice.RoleSupervisor)},
				Object: map[string]any{"org": org.Name}, Details: map[string]any{"view": view, "key": a.Key, "regions": regions},
			}); err != nil {
				return nil, err
			}
		}
	}
	return org, nil
}
