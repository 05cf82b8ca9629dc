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
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sluice-gateway/sluice"
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
	// The first run opens the tab and binds its life to ctx: it takes no
	// timeout, the later runs each take one (see step).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// stepTimeout bounds each browser step, so that a page that never shows
// what a test waits for fails the test, naming the page and what was
// awaited, instead of hanging the run. It is generous: a step takes well
// under a second when the page is right.
const stepTimeout = 45 * time.Second

// step runs fn with a context derived from the tab's that ends after
// stepTimeout.
func step[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	return fn(sctx)
}

// failPage fails the test with what was being done, the page's address
// and the page's text, read with a fresh short timeout.
func failPage(t *testing.T, ctx context.Context, what string, err error) {
	t.Helper()
	url, text := "(unknown)", "(unreadable)"
	if u, e := step(ctx, func(c context.Context) (string, error) { return chromedp.Run(c, chromedp.Location()) }); e == nil {
		url = u
	}
	if s, e := step(ctx, func(c context.Context) (string, error) {
		return chromedp.Run(c, chromedp.Evaluate[string]("document.body ? document.body.innerText : document.documentElement.outerHTML"))
	}); e == nil {
		text = s
	}
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	t.Fatalf("%s: %v\npage %s says:\n%s", what, err, url, text)
}

// do runs the steps in order, each bounded by stepTimeout.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, s := range steps {
		if _, err := step(ctx, func(c context.Context) (struct{}, error) { return struct{}{}, chromedp.Do(c, s) }); err != nil {
			failPage(t, ctx, fmt.Sprintf("step %d of %d", i+1, len(steps)), err)
		}
	}
}

// labelled makes a step whose error says what the step was doing.
func labelled(what string, a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, tg)
		if err != nil {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return v, err
	}
}

func navigate(url string) chromedp.Action[chromedp.Void] {
	return labelled("opening "+url, chromedp.Navigate(url))
}

