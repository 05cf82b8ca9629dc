package policy

import (
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	cedar "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"github.com/cedar-policy/cedar-go/x/exp/ast"

	"github.com/sluice-gateway/sluice"
)

// Cedar entity types and the action of the entity model (see the package
// documentation).
const (
	CedarOrg     types.EntityType = "Sluice::Org"
	CedarDataset types.EntityType = "Sluice::Dataset"
	CedarField   types.EntityType = "Sluice::Field"
	CedarAction  types.EntityType = "Sluice::Action"
)

// CedarRead is the one action: reading a field.
var CedarRead = types.NewEntityUID(CedarAction, "read")

// MaxCedarText is the largest policy text an organisation may upload.
const MaxCedarText = 1 << 20

// orgPolicyRule is the Rule of a decision an organisation's policy made.
// It is no legal rule: Confidence is empty.
var orgPolicyRule = Rule{
	ID:         "org.policy",
	Instrument: "organisation policy",
	Article:    "Cedar",
	Reason:     "Denied by the dataset owner's organisation policy.",
}

// A CedarParseError is a syntax error in uploaded Cedar text, with its
// 1-based line and column. It unwraps to an EINVALID *sluice.Error.
type CedarParseError struct {
	Line, Column int
	Message      string
}

// Error returns "cedar: line L, column C: message".
func (e *CedarParseError) Error() string {
	return fmt.Sprintf("cedar: line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// Unwrap returns the error as sluice reports it to users.
func (e *CedarParseError) Unwrap() error {
	return &sluice.Error{
		Code:    sluice.EINVALID,
		Message: fmt.Sprintf("Cedar policy, line %d, column %d: %s.", e.Line, e.Column, e.Message),
		Line:    e.Line,
	}
}

// cedar-go reports positions as "<input>:LINE:COLUMN".
var cedarPosRE = regexp.MustCompile(`<input>:(\d+):(\d+):?\s*`)

func cedarParseError(err error) *CedarParseError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "parser error: ")
	pe := &CedarParseError{Line: 1, Column: 1}
	if m := cedarPosRE.FindStringSubmatchIndex(msg); m != nil {
		pe.Line, _ = strconv.Atoi(msg[m[2]:m[3]])
		pe.Column, _ = strconv.Atoi(msg[m[4]:m[5]])
		msg = strings.TrimPrefix(msg[:m[0]]+msg[m[1]:], "parse error at ")
	}
	pe.Line, pe.Column = max(pe.Line, 1), max(pe.Column, 1)
	pe.Message = shorten(strings.TrimSpace(msg), 200)
	return pe
}

// shorten cuts s to at most n bytes on a character boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// A CedarPolicy is one policy of an organisation's set.
type CedarPolicy struct {
	ID      string
	Forbid  bool
	Line    int
	Dataset int64 // the dataset its resource scope names; 0: every dataset of the org
	policy  *cedar.Policy
}

// A CedarSet is the parsed Cedar policy text of one organisation, indexed
// by the dataset each policy concerns.
type CedarSet struct {
	Org      int64
	Text     string
	Policies []CedarPolicy

	all       policyList
	byDataset map[int64]*policyList
}

type policyList struct {
	items     []*CedarPolicy
	hasPermit bool
}

// All implements cedar.PolicyIterator.
func (l *policyList) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, p := range l.items {
			if !yield(cedar.PolicyID(p.ID), p.policy) {
				return
			}
		}
	}
}

func (l *policyList) add(p *CedarPolicy) {
	l.items = append(l.items, p)
	l.hasPermit = l.hasPermit || !p.Forbid
}

func (l *policyList) find(id cedar.PolicyID) *CedarPolicy {
	for _, p := range l.items {
		if p.ID == string(id) {
			return p
		}
	}
	return nil
}

