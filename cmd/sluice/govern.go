package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/policy"
)

func runPurposeCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "purpose create", "purpose create --name NAME --legal-basis BASIS [--categories A,B] [--retention-days N] [--special-category-condition C] [--profiling]", `
SLUICE_KEY=sk_consumer... sluice purpose create --name claims --legal-basis contract --retention-days 30`)
	serverURL, key := addClientFlags(fs, env, "owner or consumer")
	var req httpapi.CreatePurposeRequest
	fs.StringVar(&req.Name, "name", "", "purpose name (required)")
	fs.StringVar(&req.LegalBasis, "legal-basis", "", "legal basis: consent, contract, hr, statutory_duty, … (PIPL Art. 13; GDPR Art. 6 for EU orgs) (required)")
	categories := fs.String("categories", "", "comma-separated data categories the purpose needs")
	fs.IntVar(&req.RetentionDays, "retention-days", 0, "how long data is kept for it, in days")
	fs.StringVar(&req.SpecialCategoryCondition, "special-category-condition", "", "for GDPR data: the Art. 9(2) condition (explicit_consent, health_care, …) or Art. 10 authority for criminal data; without one, special-category fields are withheld")
	fs.BoolVar(&req.Profiling, "profiling", false, "the purpose profiles people for recommendations or automated decisions (refused children's data: Shenzhen Data Regulations Arts. 28–30)")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if req.Name == "" || req.LegalBasis == "" {
		fmt.Fprintln(env.Stderr, "sluice purpose create: --name and --legal-basis are required")
		return errUsage
	}
	req.Categories = splitList(*categories)
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	p, err := c.CreatePurpose(ctx, req)
	if err != nil {
		return err
	}
	return out.one(p, fmt.Sprintf("Declared purpose %s (id %d), legal basis %s.", p.Name, p.ID, p.LegalBasis), purposeHeader, [][]string{purposeRow(p)})
}

var purposeHeader = []string{"id", "name", "legal_basis", "categories", "retention_days"}

func purposeRow(p *sluice.Purpose) []string {
	return []string{fmt.Sprint(p.ID), p.Name, p.LegalBasis, dash(strings.Join(p.Categories, " ")), fmt.Sprint(p.RetentionDays)}
}

func runPurposeList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "purpose list", "purpose list [--format F]", `
SLUICE_KEY=sk_consumer... sluice purpose list`)
	serverURL, key := addClientFlags(fs, env, "owner, consumer or auditor")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	list, err := c.ListPurposes(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, p := range list.Purposes {
		rows = append(rows, purposeRow(p))
	}
	return out.list(list, list.Purposes, purposeHeader, rows)
}

func runConsentRecord(ctx context.Context, env *Env, args []string) error {
	return consentCommand(ctx, env, args, "consent record", sluice.ConsentGiven)
}

func runConsentWithdraw(ctx context.Context, env *Env, args []string) error {
	return consentCommand(ctx, env, args, "consent withdraw", sluice.ConsentWithdrawal)
}

