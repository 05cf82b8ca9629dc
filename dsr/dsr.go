// Package dsr answers data-subject requests: a person's access, copy,
// portability, correction, erasure, restriction and explanation requests
// to an organisation, each with its deadline (rules/deadlines.json), and
// the legal holds that turn erasure into restriction.
//
// # Finding a person
//
// A request names the person by identifiers (phone, resident ID, e-mail),
// which are keyed at once with the subject keyer and never kept: the
// request keeps the subject keys. The person's records are those whose
// subject key is one of them, in every dataset of the organisation, and
// the values of other records that hold one of the person's identifiers:
// in a field classified as that kind of identifier, or in an element of a
// JSON array of objects (guardians[]), which is then handled element by
// element.
//
// # All or nothing
//
// What a request does to records is one transaction of the region's store
// ([sluice.SubjectRecordStore.ApplySubjectChange]); the request is then
// marked fulfilled in the control store. A crash between the two leaves
// the records changed and the request open: fulfilling it again finds
// nothing left to do and closes it.
package dsr

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/residency"
)

// DefaultWorkingDays is the CN deadline when the organisation set none.
const DefaultWorkingDays = 15

// A Service answers data-subject requests.
type Service struct {
	Datasets  sluice.DatasetService
	Requests  sluice.SubjectRequestStore
	Stores    residency.Stores
	Consents  sluice.ConsentService
	Purposes  sluice.PurposeService
	Grants    sluice.GrantService
	Transfers sluice.TransferStore
	Orgs      sluice.OrgService
	// Log proves the person's access history in packages; nil leaves it
	// out.
	Log *auditlog.Log

	// Keyer returns the subject keyer of an organisation (sluice.NewOrgSubjectKeyer).
	Keyer func(orgID int64) *sluice.SubjectKeyer

	Rules  *Rules
	Now    func() time.Time
	Logger *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) rules() *Rules {
	if s.Rules == nil {
		s.Rules = DefaultRules()
	}
	return s.Rules
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Identifiers are the identifiers a request names a person by.
type Identifiers struct {
	Phone      string `json:"phone,omitempty"`
	ResidentID string `json:"resident_id,omitempty"`
	Email      string `json:"email,omitempty"`
}

// keys validates the identifiers and returns their kinds and subject keys.
// A failure names the field and never echoes the value.
func (id Identifiers) keys(k *sluice.SubjectKeyer) (kinds, keys []string, err error) {
	check := func(kind, v string, valid func(string) bool, want string) error {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		norm := string(sluice.AppendNormalizedIdentifier(nil, v))
		if !valid(norm) {
			return &sluice.Error{Code: sluice.EINVALID, Field: "identifiers." + kind,
				Message: "identifiers." + kind + " is not " + want + "."}
		}
		kinds = append(kinds, kind)
		if key := k.Key(v); !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		return nil
	}
	if err := check("phone", id.Phone, classify.ValidPhone, "a valid phone number"); err != nil {
		return nil, nil, err
	}
	if err := check("resident_id", id.ResidentID, func(s string) bool { return classify.ValidResidentID(strings.ToUpper(s)) }, "a valid resident identity card number (18 characters with a correct check digit)"); err != nil {
		return nil, nil, err
	}
	if err := check("email", id.Email, classify.ValidEmail, "a valid e-mail address"); err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, &sluice.Error{Code: sluice.EINVALID, Field: "identifiers", Message: "Give at least one identifier: phone, resident_id or email."}
	}
	return kinds, keys, nil
}

// A FileRequest is what an organisation files for a person.
type FileRequest struct {
	Type         sluice.SubjectRequestType `json:"type"`
	Identifiers  Identifiers               `json:"identifiers"`
	Jurisdiction sluice.Region             `json:"jurisdiction"`
	Evidence     string                    `json:"evidence,omitempty"`
	Correction   *sluice.Correction        `json:"correction,omitempty"`
}

// actorOrg returns the acting org, or EFORBIDDEN for the operator.
func actorOrg(ctx context.Context) (*sluice.Org, error) {
	a := sluice.ActorFromContext(ctx)
	if a == nil || a.Org == nil {
		return nil, sluice.Errorf(sluice.EFORBIDDEN, "Subject requests belong to an org: act with an org's key.")
	}
	return a.Org, nil
}

func requireOwner(ctx context.Context) (*sluice.Org, error) {
	org, err := actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	if a := sluice.ActorFromContext(ctx); a.Role != sluice.RoleOwner {
		return nil, sluice.Errorf(sluice.EFORBIDDEN, "Only an owner key acts on subject requests.")
	}
	return org, nil
}

