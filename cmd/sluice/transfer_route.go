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
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy/route"
)

const transferRouteExample = `
sluice transfer route --region CN --country US --ytd-pi 150000
sluice transfer route --format json --region EU --country JP --date 2026-11-26
echo '{"date":"2026-11-26","exporter":{"region":"CN"},"recipient":{"country":"US"},"ytd":{"pi":0,"spi":0}}' | sluice transfer route --format json`

// runTransferRoute decides the legal route of a cross-border transfer from
// flags, or from a JSON object on standard input, and explains it.
func runTransferRoute(ctx context.Context, env *Env, args []string) error {
	fset := newFlagSet(env, "transfer route",
		"transfer route [--format json|text] [flags]\n       sluice transfer route [--format json|text] [-] < input.json",
		transferRouteExample)
	format := fset.String("format", "text", "output `format`: text (an explanation) or json")

	var in route.Input
	var date, region, country, kind string
	var pi routeOptBool
	var prev route.Counts
	fset.StringVar(&date, "date", "", "transfer `date`, YYYY-MM-DD (default today)")
	fset.StringVar(&region, "region", "", "exporter's `region` whose rules apply: CN or EU (required)")
	fset.BoolVar(&in.Exporter.CIIO, "ciio", false, "the exporter is a critical-information-infrastructure operator (CN)")
	fset.BoolVar(&in.Exporter.StateOrgan, "state-organ", false, "the exporter is a state organ (CN)")
	fset.StringVar(&in.Exporter.Sector, "sector", "", "exporter's `sector`, e.g. automotive")
	fset.Int64Var(&in.Exporter.PIProcessed, "pi-processed", 0, "`people` whose personal information the exporter processes in all (CN, before 2024-03-22)")
	fset.StringVar(&country, "country", "", "recipient's `country`, ISO 3166-1 alpha-2 (required)")
	fset.StringVar(&kind, "recipient-kind", route.KindCompany, "recipient `kind`: company, individual, foreign_judicial or foreign_law_enforcement")
	fset.BoolVar(&in.Recipient.ApprovalOnFile, "approval-on-file", false, "a foreign court or authority's request is approved by the PRC authority (CN) or rests on an international agreement (EU)")
	fset.BoolVar(&in.Recipient.LicensedCreditAgency, "licensed-credit-agency", false, "the recipient is a licensed personal credit agency (CN)")
	fset.BoolVar(&in.Recipient.AdequacyScope, "adequacy-scope", false, "the recipient is within a partial adequacy decision, e.g. certified under the EU-US Data Privacy Framework (EU)")
	fset.BoolVar(&in.Data.Core, "core", false, "the data includes core data (CN)")
	fset.BoolVar(&in.Data.Important, "important", false, "the data includes important data (CN)")
	fset.BoolVar(&in.Data.CreditAgency, "credit-agency", false, "the data is credit information held by a credit agency (CN)")
	fset.BoolVar(&in.Data.CreditInfo, "credit-info", false, "the data is credit information (CN)")
	fset.Var(&pi, "pi", "the data contains personal information: true or false (default true)")
	fset.Int64Var(&in.Data.AutoIndividuals, "auto-individuals", 0, "`people` in automotive location, trajectory or exterior-image data (CN)")
	fset.StringVar(&in.Exemption, "exemption", route.None, "CN `exemption` claimed: none, trade, reexport, contract, hr, emergency, ftz_outside_list")
	fset.StringVar(&in.LegalBasis, "legal-basis", "", "legal `basis` of the processing (CN, PIPL Art. 13): consent, contract, hr, statutory_duty, emergency, news, public_info, other_law (default: consent assumed)")
	fset.StringVar(&in.Safeguard, "safeguard", route.None, "EU Art. 46 `safeguard` relied on: none, scc, sa_scc, bcr, public_body_instrument, code_of_conduct, certification, ad_hoc_clauses, administrative_arrangement")
	fset.StringVar(&in.NoSafeguardReason, "no-safeguard-reason", "", "why no Art. 46 safeguard is available, recorded with an EU derogation (`text`)")
	fset.StringVar(&in.Derogation, "derogation", route.None, "EU `derogation` claimed: none, explicit_consent, contract, contract_for_subject, public_interest, legal_claims, vital_interests, public_register, compelling_interest")
	fset.Int64Var(&in.YTD.PI, "ytd-pi", 0, "distinct `people` whose non-sensitive personal information left since 1 January, this transfer included")
	fset.Int64Var(&in.YTD.SPI, "ytd-spi", 0, "distinct `people` whose sensitive personal information left since 1 January, this transfer included")
	fset.Int64Var(&prev.PI, "prev-pi", 0, "distinct `people` whose personal information left since 1 January of the previous year (CN, before 2024-03-22)")
	fset.Int64Var(&prev.SPI, "prev-spi", 0, "distinct `people` whose sensitive personal information left since 1 January of the previous year (CN, before 2024-03-22)")
	if err := parseFlags(fset, env, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return routeUsageError(env, fset, fmt.Sprintf("--format %q is not text or json", *format))
	}

	inputFlags := 0
	fset.Visit(func(f *flag.Flag) {
		if f.Name != "format" {
			inputFlags++
		}
	})
	fromStdin := false
	switch rest := fset.Args(); {
	case len(rest) > 1 || (len(rest) == 1 && rest[0] != "-"):
		return routeUsageError(env, fset, fmt.Sprintf("unexpected argument %q", rest[len(rest)-1]))
	case len(rest) == 1 && inputFlags > 0:
		return routeUsageError(env, fset, "give the transfer either as flags or as JSON on standard input (-), not both")
	case len(rest) == 1:
		fromStdin = true
	case inputFlags == 0:
		if stdinIsTerminal(env.Stdin) {
			return routeUsageError(env, fset, "give the transfer as flags, or as a JSON object on standard input")
		}
		fromStdin = true
	}

	now := time.Now()
	var ptr *route.Input
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(env.Stdin, route.MaxInputSize+1))
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return routeUsageError(env, fset, "standard input is empty: give the transfer as flags, or as a JSON object on standard input")
		}
		if ptr, err = route.ParseInput(b); err != nil {
			return err
		}
	} else {
		if date == "" {
			in.Date = route.DateOf(now)
		} else {
			d, err := route.ParseDate(date)
			if err != nil {
				return sluice.Errorf(sluice.EINVALID, "date: %s", sluice.ErrorMessage(err))
			}
			in.Date = d
		}
		in.Exporter.Region = sluice.Region(strings.ToUpper(region))
		in.Recipient.Country = strings.ToUpper(country)
		in.Recipient.Kind = kind
		in.Data.PI = pi.ptr()
		if routeFlagGiven(fset, "prev-pi") || routeFlagGiven(fset, "prev-spi") {
			in.SincePrevYear = &prev
		}
		ptr = &in
	}

	rules := route.Default()
	dec, err := rules.Decide(ptr, now)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(dec)
	}
	writeRouteText(env.Stdout, rules, ptr, dec)
	return nil
}

