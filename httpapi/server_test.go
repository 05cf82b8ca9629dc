package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/httpapi"
	"github.com/sluice-gateway/sluice/internal/testenv"
)

// testServer is the API over fresh stores, classifying with the built-in
// catalog, with two orgs: cn-rides in CN and eu-shop in EU, each with an
// owner key; see package testenv.
type testServer struct {
	*testenv.Env
	cnKey  string
	euKey  string
	audKey string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	catalog := classify.DefaultCatalog()
	e := testenv.New(t, testenv.Options{Classifier: catalog, Grader: catalog, MaxBodyBytes: 8 << 20})
	e.API.Catalog = catalog
	ts := &testServer{Env: e}
	ts.cnKey = e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleOwner)
	ts.euKey = e.Key(&sluice.Org{Name: "eu-shop", Region: "EU"}, sluice.RoleOwner)
	ts.audKey = e.Key(&sluice.Org{Name: "cn-rides", Region: "CN"}, sluice.RoleAuditor)
	return ts
}

// newOrgKey creates an org in a sector and returns an owner key for it.
func (ts *testServer) newOrgKey(t *testing.T, name string, region sluice.Region, sector string) string {
	t.Helper()
	return ts.Key(&sluice.Org{Name: name, Region: region, Sector: sector}, sluice.RoleOwner)
}

// call sends a request and decodes the JSON answer into out (if not nil).
func (ts *testServer) call(t *testing.T, method, path, key, contentType string, body io.Reader, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func (ts *testServer) createDataset(t *testing.T, key, name, subject string) *sluice.Dataset {
	t.Helper()
	var d sluice.Dataset
	body := fmt.Sprintf(`{"name":%q,"purpose":"testing","subject_field":%q}`, name, subject)
	if code := ts.call(t, "POST", "/v1/datasets", key, "application/json", strings.NewReader(body), &d); code != 201 {
		t.Fatalf("create dataset: %d", code)
	}
	return &d
}

func (ts *testServer) rawCount(t *testing.T, region sluice.Region) int {
	t.Helper()
	n, err := ts.Stores.RawRecordCount(region) // not through the adapter's queries
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestServer_Ingest(t *testing.T) {
	ts := newTestServer(t)
	d := ts.createDataset(t, ts.cnKey, "trips", "phone")

	t.Run("OK", func(t *testing.T) {
		csv := "phone,name,city\n13800138000,张三,北京\n+86 139-0013-9000,李四,\"上海, 浦东\"\n"
		var res httpapi.IngestResponse
		if code := ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", d.ID), ts.cnKey, "text/csv", strings.NewReader(csv), &res); code != 201 {
			t.Fatalf("status %d", code)
		}
		if res.Ingest.RecordCount != 2 || res.Dataset.RecordCount != 2 || res.Format != "csv" || res.Charset != "utf-8" {
			t.Fatalf("got %+v", res)
		}
		var page httpapi.RecordPage
		if code := ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d/records?fields=name,city", d.ID), ts.cnKey, "", nil, &page); code != 200 {
			t.Fatalf("read: %d", code)
		}
		if len(page.Records) != 2 || string(page.Records[1].Data) != `{"city":"上海, 浦东","name":"李四"}` {
			t.Fatalf("page %+v", page)
		}
	})
	t.Run("Charsets", func(t *testing.T) {
		text := "phone\tname\n13700137000\t王五\n"
		gb, _ := simplifiedchinese.GB18030.NewEncoder().String(text)
		u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(text)
		for _, c := range []struct{ name, body, charset string }{
			{"gb18030", gb, "gb18030"},
			{"utf-16le", u16, "utf-16le"},
			{"utf-8-bom", "\uFEFF" + text, "utf-8"},
		} {
			var res httpapi.IngestResponse
			path := fmt.Sprintf("/v1/datasets/%d/records?format=tsv", d.ID)
			if code := ts.call(t, "POST", path, ts.cnKey, "", strings.NewReader(c.body), &res); code != 201 {
				t.Fatalf("%s: status %d", c.name, code)
			}
			if res.Charset != c.charset {
				t.Errorf("%s: detected %s", c.name, res.Charset)
			}
		}
		var page httpapi.RecordPage
		ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d/records?fields=name&limit=3&cursor=2", d.ID), ts.cnKey, "", nil, &page)
		for _, r := range page.Records {
			if string(r.Data) != `{"name":"王五"}` {
				t.Errorf("record %d: %s", r.ID, r.Data)
			}
		}
	})
	t.Run("JSONL", func(t *testing.T) {
		e := ts.createDataset(t, ts.euKey, "orders", "customer.email")
		body := `{"customer":{"email":"Anna@Example.eu","name":"Anna"},"total":12.5}` + "\n"
		var res httpapi.IngestResponse
		if code := ts.call(t, "POST", fmt.Sprintf("/v1/datasets/%d/records", e.ID), ts.euKey, "application/x-ndjson", strings.NewReader(body), &res); code != 201 {
			t.Fatalf("status %d", code)
		}
		var names []string
		for _, f := range res.Dataset.Fields {
			names = append(names, f.Name)
		}
		if strings.Join(names, ",") != "customer.email,customer.name,total" {
			t.Fatalf("fields %v", names)
		}
	})
	t.Run("Residency", func(t *testing.T) {
		if cn, eu := ts.rawCount(t, "CN"), ts.rawCount(t, "EU"); cn != 5 || eu != 1 {
			t.Fatalf("CN store holds %d rows, EU store %d; want 5 and 1", cn, eu)
		}
	})
}

