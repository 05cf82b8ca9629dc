package console_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluice"
)

// The browser tests drive the system's Chromium (scripts/chromium.sh
// installs it). Without one they are skipped, except under CI=true, where
// they fail.
var (
	screenshots = flag.String("screenshots", "", "write PNG screenshots of the overview and a dataset page to `DIR`")
	browser     context.Context // one browser for the package's run; nil when there is none
	noBrowser   string          // why there is none
)

// chromiumPath finds Chromium: $SLUICE_CHROMIUM, else chromium,
// chromium-browser or google-chrome on the PATH.
func chromiumPath() string {
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	flag.Parse()
	path := chromiumPath()
	var stop func()
	if path == "" {
		noBrowser = "no Chromium found (install the chromium package, or set SLUICE_CHROMIUM)"
	} else {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900),
			chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US"))
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run its sandbox as root
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			noBrowser = "Chromium at " + path + " does not start: " + err.Error()
			cancel()
			cancelAlloc()
		} else {
			browser = ctx
			stop = func() { cancel(); cancelAlloc() }
		}
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// tab returns a new tab in a browser context of its own (its own
// cookies), closed when the test ends.
func tab(t *testing.T) context.Context {
	t.Helper()
	if browser == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(noBrowser)
		}
		t.Skip(noBrowser)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil || !a.Exists {
		t.Fatalf("%s[%s]: %v", sel, name, err)
	}
	return a.Value
}

func html(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// browserSignIn signs in through the form and waits for the overview.
func (f *fixture) browserSignIn(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(f.UI.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("key"), key),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("stat-datasets")),
	)
}

func TestBrowser_OverviewAndCharts(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t)
	f.browserSignIn(t, ctx, f.OwnerKey)

	if got := text(t, ctx, "#who-org"); got != "cn-hospital" {
		t.Errorf("signed in as %q", got)
	}
	if got := text(t, ctx, "#stat-datasets"); got != "1" {
		t.Errorf("datasets: %s", got)
	}
	if got := text(t, ctx, "#stat-records"); got != "30" {
		t.Errorf("records: %s", got)
	}
	if got := text(t, ctx, "#stat-sensitive"); got != "2" { // id_number, diagnosis
		t.Errorf("sensitive fields: %s", got)
	}
	// The charts show the service's counters against each threshold.
	view, err := f.Transfers.TransferCounters(sluice.NewContextWithActor(t.Context(), &sluice.Actor{Org: f.Hospital, Role: sluice.RoleOwner, Key: "k"}), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"pi/100000": 30, "pi/1000000": 30, "spi/10000": 0}
	seen := 0
	for _, line := range view.Counters {
		for _, l := range line.Limits {
			sel := fmt.Sprintf(`figure.chart[data-counter=%q][data-threshold="%d"]`, line.Counter, l.Threshold)
			if got := attr(t, ctx, sel, "data-count"); got != strconv.FormatInt(line.Count, 10) {
				t.Errorf("%s: count %s, service says %d", sel, got, line.Count)
			}
			if n, ok := want[fmt.Sprintf("%s/%d", line.Counter, l.Threshold)]; ok {
				seen++
				if line.Count != n {
					t.Errorf("%s/%d: %d people, want %d", line.Counter, l.Threshold, line.Count, n)
				}
			}
			// The threshold line sits where the threshold is on the scale.
			scale := max(l.Threshold+max(l.Threshold/4, 1), line.Count)
			if x := attr(t, ctx, sel+" line.threshold", "x1"); x != strconv.FormatInt(10+l.Threshold*360/scale, 10) {
				t.Errorf("%s: threshold line at %s", sel, x)
			}
			if w := attr(t, ctx, sel+" rect.count", "width"); w != strconv.FormatInt(line.Count*360/scale, 10) {
				t.Errorf("%s: bar width %s", sel, w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("charts found for %d of the thresholds 100k, 1M, 10k SPI", seen)
	}
	// The pending grant and transfer, with their deadlines.
	pending := text(t, ctx, "#pending")
	if !strings.Contains(pending, fmt.Sprintf("#%d · epidemiology", f.Grant)) || !strings.Contains(pending, fmt.Sprintf("#%d · US", f.Pending)) {
		t.Errorf("pending: %s", pending)
	}
	if *screenshots != "" {
		shot(t, ctx, filepath.Join(*screenshots, "console-overview.png"))
	}

	// The dataset page: fields, sensitivity, grade and why, grants.
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), chromedp.WaitVisible(chromedp.ID("fields")))
	if got := text(t, ctx, "#dataset-name"); got != "patients" {
		t.Errorf("dataset page: %q", got)
	}
	fields := text(t, ctx, "#fields")
	for _, w := range []string{"id_number", "user.government_id", "diagnosis", "user.health_and_medical"} {
		if !strings.Contains(fields, w) {
			t.Errorf("dataset fields lack %s", w)
		}
	}
	if g := text(t, ctx, "#dataset-grants"); !strings.Contains(g, "epidemiology") || !strings.Contains(g, "pending") {
		t.Errorf("dataset grants: %s", g)
	}
	if *screenshots != "" {
		shot(t, ctx, filepath.Join(*screenshots, "console-dataset.png"))
	}
}

