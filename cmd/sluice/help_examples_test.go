package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
)

// An example is one command line of a help text's Example section.
type example struct {
	command string // the command whose help holds it
	line    string // as printed, continuations joined
	args    []string
	stdin   string
}

// helpExamples returns the sluice command lines of every command's help:
// comments, shell-only lines and prose are left out; "VAR=x sluice …",
// "cat FILE | sluice …", "echo '…' | sluice …", "source <(sluice …)",
// "$(sluice log key)" and "> FILE" are understood.
func helpExamples(t *testing.T) []example {
	t.Helper()
	var out []example
	for _, c := range commands {
		code, help, errOut := runCLI(t, nil, "", append(strings.Fields(c.name), "--help")...)
		if code != 0 {
			t.Fatalf("%s --help: %s", c.name, errOut)
		}
		_, ex, ok := strings.Cut(help, "\nExample:\n")
		if !ok {
			t.Errorf("sluice %s --help has no example", c.name)
			continue
		}
		ex = strings.ReplaceAll(ex, "\\\n", " ")
		for _, line := range strings.Split(ex, "\n") {
			line = strings.TrimSpace(line)
			if i := strings.Index(line, "  #"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if line == "" || strings.HasPrefix(line, "#") || !strings.Contains(line, "sluice ") {
				continue
			}
			e := example{command: c.name, line: line}
			s := line
			if m := regexp.MustCompile(`^source <\((.*)\)$`).FindStringSubmatch(s); m != nil {
				s = m[1]
			}
			if m := regexp.MustCompile(`^cat (\S+) \| (.*)$`).FindStringSubmatch(s); m != nil {
				b, _ := os.ReadFile(m[1])
				e.stdin, s = string(b), m[2]
			}
			if m := regexp.MustCompile(`^echo '([^']*)' \| (.*)$`).FindStringSubmatch(s); m != nil {
				e.stdin, s = m[1]+"\n", m[2]
			}
			s = regexp.MustCompile(`^(export )?([A-Z_]+=\S+ )+`).ReplaceAllString(s, "")
			if !strings.HasPrefix(s, "sluice ") {
				continue // e.g. export SLUICE_URL=… on its own
			}
			s = regexp.MustCompile(` > \S+$`).ReplaceAllString(s, "")
			e.args = shellWords(strings.TrimPrefix(s, "sluice "))
			out = append(out, e)
		}
	}
	return out
}

// shellWords splits s as a shell would for simple quoting: '…' and "…".
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// parseOnly, when set, makes parseFlags stop a command once its flags
// parsed: the examples that start a server, reach the network or write
// to system paths are checked this far only.
var parseOnly bool

var errParsed = errors.New("flags parsed")

// TestCLI_HelpExamples runs every example of every command's --help
// against a demo data directory and server, or, for the ones that start
// a server, reach another host, write outside the test's directory or
// remove the demo's org, parses its flags only. Exit 0 passes, and so does 3 (nothing found: an
// example names an id the demo lacks) and a conflict with the demo's own
// data; a usage error or any other error fails.
func TestCLI_HelpExamples(t *testing.T) {
	m, owner := demoMain(t)
	consumer := mustKey(t, m, "cn-insure", sluice.RoleConsumer)
	t.Chdir(t.TempDir())
	files := map[string]string{
		"trips.csv":          string(demoTrips(20)),
		"orders.tsv":         "order_id\tphone\n1\t13800138000\n",
		"customers.csv":      "name,email\nAnna,anna@example.eu\n",
		"orders.jsonl":       string(demoOrders(8)),
		"exports/a.csv":      "id,fare\n1,12\n",
		"build/output/b.csv": "id,fare\n1,12\n",
		"policies.cedar":     `forbid (principal, action, resource) when { context.purpose == "marketing" };` + "\n",
	}
	for name, data := range files {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The purposes the examples name.
	for _, p := range []struct{ key, name string }{{consumer, "risk-model"}, {consumer, "claims"}, {owner, "claims"}} {
		if code, _, errOut := runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": p.key}, "", "purpose", "create", "--name", p.name, "--legal-basis", "contract", "--retention-days", "30"); code != 0 {
			t.Fatalf("purpose create: %s", errOut)
		}
	}
	// An approved grant 1, for the examples that read through it.
	cenv := map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": consumer}
	if code, _, errOut := runCLI(t, cenv, "", "grant", "request", "--dataset", "1", "--fields", "rider_phone,fare_cny", "--purpose", "claims", "--justification", "claims"); code != 0 {
		t.Fatalf("grant request: %s", errOut)
	}
	if code, _, errOut := runCLI(t, map[string]string{"SLUICE_URL": m.URL(), "SLUICE_KEY": owner}, "", "grant", "approve", "1"); code != 0 {
		t.Fatalf("grant approve: %s", errOut)
	}
	_, logKey, _ := runCLI(t, map[string]string{"SLUICE_DATA_DIR": m.Config.Store.DataDir}, "", "log", "key")
	examples := helpExamples(t)
	if len(examples) < 40 {
		t.Fatalf("found only %d examples in the help texts", len(examples))
	}
	for _, e := range examples {
		t.Run(strings.Join(e.args, " "), func(t *testing.T) {
			key := owner
			if strings.Contains(e.line, "sk_consumer") {
				key = consumer
			}
			env := map[string]string{"SLUICE_DATA_DIR": m.Config.Store.DataDir, "SLUICE_URL": m.URL(), "SLUICE_KEY": key}
			args := make([]string, len(e.args))
			for i, a := range e.args {
				args[i] = strings.ReplaceAll(a, "$(sluice log key)", strings.TrimSpace(logKey))
			}
			// org offboard would remove the demo org the later examples
			// use: its examples are parsed only.
			only := e.command == "serve" || e.command == "org offboard" || strings.Contains(e.line, "--url ") || strings.Contains(e.line, "--proof") ||
				slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "/") }) // a system path
			parseOnly = only
			defer func() { parseOnly = false }()
			code, out, errOut := runCLI(t, env, e.stdin, args...)
			switch {
			case only && code == exitErr && strings.Contains(errOut, errParsed.Error()):
			case code == exitOK || code == exitNotFound:
			case code == exitErr && strings.Contains(errOut, "already"): // the demo has it
			default:
				t.Errorf("sluice %s\n(in sluice %s --help): exit %d\nstdout: %s\nstderr: %s", e.line, e.command, code, out, errOut)
			}
		})
	}
}

func init() {
	parsedHook = func() error {
		if parseOnly {
			return errParsed
		}
		return nil
	}
}
