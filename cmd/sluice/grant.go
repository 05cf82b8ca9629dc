package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

// addClientFlags registers --url and --key (env SLUICE_URL, SLUICE_KEY),
// for commands that call a running server's API.
func addClientFlags(fs *flag.FlagSet, env *Env, role string) (serverURL, key *string) {
	serverURL = fs.String("url", envOr(env, "SLUICE_URL", "http://"+DefaultAddr), "server URL (env SLUICE_URL)")
	key = fs.String("key", env.Getenv("SLUICE_KEY"), role+" API key (env SLUICE_KEY)")
	return serverURL, key
}

func newClient(serverURL, key string) (*httpapi.Client, error) {
	if key == "" {
		return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "No API key: set --key or SLUICE_KEY.")
	}
	return httpapi.NewClient(serverURL, key), nil
}

func runGrantList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "grant list", "grant list [--role owner|consumer] [--status S] [--format F]", `
export SLUICE_URL=http://127.0.0.1:8080 SLUICE_KEY=sk_...
sluice grant list --role owner --status pending`)
	serverURL, key := addClientFlags(fs, env, "owner, consumer or auditor")
	role := fs.String("role", "", "owner: grants on your datasets; consumer: grants you asked for (default: your key's role)")
	status := fs.String("status", "", "pending, approved, denied, revoked or expired (default: any)")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	list, err := c.ListGrants(ctx, *role, *status)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, g := range list.Grants {
		expires := "-"
		if g.ExpiresAt != nil {
			expires = g.ExpiresAt.Format("2006-01-02 15:04")
		}
		rows = append(rows, []string{fmt.Sprint(g.ID), fmt.Sprint(g.DatasetID), fmt.Sprint(g.OwnerOrgID), fmt.Sprint(g.ConsumerOrgID),
			g.Purpose, g.LegalBasis, string(g.Status), expires, grantFieldsText(g)})
	}
	return out.list(list, list.Grants, []string{"id", "dataset", "owner", "consumer", "purpose", "basis", "status", "expires", "fields"}, rows)
}

// grantFieldsText renders a grant's fields: "phone=mask(3,4) name".
func grantFieldsText(g *sluice.Grant) string {
	parts := make([]string, len(g.Fields))
	for i, f := range g.Fields {
		parts[i] = f.Name
		if f.Op != "" {
			parts[i] += "=" + f.Op
		}
	}
	return strings.Join(parts, " ")
}

func runGrantRequest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "grant request", "grant request --dataset ID --fields A,B --purpose NAME --justification TEXT [--days N]", `
SLUICE_KEY=sk_consumer... sluice grant request --dataset 1 --fields rider_phone,fare_cny \
  --purpose risk-model --justification "pricing model for ride insurance" --days 90`)
	serverURL, key := addClientFlags(fs, env, "consumer")
	var req httpapi.CreateGrantRequest
	fields := fs.String("fields", "", "comma-separated fields of the dataset (required)")
	fs.Int64Var(&req.Dataset, "dataset", 0, "dataset id (required)")
	fs.StringVar(&req.Purpose, "purpose", "", "one of your org's declared purposes (required)")
	fs.StringVar(&req.LegalBasis, "legal-basis", "", "legal basis (default: the purpose's)")
	fs.StringVar(&req.Justification, "justification", "", "why the data is needed (required)")
	fs.IntVar(&req.DurationDays, "days", 30, "how long the grant is asked for, in days")
	fs.StringVar(&req.WrittenRequestRef, "written-request", "", "reference of an authority's written request (DSL Art. 35)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if req.Dataset == 0 || *fields == "" || req.Purpose == "" || req.Justification == "" {
		fmt.Fprintln(env.Stderr, "sluice grant request: --dataset, --fields, --purpose and --justification are required")
		return errUsage
	}
	req.Fields = strings.Split(*fields, ",")
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	g, err := c.RequestGrant(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, g)
	}
	fmt.Fprintf(env.Stdout, "Asked for grant %d on dataset %d (%s); it is %s until the owner decides.\n", g.ID, g.DatasetID, grantFieldsText(g), g.Status)
	return nil
}