// writeRouteText explains a decision for a reader: the route, each reason
// with its reference, each requirement with its deadline.
func writeRouteText(w io.Writer, rules *route.Rules, in *route.Input, dec route.Decision) {
	fmt.Fprintf(w, "Route: %s", dec.Route)
	if t := rules.RouteText(in.Exporter.Region, dec.Route); t != "" {
		fmt.Fprintf(w, " (%s)", t)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Transfer: %s data to %s (%s), %s, dated %s\n", in.Exporter.Region, in.Recipient.Country,
		rules.CountryName(in.Recipient.Country), routeRecipientKind(in.Recipient.Kind), in.Date)
	fmt.Fprintf(w, "Rules: version %s, %s\n", rules.Version(), rules.Hash())

	doubtful := false
	fmt.Fprintln(w, "\nWhy:")
	for i, r := range dec.Reasons {
		fmt.Fprintf(w, "  %d. %s\n     %s | %s | %s\n", i+1, r.Text, r.Rule, r.Ref, r.Confidence)
		doubtful = doubtful || r.Confidence != route.Checked
	}
	if dec.ConsentAssumed {
		fmt.Fprintln(w, "\nLegal basis: not given, so consent is assumed; give --legal-basis to list only what applies.")
	}
	if dec.NoSafeguardReason != "" {
		fmt.Fprintf(w, "\nNo Art. 46 safeguard, because: %s\n", dec.NoSafeguardReason)
	}
	if len(dec.Requires) == 0 {
		fmt.Fprintln(w, "\nStill required: nothing further.")
	} else {
		fmt.Fprintln(w, "\nStill required:")
		for _, q := range dec.Requires {
			fmt.Fprintf(w, "  - %s\n    %s | %s", q.Text, q.Ref, q.Confidence)
			if q.Deadline != nil {
				fmt.Fprintf(w, " | deadline: %s", q.Deadline.Text)
			}
			fmt.Fprintln(w)
			doubtful = doubtful || q.Confidence != route.Checked
		}
	}
	if doubtful {
		fmt.Fprintln(w, "\nConfidence: checked = against the full legal text; summary = against an official summary or report; unverified = verify before relying on it.")
	}
}

func routeRecipientKind(k string) string {
	if k == "" {
		k = route.KindCompany
	}
	return strings.ReplaceAll(k, "_", " ") + " recipient"
}

// routeUsageError prints msg and the command's usage to stderr and returns
// errUsage (exit status 2).
func routeUsageError(env *Env, fset *flag.FlagSet, msg string) error {
	fmt.Fprintf(env.Stderr, "sluice %s: %s\n\n", strings.TrimPrefix(fset.Name(), "sluice "), msg)
	fset.Usage()
	return errUsage
}

func routeFlagGiven(fset *flag.FlagSet, name string) bool {
	set := false
	fset.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// stdinIsTerminal reports whether r is an interactive terminal, or absent:
// either way there is no JSON to read from it.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if r == nil {
		return true
	} else if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// routeOptBool is a boolean flag that remembers whether it was given.
type routeOptBool struct {
	set, v bool
}

func (b *routeOptBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.v)
}

func (b *routeOptBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.v = true, v
	return nil
}

// IsBoolFlag lets --pi stand for --pi=true.
func (b *routeOptBool) IsBoolFlag() bool { return true }

func (b *routeOptBool) ptr() *bool {
	if !b.set {
		return nil
	}
	v := b.v
	return &v
}
