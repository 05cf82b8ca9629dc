package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

// The OpenAPI document, httpapi/openapi.json, must name every route the
// server has and no other, and every response the demo data draws from a
// handler must match the schema it documents. To add an endpoint: add its
// path and operation to the document (responses with a schema, usually a
// $ref to components/schemas), and, to have its response checked, call it
// in TestOpenAPI_Responses.

var dumpResponses = flag.String("dump-responses", "", "write every response of TestOpenAPI_Responses to this directory")

type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	Responses map[string]struct {
		Content map[string]struct {
			Schema any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(httpapi.OpenAPI, &doc); err != nil {
		t.Fatalf("httpapi/openapi.json: %v", err)
	}
	return &doc
}

// documentedRoutes returns "METHOD /path" of every operation.
func (d *openAPIDoc) routes() map[string]bool {
	out := map[string]bool{}
	for path, ops := range d.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				out[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	return out
}

var routeLiteralRE = regexp.MustCompile(`"(GET|POST|PUT|PATCH|DELETE) (/(?:v1/|healthz)[^"]*)"`)

// sourceRoutes finds the route patterns registered in the server's
// source: every "METHOD /v1/…" string in httpapi and cmd/sluice outside
// tests, with the file it is in.
func sourceRoutes(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range []string{"../../httpapi", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range routeLiteralRE.FindAllStringSubmatch(string(b), -1) {
				out[m[1]+" "+m[2]] = filepath.Clean(strings.TrimPrefix(f, "../../"))
			}
		}
	}
	return out
}

// TestOpenAPI_Routes fails when a route exists that the document lacks, or
// the document names one the server does not serve.
func TestOpenAPI_Routes(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := doc.routes()
	inSource := sourceRoutes(t)
	if len(inSource) < 20 {
		t.Fatalf("found only %d routes in the source: is the pattern of route registration still %s?", len(inSource), routeLiteralRE)
	}
	for _, r := range sortedSet(inSource) {
		if !documented[r] {
			t.Errorf("route %s (registered in %s) is missing from httpapi/openapi.json: add it under \"paths\"", r, inSource[r])
		}
	}
	// Each documented operation must reach a handler of the running server:
	// not the catch-all "No such endpoint" and not 405.
	m := MustRunMain(t, t.TempDir())
	for r := range documented {
		method, path, _ := strings.Cut(r, " ")
		if _, ok := inSource[r]; !ok {
			t.Errorf("httpapi/openapi.json documents %s, which no handler registers", r)
			continue
		}
		url := m.URL() + regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
		req, _ := http.NewRequest(method, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed || bytes.Contains(body, []byte("No such endpoint")) {
			t.Errorf("httpapi/openapi.json documents %s; the server answers %s: %s", r, resp.Status, body)
		}
	}
}

func sortedSet[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apiChecker calls the API and checks each answer against the schema the
// document gives for its route, status and content type.
type apiChecker struct {
	t       *testing.T
	doc     *openAPIDoc
	base    string
	checked map[string]bool // "METHOD /pattern status"
	n       int
}

func (c *apiChecker) call(method, pattern string, params map[string]any, key string, body any, query string) []byte {
	c.t.Helper()
	path := pattern
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", fmt.Sprint(v))
	}
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, contentType = strings.NewReader(b), "text/plain"
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	url := c.base + path
	if query != "" {
		url += "?" + query
	}
	req, _ := http.NewRequest(method, url, rd)
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	route := method + " " + pattern
	if *dumpResponses != "" {
		c.n++
		os.MkdirAll(*dumpResponses, 0o755)
		os.WriteFile(filepath.Join(*dumpResponses, fmt.Sprintf("%02d %s %d", c.n, strings.ReplaceAll(route, "/", "_"), resp.StatusCode)), got, 0o644)
	}
	op, ok := c.doc.Paths[pattern][strings.ToLower(method)]
	if !ok {
		c.t.Errorf("%s is not in httpapi/openapi.json", route)
		return got
	}
	status := fmt.Sprint(resp.StatusCode)
	r, ok := op.Responses[status]
	if !ok {
		r, ok = op.Responses["default"]
	}
	if !ok {
		c.t.Errorf("%s answered %s, a status httpapi/openapi.json does not document: %s", route, status, got)
		return got
	}
	c.checked[route+" "+status] = true
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	media, ok := r.Content[ct]
	if !ok {
		if len(r.Content) > 0 {
			c.t.Errorf("%s %s: content type %q is not documented", route, status, ct)
		}
		return got
	}
	if media.Schema == nil {
		return got
	}
	if ct == "application/x-ndjson" {
		sc := bufio.NewScanner(bytes.NewReader(got))
		sc.Buffer(nil, 1<<24)
		for i := 1; sc.Scan(); i++ {
			c.validate(fmt.Sprintf("%s %s line %d", route, status, i), sc.Bytes(), media.Schema)
		}
		return got
	}
	c.validate(route+" "+status, got, media.Schema)
	return got
}

func (c *apiChecker) validate(where string, body []byte, schema any) {
	c.t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.t.Errorf("%s: not JSON: %v: %s", where, err, body)
		return
	}
	for _, e := range checkSchema(c.doc, "$", v, schema) {
		c.t.Errorf("%s: %s", where, e)
	}
}

// checkSchema checks v against a JSON Schema subset: $ref (to
// #/components/schemas), type (one or a list, "null" included), enum,
// properties, required, additionalProperties (an object that lists
// properties admits no others unless it says so), items, oneOf.
func checkSchema(doc *openAPIDoc, at string, v any, schema any) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": bad schema"}
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := doc.Components.Schemas[name]
		if !ok {
			return []string{at + ": $ref to unknown schema " + ref}
		}
		return checkSchema(doc, at, v, target)
	}
	if alts, ok := s["oneOf"].([]any); ok {
		var all []string
		for _, alt := range alts {
			errs := checkSchema(doc, at, v, alt)
			if len(errs) == 0 {
				return nil
			}
			all = append(all, errs...)
		}
		return []string{at + ": matches none of oneOf: " + strings.Join(all, "; ")}
	}
	if types := schemaTypes(s["type"]); len(types) > 0 && !slices.Contains(types, jsonType(v)) &&
		!(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: is %s, documented as %s", at, jsonType(v), strings.Join(types, " or "))}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || fmt.Sprint(e) == fmt.Sprint(v)
		}
		if !found {
			return []string{fmt.Sprintf("%s: %v is not one of %v", at, v, enum)}
		}
	}
	var errs []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		for _, k := range sortedSet(v) {
			if ps, ok := props[k]; ok {
				errs = append(errs, checkSchema(doc, at+"."+k, v[k], ps)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: property %q is not documented", at, k))
				}
			case map[string]any:
				errs = append(errs, checkSchema(doc, at+"."+k, v[k], ap)...)
			case nil:
				if props != nil {
					errs = append(errs, fmt.Sprintf("%s: property %q is not documented", at, k))
				}
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range v {
				errs = append(errs, checkSchema(doc, fmt.Sprintf("%s[%d]", at, i), x, items)...)
			}
		}
	}
	return errs
}