var cedarIDRE = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,128}$`)

// ParseCedar parses the Cedar policy text of organisation org. A policy is
// named by its @id("...") annotation, or "policyN" (N counting from 0 in the
// text) without one. Errors: a *CedarParseError for a syntax error; EINVALID
// for a duplicate or malformed @id; ETOOLARGE over [MaxCedarText].
func ParseCedar(org int64, text []byte) (*CedarSet, error) {
	if len(text) > MaxCedarText {
		return nil, sluice.Errorf(sluice.ETOOLARGE, "Cedar policy text is larger than %d bytes.", MaxCedarText)
	}
	list, err := cedar.NewPolicyListFromBytes("", text)
	if err != nil {
		return nil, cedarParseError(err)
	}
	s := &CedarSet{Org: org, Text: string(text), Policies: make([]CedarPolicy, len(list)), byDataset: make(map[int64]*policyList)}
	seen := make(map[string]bool, len(list))
	for i, cp := range list {
		line := cp.Position().Line
		id := "policy" + strconv.Itoa(i)
		if v, ok := cp.Annotations()["id"]; ok {
			id = string(v)
			if !cedarIDRE.MatchString(id) {
				return nil, &sluice.Error{Code: sluice.EINVALID, Line: line,
					Message: fmt.Sprintf("Cedar policy, line %d: @id %q must be 1-128 letters, digits or _ . : / -.", line, id)}
			}
		}
		if seen[id] {
			return nil, &sluice.Error{Code: sluice.EINVALID, Line: line,
				Message: fmt.Sprintf("Cedar policy, line %d: policy id %q is used twice.", line, id)}
		}
		seen[id] = true
		s.Policies[i] = CedarPolicy{ID: id, Forbid: cp.Effect() == cedar.Forbid, Line: line, Dataset: scopeDataset((*ast.Policy)(cp.AST())), policy: cp}
	}
	for i := range s.Policies {
		if s.Policies[i].Dataset == 0 {
			s.all.add(&s.Policies[i])
		}
	}
	for i := range s.Policies {
		p := &s.Policies[i]
		if p.Dataset == 0 {
			continue
		}
		l, ok := s.byDataset[p.Dataset]
		if !ok {
			l = &policyList{}
			for _, q := range s.all.items {
				l.add(q)
			}
			s.byDataset[p.Dataset] = l
		}
		l.add(p)
	}
	return s, nil
}

// scopeDataset returns the dataset a policy's resource scope confines it
// to (resource == Sluice::Field::"7/x", resource in Sluice::Dataset::"7",
// resource is Sluice::Field in Sluice::Dataset::"7"), or 0.
func scopeDataset(p *ast.Policy) int64 {
	var uid types.EntityUID
	switch sc := p.Resource.(type) {
	case ast.ScopeTypeEq:
		uid = sc.Entity
	case ast.ScopeTypeIn:
		uid = sc.Entity
	case ast.ScopeTypeIsIn:
		uid = sc.Entity
	default:
		return 0
	}
	id := string(uid.ID)
	switch uid.Type {
	case CedarDataset:
	case CedarField:
		var ok bool
		if id, _, ok = strings.Cut(id, "/"); !ok {
			return 0
		}
	default:
		return 0
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// policies returns the policies of the set that concern dataset.
func (s *CedarSet) policies(dataset int64) *policyList {
	if l, ok := s.byDataset[dataset]; ok {
		return l
	}
	return &s.all
}

// A CedarLayer holds the organisations' Cedar policy sets and evaluates the
// set of a dataset's owner for fields the built-in rules allow. It can only
// restrict: a matching forbid denies, and when the policies concerning the
// dataset include a permit, a field no permit matches is denied too (Cedar's
// default deny); when they are all forbids, what no forbid matches stays
// allowed. A forbid that fails to evaluate denies. It is safe for concurrent
// use.
type CedarLayer struct {
	mu   sync.RWMutex
	orgs map[int64]*CedarSet

	cacheMu sync.RWMutex
	cache   map[cedarKey]*cedarEntry
}

// cedarCacheSize bounds the request cache; past it the cache starts over.
const cedarCacheSize = 1 << 16

// NewCedarLayer returns a layer with no policies.
func NewCedarLayer() *CedarLayer {
	return &CedarLayer{orgs: make(map[int64]*CedarSet), cache: make(map[cedarKey]*cedarEntry)}
}

// Put installs s as its organisation's policies, replacing earlier ones.
func (l *CedarLayer) Put(s *CedarSet) {
	l.mu.Lock()
	l.orgs[s.Org] = s
	l.mu.Unlock()
}

// Delete removes the policies of org.
func (l *CedarLayer) Delete(org int64) {
	l.mu.Lock()
	delete(l.orgs, org)
	l.mu.Unlock()
}

// Set returns the policies of org, or nil.
func (l *CedarLayer) Set(org int64) *CedarSet {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.orgs[org]
}

// cedarRead is the Cedar side of one read: the owner's policies for the
// dataset and the request facts.
type cedarRead struct {
	layer *CedarLayer
	list  *policyList
	req   *Request
}

// prepare returns the evaluation context for req, or nil if the dataset's
// owner has no policy concerning it.
func (l *CedarLayer) prepare(req *Request) *cedarRead {
	set := l.Set(req.Dataset.Owner)
	if set == nil {
		return nil
	}
	list := set.policies(req.Dataset.ID)
	if len(list.items) == 0 {
		return nil
	}
	return &cedarRead{layer: l, list: list, req: req}
}

// Check evaluates the owner's policies for one field the built-in rules
// allowed under grant g. It returns deny with the ID of the policy that
// denied (empty when no permit matched) and the reason in words.
func (l *CedarLayer) Check(req *Request, g *Grant, f *Field) (policyID, reason string, deny bool) {
	in := l.prepare(req)
	if in == nil {
		return "", "", false
	}
	return in.check(g, f)
}

func (in *cedarRead) check(g *Grant, f *Field) (policyID, reason string, deny bool) {
	e := in.layer.entry(in.req, g, f)
	dec, diag := cedar.Authorize(in.list, e, e.req)
	for _, de := range diag.Errors {
		if p := in.list.find(de.PolicyID); p != nil && p.Forbid {
			return p.ID, "Organisation policy " + p.ID + " could not be evaluated (" + de.Message + "); denied.", true
		}
	}
	if dec == cedar.Allow || (len(diag.Reasons) == 0 && !in.list.hasPermit) {
		return "", "", false
	}
	if len(diag.Reasons) > 0 {
		id := string(diag.Reasons[0].PolicyID)
		return id, "Denied by organisation policy " + id + ".", true
	}
	return "", "No organisation policy permits this read.", true
}

// cedarKey and cedarFacts identify a cached Cedar request: the entities and
// context of one field under one grant, rebuilt when any fact changes.
type cedarKey struct {
	grant, dataset int64
	field          string
}

type cedarFacts struct {
	consumer  Consumer
	dataset   Dataset
	purpose   string
	basis     Basis
	written   bool
	risk      bool
	ident     bool
	pi, sens  bool
	grade     sluice.Grade
	nCategory int
}

type cedarEntry struct {
	facts      cedarFacts
	categories []string
	req        cedar.Request
	principal  types.Entity
	dataset    types.Entity
	field      types.Entity
}

// Get implements types.EntityGetter over the three entities of a request.
func (e *cedarEntry) Get(uid types.EntityUID) (types.Entity, bool) {
	switch uid {
	case e.field.UID:
		return e.field, true
	case e.dataset.UID:
		return e.dataset, true
	case e.principal.UID:
		return e.principal, true
	}
	return types.Entity{}, false
}

func factsOf(req *Request, g *Grant, f *Field) cedarFacts {
	basis := g.LegalBasis
	if basis == "" {
		basis = req.Purpose.LegalBasis
	}
	return cedarFacts{
		consumer: req.Consumer, dataset: req.Dataset, purpose: req.Purpose.Name, basis: basis,
		written: g.WrittenRequestRef != "", risk: g.RiskAssessmentRef != "", ident: g.IdentifiedData,
		pi: f.PI, sens: f.Sensitive, grade: f.Grade, nCategory: len(f.Categories),
	}
}

// entry returns the cached request for a field, building it on first use
// or when its facts changed.
func (l *CedarLayer) entry(req *Request, g *Grant, f *Field) *cedarEntry {
	k := cedarKey{g.ID, req.Dataset.ID, f.Name}
	facts := factsOf(req, g, f)
	l.cacheMu.RLock()
	e := l.cache[k]
	l.cacheMu.RUnlock()
	if e != nil && e.facts == facts && slices.Equal(e.categories, f.Categories) {
		return e
	}
	e = buildEntry(req, g, f, facts)
	l.cacheMu.Lock()
	if len(l.cache) >= cedarCacheSize {
		clear(l.cache)
	}
	l.cache[k] = e
	l.cacheMu.Unlock()
	return e
}

func orgUID(id int64) types.EntityUID {
	return types.NewEntityUID(CedarOrg, types.String(strconv.FormatInt(id, 10)))
}

func buildEntry(req *Request, g *Grant, f *Field, facts cedarFacts) *cedarEntry {
	ds := strconv.FormatInt(req.Dataset.ID, 10)
	cats := make([]types.Value, len(f.Categories))
	for i, c := range f.Categories {
		cats[i] = types.String(c)
	}
	categories := types.NewSet(cats...)
	grade := f.Grade
	if grade == "" {
		grade = sluice.GradeGeneral
	}
	e := &cedarEntry{facts: facts, categories: slices.Clone(f.Categories)}
	e.principal = types.Entity{
		UID: orgUID(req.Consumer.ID),
		Attributes: types.NewRecord(types.RecordMap{
			"region":           types.String(req.Consumer.Region),
			"kind":             types.String(req.Consumer.Kind),
			"approval_on_file": types.Boolean(req.Consumer.ApprovalOnFile),
		}),
	}
	e.dataset = types.Entity{
		UID:     types.NewEntityUID(CedarDataset, types.String(ds)),
		Parents: types.NewEntityUIDSet(orgUID(req.Dataset.Owner)),
		Attributes: types.NewRecord(types.RecordMap{
			"region": types.String(req.Dataset.Region),
			"owner":  orgUID(req.Dataset.Owner),
		}),
	}
	e.field = types.Entity{
		UID:     types.NewEntityUID(CedarField, types.String(ds+"/"+f.Name)),
		Parents: types.NewEntityUIDSet(e.dataset.UID),
		Attributes: types.NewRecord(types.RecordMap{
			"name":       types.String(f.Name),
			"categories": categories,
			"pi":         types.Boolean(f.PI),
			"sensitive":  types.Boolean(f.Sensitive),
			"grade":      types.String(grade),
		}),
	}
	e.req = cedar.Request{
		Principal: e.principal.UID,
		Action:    CedarRead,
		Resource:  e.field.UID,
		Context: types.NewRecord(types.RecordMap{
			"purpose":         types.String(facts.purpose),
			"legal_basis":     types.String(facts.basis),
			"grant":           types.Long(g.ID),
			"consumer_kind":   types.String(req.Consumer.Kind),
			"consumer_region": types.String(req.Consumer.Region),
			"dataset_region":  types.String(req.Dataset.Region),
			"field":           types.String(f.Name),
			"categories":      categories,
			"grade":           types.String(grade),
			"pi":              types.Boolean(f.PI),
			"sensitive":       types.Boolean(f.Sensitive),
			"written_request": types.Boolean(facts.written),
			"risk_assessment": types.Boolean(facts.risk),
			"identified":      types.Boolean(facts.ident),
		}),
	}
	return e
}