func runGrantApprove(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "grant approve", "grant approve [--fields F=OP,…] [--days N | --expires T] [--risk-assessment REF] GRANT-ID", `
SLUICE_KEY=sk_owner... sluice grant approve --fields 'rider_phone=mask(3,4),fare_cny' --days 30 7`)
	serverURL, key := addClientFlags(fs, env, "owner")
	var req httpapi.ApproveGrantRequest
	fields := fs.String("fields", "", "approve only these fields, each optionally with its operator: clear, mask, mask(H,T), pseudonym, generalize(year|1km|city|band10), redact (default: every requested field, default operators)")
	expires := fs.String("expires", "", "expiry, RFC 3339 (default: the duration asked)")
	fs.IntVar(&req.DurationDays, "days", 0, "expire this many days from now (default: the duration asked)")
	fs.StringVar(&req.RiskAssessmentRef, "risk-assessment", "", "reference of the risk assessment, needed for important data (NDSR Art. 31)")
	fs.StringVar(&req.WrittenRequestRef, "written-request", "", "reference of an authority's written request (DSL Art. 35)")
	fs.StringVar(&req.AuthorityApprovalRef, "authority-approval", "", "reference of the competent authority's approval of a foreign request (DSL Art. 36)")
	fs.BoolVar(&req.IdentifiedData, "identified", false, "provide personal data without default de-identification (Shenzhen Data Regulations Art. 27)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "grant", 1)
	if err != nil {
		return err
	}
	if *fields != "" {
		if req.Fields, err = parseGrantFields(*fields); err != nil {
			return err
		}
	}
	if *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return sluice.Errorf(sluice.EINVALID, "--expires %q is not an RFC 3339 time, e.g. 2026-06-30T00:00:00Z.", *expires)
		}
		req.ExpiresAt = &t
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	g, err := c.ApproveGrant(ctx, id, req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, g)
	}
	fmt.Fprintf(env.Stdout, "Approved grant %d: %s, until %s.\n", g.ID, grantFieldsText(g), g.ExpiresAt.Format(time.RFC3339))
	return nil
}

// parseGrantFields reads "a=mask(3,4),b,c=pseudonym": commas inside an
// operator's parentheses do not split.
func parseGrantFields(s string) ([]sluice.GrantField, error) {
	var out []sluice.GrantField
	depth, start := 0, 0
	flush := func(part string) error {
		part = strings.TrimSpace(part)
		if part == "" {
			return sluice.Errorf(sluice.EINVALID, "--fields has an empty entry.")
		}
		name, op, _ := strings.Cut(part, "=")
		out = append(out, sluice.GrantField{Name: strings.TrimSpace(name), Op: strings.TrimSpace(op)})
		return nil
	}
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				if err := flush(s[start:i]); err != nil {
					return nil, err
				}
				start = i + 1
			}
		}
	}
	if err := flush(s[start:]); err != nil {
		return nil, err
	}
	return out, nil
}

func runGrantDeny(ctx context.Context, env *Env, args []string) error {
	return runGrantReason(ctx, env, args, "deny", "owner", true)
}

func runGrantRevoke(ctx context.Context, env *Env, args []string) error {
	return runGrantReason(ctx, env, args, "revoke", "owner or consumer", false)
}

func runGrantReason(ctx context.Context, env *Env, args []string, verb, role string, required bool) error {
	name := "grant " + verb
	fs := newFlagSet(env, name, name+" --reason TEXT GRANT-ID", `
sluice `+name+` --reason "not necessary for the stated purpose" 7`)
	serverURL, key := addClientFlags(fs, env, role)
	reason := fs.String("reason", "", "why (required to deny)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "grant", 1)
	if err != nil {
		return err
	}
	if required && strings.TrimSpace(*reason) == "" {
		fmt.Fprintf(env.Stderr, "sluice %s: --reason is required\n", name)
		return errUsage
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	change := c.DenyGrant
	if verb == "revoke" {
		change = c.RevokeGrant
	}
	g, err := change(ctx, id, *reason)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, g)
	}
	fmt.Fprintf(env.Stdout, "Grant %d is %s.\n", g.ID, g.Status)
	return nil
}