// File records a new request for the acting org, with its deadline.
func (s *Service) File(ctx context.Context, in *FileRequest) (*sluice.SubjectRequest, error) {
	org, err := requireOwner(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Type.Validate(); err != nil {
		return nil, err
	}
	rule, err := s.rules().Rule(in.Jurisdiction)
	if err != nil {
		return nil, err
	}
	kinds, keys, err := in.Identifiers.keys(s.Keyer(org.ID))
	if err != nil {
		return nil, err
	}
	now := s.now()
	days := 0
	if in.Jurisdiction == "CN" {
		if days, err = s.Requests.FindWorkingDays(ctx, org.ID); err != nil {
			return nil, err
		}
	}
	r := &sluice.SubjectRequest{
		OrgID: org.ID, Type: in.Type, Jurisdiction: in.Jurisdiction, State: sluice.RequestReceived,
		SubjectKeys: keys, Identifiers: kinds, Evidence: in.Evidence, Correction: in.Correction,
		ReceivedAt: now, Deadline: rule.Deadline(now, days),
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := s.Requests.CreateSubjectRequest(ctx, r, s.event(sluice.ActionSubjectRequestFile, r, nil)); err != nil {
		return nil, err
	}
	r.SetOverdue(now)
	return r, nil
}

// event returns a request's audit event: its id, type, jurisdiction and
// state, the subject keys, and details; never an identifier or a value.
func (s *Service) event(action string, r *sluice.SubjectRequest, details map[string]any) *sluice.Event {
	d := map[string]any{"type": string(r.Type), "jurisdiction": string(r.Jurisdiction), "state": string(r.State),
		"due": r.Deadline.Due.Format(time.RFC3339)}
	for k, v := range details {
		d[k] = v
	}
	keys := slices.Clone(r.SubjectKeys)
	slices.Sort(keys)
	return &sluice.Event{Action: action, Object: map[string]any{}, Subjects: keys, Details: d}
}

// Find returns one request of the acting org.
func (s *Service) Find(ctx context.Context, id int64) (*sluice.SubjectRequest, error) {
	org, err := actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.Requests.FindSubjectRequestByID(ctx, id)
	if err != nil {
		return nil, err
	} else if r.OrgID != org.ID {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Subject request %d not found.", id)
	}
	r.SetOverdue(s.now())
	return r, nil
}

// List returns the acting org's requests, overdue first (soonest due
// first among them), then open ones by due date, then closed ones newest
// first.
func (s *Service) List(ctx context.Context, state *sluice.SubjectRequestState) ([]*sluice.SubjectRequest, error) {
	org, err := actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := s.Requests.FindSubjectRequests(ctx, sluice.SubjectRequestFilter{OrgID: &org.ID, State: state})
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, r := range rs {
		r.SetOverdue(now)
	}
	SortRequests(rs)
	return rs, nil
}

// SortRequests orders requests overdue first, then open by due date, then
// closed newest first.
func SortRequests(rs []*sluice.SubjectRequest) {
	rank := func(r *sluice.SubjectRequest) int {
		switch {
		case r.Overdue:
			return 0
		case r.State.Open():
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rs, func(a, b *sluice.SubjectRequest) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if rank(a) < 2 {
			if c := a.Deadline.Due.Compare(b.Deadline.Due); c != 0 {
				return c
			}
		}
		return cmp.Compare(b.ID, a.ID)
	})
}

// transition loads an open request of the acting owner's org, applies fn
// and stores it with its event if the state did not move meanwhile.
func (s *Service) transition(ctx context.Context, id int64, action string, fn func(r *sluice.SubjectRequest, now time.Time) (map[string]any, error)) (*sluice.SubjectRequest, error) {
	if _, err := requireOwner(ctx); err != nil {
		return nil, err
	}
	r, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.State.Open() {
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is already %s.", id, r.State)
	}
	from, now := r.State, s.now()
	details, err := fn(r, now)
	if err != nil {
		return nil, err
	}
	if err := s.Requests.UpdateSubjectRequest(ctx, r, from, s.event(action, r, details)); err != nil {
		return nil, err
	}
	r.SetOverdue(now)
	return r, nil
}

// Verify records that the person's identity was checked.
func (s *Service) Verify(ctx context.Context, id int64, evidence string) (*sluice.SubjectRequest, error) {
	return s.transition(ctx, id, sluice.ActionSubjectRequestVerify, func(r *sluice.SubjectRequest, now time.Time) (map[string]any, error) {
		if r.VerifiedAt != nil {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is already verified.", id)
		}
		if len(evidence) > sluice.MaxRequestText {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "evidence", Message: "Verification evidence is too long."}
		}
		if evidence != "" {
			r.Evidence = evidence
		}
		r.VerifiedAt = &now
		if r.State == sluice.RequestReceived {
			r.State = sluice.RequestVerified
		}
		return map[string]any{"evidence_sha256": sluice.TextHash(r.Evidence)}, nil
	})
}

// Refuse closes a request with its reason (PIPL Art. 50).
func (s *Service) Refuse(ctx context.Context, id int64, reason string) (*sluice.SubjectRequest, error) {
	return s.transition(ctx, id, sluice.ActionSubjectRequestRefuse, func(r *sluice.SubjectRequest, now time.Time) (map[string]any, error) {
		if strings.TrimSpace(reason) == "" {
			ref := "PIPL Art. 50"
			if rule, err := s.rules().Rule(r.Jurisdiction); err == nil && rule.RefusalReference != "" {
				ref = rule.RefusalReference
			}
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "A refusal needs its reason (" + ref + ")."}
		} else if len(reason) > sluice.MaxRequestText {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "The reason is too long."}
		}
		r.State, r.Reason, r.ClosedAt, r.Correction = sluice.RequestRefused, reason, &now, nil
		return map[string]any{"reason_sha256": sluice.TextHash(reason)}, nil
	})
}

