// Command sluice is the data-sovereignty gateway: the server (sluice serve)
// and the tools around it, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/sluice-gateway/sluice"
)

// A command is one subcommand of the sluice binary.
type command struct {
	name    string // as typed, e.g. "org create"
	summary string // one line for the command list
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands lists every subcommand. Keep it sorted by name.
var commands = []command{
	{"dsr extend", "extend a subject request's deadline where its law allows, with the reason", runDSRAction("extend", "--reason TEXT REQUEST-ID", "SLUICE_KEY=sk_owner... sluice dsr extend --reason 'records in twelve systems' 7")},
	{"dsr file", "file a data-subject request (access, copy, portability, correction, erasure, restriction, explanation)", runDSRFile},
	{"dsr fulfil", "carry out a verified subject request; --package saves the person's package", runDSRAction("fulfil", "[--package FILE [--format zip|json]] REQUEST-ID", "SLUICE_KEY=sk_owner... sluice dsr fulfil --package alice.zip 7")},
	{"dsr lift", "lift the restriction a fulfilled restriction request placed", runDSRAction("lift", "REQUEST-ID", "SLUICE_KEY=sk_owner... sluice dsr lift 7")},
	{"dsr list", "list the org's subject requests, overdue first", runDSRList},
	{"dsr refuse", "refuse a subject request, with the reason (PIPL Art. 50)", runDSRAction("refuse", "--reason TEXT REQUEST-ID", "SLUICE_KEY=sk_owner... sluice dsr refuse --reason 'identity could not be confirmed' 7")},
	{"dsr show", "show a subject request; --package saves its package", runDSRShow},
	{"dsr verify", "record that the person's identity was checked", runDSRAction("verify", "[--evidence TEXT] REQUEST-ID", "SLUICE_KEY=sk_owner... sluice dsr verify --evidence 'ID card seen' 7")},
	{"grant approve", "approve a pending grant on your dataset, with per-field operators", runGrantApprove},
	{"grant deny", "deny a pending grant on your dataset, with a reason", runGrantDeny},
	{"grant list", "list the grants on your datasets or that you asked for", runGrantList},
	{"grant request", "ask for fields of another org's dataset, for a purpose", runGrantRequest},
	{"grant revoke", "revoke a grant, as its owner or its consumer", runGrantRevoke},
	{"incident close", "close a security incident (a personal-information one needs its notice)", runIncidentClose},
	{"incident open", "record a security incident; the server gives the reports due and their clocks", runIncidentOpen},
	{"incident update", "update an incident: facts, reports made, the PIPL Art. 57 notice", runIncidentUpdate},
	{"ingest", "upload a file of records into a dataset on a running server", runIngest},
	{"init", "create a data directory: stores, keys and the audit log's identity", runInit},
	{"key create", "make an API key for an org (shown once)", runKeyCreate},
	{"key list", "list API keys (never their secrets)", runKeyList},
	{"key revoke", "revoke an API key", runKeyRevoke},
	{"log key", "print the key that verifies the audit log", runLogKey},
	{"org create", "create an org (a tenant) in its home region", runOrgCreate},
	{"org list", "list orgs", runOrgList},
	{"org offboard", "remove an org: its datasets and records (final on disk), grants, keys and consents", runOrgOffboard},
	{"report duties", "show the org's volume duties (PIPO, compliance audit, important-data processor)", runReportDuties},
	{"report minimisation", "report fields held beyond the necessary scope of each dataset's app type", runReportMinimisation},
	{"report pipia", "the org's impact assessments (PIPL Arts. 55-56) drafted from sluice's data, table, JSON or HTML", runReportPIPIA},
	{"report processing", "the org's record of processing (GDPR Art. 30, PIPL Arts. 55-56), JSON or HTML", runReportProcessing},
	{"retention run", "delete records past their retention and those held on withdrawn consent", runRetentionRun},
	{"scan", "classify the fields of files (CSV, TSV, JSONL, Parquet)", runScan},
	{"serve", "run the server (embedded SQLite by default)", runServe},
	{"settings", "show or change your org's minimisation mode and consent grace period", runSettings},
	{"transfer counters", "show the org's year-to-date export counters against their thresholds", runTransferCounters},
	{"transfer create", "request a cross-border transfer on a running server; it decides the route", runTransferCreate},
	{"transfer evidence", "attach a filing, certificate, approval or safeguard to a transfer", runTransferEvidence},
	{"transfer export", "export the records of a ready or approved transfer (CSV or JSONL)", runTransferExport},
	{"transfer list", "list the org's transfers", runTransferList},
	{"transfer revoke", "revoke a transfer", runTransferRevoke},
	{"transfer route", "decide the legal route for a cross-border transfer", runTransferRoute},
	{"version", "print the version, commit, build date and data formats", runVersion},
	{"verify", "verify a transparency log (C2SP tlog-tiles) or a subject's event proofs", runVerify},
}

// Env is what a command sees of the process: its streams and environment.
// Tests build one with buffers instead of os.Stdout.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Environ func() []string
}