func consentCommand(ctx context.Context, env *Env, args []string, name string, kind sluice.ConsentKind) error {
	example := `
# The person is named by the identifier of the dataset's subject field;
# only its subject key is stored.
SLUICE_KEY=sk_owner... sluice ` + name + ` --subject 13800138000 --purpose claims --evidence "form 7, v2"`
	fs := newFlagSet(env, name, name+" (--subject ID | --subject-key KEY) (--purpose NAME | --grant ID) [--evidence TEXT]", example)
	serverURL, key := addClientFlags(fs, env, "owner")
	var req httpapi.CreateConsentRequest
	fs.StringVar(&req.Subject, "subject", "", "the person's identifier (phone, email, ID number: the dataset's subject field)")
	fs.StringVar(&req.SubjectKey, "subject-key", "", "the person's subject key, instead of --subject")
	fs.StringVar(&req.Purpose, "purpose", "", "the purpose consented to")
	fs.Int64Var(&req.Grant, "grant", 0, "the grant consented to, instead of --purpose")
	fs.StringVar(&req.Evidence, "evidence", "", "how it was given: a form's reference, a screen and its version")
	separate := false
	if kind == sluice.ConsentGiven {
		fs.BoolVar(&separate, "separate", false, "a separate consent (PIPL Arts. 23, 25, 26, 29, 39)")
	}
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if (req.Subject == "") == (req.SubjectKey == "") || (req.Purpose == "" && req.Grant == 0) {
		fmt.Fprintf(env.Stderr, "sluice %s: give one of --subject or --subject-key, and --purpose or --grant\n", name)
		return errUsage
	}
	req.Kind = kind
	if separate {
		req.Kind = sluice.ConsentSeparate
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	cs, err := c.RecordConsent(ctx, req)
	if err != nil {
		return err
	}
	return out.one(cs, fmt.Sprintf("Recorded %s %d for subject %s…, purpose %s.", cs.Kind, cs.ID, cs.SubjectKey[:12], cs.Purpose), consentHeader, [][]string{consentRow(cs)})
}

var consentHeader = []string{"id", "subject_key", "purpose", "grant", "kind", "created_at"}

func consentRow(c *sluice.Consent) []string {
	grant := "-"
	if c.GrantID != 0 {
		grant = fmt.Sprint(c.GrantID)
	}
	return []string{fmt.Sprint(c.ID), c.SubjectKey, c.Purpose, grant, string(c.Kind), c.CreatedAt.Format("2006-01-02 15:04:05")}
}

func runConsentList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "consent list", "consent list [--subject ID | --subject-key KEY] [--purpose NAME] [--grant ID]", `
SLUICE_KEY=sk_owner... sluice consent list --subject 13800138000`)
	serverURL, key := addClientFlags(fs, env, "owner or auditor")
	q := url.Values{}
	for _, f := range []struct{ flag, param, usage string }{
		{"subject", "subject", "the person's identifier"},
		{"subject-key", "subject_key", "the person's subject key"},
		{"purpose", "purpose", "a purpose name"},
		{"grant", "grant", "a grant id"},
	} {
		fs.Func(f.flag, f.usage, func(s string) error { q.Set(f.param, s); return nil })
	}
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	list, err := c.ListConsents(ctx, q)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, cs := range list.Consents {
		rows = append(rows, consentRow(cs))
	}
	return out.list(list, list.Consents, consentHeader, rows)
}

func policyRows(p *httpapi.PolicyResponse) [][]string {
	var rows [][]string
	for _, s := range p.Policies {
		ds := "all"
		if s.Dataset != 0 {
			ds = fmt.Sprint(s.Dataset)
		}
		rows = append(rows, []string{s.ID, s.Effect, fmt.Sprint(s.Line), ds})
	}
	return rows
}

var policyHeader = []string{"id", "effect", "line", "dataset"}

func runPolicyGet(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "policy get", "policy get [--text]", `
SLUICE_KEY=sk_owner... sluice policy get
SLUICE_KEY=sk_owner... sluice policy get --text > policies.cedar`)
	serverURL, key := addClientFlags(fs, env, "owner or auditor")
	text := fs.Bool("text", false, "print the Cedar text as installed")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	p, err := c.GetPolicy(ctx)
	if err != nil {
		return err
	}
	if *text {
		_, err := io.WriteString(env.Stdout, p.Text)
		return err
	}
	return out.list(p, p.Policies, policyHeader, policyRows(p))
}

func runPolicyPut(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "policy put", "policy put FILE", `
SLUICE_KEY=sk_owner... sluice policy put policies.cedar`)
	serverURL, key := addClientFlags(fs, env, "owner")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	text, err := readArgFile(env, fs.Args(), "policy put")
	if err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	p, err := c.PutPolicy(ctx, text)
	if err != nil {
		return err
	}
	return out.one(p, fmt.Sprintf("Installed version %d of the org's policies: %d polic%s.", p.Version, len(p.Policies), map[bool]string{true: "y", false: "ies"}[len(p.Policies) == 1]), policyHeader, policyRows(p))
}

