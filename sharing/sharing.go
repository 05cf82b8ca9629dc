// Package sharing is sluice's governed-sharing service: purposes, grants
// and the consent ledger, organisation policies, and the read pipeline —
// decide per field ([policy.Engine]), withhold records whose subject lacks
// the consent the read needs, de-identify, and log the read — with no
// HTTP in it. Package httpapi decodes requests into calls of [Service].
package sharing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

// EventAppender appends an audit event that records no change of the
// control store, such as a read, and returns its index once it is
// durable.
type EventAppender interface {
	AppendEvent(ctx context.Context, e *sluice.Event) (int64, error)
}

// pseudonymLabel separates the pseudonym secret from every other key
// derived from the subject-key secret.
const pseudonymLabel = "sluice pseudonym secret v1"

// DerivePseudonymSecret returns the secret under which the per-grant
// pseudonym keys are derived: HMAC-SHA-256 of a fixed label under the
// server's subject-key secret, so that the two are never the same key.
func DerivePseudonymSecret(subjectSecret []byte) []byte {
	m := hmac.New(sha256.New, subjectSecret)
	m.Write([]byte(pseudonymLabel))
	return m.Sum(nil)
}

// Service is governed sharing over the stores: the decision engine (legal
// rules, grant index, organisation policies), the secrets of subject keys
// and pseudonyms, and the stores it reads and writes.
//
// The grant index and the Cedar layer are loaded from the store at start
// ([Service.Load]), updated on every change made through this service,
// and refreshed from the store for the consumer, dataset and owner of
// every read and decision, so that servers sharing one control store
// decide on the stored state, not on what they happened to see.
type Service struct {
	Engine *policy.Engine
	// SubjectSecret keys the identifiers given in consents (the same
	// secret as ingest's); PseudonymSecret keys the pseudonyms (see
	// DerivePseudonymSecret).
	SubjectSecret   []byte
	PseudonymSecret []byte
	// Now is the clock of decisions; nil is sluice.Now.
	Now func() time.Time

	Orgs     sluice.OrgService
	Datasets sluice.DatasetService
	Records  sluice.RecordService
	Purposes sluice.PurposeService
	Grants   sluice.GrantService
	Consents sluice.ConsentService
	Policies sluice.PolicyService
	Events   EventAppender

	// DatasetVisible, if set, hides from an org the datasets of others it
	// may not see (see DatasetVisibility); nil shows every dataset.
	DatasetVisible DatasetVisibility
	// Catalog and Classes keep the sharing catalogue; with Catalog nil
	// there is none, and no class limits requests.
	Catalog sluice.CatalogStore
	Classes *policy.PublicDataClasses

	Logger *slog.Logger

	mu       sync.Mutex
	policies map[int64]string // org → hash of the Cedar text installed
}

// New returns the service over the legal rules with an empty grant index
// and no organisation policies; set its stores before use.
func New(rules *policy.SharingRules, subjectSecret []byte) *Service {
	return &Service{
		Engine:          policy.NewEngine(rules, policy.NewGrantIndex(), policy.NewCedarLayer()),
		SubjectSecret:   subjectSecret,
		PseudonymSecret: DerivePseudonymSecret(subjectSecret),
		policies:        map[int64]string{},
	}
}

// Clock returns the service's time now, in UTC.
func (sh *Service) Clock() time.Time {
	if sh.Now != nil {
		return sh.Now().UTC()
	}
	return sluice.Now().UTC()
}

func (sh *Service) logger() *slog.Logger {
	if sh.Logger == nil {
		return slog.Default()
	}
	return sh.Logger
}

// Load fills the grant index and the Cedar layer from the stores.
func (sh *Service) Load(ctx context.Context) error {
	grants, policies, logger := sh.Grants, sh.Policies, sh.logger()
	ctx = sluice.NewContextWithActor(ctx, nil)
	for offset := 0; ; offset += 1000 {
		gs, _, err := grants.FindGrants(ctx, sluice.GrantFilter{Offset: offset, Limit: 1000})
		if err != nil {
			return fmt.Errorf("load grants: %w", err)
		}
		for _, g := range gs {
			if err := sh.putGrant(g); err != nil {
				return fmt.Errorf("load grant %d: %w", g.ID, err)
			}
		}
		if len(gs) < 1000 {
			break
		}
	}
	ps, err := policies.FindPolicies(ctx)
	if err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	for _, p := range ps {
		sh.installPolicy(p, logger)
	}
	return nil
}

// putGrant puts g into the grant index.
func (sh *Service) putGrant(g *sluice.Grant) error {
	pg, err := PolicyGrant(g)
	if err != nil {
		return err
	}
	return sh.Engine.Grants().Put(pg)
}

// refreshGrants reloads the grants of consumer on dataset from the store.
func (sh *Service) refreshGrants(ctx context.Context, consumer, dataset int64) error {
	gs, _, err := sh.Grants.FindGrants(sluice.NewContextWithActor(ctx, nil), sluice.GrantFilter{ConsumerOrgID: &consumer, DatasetID: &dataset})
	if err != nil {
		return err
	}
	for _, g := range gs {
		if err := sh.putGrant(g); err != nil {
			return err
		}
	}
	return nil
}

// refreshPolicy installs org's stored policy if it differs from the one
// installed.
func (sh *Service) refreshPolicy(ctx context.Context, org int64) error {
	p, err := sh.Policies.FindPolicy(ctx, org)
	if sluice.ErrorCode(err) == sluice.ENOTFOUND {
		p, err = &sluice.OrgPolicy{OrgID: org, Hash: sluice.TextHash("")}, nil
	}
	if err != nil {
		return err
	}
	sh.mu.Lock()
	same := sh.policies[org] == p.Hash || sh.policies[org] == "" && p.Text == ""
	sh.mu.Unlock()
	if !same {
		sh.installPolicy(p, sh.logger())
	}
	return nil
}

