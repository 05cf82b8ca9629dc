package console_test

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/console"
	"github.com/sluice-gateway/sluice/internal/testenv"
	"github.com/sluice-gateway/sluice/policy"
	"github.com/sluice-gateway/sluice/supervise"
)

// fixture is sluice with the console: a CN hospital that owns a dataset
// and has exported 30 people's phone numbers and names to the US, a
// second pending transfer with sensitive data, an EU shop with a dataset
// of its own, and a CN research institute that asked for a grant on the
// hospital's dataset.
type fixture struct {
	*testenv.Env
	UI      *httptest.Server
	Console *console.Server

	Hospital, Shop, Research             *sluice.Org
	OwnerKey, AuditorKey, ConsumerKey    string
	SupervisorKey                        string // regions CN
	ShopKey                              string
	Dataset, ShopDataset, Grant, Pending int64
}

func newFixture(t *testing.T) *fixture { return newFixtureOn(t, testenv.SQLite) }

// newFixtureOn is newFixture on the stores of engine.
func newFixtureOn(t *testing.T, engine testenv.Engine) *fixture {
	t.Helper()
	e := testenv.New(t, testenv.Options{Engine: engine})
	f := &fixture{Env: e,
		Hospital: &sluice.Org{Name: "cn-hospital", Region: "CN", Sector: "health", PublicBody: true, AnswerDays: 5, AutoApprove: true},
		Shop:     &sluice.Org{Name: "eu-shop", Region: "EU"},
		Research: &sluice.Org{Name: "cn-research", Region: "CN"},
	}
	classes, err := policy.DefaultClasses()
	if err != nil {
		t.Fatal(err)
	}
	e.Sharing.Catalog, e.Sharing.Classes = e.Stores.Catalog, classes
	f.OwnerKey = e.Key(f.Hospital, sluice.RoleOwner)
	f.AuditorKey = e.Key(f.Hospital, sluice.RoleAuditor)
	f.ShopKey = e.Key(f.Shop, sluice.RoleOwner)
	f.ConsumerKey = e.Key(f.Research, sluice.RoleConsumer)
	if f.SupervisorKey, err = e.Stores.Keys.CreateKey(t.Context(), &sluice.APIKey{Role: sluice.RoleSupervisor, Regions: []sluice.Region{"CN"}}); err != nil {
		t.Fatal(err)
	}

	f.Dataset = f.dataset(f.OwnerKey, "patients", "phone,name,id_number,diagnosis", func(i int) string {
		return fmt.Sprintf("139%08d,Person %d,11010119900101%04d,flu", i, i, i)
	})
	f.ShopDataset = f.dataset(f.ShopKey, "shop-orders", "phone,city", func(i int) string { return fmt.Sprintf("4930%07d,Berlin", i) })

	// 30 people leave for the US: exempt, counted.
	var tr sluice.Transfer
	e.Do("POST", "/v1/transfers", f.OwnerKey, sluice.TransferRequest{Dataset: f.Dataset, Fields: []string{"phone", "name"},
		DestinationCountry: "US", Recipient: "Acme Research Inc.", LegalBasis: sluice.LegalBasisContract}).Want(t, 201).Decode(t, &tr)
	e.Do("GET", fmt.Sprintf("/v1/transfers/%d/export?format=csv", tr.ID), f.OwnerKey, nil).Want(t, 200)
	// Sensitive data needs a standard contract first: pending.
	var pending sluice.Transfer
	e.Do("POST", "/v1/transfers", f.OwnerKey, sluice.TransferRequest{Dataset: f.Dataset, Fields: []string{"id_number"},
		DestinationCountry: "US", Recipient: "Acme Research Inc.", LegalBasis: sluice.LegalBasisContract}).Want(t, 201).Decode(t, &pending)
	f.Pending = pending.ID

	e.Do("POST", "/v1/purposes", f.ConsumerKey, `{"name":"epidemiology","legal_basis":"contract","categories":["user.contact"],"retention_days":90}`).Want(t, 201)
	var g sluice.Grant
	e.Do("POST", "/v1/grants", f.ConsumerKey, map[string]any{"dataset": f.Dataset, "fields": []string{"phone"}, "purpose": "epidemiology",
		"justification": "contact tracing study", "duration_days": 30}).Want(t, 201).Decode(t, &g)
	f.Grant = g.ID

	cat := classify.DefaultCatalog()
	sv := &supervise.Service{Orgs: e.Stores.Orgs, Datasets: e.Stores.Datasets, Grants: e.Stores.Grants, Transfers: e.Transfers, Events: e.Stores.Events}
	f.Console = &console.Server{Keys: e.Stores.Keys, Orgs: e.Stores.Orgs, Datasets: e.Stores.Datasets, Sharing: e.Sharing,
		Transfers: e.Transfers, Supervise: sv, Log: e.Log, Catalog: cat, Now: e.Clock.Now}
	api := *e.API // the API as served, with the supervisor's routes
	api.Supervise = sv
	mux := http.NewServeMux()
	mux.Handle("/v1/", api.Handler())
	mux.Handle("/", f.Console.Handler())
	f.UI = httptest.NewServer(mux)
	t.Cleanup(f.UI.Close)
	return f
}