func runPolicyTest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "policy test", "policy test FILE", `
# Check a Cedar file offline before installing it:
sluice policy test policies.cedar`)
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	text, err := readArgFile(env, fs.Args(), "policy test")
	if err != nil {
		return err
	}
	set, err := policy.ParseCedar(0, text)
	if err != nil {
		if name := fs.Arg(0); name != "-" {
			return fmt.Errorf("%s: %s", name, errorText(err))
		}
		return err
	}
	p := &httpapi.PolicyResponse{Policies: []httpapi.PolicySummary{}}
	for _, cp := range set.Policies {
		effect := "permit"
		if cp.Forbid {
			effect = "forbid"
		}
		p.Policies = append(p.Policies, httpapi.PolicySummary{ID: cp.ID, Effect: effect, Line: cp.Line, Dataset: cp.Dataset})
	}
	return out.one(p.Policies, fmt.Sprintf("%s: %d polic%s, valid.", fs.Arg(0), len(p.Policies), map[bool]string{true: "y", false: "ies"}[len(p.Policies) == 1]), policyHeader, policyRows(p))
}

// readArgFile reads the one FILE argument ("-": standard input).
func readArgFile(env *Env, args []string, name string) ([]byte, error) {
	if len(args) != 1 {
		fmt.Fprintf(env.Stderr, "sluice %s: give one FILE (- for standard input)\n", name)
		return nil, errUsage
	}
	if args[0] == "-" {
		return io.ReadAll(env.Stdin)
	}
	return os.ReadFile(args[0])
}

func runDecide(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "decide", "decide --dataset ID (--grant ID | --purpose NAME) [--fields A,B] [--consumer ORG-ID]", `
# What would a read through grant 3 be served? Nothing is read.
SLUICE_KEY=sk_consumer... sluice decide --dataset 1 --grant 3`)
	serverURL, key := addClientFlags(fs, env, "owner or consumer")
	var req httpapi.DecisionRequest
	fs.Int64Var(&req.Dataset, "dataset", 0, "dataset id (required)")
	fs.Int64Var(&req.Grant, "grant", 0, "the grant the read would go through")
	fs.StringVar(&req.Purpose, "purpose", "", "the purpose, without a grant")
	fields := fs.String("fields", "", "comma-separated fields (default: the grant's, else every field)")
	fs.Int64Var(&req.Consumer, "consumer", 0, "consumer org id (owner keys: decide for that consumer)")
	failOn := fs.Bool("fail-on-deny", false, "exit 3 if any field is denied")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if req.Dataset == 0 {
		fmt.Fprintln(env.Stderr, "sluice decide: --dataset is required")
		return errUsage
	}
	req.Fields = splitList(*fields)
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	raw, err := c.Decide(ctx, req)
	if err != nil {
		return err
	}
	var d struct {
		Served  int    `json:"served"`
		Consent string `json:"consent"`
		Fields  []struct {
			Field  string `json:"field"`
			Effect string `json:"effect"`
			Op     string `json:"op"`
			Reason string `json:"reason"`
			Rule   struct {
				Rule, Instrument, Article string
			} `json:"rule"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return err
	}
	var rows [][]string
	denied := 0
	for _, f := range d.Fields {
		if strings.HasPrefix(f.Effect, "deny") {
			denied++
		}
		rows = append(rows, []string{f.Field, f.Effect, dash(f.Op), f.Rule.Rule, strings.TrimSpace(f.Rule.Instrument + " " + f.Rule.Article)})
	}
	fm, err := out.resolve()
	if err != nil {
		return err
	}
	if err := out.write(fm, raw, d.Fields, []string{"field", "effect", "op", "rule", "reference"}, rows); err != nil {
		return err
	}
	if fm == "table" {
		fmt.Fprintf(env.Stdout, "%d of %d fields would be served; consent each record needs: %s.\n", d.Served, len(d.Fields), d.Consent)
	}
	if *failOn && denied > 0 {
		return exitError{exitNotFound}
	}
	return nil
}

func init() {
	commands = append(commands,
		command{"consent list", "list the consents and withdrawals your org recorded", runConsentList},
		command{"consent record", "record a person's consent to a purpose or grant", runConsentRecord},
		command{"consent withdraw", "record the withdrawal of a person's consent", runConsentWithdraw},
		command{"decide", "decide what a read would be served, reading nothing", runDecide},
		command{"policy get", "show your org's installed Cedar policies", runPolicyGet},
		command{"policy put", "install a Cedar file as your org's policies", runPolicyPut},
		command{"policy test", "check a Cedar file offline", runPolicyTest},
		command{"purpose create", "declare a purpose of processing with its legal basis", runPurposeCreate},
		command{"purpose list", "list your org's purposes", runPurposeList},
	)
}
