package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// runRoute runs "sluice transfer route" with args and stdin and returns
// the exit status, stdout and stderr.
func runRoute(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Run(context.Background(), env, append([]string{"transfer", "route"}, args...))
	return code, out.String(), errb.String()
}

// routeJSON is the JSON output of "sluice transfer route --format json",
// field for field: decoding rejects anything else.
type routeJSON struct {
	Route   string `json:"route"`
	Reasons []struct {
		Rule       string `json:"rule"`
		Ref        string `json:"ref"`
		Text       string `json:"text"`
		Confidence string `json:"confidence"`
	} `json:"reasons"`
	Requires []struct {
		ID         string `json:"id"`
		Text       string `json:"text"`
		Ref        string `json:"ref"`
		Confidence string `json:"confidence"`
		Deadline   *struct {
			Text     string `json:"text"`
			Amount   int    `json:"amount"`
			Unit     string `json:"unit"`
			Relation string `json:"relation"`
			Anchor   string `json:"anchor"`
		} `json:"deadline"`
	} `json:"requires"`
	ConsentAssumed    bool   `json:"consent_assumed"`
	NoSafeguardReason string `json:"no_safeguard_reason"`
}

func decodeRoute(t *testing.T, out string) routeJSON {
	t.Helper()
	var r routeJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("output is not the route JSON: %v\n%s", err, out)
	}
	return r
}

// Dates in these tests lie in the past so that "now" never makes them
// future dates.
const cliInput = `{"date":"2025-06-02","exporter":{"region":"CN","ciio":false,"state_organ":false,"sector":""},"recipient":{"country":"US","kind":"company"},"data":{"core":false,"important":false,"credit_agency":false},"exemption":"none","ytd":{"pi":150000,"spi":0}}`

func TestTransferRoute_JSON(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		route string
		rule  string
	}{
		{"OKStdinWithoutFlags", cliInput, []string{"--format", "json"}, "SCC_OR_CERT", "cn.o16.scc.pi"},
		{"OKStdinDash", cliInput, []string{"--format", "json", "-"}, "SCC_OR_CERT", "cn.o16.scc.pi"},
		{"OKStdinEU", `{"date":"2025-06-02","exporter":{"region":"EU"},"recipient":{"country":"US","adequacy_scope":true}}`, []string{"--format=json"}, "ADEQUACY", "eu.adequacy"},
		{"OKFlags", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "cn", "--country", "us", "--ytd-pi", "150000"}, "SCC_OR_CERT", "cn.o16.scc.pi"},
		{"OKFlagsAssessment", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "DE", "--ytd-spi", "10000"}, "SECURITY_ASSESSMENT", "cn.o16.assess.spi"},
		{"OKFlagsNoPI", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "JP", "--ciio", "--pi=false"}, "EXEMPT", "cn.o16.no_pi"},
		{"OKFlagsCIIO", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "JP", "--ciio", "--pi"}, "SECURITY_ASSESSMENT", "cn.o16.ciio"},
		{"OKFlagsO11", "", []string{"--format", "json", "--date", "2023-05-01", "--region", "CN", "--country", "SG", "--ytd-pi", "50000", "--prev-pi", "100000"}, "SECURITY_ASSESSMENT", "cn.o11.assess.pi"},
		{"OKFlagsExemption", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "SG", "--exemption", "hr", "--ytd-pi", "5000000"}, "EXEMPT", "cn.o16.hr"},
		{"OKFlagsForeignCourt", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--recipient-kind", "foreign_judicial"}, "BLOCK", "cn.foreign_authority"},
		{"OKFlagsCredit", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--credit-agency"}, "HOLD", "cn.credit.hold"},
		{"OKFlagsAutomotive", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "DE", "--sector", "automotive", "--auto-individuals", "100001"}, "SECURITY_ASSESSMENT", "cn.auto.important"},
		{"OKFlagsEUDerogation", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "EU", "--country", "IN", "--derogation", "explicit_consent"}, "DEROGATION", "eu.derogation"},
		{"OKFlagsReexportImportant", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--important", "--exemption", "reexport"}, "SECURITY_ASSESSMENT", "cn.o16.reexport.important"},
		{"OKFlagsEUSafeguard", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "EU", "--country", "IN", "--safeguard", "code_of_conduct", "--derogation", "contract"}, "SCC_OR_BCR", "eu.safeguard"},
		{"OKFlagsEUArt48", "", []string{"--format", "json", "--date", "2025-06-02", "--region", "EU", "--country", "CN", "--recipient-kind", "foreign_law_enforcement"}, "BLOCK", "eu.art48"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runRoute(t, tc.stdin, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			r := decodeRoute(t, out)
			if r.Route != tc.route || len(r.Reasons) == 0 || r.Reasons[0].Rule != tc.rule {
				t.Errorf("route %s, reasons %+v; want %s by %s", r.Route, r.Reasons, tc.route, tc.rule)
			}
			for _, x := range r.Reasons {
				if x.Ref == "" {
					t.Errorf("reason %s has no reference", x.Rule)
				}
			}
		})
	}

	t.Run("OKRequiresDeadlines", func(t *testing.T) {
		_, out, _ := runRoute(t, cliInput, "--format", "json")
		r := decodeRoute(t, out)
		found := false
		for _, q := range r.Requires {
			if q.ID == "cn.scc.filing" {
				found = q.Deadline != nil && q.Deadline.Amount == 10 && q.Deadline.Unit == "working_days"
			}
		}
		if !found {
			t.Errorf("no standard-contract filing within 10 working days in %+v", r.Requires)
		}
	})
}