func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser_Roles: each role's pages, and nothing it may not see.
func TestBrowser_Roles(t *testing.T) {
	f := newFixture(t)
	t.Run("consumer", func(t *testing.T) {
		ctx := tab(t)
		f.browserSignIn(t, ctx, f.ConsumerKey)
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/datasets"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h := html(t, ctx); strings.Contains(h, "patients") || strings.Contains(h, "shop-orders") {
			t.Error("a consumer sees another org's datasets")
		}
		if h := html(t, ctx); strings.Contains(h, "nav-transfers") || strings.Contains(h, "nav-subjects") {
			t.Error("a consumer is offered transfers or the person lookup")
		}
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/transfers"), chromedp.WaitVisible(chromedp.ID("error-message")))
		if got := text(t, ctx, "#error-message"); !strings.Contains(got, "may not") {
			t.Errorf("consumer on transfers: %q", got)
		}
		do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), chromedp.WaitVisible(chromedp.ID("notfound")))
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/grants"), chromedp.WaitVisible(chromedp.ID("grant-request")))
		if got := text(t, ctx, fmt.Sprintf("#grant-%d .status", f.Grant)); got != "pending" {
			t.Errorf("consumer's grant: %q", got)
		}
	})
	t.Run("auditor", func(t *testing.T) {
		ctx := tab(t)
		f.browserSignIn(t, ctx, f.AuditorKey)
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/transfers"), chromedp.WaitVisible(chromedp.ID("transfers")))
		if got := text(t, ctx, "#transfers"); !strings.Contains(got, "Acme Research Inc.") || !strings.Contains(got, "SCC_OR_CERT") {
			t.Errorf("auditor's transfers: %s", got)
		}
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/reports"), chromedp.WaitVisible(chromedp.ID("report")))
		if got := text(t, ctx, "#report"); !strings.Contains(got, "patients") || !strings.Contains(got, "id_number") {
			t.Errorf("auditor's report: %s", got)
		}
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/grants"), chromedp.WaitVisible(chromedp.ID("grants")))
		if h := html(t, ctx); strings.Contains(h, "/approve") || strings.Contains(h, "/revoke") {
			t.Error("an auditor is offered to approve or revoke")
		}
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/log"), chromedp.WaitVisible(chromedp.ID("entries")),
			chromedp.Click(chromedp.ID("verify")), chromedp.WaitVisible(chromedp.ID("verify-result")))
		if got := text(t, ctx, "#verify-result"); !strings.HasPrefix(got, "Verified") {
			t.Errorf("verify now: %q", got)
		}
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/subjects"), chromedp.WaitVisible(chromedp.ID("identifier")),
			chromedp.SendKeys(chromedp.ID("identifier"), "13900000001"), chromedp.Click(chromedp.ID("lookup")),
			chromedp.WaitVisible(chromedp.CSS("#subject-events, #subject-none")))
		if got := text(t, ctx, "#subject-events"); !strings.Contains(got, "transfer.export") {
			t.Errorf("person lookup: %s", got)
		}
		if h := html(t, ctx); strings.Contains(h, "13900000001") {
			t.Error("the identifier looked up is echoed back")
		}
	})
	t.Run("supervisor", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx,
			chromedp.Navigate(f.UI.URL+"/ui/login"),
			chromedp.WaitVisible(chromedp.ID("login-form")),
			chromedp.SendKeys(chromedp.ID("key"), f.SupervisorKey),
			chromedp.Click(chromedp.ID("login-submit")),
			chromedp.WaitVisible(chromedp.ID("sv-orgs")),
		)
		if got := text(t, ctx, "#sv-orgs"); !strings.Contains(got, "cn-hospital") || !strings.Contains(got, "cn-research") || strings.Contains(got, "eu-shop") {
			t.Errorf("supervisor's orgs: %s", got)
		}
		if got := text(t, ctx, "#sv-unclassified"); !strings.Contains(got, "patients") {
			t.Errorf("never-confirmed datasets: %s", got)
		}
		do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), chromedp.WaitVisible(chromedp.ID("fields")))
		if h := html(t, ctx); strings.Contains(h, "13900000001") || strings.Contains(h, "field-form") {
			t.Error("a supervisor sees records or a correction form")
		}
		do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.ShopDataset)), chromedp.WaitVisible(chromedp.ID("notfound")))
	})
	t.Run("other owner", func(t *testing.T) {
		ctx := tab(t)
		f.browserSignIn(t, ctx, f.ShopKey)
		do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/catalog"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h := html(t, ctx); !strings.Contains(h, "patients") || !strings.Contains(h, "shop-orders") || strings.Contains(h, "13900000001") {
			t.Error("the catalogue lacks a shared dataset or the org's own, or shows a record")
		}
	})
}

