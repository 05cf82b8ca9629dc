package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

// transferClient adds the --url and --key flags every transfer command
// takes and returns a func that makes the client once flags are parsed.
func transferClient(fs *flag.FlagSet, env *Env) func() (*httpapi.Client, error) {
	serverURL := fs.String("url", envOr(env, "SLUICE_URL", "http://"+DefaultAddr), "server URL (env SLUICE_URL)")
	key := fs.String("key", env.Getenv("SLUICE_KEY"), "your org's API key (env SLUICE_KEY)")
	return func() (*httpapi.Client, error) {
		if *key == "" {
			return nil, sluice.Errorf(sluice.EUNAUTHORIZED, "No API key: set --key or SLUICE_KEY.")
		}
		return httpapi.NewClient(*serverURL, *key), nil
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runTransferCreate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer create", "transfer create --dataset ID --fields F,… --country CC --recipient NAME [flags]", `
export SLUICE_URL=http://127.0.0.1:8080 SLUICE_KEY=sk_...
sluice transfer create --dataset 1 --fields rider_phone,fare_cny --country US --recipient "Acme Inc." --legal-basis contract
sluice transfer create --dataset 2 --fields name --country SG --recipient "Acme Pte" --exemption hr --justification "payroll of staff seconded to Singapore"`)
	client := transferClient(fs, env)
	var req sluice.TransferRequest
	var fields string
	fs.Int64Var(&req.Dataset, "dataset", 0, "dataset `id` (required)")
	fs.StringVar(&fields, "fields", "", "comma-separated `fields` to export (required)")
	fs.StringVar(&req.DestinationCountry, "country", "", "recipient's `country`, ISO 3166-1 alpha-2 (required)")
	fs.StringVar(&req.Recipient, "recipient", "", "who receives the data (required)")
	fs.StringVar(&req.RecipientKind, "recipient-kind", "", "company (default), individual, foreign_judicial or foreign_law_enforcement")
	fs.StringVar(&req.Exemption, "exemption", "", "CN exemption claimed: trade, reexport, contract, hr, emergency or ftz_outside_list")
	fs.StringVar(&req.Derogation, "derogation", "", "EU Art. 49 derogation claimed")
	fs.BoolVar(&req.AdequacyScope, "adequacy-scope", false, "the recipient is within a partial adequacy decision (EU)")
	fs.StringVar(&req.Purpose, "purpose", "", "purpose of the export (default: the dataset's)")
	fs.StringVar(&req.LegalBasis, "legal-basis", "", "PIPL Art. 13 basis: consent (default), contract, hr, statutory_duty, emergency, news, public_info, other_law")
	fs.StringVar(&req.Justification, "justification", "", "why a claimed exemption, derogation or adequacy scope applies")
	fs.StringVar(&req.Date, "date", "", "the transfer's `date`, YYYY-MM-DD (default today)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "sluice transfer create: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	req.Fields = splitList(fields)
	c, err := client()
	if err != nil {
		return err
	}
	t, err := c.CreateTransfer(ctx, &req)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, t)
	}
	printTransfer(env.Stdout, t)
	return nil
}

// printTransfer explains a transfer: its route, why, what it still needs.
func printTransfer(w io.Writer, t *sluice.Transfer) {
	fmt.Fprintf(w, "Transfer %d of dataset %d (%s) to %s, %s: route %s, %s.\n",
		t.ID, t.DatasetID, strings.Join(t.Fields, ", "), t.Recipient, t.DestinationCountry, t.Decision.Route, t.Status)
	f := t.Facts
	fmt.Fprintf(w, "Facts: %d records, %d people (%d pi, %d spi); grade %s; counts since %s: pi %d, spi %d.\n",
		f.Records, f.Subjects, f.PISubjects, f.SPISubjects, f.Grade, f.WindowFrom, f.YTD.PI, f.YTD.SPI)
	for i, r := range t.Decision.Reasons {
		lead := "Because"
		if i > 0 {
			lead = "     and"
		}
		fmt.Fprintf(w, "%s %s (%s, %s)\n", lead, r.Text, r.Ref, r.Rule)
	}
	if len(t.Decision.Requires) > 0 {
		fmt.Fprintln(w, "Still required:")
		for _, q := range t.Decision.Requires {
			dl := ""
			if q.Deadline != "" {
				dl = " — " + q.Deadline
			}
			fmt.Fprintf(w, "  - %s (%s)%s\n", q.Text, q.Ref, dl)
		}
	}
	for _, ev := range t.Evidence {
		fmt.Fprintf(w, "Evidence: %s %s, valid from %s to %s (%s)\n", ev.Kind, ev.Reference, ev.ValidFrom, orOpen(ev.ValidTo), ev.Status)
	}
	if t.RenewalDue {
		fmt.Fprintln(w, "Renewal due: the assessment expires on "+t.ExpiresOn+"; request the extension now.")
	}
}

func orOpen(s string) string {
	if s == "" {
		return "open"
	}
	return s
}

func runTransferList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer list", "transfer list [--status S] [--format F]", `
sluice transfer list
sluice transfer list --status awaiting_evidence`)
	client := transferClient(fs, env)
	status := fs.String("status", "", "only transfers in this `status`")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	l, err := c.ListTransfers(ctx, *status)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, t := range l.Transfers {
		rows = append(rows, []string{fmt.Sprint(t.ID), string(t.Status), t.Decision.Route, fmt.Sprint(t.DatasetID),
			t.DestinationCountry, t.Recipient, fmt.Sprint(t.Facts.Subjects), t.Date, dash(t.ExpiresOn)})
	}
	return out.list(l, l.Transfers, []string{"id", "status", "route", "dataset", "to", "recipient", "people", "date", "expires"}, rows)
}

func runTransferEvidence(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer evidence", "transfer evidence --kind K --reference R --valid-from DATE [flags] ID", `
sluice transfer evidence --kind scc_filing --reference "沪网信备〔2026〕0042" --valid-from 2026-11-20 --filed-on 2026-11-26 3
sluice transfer evidence --kind assessment --reference CAC-SA-2026-7 --valid-from 2026-11-26 4`)
	client := transferClient(fs, env)
	var ev sluice.TransferEvidence
	fs.StringVar(&ev.Kind, "kind", "", "scc_filing, certification, assessment (CN); scc, bcr, derogation_record (EU)")
	fs.StringVar(&ev.Reference, "reference", "", "filing, certificate or approval number")
	fs.StringVar(&ev.ValidFrom, "valid-from", "", "contract effective date, approval or issue `date`")
	fs.StringVar(&ev.ValidTo, "valid-to", "", "last valid `date` (an assessment defaults to the full validity)")
	fs.StringVar(&ev.FiledOn, "filed-on", "", "for a filing: the `date` it was filed")
	fs.StringVar(&ev.Note, "note", "", "a note kept with the evidence")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "transfer", 1)
	if err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	t, err := c.AttachEvidence(ctx, id, &ev)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, t)
	}
	printTransfer(env.Stdout, t)
	return nil
}

func runTransferExport(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer export", "transfer export [--format csv|jsonl] [--fields F,…] [-o FILE] ID", `
sluice transfer export -o acme.csv 3
sluice transfer export --format jsonl --fields phone 3 > acme.jsonl`)
	client := transferClient(fs, env)
	var opts sluice.TransferExportOptions
	var fields string
	fs.StringVar(&opts.Format, "format", "csv", "csv or jsonl")
	fs.StringVar(&fields, "fields", "", "comma-separated approved fields to export (default all)")
	fs.StringVar(&opts.Purpose, "purpose", "", "the purpose, checked against the approval")
	fs.StringVar(&opts.Recipient, "recipient", "", "the recipient, checked against the approval")
	outPath := fs.String("o", "", "write the records to `file` (default standard output)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "transfer", 1)
	if err != nil {
		return err
	}
	opts.Fields = splitList(fields)
	c, err := client()
	if err != nil {
		return err
	}
	out := env.Stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	info, err := c.ExportTransfer(ctx, id, opts, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "Exported %d records of %d people (%d withheld: no separate consent); audit entry %d.\n",
		info.Records, info.Subjects, info.Withheld, info.AuditEntry)
	return nil
}

func runTransferCounters(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer counters", "transfer counters [--date DATE] [--format F]", `
sluice transfer counters
sluice transfer counters --date 2026-12-31 --format json`)
	client := transferClient(fs, env)
	date := fs.String("date", "", "the `date` to count on, up to the end of this year (default today)")
	out := addOutputFlag(fs, env)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	v, err := c.TransferCounters(ctx, *date)
	if err != nil {
		return err
	}
	f, err := out.resolve()
	if err != nil {
		return err
	}
	if f != "table" {
		var rows [][]string
		for _, line := range v.Counters {
			headroom, next := "", ""
			if line.Headroom != nil {
				headroom, next = fmt.Sprint(*line.Headroom), line.NextRoute
			}
			rows = append(rows, []string{v.Date, line.Counter, fmt.Sprint(line.Count), headroom, next})
		}
		return out.write(f, v, v.Counters, []string{"date", "counter", "count", "headroom", "next_route"}, rows)
	}
	fmt.Fprintf(env.Stdout, "People exported by org %d (region %s), counted since %s:\n", v.OrgID, v.Region, orOpen(v.WindowFrom))
	if today := time.Now().UTC().Format("2006-01-02"); v.Date > today {
		fmt.Fprintf(env.Stdout, "(as of %s: the exports made so far; any made before then add to these)\n", v.Date)
	}
	for _, line := range v.Counters {
		next := "no limit ahead"
		if line.Headroom != nil {
			next = fmt.Sprintf("%d more before %s", *line.Headroom, line.NextRoute)
		}
		fmt.Fprintf(env.Stdout, "  %-4s %9d   %s\n", line.Counter, line.Count, next)
		for _, l := range line.Limits {
			state := "not reached"
			if l.Reached {
				state = "reached"
			}
			fmt.Fprintf(env.Stdout, "         %s %d → %s (%s) %s\n", l.Op, l.Threshold, l.Route, l.Ref, state)
		}
	}
	return nil
}

func runTransferRevoke(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "transfer revoke", "transfer revoke [--reason TEXT] ID", `
sluice transfer revoke --reason "contract with Acme ended" 3`)
	client := transferClient(fs, env)
	reason := fs.String("reason", "", "why (kept; the audit log holds its hash)")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	id, err := idArg(env, fs, "transfer", 1)
	if err != nil {
		return err
	}
	c, err := client()
	if err != nil {
		return err
	}
	t, err := c.RevokeTransfer(ctx, id, *reason)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, t)
	}
	fmt.Fprintf(env.Stdout, "Transfer %d revoked.\n", t.ID)
	return nil
}