// TestTransferRoute_ReexportImportant checks the O16 Art. 4 re-export
// exemption against important data: the security assessment of Art. 7.
func TestTransferRoute_ReexportImportant(t *testing.T) {
	code, out, errOut := runRoute(t, "", "--format", "json", "--region", "CN", "--country", "US", "--important", "--exemption", "reexport")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeRoute(t, out)
	var refs []string
	for _, x := range r.Reasons {
		refs = append(refs, x.Ref)
	}
	all := strings.Join(refs, " | ")
	if r.Route != "SECURITY_ASSESSMENT" || !strings.Contains(all, "O16 Art. 4") || !strings.Contains(all, "O16 Art. 7") {
		t.Errorf("route %s, reasons %s; want SECURITY_ASSESSMENT citing O16 Art. 4 and Art. 7", r.Route, all)
	}
}

// TestTransferRoute_LegalBasis checks PIPL Art. 39: a contract basis needs
// notice, not separate consent.
func TestTransferRoute_LegalBasis(t *testing.T) {
	has := func(r routeJSON, id string) bool {
		for _, q := range r.Requires {
			if q.ID == id {
				return true
			}
		}
		return false
	}
	_, out, _ := runRoute(t, "", "--format", "json", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--ytd-pi", "150000", "--legal-basis", "contract")
	if r := decodeRoute(t, out); has(r, "cn.pipl39.consent") || !has(r, "cn.pipl39.notice") || r.ConsentAssumed {
		t.Errorf("contract basis: %+v", r.Requires)
	}
	_, out, _ = runRoute(t, "", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--ytd-pi", "150000")
	if !strings.Contains(out, "consent is assumed") {
		t.Errorf("no basis: text does not say consent is assumed:\n%s", out)
	}
	_, out, _ = runRoute(t, "", "--date", "2025-06-02", "--region", "EU", "--country", "IN", "--derogation", "legal_claims", "--no-safeguard-reason", "the court abroad accepts no clauses")
	if !strings.Contains(out, "No Art. 46 safeguard, because: the court abroad accepts no clauses") {
		t.Errorf("derogation text does not record the reason:\n%s", out)
	}
}

func TestTransferRoute_Text(t *testing.T) {
	code, out, errOut := runRoute(t, "", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--ytd-pi", "150000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Route: SCC_OR_CERT (",
		"United States of America",
		"O16 Art. 8",      // the deciding rule's article
		"cn.o16.window",   // the counting window it relied on
		"PIPL Art. 39",    // notice and separate consent
		"PIPL Art. 55(4)", // impact assessment
		"deadline: within 10 working days after the contract's effective date",
		"Rules: version ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	_, out, _ = runRoute(t, "", "--date", "2025-06-02", "--region", "CN", "--country", "US", "--core")
	if !strings.Contains(out, "Route: BLOCK") || !strings.Contains(out, "Still required: nothing further.") {
		t.Errorf("core data text:\n%s", out)
	}
}

func TestTransferRoute_BadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string // in stderr
	}{
		{"ErrUnknownCountry", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "XX"}, "recipient.country"},
		{"ErrDomesticCountry", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "CN"}, "recipient.country"},
		{"ErrNoCountry", "", []string{"--date", "2025-06-02", "--region", "CN"}, "recipient.country: required"},
		{"ErrNoRegion", "", []string{"--date", "2025-06-02", "--country", "US"}, "exporter.region: required"},
		{"ErrUnknownRegion", "", []string{"--date", "2025-06-02", "--region", "MARS", "--country", "US"}, "exporter.region"},
		{"ErrNoRulePack", "", []string{"--date", "2025-06-02", "--region", "US", "--country", "CN"}, "no rule pack covers region US"},
		{"ErrUnknownBasis", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "US", "--legal-basis", "whim"}, "legal_basis"},
		{"ErrUnknownExemption", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "US", "--exemption", "tourism"}, "exemption"},
		{"ErrUnknownKind", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "US", "--recipient-kind", "embassy"}, "recipient.kind"},
		{"ErrFutureDate", "", []string{"--date", "2999-01-01", "--region", "CN", "--country", "US"}, "date: 2999-01-01 is in the future"},
		{"ErrBeforeRules", "", []string{"--date", "2021-01-01", "--region", "CN", "--country", "US"}, "date: no CN transfer rules in force before 2022-09-01"},
		{"ErrBadDate", "", []string{"--date", "2025-02-30", "--region", "CN", "--country", "US"}, "date:"},
		{"ErrNegativeCount", "", []string{"--date", "2025-06-02", "--region", "CN", "--country", "US", "--ytd-pi", "-3"}, "ytd.pi"},
		{"ErrO11WithoutPreviousYear", "", []string{"--date", "2023-05-01", "--region", "CN", "--country", "US"}, "since_prev_year"},
		{"ErrJSONUnknownField", `{"date":"2025-06-02","colour":"red"}`, nil, `Unknown field "colour"`},
		{"ErrJSONType", `{"date":"2025-06-02","ytd":{"pi":"lots"}}`, nil, "ytd.pi"},
		{"ErrJSONSyntax", `{"date":`, nil, "JSON"},
		{"ErrJSONTrailing", cliInput + "\n" + cliInput, nil, "exactly one object"},
		{"ErrJSONUnknownCountry", `{"date":"2025-06-02","exporter":{"region":"EU"},"recipient":{"country":"ZZ"}}`, nil, "recipient.country"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runRoute(t, tc.stdin, tc.args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestTransferRoute_Usage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"ErrUnknownFlag", "", []string{"--colour", "red"}, "flag provided but not defined"},
		{"ErrBadFormat", cliInput, []string{"--format", "yaml"}, `--format "yaml"`},
		{"ErrBadNumber", "", []string{"--region", "CN", "--ytd-pi", "many"}, "invalid value"},
		{"ErrExtraArgument", "", []string{"--region", "CN", "input.json"}, `unexpected argument "input.json"`},
		{"ErrFlagsAndStdin", cliInput, []string{"--region", "CN", "-"}, "not both"},
		{"ErrNothingGiven", "", nil, "standard input is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runRoute(t, tc.stdin, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, errOut)
			}
			if !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "Usage: sluice transfer route") {
				t.Errorf("stderr %q lacks %q or the usage", errOut, tc.want)
			}
		})
	}

	t.Run("OKHelp", func(t *testing.T) {
		code, out, _ := runRoute(t, "", "--help")
		if code != 0 || !strings.Contains(out, "Usage: sluice transfer route") || !strings.Contains(out, "-ytd-spi") {
			t.Errorf("exit %d, help:\n%s", code, out)
		}
	})
	t.Run("OKListed", func(t *testing.T) {
		var out bytes.Buffer
		Run(context.Background(), &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}, nil)
		if !strings.Contains(out.String(), "transfer route") {
			t.Errorf("command list lacks transfer route:\n%s", out.String())
		}
	})
}