// dataset creates a dataset of 30 CSV rows made by row, and returns its id.
func (f *fixture) dataset(key, name, header string, row func(i int) string) int64 {
	var d sluice.Dataset
	f.Do("POST", "/v1/datasets", key, map[string]string{"name": name, "purpose": "care", "subject_field": "phone"}).Want(f.TB, 201).Decode(f.TB, &d)
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range 30 {
		b.WriteString(row(i) + "\n")
	}
	f.Do("POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), key, []byte(b.String())).Want(f.TB, 201)
	return d.ID
}

// client is a cookie-keeping HTTP client that does not follow redirects.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs c in with key through the form and returns the session's
// CSRF token.
func (f *fixture) signIn(t *testing.T, c *http.Client, key string) string {
	t.Helper()
	_, body := get(t, c, f.UI.URL+"/ui/login")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on the sign-in page:\n%s", body)
	}
	resp, body := post(t, c, f.UI.URL+"/ui/login", url.Values{"csrf": {m[1]}, "key": {key}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("sign-in: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, body = get(t, c, f.UI.URL+"/ui/")
	m = csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on the overview:\n%s", body)
	}
	return m[1]
}

func TestSession(t *testing.T) {
	f := newFixture(t)
	c := client(t)

	// Not signed in: to the sign-in page.
	if resp, _ := get(t, c, f.UI.URL+"/ui/datasets"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, c, f.UI.URL+"/"); resp.StatusCode != 302 || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("/: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A wrong key: the form again, with the error next to the field.
	_, body := get(t, c, f.UI.URL+"/ui/login")
	token := csrfRE.FindStringSubmatch(body)[1]
	resp, body := post(t, c, f.UI.URL+"/ui/login", url.Values{"csrf": {token}, "key": {"sk_nope"}})
	if resp.StatusCode != 401 || !strings.Contains(body, `id="error-key"`) {
		t.Fatalf("wrong key: %d\n%s", resp.StatusCode, body)
	}
	// No CSRF token: refused.
	resp, _ = post(t, client(t), f.UI.URL+"/ui/login", url.Values{"key": {f.OwnerKey}})
	if resp.StatusCode != 403 {
		t.Fatalf("sign-in without a token: %d", resp.StatusCode)
	}

	f.signIn(t, c, f.OwnerKey)
	var cookie *http.Cookie
	u, _ := url.Parse(f.UI.URL + "/ui/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "sluice_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	resp, _ = get(t, c, f.UI.URL+"/ui/")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP: %s", csp)
	}

	// The session expires: back to the sign-in page, with a message.
	f.Clock.Add(console.DefaultSessionTTL + time.Minute)
	resp, _ = get(t, c, f.UI.URL+"/ui/datasets")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/ui/login?expired=1" {
		t.Fatalf("expired session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, c, f.UI.URL+"/ui/login?expired=1"); !strings.Contains(body, `id="notice"`) {
		t.Fatalf("no expiry notice:\n%s", body)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	_, body := get(t, c, f.UI.URL+"/ui/login")
	token := csrfRE.FindStringSubmatch(body)[1]
	resp, _ := post(t, c, f.UI.URL+"/ui/login", url.Values{"csrf": {token}, "key": {f.OwnerKey}})
	var set string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "sluice_session=") {
			set = v
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Max-Age=28800", "Path=/ui/"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
}

// TestForms checks CSRF refusal, role refusal and invalid values over
// plain HTTP.
func TestForms(t *testing.T) {
	f := newFixture(t)
	owner, consumer := client(t), client(t)
	ocsrf := f.signIn(t, owner, f.OwnerKey)
	ccsrf := f.signIn(t, consumer, f.ConsumerKey)
	approve := fmt.Sprintf("%s/ui/grants/%d/approve", f.UI.URL, f.Grant)

	if resp, body := post(t, owner, approve, url.Values{}); resp.StatusCode != 403 || !strings.Contains(body, "security token") {
		t.Fatalf("approve without a token: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := post(t, owner, approve, url.Values{"csrf": {ccsrf}}); resp.StatusCode != 403 {
		t.Fatalf("approve with another session's token: %d", resp.StatusCode)
	}
	if resp, _ := post(t, consumer, approve, url.Values{"csrf": {ccsrf}}); resp.StatusCode != 403 {
		t.Fatalf("a consumer approves: %d", resp.StatusCode)
	}
	g, err := f.Stores.Grants.FindGrantByID(sluice.NewContextWithActor(t.Context(), nil), f.Grant)
	if err != nil || g.Status != sluice.GrantPending {
		t.Fatalf("grant after refused approvals: %v %v", g, err)
	}

	// Invalid values: the same page, errors next to the fields, values kept.
	resp, body := post(t, consumer, f.UI.URL+"/ui/grants", url.Values{"csrf": {ccsrf}, "dataset": {"abc"}, "fields": {"phone"}, "purpose": {"epidemiology"}, "duration_days": {"0"}})
	if resp.StatusCode != 400 {
		t.Fatalf("invalid request: %d", resp.StatusCode)
	}
	for _, id := range []string{`id="error-dataset"`, `id="error-duration_days"`, `id="error-justification"`, `value="epidemiology"`} {
		if !strings.Contains(body, id) {
			t.Errorf("invalid request: no %s", id)
		}
	}
	if strings.Contains(body, `id="error-purpose"`) {
		t.Error("a valid field is marked in error")
	}

	// An unknown category: the dataset page again, the error by the field.
	resp, body = post(t, owner, fmt.Sprintf("%s/ui/datasets/%d/fields", f.UI.URL, f.Dataset), url.Values{"csrf": {ocsrf}, "field": {"name"}, "categories": {"user.nope"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `class="error field-error"`) {
		t.Fatalf("unknown category: %d\n%s", resp.StatusCode, body)
	}
	// A correction that holds is stored, confirmed.
	resp, _ = post(t, owner, fmt.Sprintf("%s/ui/datasets/%d/fields", f.UI.URL, f.Dataset), url.Values{"csrf": {ocsrf}, "field": {"name"}, "categories": {"user.name"}})
	if resp.StatusCode != 303 {
		t.Fatalf("correction: %d", resp.StatusCode)
	}
	d, err := f.Stores.Datasets.FindDatasetByID(sluice.NewContextWithActor(t.Context(), nil), f.Dataset)
	if err != nil || !d.Field("name").Confirmed {
		t.Fatalf("field after correction: %+v %v", d.Field("name"), err)
	}
}

// TestCatalogue_Console: what consumers browse, and the owner's form.
func TestCatalogue_Console(t *testing.T) {
	f := newFixture(t)
	consumer, owner := client(t), client(t)
	f.signIn(t, consumer, f.ConsumerKey)
	csrf := f.signIn(t, owner, f.OwnerKey)
	_, body := get(t, consumer, f.UI.URL+"/ui/catalog")
	if !strings.Contains(body, fmt.Sprintf(`id="catalog-%d"`, f.Dataset)) || strings.Contains(body, "shop-orders") || !strings.Contains(body, "user.government_id") {
		t.Errorf("consumer's catalogue:\n%s", body)
	}
	// The pending grant's answer is due 5 working days after the request
	// (the hospital's setting): Monday 2 March 2026 + 5 = 9 March.
	if _, body = get(t, owner, f.UI.URL+"/ui/"); !strings.Contains(body, "2026-03-09") {
		t.Errorf("answer deadline not shown")
	}
	u := fmt.Sprintf("%s/ui/datasets/%d/catalog", f.UI.URL, f.Dataset)
	resp, body := post(t, owner, u, url.Values{"csrf": {csrf}, "sharing": {"none"}, "opening": {"closed"}, "legal_basis": {"PIPL Art. 28"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="error-justification"`) || !strings.Contains(body, "PIPL Art. 28") {
		t.Fatalf("classes without a justification: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, owner, u, url.Values{"csrf": {csrf}, "sharing": {"none"}, "opening": {"closed"}, "justification": {"health records"}, "legal_basis": {"PIPL Art. 28"}})
	if resp.StatusCode != 303 {
		t.Fatalf("classes: %d", resp.StatusCode)
	}
	if _, body = get(t, owner, fmt.Sprintf("%s/ui/datasets/%d", f.UI.URL, f.Dataset)); !strings.Contains(body, `<td id="entry-sharing">not shared</td>`) {
		t.Errorf("dataset page after the change lacks the class")
	}
	if _, body = get(t, consumer, f.UI.URL+"/ui/catalog"); strings.Contains(body, "patients") {
		t.Errorf("a dataset not shared is in the consumer's catalogue")
	}
}

// TestCatalogue_Grants: the grants page shows the catalogue's class and
// conditions, and the catalogue's link fills the request form.
func TestCatalogue_Grants(t *testing.T) {
	f := newFixture(t)
	consumer := client(t)
	f.signIn(t, consumer, f.ConsumerKey)
	if _, body := get(t, consumer, f.UI.URL+"/ui/catalog"); !strings.Contains(body, fmt.Sprintf(`href="/ui/grants?dataset=%d#grant-request"`, f.Dataset)) {
		t.Errorf("no request link in the catalogue")
	}
	if _, body := get(t, consumer, f.UI.URL+"/ui/grants"); !strings.Contains(body, "Shared after the owner&#39;s approval") {
		t.Errorf("grants page lacks the catalogue's conditions")
	}
	if _, body := get(t, consumer, fmt.Sprintf("%s/ui/grants?dataset=%d", f.UI.URL, f.Dataset)); !strings.Contains(body, fmt.Sprintf(`id="f-dataset" value="%d"`, f.Dataset)) {
		t.Errorf("request form not filled from the catalogue's link")
	}
}

// TestPagesByRole checks what each role gets on each page over plain HTTP.
func TestPagesByRole(t *testing.T) {
	f := newFixture(t)
	pages := []string{"/ui/", "/ui/datasets", fmt.Sprintf("/ui/datasets/%d", f.Dataset), "/ui/grants", "/ui/transfers", "/ui/log", "/ui/subjects", "/ui/reports", "/ui/catalog", "/ui/logout"}
	for _, c := range []struct {
		role      string
		key       string
		forbidden []string // pages answered 403
		notFound  []string // pages answered 404
		absent    []string // text on no page
	}{
		{"owner", f.OwnerKey, nil, nil, []string{"shop-orders"}},
		{"auditor", f.AuditorKey, nil, nil, []string{"shop-orders"}},
		{"consumer", f.ConsumerKey, []string{"/ui/transfers", "/ui/subjects", "/ui/reports"}, []string{fmt.Sprintf("/ui/datasets/%d", f.Dataset)}, []string{"shop-orders", "patients", "13900000001"}},
		{"other owner", f.ShopKey, nil, []string{fmt.Sprintf("/ui/datasets/%d", f.Dataset)}, []string{"patients", "13900000001"}},
		{"supervisor", f.SupervisorKey, []string{"/ui/subjects", "/ui/reports"}, nil, []string{"shop-orders", "eu-shop", "13900000001"}},
	} {
		t.Run(c.role, func(t *testing.T) {
			cl := client(t)
			f.signIn(t, cl, c.key)
			for _, p := range pages {
				resp, body := get(t, cl, f.UI.URL+p)
				want := 200
				if contains(c.forbidden, p) {
					want = 403
				} else if contains(c.notFound, p) {
					want = 404
				}
				if resp.StatusCode != want {
					t.Errorf("%s: %d, want %d", p, resp.StatusCode, want)
				}
				for _, a := range c.absent {
					if p == "/ui/catalog" && a == "patients" {
						continue // shared through the catalogue: conditional
					}
					if strings.Contains(body, a) {
						t.Errorf("%s shows %q", p, a)
					}
				}
				// Records are never shown: no phone number of the data.
				if strings.Contains(body, "13900000001") {
					t.Errorf("%s shows a record value", p)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLanguageAndNotFound(t *testing.T) {
	f := newFixture(t)
	c := client(t)
	f.signIn(t, c, f.OwnerKey)
	if _, body := get(t, c, f.UI.URL+"/ui/", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"); !strings.Contains(body, "<h1>概览</h1>") || !strings.Contains(body, `lang="zh-Hans"`) {
		t.Errorf("zh-CN: no Chinese overview")
	}
	if _, body := get(t, c, f.UI.URL+"/ui/", "Accept-Language", "en-GB,zh;q=0.5"); !strings.Contains(body, "<h1>Overview</h1>") {
		t.Errorf("en-GB: no English overview")
	}
	resp, body := get(t, c, f.UI.URL+"/ui/nothing-here")
	if resp.StatusCode != 404 || !strings.Contains(body, `id="notfound"`) || !strings.Contains(body, "console.css") {
		t.Errorf("unknown path: %d, styled 404 wanted", resp.StatusCode)
	}
	if resp, _ := get(t, c, f.UI.URL+"/elsewhere"); resp.StatusCode != 404 {
		t.Errorf("/elsewhere: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, f.UI.URL+"/ui/lang?to=zh&back=//evil.example/"); resp.Header.Get("Location") != "/ui/" {
		t.Errorf("language switch follows an outside address: %s", resp.Header.Get("Location"))
	}
}

// TestCatalogues checks that both languages have every label and that
// every label the templates use exists.
func TestCatalogues(t *testing.T) {
	keys := console.MessageKeys()
	for lang, m := range keys {
		for other, om := range keys {
			for k := range m {
				if !om[k] {
					t.Errorf("%q is in %s, not in %s", k, lang, other)
				}
			}
		}
	}
	re := regexp.MustCompile(`\bt "([a-z._]+)"`)
	err := fs.WalkDir(os.DirFS("templates"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("templates/" + p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !keys["en"][m[1]] {
				t.Errorf("%s uses label %q, which no catalogue has", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServerError: a server error page carries a request id, and the
// server log has the same id with the error.
func TestServerError(t *testing.T) {
	f := newFixture(t)
	var logged strings.Builder
	cs := &console.Server{Keys: f.Stores.Keys, Orgs: f.Stores.Orgs, Datasets: f.Stores.Datasets, Now: f.Clock.Now, // no sharing service
		Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	ui := httptest.NewServer(cs.Handler())
	t.Cleanup(ui.Close)
	g := &fixture{Env: f.Env, UI: ui}
	c := client(t)
	g.signIn(t, c, f.OwnerKey)
	resp, body := get(t, c, ui.URL+"/ui/grants")
	m := regexp.MustCompile(`id="request-id">([0-9a-f]{16})<`).FindStringSubmatch(body)
	if resp.StatusCode != 500 || m == nil {
		t.Fatalf("server error: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(logged.String(), "request_id="+m[1]) {
		t.Fatalf("request id %s not in the server log:\n%s", m[1], logged.String())
	}
}
