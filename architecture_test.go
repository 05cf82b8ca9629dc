package sluice_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// storePackages are the packages that talk to a database.
var storePackages = []string{"sluice/sqlite", "sluice/postgres", "sluice/internal/sqlstore", "database/sql"}

// goList runs go list with a template over pkgs and returns one line per
// package: its import path, a colon and the space-separated list the
// template gives.
func goList(t *testing.T, args ...string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Skipf("go list: %v", err) // no go command: nothing to check with
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, list, _ := strings.Cut(line, ":")
		deps := strings.Fields(list)
		for i, d := range deps {
			deps[i] = short(d)
		}
		m[short(pkg)] = deps
	}
	return m
}

// module is sluice's module path; short names its packages as the rules
// below do, "sluice" and "sluice/httpapi".
const module = "github.com/sluice-gateway/sluice"

func short(pkg string) string {
	if pkg == module || strings.HasPrefix(pkg, module+"/") {
		return "sluice" + pkg[len(module):]
	}
	return pkg
}

// TestImportRules checks the layering ARCHITECTURE.md describes, on the
// packages' full (transitive) dependencies unless said otherwise.
func TestImportRules(t *testing.T) {
	deps := goList(t, "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...")
	imports := goList(t, "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...")
	forbid := func(pkg string, list []string, bad []string, why string) {
		t.Helper()
		for _, b := range bad {
			if slices.Contains(list, b) {
				t.Errorf("%s imports %s: %s", pkg, b, why)
			}
		}
	}
	for pkg, ds := range deps {
		switch {
		case pkg == "sluice":
			for _, d := range ds {
				if strings.HasPrefix(d, "sluice/") {
					t.Errorf("the root package imports %s: it holds the vocabulary and imports no other package of sluice", d)
				}
			}
		case pkg == "sluice/classify" || pkg == "sluice/policy" || strings.HasPrefix(pkg, "sluice/policy/"):
			forbid(pkg, ds, append(slices.Clone(storePackages), "net/http"), "pure computation does no I/O")
		case pkg == "sluice/httpapi":
			forbid(pkg, ds, storePackages, "handlers reach the stores through the services")
		case pkg == "sluice/console":
			forbid(pkg, ds, storePackages, "the console reaches the stores through the services, as the API does")
			forbid(pkg, ds, []string{"sluice/httpapi"}, "the console calls the services, not the API's handlers")
		case pkg == "sluice/sharing" || pkg == "sluice/transfer" || pkg == "sluice/residency" || pkg == "sluice/supervise" || pkg == "sluice/dsr" ||
			pkg == "sluice/duties" || pkg == "sluice/incident" || pkg == "sluice/processing" || pkg == "sluice/automotive":
			forbid(pkg, ds, storePackages, "services are written against the root package's interfaces")
			forbid(pkg, ds, []string{"sluice/httpapi"}, "services know nothing of HTTP")
			forbid(pkg, imports[pkg], []string{"net/http"}, "services know nothing of HTTP")
		}
	}
	// Only the binary wires stores in (and the test environment, for
	// tests); the stores and their shared core are the only other
	// importers of a store package.
	for pkg, is := range imports {
		if strings.HasPrefix(pkg, "sluice/cmd/") || pkg == "sluice/internal/testenv" || slices.Contains(storePackages, pkg) {
			continue
		}
		forbid(pkg, is, storePackages[:3], "only cmd/sluice wires stores in")
	}
	for _, pure := range []string{"sluice/classify", "sluice/policy", "sluice/policy/route", "sluice/httpapi", "sluice/console", "sluice/sharing", "sluice/transfer", "sluice/dsr", "sluice/automotive"} {
		if _, ok := deps[pure]; !ok {
			t.Errorf("package %s not found: update the rules with the layout", pure)
		}
	}
}