// TestBrowser_ApproveGrant approves through the form, and a form whose
// CSRF token was removed is refused.
func TestBrowser_ApproveGrant(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t)
	f.browserSignIn(t, ctx, f.OwnerKey)
	row := fmt.Sprintf("#grant-%d", f.Grant)

	do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/grants"), chromedp.WaitVisible(chromedp.CSS(row+" form.approve")),
		chromedp.SetAttributeValue(chromedp.CSS(row+" form.deny input[name=csrf]"), "value", ""),
		chromedp.Click(chromedp.CSS(row+" form.deny button")),
		chromedp.WaitVisible(chromedp.ID("error-message")))
	if got := text(t, ctx, "#error-message"); !strings.Contains(got, "security token") {
		t.Errorf("deny without a token: %q", got)
	}

	do(t, ctx, chromedp.Navigate(f.UI.URL+"/ui/grants"), chromedp.WaitVisible(chromedp.CSS(row+" form.approve")),
		chromedp.Click(chromedp.CSS(row+" form.approve button")),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-status="approved"]`)))
	g, err := f.Stores.Grants.FindGrantByID(sluice.NewContextWithActor(t.Context(), nil), f.Grant)
	if err != nil || g.Status != sluice.GrantApproved {
		t.Fatalf("grant after approval: %+v %v", g, err)
	}
}

func TestBrowser_LanguageSwitch(t *testing.T) {
	ctx := tab(t)
	f := newFixture(t)
	f.browserSignIn(t, ctx, f.OwnerKey)
	if got := text(t, ctx, "main h1"); got != "Overview" {
		t.Fatalf("h1 %q", got)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] #stat-datasets`)))
	if got := text(t, ctx, "main h1"); got != "概览" {
		t.Errorf("after the switch: %q", got)
	}
	if got := text(t, ctx, "#by-grade"); !strings.Contains(got, "一般数据") {
		t.Errorf("grades in Chinese: %q", got)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #stat-datasets`)))
}