func TestServer_Errors(t *testing.T) {
	ts := newTestServer(t)
	d := ts.createDataset(t, ts.cnKey, "trips", "phone")
	records := fmt.Sprintf("/v1/datasets/%d/records", d.ID)
	big := strings.Repeat("x", 2<<20)

	for _, c := range []struct {
		name, method, path, key, ctype, body string
		status                               int
		code                                 string
		line                                 int
		field                                string
	}{
		{"NoKey", "GET", "/v1/datasets", "", "", "", 401, sluice.EUNAUTHORIZED, 0, ""},
		{"BadKey", "GET", "/v1/datasets", "sk_k0000000000_" + strings.Repeat("a", 43), "", "", 401, sluice.EUNAUTHORIZED, 0, ""},
		{"MalformedKey", "GET", "/v1/datasets", "hello", "", "", 401, sluice.EUNAUTHORIZED, 0, ""},
		{"AuditorCannotIngest", "POST", records, "aud", "text/csv", "phone\n1\n", 403, sluice.EFORBIDDEN, 0, ""},
		{"OtherOrgsDataset", "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), "eu", "", "", 404, sluice.ENOTFOUND, 0, ""},
		{"OtherOrgsRecords", "GET", records, "eu", "", "", 404, sluice.ENOTFOUND, 0, ""},
		{"OtherOrgsIngest", "POST", records, "eu", "text/csv", "phone\n13800138000\n", 404, sluice.ENOTFOUND, 0, ""},
		{"UnknownDataset", "GET", "/v1/datasets/999", "cn", "", "", 404, sluice.ENOTFOUND, 0, ""},
		{"UnknownEndpoint", "GET", "/v1/nothing", "cn", "", "", 404, sluice.ENOTFOUND, 0, ""},
		{"DuplicateName", "POST", "/v1/datasets", "cn", "application/json", `{"name":"trips","purpose":"p","subject_field":"phone"}`, 409, sluice.ECONFLICT, 0, ""},
		{"BadJSON", "POST", "/v1/datasets", "cn", "application/json", `{"name":`, 400, sluice.EINVALID, 0, ""},
		{"UnknownJSONField", "POST", "/v1/datasets", "cn", "application/json", `{"name":"x","purpose":"p","subject_field":"a","region":"EU"}`, 400, sluice.EINVALID, 0, ""},
		{"MissingPurpose", "POST", "/v1/datasets", "cn", "application/json", `{"name":"x","subject_field":"a"}`, 400, sluice.EINVALID, 0, ""},
		{"RaggedRow", "POST", records, "cn", "text/csv", "phone,name\n13800138000,a\n13800138001\n", 400, sluice.EINVALID, 3, ""},
		{"BrokenQuote", "POST", records, "cn", "text/csv", "phone,name\n13800138000,\"open\n", 400, sluice.EINVALID, 2, ""},
		{"InvalidBytes", "POST", records + "?charset=utf-8", "cn", "text/csv", "phone,name\n13800138000,\xff\xfe\n", 400, sluice.EINVALID, 2, ""},
		{"NotAnObject", "POST", records, "cn", "application/x-ndjson", "{\"phone\":\"13800138000\"}\n[1,2]\n", 400, sluice.EINVALID, 2, ""},
		{"EmptySubject", "POST", records, "cn", "text/csv", "phone,name\n13800138000,a\n,b\n", 400, sluice.EINVALID, 3, "phone"},
		{"FieldTooLarge", "POST", records, "cn", "text/csv", "phone,name\n13800138000," + big + "\n", 413, sluice.ETOOLARGE, 2, "name"},
		{"BodyTooLarge", "POST", records, "cn", "text/csv", "phone,name\n" + strings.Repeat("13800138000,"+strings.Repeat("y", 1000)+"\n", 9000), 413, sluice.ETOOLARGE, 0, ""},
		{"NoFormat", "POST", records, "cn", "", "phone\n1\n", 415, sluice.EUNSUPPORTED, 0, ""},
		{"UnknownFormat", "POST", records, "cn", "application/xml", "<a/>", 415, sluice.EUNSUPPORTED, 0, ""},
		{"UnknownCharset", "POST", records + "?charset=ebcdic", "cn", "text/csv", "phone\n1\n", 415, sluice.EUNSUPPORTED, 0, ""},
		{"UnknownReadField", "GET", records + "?fields=nope", "cn", "", "", 400, sluice.EINVALID, 0, "nope"},
		{"BadLimit", "GET", records + "?limit=0", "cn", "", "", 400, sluice.EINVALID, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := map[string]string{"cn": ts.cnKey, "eu": ts.euKey, "aud": ts.audKey, "": ""}[c.key]
			if key == "" {
				key = c.key
			}
			var res httpapi.ErrorResponse
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			status := ts.call(t, c.method, c.path, key, c.ctype, body, &res)
			if status != c.status || res.Error.Code != c.code {
				t.Fatalf("got %d %+v, want %d %s", status, res.Error, c.status, c.code)
			}
			if res.Error.Message == "" || (c.line != 0 && res.Error.Line != c.line) || (c.field != "" && res.Error.Field != c.field) {
				t.Fatalf("error %+v: want line %d field %q", res.Error, c.line, c.field)
			}
		})
	}
	// Nothing of the failed uploads is stored.
	if n := ts.rawCount(t, "CN"); n != 0 {
		t.Fatalf("%d rows stored by failed uploads", n)
	}
	var got sluice.Dataset
	ts.call(t, "GET", fmt.Sprintf("/v1/datasets/%d", d.ID), ts.cnKey, "", nil, &got)
	if got.RecordCount != 0 || len(got.Fields) != 0 {
		t.Fatalf("dataset after failed uploads: %+v", got)
	}
}