// unparseablePolicy replaces a stored policy that no longer parses (after
// an upgrade of the Cedar parser, say): the org's datasets are served to
// nobody until it uploads its policies again. It fails closed.
const unparseablePolicy = `@id("stored-policy-does-not-parse") forbid (principal, action, resource);`

// installPolicy parses p and installs it in the Cedar layer.
func (sh *Service) installPolicy(p *sluice.OrgPolicy, logger *slog.Logger) {
	layer := sh.Engine.Cedar()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if strings.TrimSpace(p.Text) == "" {
		layer.Delete(p.OrgID)
		sh.policies[p.OrgID] = p.Hash
		return
	}
	set, err := policy.ParseCedar(p.OrgID, []byte(p.Text))
	if err != nil {
		if logger != nil {
			logger.Error("stored organisation policy does not parse; denying reads of its datasets", slog.Int64("org", p.OrgID), slog.Any("err", err))
		}
		set, _ = policy.ParseCedar(p.OrgID, []byte(unparseablePolicy))
	}
	layer.Put(set)
	sh.policies[p.OrgID] = p.Hash
}

// PolicyGrant returns the decision engine's view of g. An expired grant
// stays approved with its expiry, so that decisions cite the expiry.
func PolicyGrant(g *sluice.Grant) (*policy.Grant, error) {
	pg := &policy.Grant{
		ID: g.ID, Consumer: g.ConsumerOrgID, Dataset: g.DatasetID, Purpose: g.Purpose, LegalBasis: policy.Basis(g.LegalBasis),
		RiskAssessmentRef: g.RiskAssessmentRef, WrittenRequestRef: g.WrittenRequestRef, IdentifiedData: g.IdentifiedData,
		Fields: make([]policy.GrantField, len(g.Fields)),
	}
	switch g.Status {
	case sluice.GrantPending:
		pg.Status = policy.StatusPending
	case sluice.GrantApproved, sluice.GrantExpired:
		pg.Status = policy.StatusApproved
	case sluice.GrantDenied:
		pg.Status = policy.StatusDenied
	case sluice.GrantRevoked:
		pg.Status = policy.StatusRevoked
	default:
		return nil, sluice.Errorf(sluice.EINVALID, "Grant %d: unknown status %q.", g.ID, g.Status)
	}
	if g.ExpiresAt != nil {
		pg.ExpiresAt = *g.ExpiresAt
	} else if g.Status == sluice.GrantExpired {
		pg.ExpiresAt = g.UpdatedAt
	}
	for i, f := range g.Fields {
		op, err := policy.ParseOp(f.Op)
		if err != nil {
			return nil, err
		}
		pg.Fields[i] = policy.GrantField{Name: f.Name, Op: op}
	}
	return pg, nil
}

// PolicyField returns the decision engine's view of field f of d. A field
// is personal information if a data category under "user" was found in
// it, if it is sensitive, or if it is the dataset's subject field (which
// identifies the person whatever classification says).
//
// A field that holds an array ("points") is decided as what its elements
// hold: it takes the categories, sensitivity and highest grade of the
// fields that reach into it ("points[].lat"), so that serving the whole
// array is never decided more leniently than serving its parts.
func PolicyField(d *sluice.Dataset, f *sluice.Field) policy.Field {
	pf := policy.Field{Name: f.Name, Sensitive: f.Sensitive, Grade: f.Grade, PI: f.Sensitive || f.Name == d.SubjectField}
	add := func(f *sluice.Field) {
		for _, c := range f.Categories {
			if !slices.Contains(pf.Categories, c.Key) {
				pf.Categories = append(pf.Categories, c.Key)
			}
			pf.PI = pf.PI || c.Key == "user" || strings.HasPrefix(c.Key, "user.")
		}
	}
	add(f)
	prefix := f.Name + "[]"
	for _, m := range d.Fields {
		if !strings.HasPrefix(m.Name, prefix) {
			continue
		}
		add(m)
		pf.Sensitive = pf.Sensitive || m.Sensitive
		pf.PI = pf.PI || m.Sensitive
		if m.Grade.Rank() > pf.Grade.Rank() {
			pf.Grade = m.Grade
		}
	}
	return pf
}

// policyConsent returns the decision engine's view of a consent state.
func policyConsent(s sluice.ConsentState) policy.Consent {
	c := policy.Consent{WithdrawnAt: s.WithdrawnAt, Written: s.Written}
	switch s.Kind {
	case sluice.ConsentGiven:
		c.Kind = policy.ConsentGiven
	case sluice.ConsentSeparate, sluice.ConsentExplicit, sluice.ConsentWritten:
		c.Kind = policy.ConsentSeparate
	case sluice.ConsentGuardian:
		c.Kind = policy.ConsentGuardian
	}
	return c
}

// policyConsumer returns the decision engine's view of org as the
// consumer of a read under grant g (nil: none named).
func policyConsumer(org *sluice.Org, g *sluice.Grant) policy.Consumer {
	kind := org.Kind
	if kind == "" {
		kind = sluice.OrgCompany
	}
	return policy.Consumer{ID: org.ID, Region: org.Region, Kind: kind, Sector: org.Sector, ApprovalOnFile: g != nil && g.AuthorityApprovalRef != ""}
}

// operatorContext returns ctx without its actor: for the server's own
// look-ups across tenants (the dataset a grant names, its owner).
func operatorContext(ctx context.Context) context.Context {
	return sluice.NewContextWithActor(ctx, nil)
}