func visible(sel string) chromedp.Action[chromedp.Void] {
	return labelled("waiting for "+sel+" to be visible", chromedp.WaitVisible(chromedp.CSS(sel)))
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return labelled("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func sendKeys(sel, v string) chromedp.Action[chromedp.Void] {
	return labelled("typing into "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
}

func setAttribute(sel, name, v string) chromedp.Action[chromedp.Void] {
	return labelled("setting "+sel+"["+name+"]", chromedp.SetAttributeValue(chromedp.CSS(sel), name, v))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := step(ctx, func(c context.Context) (string, error) { return chromedp.Run(c, chromedp.Text(chromedp.CSS(sel))) })
	if err != nil {
		failPage(t, ctx, "text of "+sel, err)
	}
	return s
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	a, err := step(ctx, func(c context.Context) (chromedp.AttributeResult, error) {
		return chromedp.Run(c, chromedp.AttributeValue(chromedp.CSS(sel), name))
	})
	if err == nil && !a.Exists {
		err = fmt.Errorf("no attribute %s", name)
	}
	if err != nil {
		failPage(t, ctx, sel+"["+name+"]", err)
	}
	return a.Value
}

func html(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := step(ctx, func(c context.Context) (string, error) {
		return chromedp.Run(c, chromedp.OuterHTML(chromedp.CSS("html")))
	})
	if err != nil {
		failPage(t, ctx, "the page's HTML", err)
	}
	return s
}

// browserSignIn signs in through the form and waits for the overview.
func (f *fixture) browserSignIn(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	do(t, ctx,
		navigate(f.UI.URL+"/ui/"),
		visible("#login-form"),
		sendKeys("#key", key),
		click("#login-submit"),
		visible("#stat-datasets"),
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
	do(t, ctx, navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), visible("#fields"))
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
	png, err := step(ctx, func(c context.Context) ([]byte, error) { return chromedp.Run(c, chromedp.FullScreenshot(100)) })
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
		do(t, ctx, navigate(f.UI.URL+"/ui/datasets"), visible("main h1"))
		if h := html(t, ctx); strings.Contains(h, "patients") || strings.Contains(h, "shop-orders") {
			t.Error("a consumer sees another org's datasets")
		}
		if h := html(t, ctx); strings.Contains(h, "nav-transfers") || strings.Contains(h, "nav-subjects") {
			t.Error("a consumer is offered transfers or the person lookup")
		}
		do(t, ctx, navigate(f.UI.URL+"/ui/transfers"), visible("#error-message"))
		if got := text(t, ctx, "#error-message"); !strings.Contains(got, "may not") {
			t.Errorf("consumer on transfers: %q", got)
		}
		do(t, ctx, navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), visible("#notfound"))
		do(t, ctx, navigate(f.UI.URL+"/ui/grants"), visible("#grant-request"))
		if got := text(t, ctx, fmt.Sprintf("#grant-%d .status", f.Grant)); got != "pending" {
			t.Errorf("consumer's grant: %q", got)
		}
	})
	t.Run("auditor", func(t *testing.T) {
		ctx := tab(t)
		f.browserSignIn(t, ctx, f.AuditorKey)
		do(t, ctx, navigate(f.UI.URL+"/ui/transfers"), visible("#transfers"))
		if got := text(t, ctx, "#transfers"); !strings.Contains(got, "Acme Research Inc.") || !strings.Contains(got, "SCC_OR_CERT") {
			t.Errorf("auditor's transfers: %s", got)
		}
		do(t, ctx, navigate(f.UI.URL+"/ui/reports"), visible("#report"))
		if got := text(t, ctx, "#report"); !strings.Contains(got, "patients") || !strings.Contains(got, "id_number") {
			t.Errorf("auditor's report: %s", got)
		}
		do(t, ctx, navigate(f.UI.URL+"/ui/grants"), visible("#grants"))
		if h := html(t, ctx); strings.Contains(h, "/approve") || strings.Contains(h, "/revoke") {
			t.Error("an auditor is offered to approve or revoke")
		}
		do(t, ctx, navigate(f.UI.URL+"/ui/log"), visible("#entries"),
			click("#verify"), visible("#verify-result"))
		if got := text(t, ctx, "#verify-result"); !strings.HasPrefix(got, "Verified") {
			t.Errorf("verify now: %q", got)
		}
		do(t, ctx, navigate(f.UI.URL+"/ui/subjects"), visible("#identifier"),
			sendKeys("#identifier", "13900000001"), click("#lookup"),
			visible("#subject-events, #subject-none"))
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
			navigate(f.UI.URL+"/ui/login"),
			visible("#login-form"),
			sendKeys("#key", f.SupervisorKey),
			click("#login-submit"),
			visible("#sv-orgs"),
		)
		if got := text(t, ctx, "#sv-orgs"); !strings.Contains(got, "cn-hospital") || !strings.Contains(got, "cn-research") || strings.Contains(got, "eu-shop") {
			t.Errorf("supervisor's orgs: %s", got)
		}
		if got := text(t, ctx, "#sv-unclassified"); !strings.Contains(got, "patients") {
			t.Errorf("never-confirmed datasets: %s", got)
		}
		do(t, ctx, navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)), visible("#fields"))
		if h := html(t, ctx); strings.Contains(h, "13900000001") || strings.Contains(h, "field-form") {
			t.Error("a supervisor sees records or a correction form")
		}
		do(t, ctx, navigate(fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.ShopDataset)), visible("#notfound"))
	})
	t.Run("other owner", func(t *testing.T) {
		ctx := tab(t)
		f.browserSignIn(t, ctx, f.ShopKey)
		do(t, ctx, navigate(f.UI.URL+"/ui/catalog"), visible("main h1"))
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

	do(t, ctx, navigate(f.UI.URL+"/ui/grants"), visible(row+" form.approve"),
		setAttribute(row+" form.deny input[name=csrf]", "value", ""),
		click(row+" form.deny button"),
		visible("#error-message"))
	if got := text(t, ctx, "#error-message"); !strings.Contains(got, "security token") {
		t.Errorf("deny without a token: %q", got)
	}

	do(t, ctx, navigate(f.UI.URL+"/ui/grants"), visible(row+" form.approve"),
		click(row+" form.approve button"),
		visible(row+`[data-status="approved"]`))
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
	do(t, ctx, click("#lang-switch"), visible(`html[lang="zh-Hans"] #stat-datasets`))
	if got := text(t, ctx, "main h1"); got != "概览" {
		t.Errorf("after the switch: %q", got)
	}
	if got := text(t, ctx, "#by-grade"); !strings.Contains(got, "一般数据") {
		t.Errorf("grades in Chinese: %q", got)
	}
	do(t, ctx, click("#lang-switch"), visible(`html[lang="en"] #stat-datasets`))
}
