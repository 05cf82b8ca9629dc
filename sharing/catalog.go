package sharing

import (
	"cmp"
	"context"
	"slices"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// The sharing catalogue: each dataset's sharing and opening classes
// (policy/rules/public_data_classes.json). It governs requests when
// Service.Catalog is set: a dataset whose sharing class is none cannot be
// requested, and a conditional one is granted only by its owner's
// approval, on the conditions its entry states.

// CatalogEntry returns the entry of dataset d: the stored one, or the
// class its owner's datasets start with.
func (sh *Service) CatalogEntry(ctx context.Context, d *sluice.Dataset) (*sluice.CatalogEntry, error) {
	m, err := sh.entries(ctx, []*sluice.Dataset{d})
	if err != nil {
		return nil, err
	}
	return m[d.ID], nil
}

func (sh *Service) entries(ctx context.Context, ds []*sluice.Dataset) (map[int64]*sluice.CatalogEntry, error) {
	if sh.Catalog == nil || sh.Classes == nil {
		return nil, sluice.Errorf(sluice.EUNAVAILABLE, "This server keeps no sharing catalogue.")
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	m, err := sh.Catalog.FindCatalogEntries(ctx, ids)
	if err != nil {
		return nil, err
	}
	orgs := map[int64]*sluice.Org{}
	for _, d := range ds {
		if m[d.ID] != nil {
			continue
		}
		o, ok := orgs[d.OrgID]
		if !ok {
			if o, err = sh.Orgs.FindOrgByID(operatorContext(ctx), d.OrgID); err != nil {
				return nil, err
			}
			orgs[d.OrgID] = o
		}
		m[d.ID] = sh.Classes.Default(o, d.ID)
	}
	return m, nil
}

// PutCatalogEntry sets the catalogue entry of a dataset of the acting
// owner's org, after checking that it carries what its classes demand.
func (sh *Service) PutCatalogEntry(ctx context.Context, datasetID int64, e *sluice.CatalogEntry) error {
	if sh.Catalog == nil || sh.Classes == nil {
		return sluice.Errorf(sluice.EUNAVAILABLE, "This server keeps no sharing catalogue.")
	}
	d, err := sh.Datasets.FindDatasetByID(ctx, datasetID) // ENOTFOUND unless the actor's org owns it
	if err != nil {
		return err
	}
	e.DatasetID = d.ID
	if err := sh.Classes.Check(e); err != nil {
		return err
	}
	ev := &sluice.Event{
		Action: sluice.ActionCatalogUpdate, Actor: sluice.EventActorFromContext(ctx),
		Object:  map[string]any{"dataset": d.ID},
		Details: map[string]any{"sharing": e.Sharing, "opening": e.Opening, "legal_basis": e.LegalBasis, "rules_version": sh.Classes.Version},
	}
	return sh.Catalog.PutCatalogEntry(ctx, e, ev)
}

// A CatalogItem is a dataset as the catalogue shows it: what it holds
// (fields, categories, grades), never its records; its owner, class and
// the owner's answer deadline.
type CatalogItem struct {
	Dataset    int64                `json:"dataset"`
	Name       string               `json:"name"`
	Purpose    string               `json:"purpose"`
	Region     sluice.Region        `json:"region"`
	Grade      sluice.Grade         `json:"grade"`
	Fields     []CatalogField       `json:"fields"`
	Owner      string               `json:"owner"`
	PublicBody bool                 `json:"public_body,omitempty"`
	AnswerDays int                  `json:"answer_days"`
	Entry      *sluice.CatalogEntry `json:"entry"`
	Sharing    *policy.DataClass    `json:"sharing_class"`
	Opening    *policy.DataClass    `json:"opening_class"`
}

// A CatalogField is a field as the catalogue shows it.
type CatalogField struct {
	Name       string       `json:"name"`
	Categories []string     `json:"categories"`
	Sensitive  bool         `json:"sensitive"`
	Grade      sluice.Grade `json:"grade"`
}

// Catalogue returns the datasets an org may browse: every dataset whose
// sharing class is not none, and the org's own whatever their class, by
// owner and name.
func (sh *Service) Catalogue(ctx context.Context) ([]*CatalogItem, error) {
	actor := sluice.ActorFromContext(ctx)
	var all []*sluice.Dataset
	for off := 0; ; off += 1000 {
		ds, n, err := sh.Datasets.FindDatasets(operatorContext(ctx), sluice.DatasetFilter{Offset: off, Limit: 1000})
		if err != nil {
			return nil, err
		}
		all = append(all, ds...)
		if len(ds) == 0 || len(all) >= n {
			break
		}
	}
	entries, err := sh.entries(ctx, all)
	if err != nil {
		return nil, err
	}
	orgs := map[int64]*sluice.Org{}
	var out []*CatalogItem
	for _, d := range all {
		e := entries[d.ID]
		own := actor != nil && actor.Org != nil && actor.Org.ID == d.OrgID
		if e.Sharing == sluice.SharingNone && !own {
			continue
		}
		o, ok := orgs[d.OrgID]
		if !ok {
			if o, err = sh.Orgs.FindOrgByID(operatorContext(ctx), d.OrgID); err != nil {
				return nil, err
			}
			orgs[d.OrgID] = o
		}
		it := &CatalogItem{Dataset: d.ID, Name: d.Name, Purpose: d.Purpose, Region: d.Region, Grade: d.Grade, Owner: o.Name,
			PublicBody: o.PublicBody, AnswerDays: o.AnswerDeadline(), Entry: e, Fields: []CatalogField{},
			Sharing: sh.Classes.SharingClass(e.Sharing), Opening: sh.Classes.OpeningClass(e.Opening)}
		for _, f := range d.Fields {
			cf := CatalogField{Name: f.Name, Sensitive: f.Sensitive, Grade: f.Grade, Categories: []string{}}
			for _, c := range f.Categories {
				cf.Categories = append(cf.Categories, c.Key)
			}
			it.Fields = append(it.Fields, cf)
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b *CatalogItem) int { return cmp.Or(cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.Name, b.Name)) })
	return out, nil
}

// checkRequestable refuses a request for a dataset whose sharing class
// cannot be requested.
func (sh *Service) checkRequestable(ctx context.Context, d *sluice.Dataset) error {
	if sh.Catalog == nil || sh.Classes == nil {
		return nil
	}
	if a := sluice.ActorFromContext(ctx); a != nil && a.Org != nil && slices.Contains(sh.Classes.ExemptConsumers.Kinds, a.Org.Kind) {
		return nil
	}
	e, err := sh.CatalogEntry(ctx, d)
	if err != nil {
		return err
	}
	if c := sh.Classes.SharingClass(e.Sharing); c == nil || !c.Requestable {
		ref := ""
		if c != nil {
			ref = " (" + c.Ref + ")"
		}
		return sluice.Errorf(sluice.EFORBIDDEN, "Dataset %d is not shared: its sharing class is %s%s; it cannot be requested.", d.ID, e.Sharing, ref)
	}
	return nil
}

// autoApprove approves g at once, as its owner, when the owner is a public
// body that set AutoApprove, the consumer is a public body and the
// dataset's sharing class is unconditional. An approval the rules refuse
// (e.g. important data without its risk assessment) leaves g pending.
func (sh *Service) autoApprove(ctx context.Context, g *sluice.Grant) {
	a := sluice.ActorFromContext(ctx)
	if sh.Catalog == nil || sh.Classes == nil || a == nil || a.Org == nil || !a.Org.PublicBody {
		return
	}
	owner, err := sh.Orgs.FindOrgByID(operatorContext(ctx), g.OwnerOrgID)
	if err != nil || !owner.PublicBody || !owner.AutoApprove {
		return
	}
	d, err := sh.Datasets.FindDatasetByID(operatorContext(ctx), g.DatasetID)
	if err != nil {
		return
	}
	if e, err := sh.CatalogEntry(ctx, d); err != nil || e.Sharing != sluice.SharingUnconditional {
		return
	}
	octx := sluice.NewContextWithActor(ctx, &sluice.Actor{Org: owner, Role: sluice.RoleOwner, Key: "auto-approval"})
	ng, err := sh.ApproveGrant(octx, g.ID, sluice.GrantApproval{}, 0)
	if err != nil {
		sh.logger().InfoContext(ctx, "grant left pending: automatic approval refused", "grant", g.ID, "code", sluice.ErrorCode(err))
		return
	}
	*g = *ng
}

// CatalogVisible is the DatasetVisibility of the sharing catalogue: an org
// may know that another org's dataset exists when its owner publishes it
// for sharing (a class that may be requested), when the org holds a grant
// on it, or when the org asks as an authority, whose requests the classes
// do not limit. Anything else is
// answered as a dataset that does not exist (see findSharedDataset).
func (sh *Service) CatalogVisible(ctx context.Context, asker *sluice.Org, d *sluice.Dataset) bool {
	if sh.Catalog == nil || sh.Classes == nil || slices.Contains(sh.Classes.ExemptConsumers.Kinds, asker.Kind) {
		return true
	}
	if e, err := sh.CatalogEntry(operatorContext(ctx), d); err == nil {
		if c := sh.Classes.SharingClass(e.Sharing); c != nil && c.Requestable {
			return true
		}
	}
	// An org that holds a grant on the dataset knows of it already, even
	// once its owner stops publishing it.
	_, n, err := sh.Grants.FindGrants(ctx, sluice.GrantFilter{DatasetID: &d.ID, ConsumerOrgID: &asker.ID, Limit: 1})
	return err == nil && n > 0
}