// exitError carries a process exit status through a command's error return.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ}
	os.Exit(Run(ctx, env, os.Args[1:]))
}

// Run runs the subcommand named by args and returns the process exit status.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	// Local administration acts as the system, which no request can.
	ctx = sluice.NewSystemContext(ctx)
	cmd, rest := lookup(args)
	if cmd == nil {
		if len(args) == 0 || isHelp(args[0]) {
			usage(env.Stdout)
			return 0
		}
		fmt.Fprintf(env.Stderr, "sluice: unknown command %q\n\n", strings.Join(args, " "))
		usage(env.Stderr)
		return 2
	}
	err := cmd.run(ctx, env, rest)
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		return exit.code
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(env.Stderr, "sluice %s: %s\n", cmd.name, errorText(err))
	// An object the server does not know is "nothing found"; a missing
	// input file (scan) is an error like any other.
	if sluice.ErrorCode(err) == sluice.ENOTFOUND && cmd.name != "scan" {
		return exitNotFound
	}
	return exitErr
}

// lookup finds the longest command name that prefixes args.
func lookup(args []string) (*command, []string) {
	var best *command
	var n int
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(words) <= len(args) && len(words) > n && equalWords(words, args[:len(words)]) {
			best, n = &commands[i], len(words)
		}
	}
	if best == nil {
		return nil, args
	}
	return best, args[n:]
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

func usage(w io.Writer) {
	fmt.Fprintln(w, "sluice holds, classifies, shares and exports data under data-protection law,")
	fmt.Fprintln(w, "with every decision in a verifiable transparency log.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: sluice <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	sorted := append([]command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'sluice <command> --help' for a command's flags and an example.")
}

// errUsage reports a command-line mistake whose message was already printed.
var errUsage = errors.New("usage")

// newFlagSet returns a flag set whose --help prints the synopsis, the
// flags and an example. Parse errors print the same and return errUsage.
func newFlagSet(env *Env, name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: sluice %s\n\n", synopsis)
		fmt.Fprintln(out, "Flags:")
		fs.PrintDefaults()
		if example != "" {
			fmt.Fprintf(out, "\nExample:\n%s\n", indent(strings.TrimSpace(example), "  "))
		}
	}
	return fs
}

// parseFlags parses args, printing help on --help to stdout.
func parseFlags(fs *flag.FlagSet, env *Env, args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelp(a) {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	// Flags may follow arguments (sluice dataset show 1 --format json), as
	// in most CLIs; after "--" everything is an argument.
	var tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return errUsage
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if err := fs.Parse(append([]string{"--"}, append(pos, tail...)...)); err != nil {
		return errUsage
	}
	if parsedHook != nil {
		return parsedHook()
	}
	return nil
}

// parsedHook, when set (by tests), runs once a command's flags parsed; an
// error it returns stops the command.
var parsedHook func() error

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// errorText is what the CLI prints for err: the message of a sluice error,
// the full chain for anything else (the operator is the reader here).
func errorText(err error) string {
	var e *sluice.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