// Extend extends a request's deadline where its jurisdiction allows,
// with the reason given to the person.
func (s *Service) Extend(ctx context.Context, id int64, reason string) (*sluice.SubjectRequest, error) {
	return s.transition(ctx, id, sluice.ActionSubjectRequestExtend, func(r *sluice.SubjectRequest, now time.Time) (map[string]any, error) {
		if strings.TrimSpace(reason) == "" {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "An extension needs its reason, told to the person (GDPR Art. 12(3))."}
		} else if len(reason) > sluice.MaxRequestText {
			return nil, &sluice.Error{Code: sluice.EINVALID, Field: "reason", Message: "The reason is too long."}
		}
		if r.ExtendedAt != nil {
			return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d was already extended.", id)
		}
		rule, err := s.rules().Rule(r.Jurisdiction)
		if err != nil {
			return nil, err
		}
		if r.Deadline, err = rule.Extend(r.Deadline, r.ReceivedAt, now); err != nil {
			return nil, err
		}
		r.State, r.ExtendedAt, r.ExtensionReason = sluice.RequestExtended, &now, reason
		return map[string]any{"reason_sha256": sluice.TextHash(reason)}, nil
	})
}

// MaxWorkingDays bounds an organisation's own CN deadline.
const MaxWorkingDays = 60

// SetWorkingDays sets the acting org's deadline for CN requests, in
// working days on the PRC calendar (0: the default of rules/deadlines.json).
// It applies to requests filed from now on.
func (s *Service) SetWorkingDays(ctx context.Context, days int) error {
	org, err := requireOwner(ctx)
	if err != nil {
		return err
	}
	if days < 0 || days > MaxWorkingDays {
		return &sluice.Error{Code: sluice.EINVALID, Field: "cn_working_days", Message: "cn_working_days must be 0 (the default) to 60."}
	}
	e := &sluice.Event{Action: sluice.ActionSubjectRequestPolicy, Object: map[string]any{"org": org.Name}, Details: map[string]any{"cn_working_days": days}}
	return s.Requests.PutWorkingDays(ctx, org.ID, days, e)
}

// WorkingDays returns the acting org's deadline for CN requests: its own
// value, or the default.
func (s *Service) WorkingDays(ctx context.Context) (int, error) {
	org, err := actorOrg(ctx)
	if err != nil {
		return 0, err
	}
	n, err := s.Requests.FindWorkingDays(ctx, org.ID)
	if err == nil && n == 0 {
		rule, rerr := s.rules().Rule("CN")
		if rerr != nil {
			return 0, rerr
		}
		n = rule.WorkingDays
	}
	return n, err
}

// Lift ends the restriction a fulfilled restriction request placed: the
// person's records are served and exported again.
func (s *Service) Lift(ctx context.Context, id int64) (*sluice.SubjectRequest, error) {
	if _, err := requireOwner(ctx); err != nil {
		return nil, err
	}
	r, err := s.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Type != sluice.RequestRestriction:
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is a %s request: only a restriction is lifted.", id, r.Type)
	case r.State != sluice.RequestFulfilled:
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d is %s: nothing is restricted yet.", id, r.State)
	case r.LiftedAt != nil:
		return nil, sluice.Errorf(sluice.ECONFLICT, "Subject request %d was lifted already.", id)
	}
	var lifted int64
	for region := range s.Stores {
		st, err := s.subjectStore(region)
		if err != nil {
			return nil, err
		}
		n, err := st.LiftRestrictions(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		lifted += n
	}
	now := s.now()
	r.LiftedAt = &now
	if err := s.Requests.UpdateSubjectRequest(ctx, r, r.State, s.event(sluice.ActionSubjectRequestLift, r, map[string]any{"records": lifted})); err != nil {
		return nil, err
	}
	r.SetOverdue(now)
	return r, nil
}
