package route

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/language"
)

// ruleFiles returns a copy of the embedded rule files.
func ruleFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	sub, err := fs.Sub(embedded, "rules")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	names, err := fs.Glob(sub, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(sub, n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = &fstest.MapFile{Data: b}
	}
	return out
}

// edit decodes file in files, lets f change it and stores it back.
func edit(t *testing.T, files fstest.MapFS, file string, f func(doc map[string]any)) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(files[file].Data, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	files[file] = &fstest.MapFile{Data: b}
}

// entry returns the element of doc's list at path (e.g. "pack.rules")
// whose key field equals id.
func entry(t *testing.T, doc map[string]any, path, key, id string) map[string]any {
	t.Helper()
	var cur any = doc
	for _, p := range strings.Split(path, ".") {
		cur = cur.(map[string]any)[p]
	}
	for _, e := range cur.([]any) {
		if m := e.(map[string]any); m[key] == id {
			return m
		}
	}
	t.Fatalf("no %s %q in %s", key, id, path)
	return nil
}

func TestLoad(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r, err := Load(ruleFiles(t))
		if err != nil {
			t.Fatal(err)
		}
		if r.Version() == "" || !strings.HasPrefix(r.Hash(), "sha256:") || len(r.Hash()) != len("sha256:")+64 {
			t.Errorf("version %q, hash %q", r.Version(), r.Hash())
		}
		if r.Hash() != Default().Hash() {
			t.Errorf("hash %s differs from the default rules' %s", r.Hash(), Default().Hash())
		}
		if got := r.Regions(); len(got) != 2 || got[0] != "CN" || got[1] != "EU" {
			t.Errorf("regions = %v", got)
		}
	})

	for _, tc := range []struct {
		name  string
		file  string // file whose error is expected
		entry string // entry named in the error
		msg   string // part of the message
		edit  func(t *testing.T, files fstest.MapFS)
	}{
		{"ErrDuplicateID", "cn.json", "cn.foreign_authority", "id already used in cn.json", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.core")["id"] = "cn.foreign_authority"
			})
		}},
		{"ErrUnknownInstrument", "cn.json", "cn.core", `unknown instrument "DSL2"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.core")["instrument"] = "DSL2"
			})
		}},
		{"ErrBadConfidence", "thresholds.json", "cn.o16.limit.scc_pi", "confidence", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "thresholds.json", func(doc map[string]any) {
				entry(t, doc, "thresholds", "id", "cn.o16.limit.scc_pi")["confidence"] = "sure"
			})
		}},
		{"ErrEndBeforeStart", "adequacy.json", "adequacy.JP", "before effective_from", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "adequacy.json", func(doc map[string]any) {
				entry(t, doc, "adequacy", "id", "adequacy.JP")["effective_to"] = "2019-01-01"
			})
		}},
		{"ErrOverlappingAdequacy", "adequacy.json", "adequacy.GB.2025", "same time", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "adequacy.json", func(doc map[string]any) {
				entry(t, doc, "adequacy", "id", "adequacy.GB.2025")["effective_from"] = "2025-06-01"
			})
		}},
		{"ErrAdequacyWhileEEA", "adequacy.json", "adequacy.GB.2021", "EEA", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "adequacy.json", func(doc map[string]any) {
				entry(t, doc, "adequacy", "id", "adequacy.GB.2021")["effective_from"] = "2021-06-01"
			})
		}},
		{"ErrUnknownCountry", "countries.json", "eea.DE", `unknown country "DD"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "countries.json", func(doc map[string]any) {
				entry(t, doc, "blocs", "id", "eea.DE")["country"] = "DD"
			})
		}},
		{"ErrUnknownThreshold", "cn.json", "cn.o16.assess.pi", `unknown threshold "cn.o16.limit.nope"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				w := entry(t, doc, "pack.rules", "id", "cn.o16.assess.pi")["when"].(map[string]any)
				w["count"].(map[string]any)["threshold"] = "cn.o16.limit.nope"
			})
		}},
		{"ErrThresholdNotInForce", "cn.json", "cn.o16.assess.pi", "not in force", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				w := entry(t, doc, "pack.rules", "id", "cn.o16.assess.pi")["when"].(map[string]any)
				w["count"].(map[string]any)["threshold"] = "cn.o11.limit.pi"
			})
		}},
		{"ErrUnknownConditionKey", "cn.json", "cn.core", `unknown field "cores"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.core")["when"] = map[string]any{"cores": true}
			})
		}},
		{"ErrUnknownExemptionInCondition", "cn.json", "cn.o16.hr", `unknown exemption "holiday"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.o16.hr")["when"] = map[string]any{"exemption": []any{"holiday"}}
			})
		}},
		{"ErrUnknownRoute", "cn.json", "cn.core", "not one of the pack's routes", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.core")["route"] = "ADEQUACY"
			})
		}},
		{"ErrUnknownRequirement", "cn.json", "cn.credit.hold", `unknown requirement "cn.credit.nope"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.credit.hold")["requires"] = []any{"cn.credit.nope"}
			})
		}},
		{"ErrUnknownPlaceholder", "cn.json", "cn.o16.small", `unknown threshold "cn.nope"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.o16.small")["text"] = "Fewer than {cn.nope} people."
			})
		}},
		{"ErrNoCatchAll", "cn.json", "cn.pack", "empty condition", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.rules", "id", "cn.o16.small")["when"] = map[string]any{"ciio": false}
			})
		}},
		{"ErrCommonTestsTooMuch", "cn.json", "cn.pipl39.notice", "may test only", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "cn.json", func(doc map[string]any) {
				entry(t, doc, "pack.common", "requirement", "cn.pipl39.notice")["when"] = map[string]any{"ciio": true}
			})
		}},
		{"ErrBadDeadline", "requirements.json", "cn.scc.filing", "deadline unit", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "requirements.json", func(doc map[string]any) {
				entry(t, doc, "requirements", "id", "cn.scc.filing")["deadline"].(map[string]any)["unit"] = "fortnights"
			})
		}},
		{"ErrVersionMismatch", "thresholds.json", "", "version", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "thresholds.json", func(doc map[string]any) { doc["version"] = "1999-01-01" })
		}},
		{"ErrSchema", "eu.json", "", "schema 2", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "eu.json", func(doc map[string]any) { doc["schema"] = 2 })
		}},
		{"ErrUnknownTopLevelField", "eu.json", "", `unknown field "routes"`, func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "eu.json", func(doc map[string]any) { doc["routes"] = []any{} })
		}},
		{"ErrOverlappingWindows", "thresholds.json", "cn.o16.window", "same time", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "thresholds.json", func(doc map[string]any) {
				entry(t, doc, "windows", "id", "cn.o16.window")["effective_from"] = "2024-01-01"
			})
		}},
		{"ErrCountWithoutWindow", "cn.json", "cn.o16.assess.pi", "no counting window", func(t *testing.T, files fstest.MapFS) {
			edit(t, files, "thresholds.json", func(doc map[string]any) {
				entry(t, doc, "windows", "id", "cn.o16.window")["effective_to"] = "2025-12-31"
			})
		}},
		{"ErrBadJSON", "cn.json", "", "", func(t *testing.T, files fstest.MapFS) {
			files["cn.json"] = &fstest.MapFile{Data: []byte(`{"schema": 1,`)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := ruleFiles(t)
			tc.edit(t, files)
			_, err := Load(files)
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("Load: %v, want a *DataError", err)
			}
			if de.File != tc.file || de.Entry != tc.entry || !strings.Contains(de.Msg, tc.msg) {
				t.Errorf("error %q: file %q entry %q, want file %q entry %q and %q in the message",
					err, de.File, de.Entry, tc.file, tc.entry, tc.msg)
			}
			if !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}

	t.Run("ErrNoFiles", func(t *testing.T) {
		if _, err := Load(fstest.MapFS{}); err == nil {
			t.Fatal("Load of nothing succeeded")
		}
	})
}

// TestLoad_ThresholdsAreData changes a threshold in the data and checks
// that decisions follow: the Go code holds no legal number.
func TestLoad_ThresholdsAreData(t *testing.T) {
	files := ruleFiles(t)
	edit(t, files, "thresholds.json", func(doc map[string]any) {
		entry(t, doc, "thresholds", "id", "cn.o16.limit.scc_pi")["value"] = 50000
	})
	r, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	in := cn("2026-11-26", ytd(50000, 0))
	for _, tc := range []struct {
		rules *Rules
		want  Route
	}{{Default(), Exempt}, {r, SCCOrCert}} {
		d, err := tc.rules.Decide(&in, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if d.Route != tc.want {
			t.Errorf("route = %s, want %s", d.Route, tc.want)
		}
	}
	d, _ := r.Decide(&in, testNow)
	if !strings.Contains(d.Reasons[0].Text, "50,000") {
		t.Errorf("reason %q does not show the threshold from the data", d.Reasons[0].Text)
	}
	if r.Hash() == Default().Hash() {
		t.Error("hash did not change with the data")
	}
}

// TestLoad_CountryCodes checks the country list against the CLDR region
// list: the same codes, once codes that ISO 3166-1 does not assign (or no
// longer assigns) are set aside.
func TestLoad_CountryCodes(t *testing.T) {
	notISO := map[string]bool{}
	for _, c := range strings.Fields("AC AN BU CP CQ CS CT DD DG DY EA EZ FQ FX HV IC JT MI NH NQ NT PC PU PZ RH SU TA TP UK UN VD WK XK YD YU ZR") {
		notISO[c] = true
	}
	r := Default()
	cldr := map[string]bool{}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			reg, err := language.ParseRegion(code)
			if err != nil || reg.String() != code || !reg.IsCountry() || notISO[code] {
				continue
			}
			cldr[code] = true
			if r.CountryName(code) == "" {
				t.Errorf("%s is missing from the country list", code)
			}
		}
	}
	for code := range r.countries {
		if !cldr[code] {
			t.Errorf("%s is not an ISO 3166-1 country code", code)
		}
	}
	if len(r.countries) != 249 {
		t.Errorf("%d country codes, want ISO 3166-1's 249", len(r.countries))
	}
}

// TestLoad_EveryEntryCited checks that decisions only ever cite entries
// with a reference and a confidence.
func TestLoad_EveryEntryCited(t *testing.T) {
	r := Default()
	for _, p := range r.packs {
		for _, e := range p.epochs {
			for _, w := range e.rows {
				for _, rs := range append([][]*Reason{w.reasons}, w.citeReasons...) {
					for _, x := range rs {
						if x.Rule == "" || x.Ref == "" || x.Text == "" || !x.Confidence.valid() || strings.Contains(x.Text, "{") {
							t.Errorf("rule %s cites an incomplete reason %+v", w.id, x)
						}
					}
				}
				for _, v := range w.variants {
					for _, q := range v.requires {
						if q.Deadline != nil && q.Deadline.Text == "" {
							t.Errorf("requirement %s has a deadline without text", q.ID)
						}
					}
				}
			}
		}
	}
}

func TestRules_CountingWindow(t *testing.T) {
	r := Default()
	for _, tc := range []struct {
		date, from string
		prev       bool
	}{
		{"2024-03-21", "2023-01-01", true},
		{"2024-03-22", "2024-01-01", false},
		{"2026-11-26", "2026-01-01", false},
	} {
		w, err := r.CountingWindow("CN", MustParseDate(tc.date))
		if err != nil {
			t.Fatal(err)
		}
		if w.From.String() != tc.from || w.PreviousYear != tc.prev {
			t.Errorf("%s: window from %s (previous year %v), want %s (%v)", tc.date, w.From, w.PreviousYear, tc.from, tc.prev)
		}
	}
	if _, err := r.CountingWindow("EU", MustParseDate("2026-11-26")); err == nil {
		t.Error("EU has no counting window, want an error")
	}
}

func TestRules_Limits(t *testing.T) {
	r := Default()
	ls, err := r.Limits("CN", MustParseDate("2026-11-26"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		got = append(got, l.Counter+">="+thousands(l.Threshold.Value)+"->"+string(l.Route))
	}
	want := []string{"auto_individuals>=100,000->SECURITY_ASSESSMENT", "pi>=1,000,000->SECURITY_ASSESSMENT",
		"spi>=10,000->SECURITY_ASSESSMENT", "pi>=100,000->SCC_OR_CERT", "spi>=1->SCC_OR_CERT"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("limits = %q, want %q", got, want)
	}
	if !ls[0].Threshold.Reached(100001) || ls[0].Threshold.Reached(100000) {
		t.Error("the automotive limit is 'more than 100,000'")
	}
}