func schemaTypes(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		return asStrings(t)
	}
	return nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// TestOpenAPI_Responses runs the demo, calls every documented operation on
// it (and some errors) and checks each answer against the document.
func TestOpenAPI_Responses(t *testing.T) {
	dir := t.TempDir()
	m := MustRunMain(t, dir)
	ctx := context.Background()
	var demo bytes.Buffer
	if err := seedDemo(ctx, m, &demo); err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`owner key: (\S+)`).FindAllStringSubmatch(demo.String(), -1)
	if len(keys) != 2 {
		t.Fatalf("demo output has no owner keys: %s", demo.String())
	}
	owner := keys[0][1] // cn-rides, dataset 1 "trips"
	mkKey := func(name string, role sluice.Role) string {
		org := &sluice.Org{Name: name, Region: "CN"}
		if err := m.Stores.Orgs.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		token, err := m.Stores.Keys.CreateKey(ctx, &sluice.APIKey{OrgID: org.ID, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	consumer := mkKey("cn-insure", sluice.RoleConsumer)
	auditor := mkKey("cn-audit", sluice.RoleAuditor)
	c := &apiChecker{t: t, doc: loadOpenAPI(t), base: m.URL(), checked: map[string]bool{}}
	id := func(b []byte) int64 {
		var v struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(b, &v)
		return v.ID
	}
	none := map[string]any{}

	c.call("GET", "/healthz", none, "", nil, "")
	c.call("GET", "/v1/openapi.json", none, "", nil, "")
	c.call("GET", "/v1/datasets", none, "", nil, "") // 401
	c.call("GET", "/v1/datasets", none, owner, nil, "")
	c.call("GET", "/v1/datasets/{id}", map[string]any{"id": 1}, owner, nil, "")
	c.call("GET", "/v1/datasets/{id}", map[string]any{"id": 99}, owner, nil, "")
	ds := id(c.call("POST", "/v1/datasets", none, owner, map[string]string{"name": "payments", "purpose": "billing", "subject_field": "phone"}, ""))
	c.call("POST", "/v1/datasets/{id}/records", map[string]any{"id": ds}, owner, "phone,amount\n13800138000,12\n", "format=csv")
	// Notified important data (O16 Art. 2).
	c.call("PUT", "/v1/datasets/{id}/important", map[string]any{"id": ds}, owner, map[string]string{"notice": "GD-CAC-2026-17", "authority": "Guangdong CAC", "date": "2026-03-01"}, "")
	c.call("GET", "/v1/datasets/{id}/important", map[string]any{"id": ds}, owner, nil, "")
	c.call("GET", "/v1/datasets/{id}", map[string]any{"id": ds}, owner, nil, "")
	c.call("DELETE", "/v1/datasets/{id}/important", map[string]any{"id": ds}, owner, nil, "")
	c.call("GET", "/v1/datasets/{id}/records", map[string]any{"id": 1}, owner, nil, "limit=2")
	c.call("PATCH", "/v1/datasets/{id}/fields/{name}", map[string]any{"id": 1, "name": "fare_cny"}, owner, map[string]any{"categories": []string{}}, "")

	c.call("POST", "/v1/purposes", none, consumer, map[string]any{"name": "claims", "legal_basis": "contract", "retention_days": 30}, "")
	c.call("GET", "/v1/purposes", none, consumer, nil, "")
	g := id(c.call("POST", "/v1/grants", none, consumer, map[string]any{"dataset": 1, "fields": []string{"trip_id", "fare_cny", "rider_phone"},
		"purpose": "claims", "justification": "claims handling", "duration_days": 30}, ""))
	c.call("GET", "/v1/grants", none, owner, nil, "")
	c.call("GET", "/v1/grants/{id}", map[string]any{"id": g}, consumer, nil, "")
	c.call("POST", "/v1/grants/{id}/approve", map[string]any{"id": g}, owner, map[string]any{}, "")
	c.call("POST", "/v1/decisions", none, consumer, map[string]any{"dataset": 1, "grant": g}, "")
	page := c.call("GET", "/v1/datasets/{id}/records", map[string]any{"id": 1}, consumer, nil, fmt.Sprintf("grant=%d&limit=2", g))
	_ = page
	c.call("POST", "/v1/consents", none, owner, map[string]any{"subject": "13800138000", "purpose": "claims", "kind": "consent", "evidence": "form 7"}, "")
	c.call("GET", "/v1/consents", none, owner, nil, "")
	c.call("PUT", "/v1/policies", none, owner, `forbid (principal, action, resource) when { context.purpose == "marketing" };`, "")
	c.call("GET", "/v1/policies", none, owner, nil, "")
	g2 := id(c.call("POST", "/v1/grants", none, consumer, map[string]any{"dataset": 1, "fields": []string{"fare_cny"},
		"purpose": "claims", "justification": "pricing", "duration_days": 30}, ""))
	c.call("POST", "/v1/grants/{id}/deny", map[string]any{"id": g2}, owner, map[string]any{"reason": "not needed"}, "")
	c.call("POST", "/v1/grants/{id}/revoke", map[string]any{"id": g}, consumer, map[string]any{"reason": "done"}, "")

	tr := id(c.call("POST", "/v1/transfers", none, owner, map[string]any{"dataset": 1, "fields": []string{"trip_id", "fare_cny"},
		"destination_country": "US", "recipient": "Acme Inc.", "legal_basis": "contract"}, ""))
	c.call("GET", "/v1/transfers", none, owner, nil, "")
	c.call("GET", "/v1/transfers/{id}", map[string]any{"id": tr}, owner, nil, "")
	c.call("GET", "/v1/transfers/{id}", map[string]any{"id": tr}, auditor, nil, "") // another org's: 404
	c.call("GET", "/v1/transfers/counters", none, owner, nil, "")
	c.call("GET", "/v1/transfers/{id}/export", map[string]any{"id": tr}, owner, nil, "format=jsonl")
	evidence := map[string]any{"kind": "scc_filing", "reference": "F-1", "valid_from": "2026-01-02", "filed_on": "2026-01-05"}
	c.call("POST", "/v1/transfers/{id}/evidence", map[string]any{"id": tr}, owner, evidence, "") // ready: 409
	spi := id(c.call("POST", "/v1/transfers", none, owner, map[string]any{"dataset": 1, "fields": []string{"trip_id", "rider_id_number"},
		"destination_country": "US", "recipient": "Acme Inc.", "legal_basis": "contract"}, ""))
	c.call("POST", "/v1/transfers/{id}/evidence", map[string]any{"id": spi}, owner, evidence, "")
	c.call("POST", "/v1/transfers/{id}/revoke", map[string]any{"id": tr}, owner, map[string]any{"reason": "done"}, "")

	recs := c.call("GET", "/v1/datasets/{id}/records", map[string]any{"id": 1}, owner, nil, "limit=1")
	var rp httpapi.RecordPage
	json.Unmarshal(recs, &rp)
	if len(rp.Records) == 1 {
		c.call("GET", "/v1/subjects/{subject_key}/events", map[string]any{"subject_key": rp.Records[0].SubjectKey}, owner, nil, "")
	}
	c.call("GET", "/v1/subjects/{subject_key}/events", map[string]any{"subject_key": "nope"}, owner, nil, "")
	c.call("GET", "/v1/log/entries/{index}", map[string]any{"index": 0}, owner, nil, "")
	c.call("GET", "/v1/log/entries/{index}", map[string]any{"index": 0}, consumer, nil, "") // took no part: 404

	// Settings, reports and the sharing catalogue.
	c.call("GET", "/v1/settings", none, owner, nil, "")
	c.call("PUT", "/v1/settings", none, owner, map[string]any{"minimisation": "warn", "consent_grace_days": 30}, "")
	// A dataset of a declared app type with a field beyond its necessary
	// scope, so that the upload and the report have excess to show.
	rides := id(c.call("POST", "/v1/datasets", none, owner, map[string]any{"name": "rides", "purpose": "rides", "subject_field": "phone", "app_type": "ride_hailing"}, ""))
	c.call("POST", "/v1/datasets/{id}/records", map[string]any{"id": rides}, owner, "phone,resident_id\n13800138000,11010519491231002X\n", "format=csv")
	var report struct {
		Datasets []struct {
			ID int64 `json:"id"`
		} `json:"datasets"`
	}
	json.Unmarshal(c.call("GET", "/v1/reports/minimisation", none, owner, nil, ""), &report)
	if len(report.Datasets) != 1 || report.Datasets[0].ID != rides {
		t.Errorf("the minimisation report lists %+v, want dataset %d", report.Datasets, rides)
	}
	c.call("GET", "/v1/reports/minimisation", none, auditor, nil, "format=html")
	c.call("PUT", "/v1/datasets/{id}/catalog", map[string]any{"id": ds}, owner, map[string]any{"sharing": "conditional", "opening": "closed",
		"justification": "payments hold phone numbers", "legal_basis": "contract", "conditions": "for claims only"}, "")
	c.call("GET", "/v1/catalog", none, consumer, nil, "")

	// The supervisor's views.
	sup := regexp.MustCompile(`supervisor key: (\S+)`).FindStringSubmatch(demo.String())
	if sup == nil {
		t.Fatalf("demo output has no supervisor key: %s", demo.String())
	}
	c.call("GET", "/v1/supervisor/overview", none, sup[1], nil, "")
	c.call("GET", "/v1/supervisor/orgs", none, sup[1], nil, "")
	c.call("GET", "/v1/supervisor/datasets/{id}", map[string]any{"id": 1}, sup[1], nil, "")
	c.call("GET", "/v1/supervisor/datasets/{id}", map[string]any{"id": 1}, owner, nil, "") // not a supervisor: 403

	// Data-subject requests and legal holds.
	c.call("PUT", "/v1/subject-requests/policy", none, owner, map[string]any{"cn_working_days": 10}, "")
	c.call("GET", "/v1/subject-requests/policy", none, auditor, nil, "")
	phone := map[string]string{"phone": "13800138000"}
	access := id(c.call("POST", "/v1/subject-requests", none, owner, map[string]any{"type": "access", "identifiers": phone, "jurisdiction": "CN"}, ""))
	c.call("POST", "/v1/subject-requests/{id}/fulfil", map[string]any{"id": access}, owner, nil, "") // not verified: 409
	c.call("POST", "/v1/subject-requests/{id}/verify", map[string]any{"id": access}, owner, map[string]any{"evidence": "ID card seen at the counter"}, "")
	c.call("POST", "/v1/subject-requests/{id}/fulfil", map[string]any{"id": access}, owner, nil, "")
	c.call("GET", "/v1/subject-requests/{id}/package", map[string]any{"id": access}, owner, nil, "format=json")
	c.call("GET", "/v1/subject-requests/{id}/package", map[string]any{"id": access}, owner, nil, "")
	erasure := id(c.call("POST", "/v1/subject-requests", none, owner, map[string]any{"type": "erasure", "identifiers": phone, "jurisdiction": "EU"}, ""))
	c.call("POST", "/v1/subject-requests/{id}/extend", map[string]any{"id": erasure}, owner, map[string]any{"reason": "records in archives"}, "")
	c.call("POST", "/v1/subject-requests/{id}/refuse", map[string]any{"id": erasure}, owner, map[string]any{"reason": "a duty to keep the records"}, "")
	restrict := id(c.call("POST", "/v1/subject-requests", none, owner, map[string]any{"type": "restriction", "identifiers": phone, "jurisdiction": "CN"}, ""))
	c.call("POST", "/v1/subject-requests/{id}/verify", map[string]any{"id": restrict}, owner, map[string]any{"evidence": "ID card"}, "")
	c.call("POST", "/v1/subject-requests/{id}/fulfil", map[string]any{"id": restrict}, owner, nil, "")
	c.call("POST", "/v1/subject-requests/{id}/lift", map[string]any{"id": restrict}, owner, nil, "")
	c.call("GET", "/v1/subject-requests", none, auditor, nil, "")
	c.call("GET", "/v1/subject-requests", none, owner, nil, "state=fulfilled")
	c.call("GET", "/v1/subject-requests/{id}", map[string]any{"id": access}, owner, nil, "")
	c.call("POST", "/v1/datasets/{id}/hold", map[string]any{"id": ds}, owner, map[string]any{"reason": "litigation"}, "")
	c.call("GET", "/v1/holds", none, owner, nil, "")
	c.call("DELETE", "/v1/datasets/{id}", map[string]any{"id": ds}, owner, nil, "") // held: 409
	c.call("DELETE", "/v1/datasets/{id}/hold", map[string]any{"id": ds}, owner, nil, "")
	c.call("DELETE", "/v1/datasets/{id}", map[string]any{"id": ds}, owner, nil, "")

	// Volume duties, the record of processing and incidents of the demo's
	// first org (id 1).
	c.call("GET", "/v1/orgs/{id}/duties", map[string]any{"id": 1}, owner, nil, "")
	c.call("GET", "/v1/orgs/{id}/processing", map[string]any{"id": 1}, owner, nil, "")
	c.call("PATCH", "/v1/datasets/{id}", map[string]any{"id": rides}, owner, map[string]any{"automotive": map[string]any{"exterior_images": "plates"}}, "")
	c.call("GET", "/v1/orgs/{id}/automotive-report", map[string]any{"id": 1}, owner, nil, "year=2026")
	c.call("GET", "/v1/orgs/{id}/pipia", map[string]any{"id": 1}, owner, nil, "")
	inc := id(c.call("POST", "/v1/incidents", none, owner, map[string]any{"severity": "general", "discovered_at": "2026-01-02T03:04:05Z"}, ""))
	c.call("GET", "/v1/incidents", none, owner, nil, "")
	c.call("GET", "/v1/incidents/{id}", map[string]any{"id": inc}, owner, nil, "")
	c.call("PATCH", "/v1/incidents/{id}", map[string]any{"id": inc}, owner, map[string]any{"subjects": 3}, "")
	c.call("POST", "/v1/incidents/{id}/close", map[string]any{"id": inc}, owner, nil, "")

	// Every documented operation was called with a success.
	for r := range c.doc.routes() {
		ok := false
		for k := range c.checked {
			if strings.HasPrefix(k, r+" 2") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s is documented but TestOpenAPI_Responses never got a 2xx from it: call it", r)
		}
	}
}

// TestCheckSchema holds the schema checker to what it must catch.
func TestCheckSchema(t *testing.T) {
	doc := &openAPIDoc{}
	doc.Components.Schemas = map[string]any{"Thing": map[string]any{
		"type": "object", "required": []any{"id"},
		"properties": map[string]any{"id": map[string]any{"type": "integer"}, "tags": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
	}}
	ref := map[string]any{"$ref": "#/components/schemas/Thing"}
	for _, tc := range []struct {
		name, json, want string
	}{
		{"OK", `{"id": 1, "tags": ["a"]}`, ""},
		{"ErrRequired", `{"tags": []}`, `required property "id" is missing`},
		{"ErrUndocumented", `{"id": 1, "colour": "red"}`, `property "colour" is not documented`},
		{"ErrType", `{"id": "1"}`, `$.id: is string, documented as integer`},
		{"ErrItem", `{"id": 1, "tags": [3]}`, `$.tags[0]: is integer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tc.json))
			dec.UseNumber()
			var v any
			dec.Decode(&v)
			errs := strings.Join(checkSchema(doc, "$", v, ref), "; ")
			if tc.want == "" && errs != "" || !strings.Contains(errs, tc.want) {
				t.Errorf("got %q, want %q", errs, tc.want)
			}
		})
	}
}
