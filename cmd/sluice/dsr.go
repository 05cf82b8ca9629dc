package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/dsr"
	"github.com/sluice-gateway/sluice/httpapi"
)

// requestArg parses the one REQUEST-ID argument of a dsr command.
func requestArg(env *Env, fs *flag.FlagSet, name string) (int64, error) {
	if fs.NArg() != 1 {
		fmt.Fprintf(env.Stderr, "sluice %s: give one request id (see sluice dsr list)\n", name)
		return 0, errUsage
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(env.Stderr, "sluice %s: %q is not a request id\n", name, fs.Arg(0))
		return 0, errUsage
	}
	return id, nil
}

func runDSRFile(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dsr file", "dsr file --type T --jurisdiction CN|EU [--phone P] [--resident-id ID] [--email E] [--evidence TEXT] [--field F --value V]", `
SLUICE_KEY=sk_owner... sluice dsr file --type access --jurisdiction CN --phone 13800138000 --evidence "ID card checked at the counter"`)
	serverURL, key := addClientFlags(fs, env, "owner")
	var req dsr.FileRequest
	typ := fs.String("type", "", "access, copy, portability, correction, erasure, restriction or explanation")
	jur := fs.String("jurisdiction", "CN", "CN (PIPL; the org's working-day deadline) or EU (GDPR; one month)")
	fs.StringVar(&req.Identifiers.Phone, "phone", "", "the person's phone number")
	fs.StringVar(&req.Identifiers.ResidentID, "resident-id", "", "the person's resident identity card number")
	fs.StringVar(&req.Identifiers.Email, "email", "", "the person's e-mail address")
	fs.StringVar(&req.Evidence, "evidence", "", "how the request came in, or how the person's identity was checked")
	fromStdin := fs.Bool("identifiers-stdin", false, `read the identifiers as JSON from standard input ({"phone": …, "resident_id": …, "email": …}), so that they stay out of the shell's history and the process list`)
	field := fs.String("field", "", "correction: the field to correct (guardians[].phone for an element of an array)")
	value := fs.String("value", "", "correction: the field's new value")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	req.Type, req.Jurisdiction = sluice.SubjectRequestType(*typ), sluice.Region(*jur)
	if *fromStdin {
		dec := json.NewDecoder(io.LimitReader(env.Stdin, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req.Identifiers); err != nil {
			return &sluice.Error{Code: sluice.EINVALID, Field: "identifiers", Message: "Standard input is not a JSON object of identifiers (phone, resident_id, email)."}
		}
	}
	if *field != "" {
		req.Correction = &sluice.Correction{Field: *field, Value: *value}
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	r, err := c.FileSubjectRequest(ctx, &req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, r)
	}
	fmt.Fprintf(env.Stdout, "Filed subject request %d (%s), due %s: %s (%s).\n", r.ID, r.Type, dueText(r), r.Deadline.Rule, r.Deadline.Reference)
	return nil
}

func dueText(r *sluice.SubjectRequest) string {
	loc := time.UTC
	if r.Jurisdiction == "CN" {
		loc = time.FixedZone("CST", 8*3600)
	}
	s := r.Deadline.Due.In(loc).Format(time.DateOnly)
	if r.Deadline.Provisional {
		s += " (provisional)"
	}
	return s
}

func runDSRList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dsr list", "dsr list [--state S] [--json]", `
SLUICE_KEY=sk_owner... sluice dsr list --state received`)
	serverURL, key := addClientFlags(fs, env, "owner or auditor")
	state := fs.String("state", "", "received, verified, extended, fulfilled or refused (default: any)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	list, err := c.ListSubjectRequests(ctx, *state)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tJURISDICTION\tSTATE\tDUE\tOVERDUE")
	for _, r := range list.Requests {
		overdue := ""
		if r.Overdue {
			overdue = "OVERDUE"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Type, r.Jurisdiction, r.State, dueText(r), overdue)
	}
	return tw.Flush()
}

func runDSRShow(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "dsr show", "dsr show [--package FILE [--format zip|json]] REQUEST-ID", `
SLUICE_KEY=sk_owner... sluice dsr show --package alice.zip 7`)
	serverURL, key := addClientFlags(fs, env, "owner or auditor")
	pkg := fs.String("package", "", "write the package of a fulfilled access, copy or portability request to FILE")
	format := fs.String("format", "zip", "package format: zip (JSON and CSV per dataset, README) or json")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := requestArg(env, fs, "dsr show")
	if err != nil {
		return err
	}
	c, err := newClient(*serverURL, *key)
	if err != nil {
		return err
	}
	r, err := c.FindSubjectRequest(ctx, id)
	if err != nil {
		return err
	}
	if *pkg != "" {
		if err := writePackage(ctx, c, id, *format, *pkg); err != nil {
			return err
		}
	}
	return printJSON(env, r)
}

func writePackage(ctx context.Context, c *httpapi.Client, id int64, format, path string) error {
	if format != "zip" && format != "json" {
		return sluice.Errorf(sluice.EINVALID, "--format %q is not zip or json.", format)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if format == "zip" {
		format = ""
	}
	if err := c.SubjectPackage(ctx, id, format, f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// runDSRAction runs dsr verify, fulfil, refuse and extend.
func runDSRAction(action, synopsis, example string) func(ctx context.Context, env *Env, args []string) error {
	return func(ctx context.Context, env *Env, args []string) error {
		name := "dsr " + action
		fs := newFlagSet(env, name, name+" "+synopsis, example)
		serverURL, key := addClientFlags(fs, env, "owner")
		var req httpapi.SubjectRequestAction
		var pkg, format *string
		switch action {
		case "verify":
			fs.StringVar(&req.Evidence, "evidence", "", "how the person's identity was checked")
		case "refuse", "extend":
			fs.StringVar(&req.Reason, "reason", "", "the reason, as told to the person (required)")
		case "fulfil":
			pkg = fs.String("package", "", "write the package of an access, copy or portability request to FILE")
			format = fs.String("format", "zip", "package format: zip or json")
		}
		asJSON := fs.Bool("json", false, "print the server's JSON answer")
		if err := parseFlags(fs, env, args); err != nil {
			return err
		}
		id, err := requestArg(env, fs, name)
		if err != nil {
			return err
		}
		c, err := newClient(*serverURL, *key)
		if err != nil {
			return err
		}
		r, err := c.SubjectRequestAction(ctx, id, action, req)
		if err != nil {
			return err
		}
		if pkg != nil && *pkg != "" {
			if err := writePackage(ctx, c, id, *format, *pkg); err != nil {
				return err
			}
		}
		if *asJSON {
			return printJSON(env, r)
		}
		fmt.Fprintf(env.Stdout, "Subject request %d (%s) is %s, due %s.%s\n", r.ID, r.Type, r.State, dueText(r), outcomeText(r))
		return nil
	}
}

func outcomeText(r *sluice.SubjectRequest) string {
	o := r.Outcome
	if o == nil {
		return ""
	}
	if !o.Found {
		return " " + o.Note
	}
	parts := []string{fmt.Sprintf("%d records found", o.Records)}
	for _, p := range []struct {
		n    int64
		what string
	}{{o.Erased, "erased"}, {o.Corrected, "corrected"}, {o.Restricted, "restricted"}, {o.Elements, "array elements changed"}, {int64(o.Consents), "consents closed"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	s := " " + strings.Join(parts, ", ") + "."
	for _, h := range o.Held {
		s += fmt.Sprintf(" Dataset %d kept under a legal hold: %s.", h.DatasetID, h.Reason)
	}
	return s
}

// newSubjectRequests returns the subject-request service over the stores.
func newSubjectRequests(s *Stores, secret []byte) *dsr.Service {
	return &dsr.Service{
		Datasets: s.Datasets, Requests: s.SubjectRequests, Stores: s.Regions,
		Consents: s.Consents, Purposes: s.Purposes, Grants: s.Grants,
		Transfers: s.Transfers, Orgs: s.Orgs,
		Keyer: func(org int64) *sluice.SubjectKeyer { return sluice.NewOrgSubjectKeyer(secret, org) },
	}
}

func runOrgOffboard(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "org offboard", "org offboard --name NAME [--force --reason TEXT]", `
sluice org offboard --name cn-rides
sluice org offboard --name cn-rides --force --reason "contract ended 2026-11-30; hold lifted by counsel"`)
	var c StoreConfig
	name := fs.String("name", "", "the org to offboard (required)")
	force := fs.Bool("force", false, "offboard although a legal hold or an open grant or transfer depends on the org")
	reason := fs.String("reason", "", "why a forced offboarding goes ahead (required with --force)")
	asJSON := fs.Bool("json", false, "print JSON")
	addStoreFlags(fs, env, &c, true)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(env.Stderr, "sluice org offboard: --name is required")
		return errUsage
	}
	s, err := openStores(ctx, &c, false)
	if err != nil {
		return err
	}
	defer s.Close()
	secret, err := loadSecret(c.DataDir)
	if err != nil {
		return err
	}
	orgs, _, err := s.Orgs.FindOrgs(ctx, sluice.OrgFilter{Name: name})
	if err != nil {
		return err
	} else if len(orgs) == 0 {
		return sluice.Errorf(sluice.ENOTFOUND, "Org %q not found.", *name)
	}
	out, err := newSubjectRequests(s, secret).OffboardOrg(ctx, orgs[0].ID, *force, *reason)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, out)
	}
	fmt.Fprintf(env.Stdout, "Offboarded org %s: %d datasets and %d records deleted, %d grants and %d transfers revoked, keys revoked, consent ledger deleted.\n",
		*name, len(out.Datasets), out.Records, out.GrantsRevoked, out.TransfersRevoked)
	return nil
}
