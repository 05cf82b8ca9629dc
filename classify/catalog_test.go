package classify_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
)

func TestLoadCatalog(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c, err := classify.LoadCatalog("user.json", []byte(`{
  "version": "acme-1",
  "categories": [
    {
      "key": "user.custom.employee_id",
      "name": "Employee number",
      "pattern": "\\bEMP[0-9]{6}\\b",
      "hints": {"zh": ["工号"], "en": ["employee id"]},
      "grade": "important",
      "jurisdictions": {"CN": {"pi": true, "sensitive": false, "instrument": "PIPL", "article": "Art. 4"}}
    },
    {
      "key": "user.custom.member_card",
      "name": "Member card",
      "pattern": "[0-9]{12}",
      "validator": "luhn",
      "jurisdictions": {"CN": {"pi": true, "sensitive": true, "instrument": "PIPL", "article": "Art. 28"}}
    }
  ]
}`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Version, "acme-1") {
			t.Errorf("Version = %q", c.Version)
		}
		if _, ok := c.Category("user.contact.phone_number"); !ok {
			t.Error("built-in category lost in the merge")
		}
		s := c.NewScanner()
		names := []string{"工号", "会员卡"}
		s.Add(names, []string{"EMP123456", "799273987138"})
		s.Add(names, []string{"EMP654321", "799273987130"})
		fields := s.Fields()
		if got := keys(fields[0]); got != "user.custom.employee_id" {
			t.Errorf("工号: categories %q", got)
		}
		if fields[0].Grade != classify.GradeImportant {
			t.Errorf("工号: grade %q, want important", fields[0].Grade)
		}
		if fields[1].Categories[0].Matches != 1 {
			t.Errorf("会员卡: %+v; want 1 match (one number fails Luhn)", fields[1].Categories)
		}
		if !fields[1].Sensitive {
			t.Error("会员卡: not sensitive")
		}
	})
	for _, tc := range []struct {
		name, data string
		line       int
		msg        string
	}{
		{"ErrSyntax", "{\n  \"categories\": [\n    {\"key\": \"a.b\",\n     \"name\": }\n  ]\n}", 4, "invalid character"},
		{"ErrUnknownDetector", "{\"categories\": [\n{\"key\": \"a.b\", \"name\": \"A\", \"detectors\": [\"email\"]},\n{\"key\": \"a.c\", \"name\": \"C\", \"detectors\": [\"nope\"]}\n]}", 3, `unknown detector "nope"`},
		{"ErrBadPattern", "{\"categories\": [\n\n  {\"key\": \"a.b\", \"name\": \"A\", \"pattern\": \"(\"}]}", 3, "pattern"},
		{"ErrUnknownValidator", "{\"categories\": [{\"key\": \"a.b\", \"name\": \"A\", \"pattern\": \"x\", \"validator\": \"crc\"}]}", 1, `unknown validator "crc"`},
		{"ErrGrade", "{\"categories\": [\n{\"key\": \"a.b\", \"name\": \"A\", \"grade\": \"secret\"}]}", 2, "grade"},
		{"ErrKey", "{\"categories\": [\n{\"key\": \"Phone\", \"name\": \"A\"}]}", 2, "dotted"},
		{"ErrUnknownField", "{\"categories\": [\n{\"key\": \"a.b\", \"name\": \"A\",\n \"pattren\": \"x\"}]}", 3, "unknown field"},
		{"ErrRuleCategory", "{\"rules\": [\n{\"id\": \"r\", \"categories\": [\"no.such\"], \"grade\": \"important\"}]}", 2, `unknown category "no.such"`},
		{"ErrTopLevel", "{\n\"cats\": []}", 2, `unknown key "cats"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := classify.LoadCatalog("user.json", []byte(tc.data))
			if err == nil {
				t.Fatal("no error")
			}
			msg := sluice.ErrorMessage(err)
			if sluice.ErrorCode(err) != sluice.EINVALID || !strings.HasPrefix(msg, "user.json:"+strconv.Itoa(tc.line)+":") || !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q (code %s); want user.json:%d: …%s…", msg, sluice.ErrorCode(err), tc.line, tc.msg)
			}
		})
	}
}

func TestCatalog_DatasetGrade(t *testing.T) {
	c := classify.DefaultCatalog()
	loc := []classify.FieldResult{
		{Name: "lat", Categories: []classify.CategoryMatch{{Key: "user.location.precise"}}},
		{Name: "note", Categories: []classify.CategoryMatch{}},
	}
	t.Run("OKGeneral", func(t *testing.T) {
		g, reasons := c.DatasetGrade(loc, 200_000, "retail")
		if g != classify.GradeGeneral || len(reasons) != 1 || reasons[0].Rule != "default" {
			t.Errorf("grade %q, reasons %+v", g, reasons)
		}
	})
	t.Run("OKAutomotiveVolume", func(t *testing.T) {
		g, reasons := c.DatasetGrade(loc, 100_001, "automotive")
		if g != classify.GradeImportant {
			t.Fatalf("grade %q, want important", g)
		}
		if reasons[0].Rule != "cn-auto-location-volume" || reasons[0].Article != "Art. 3" || reasons[0].Fields[0] != "lat" {
			t.Errorf("reasons %+v", reasons)
		}
		fields := append([]classify.FieldResult(nil), loc...)
		fields[0].Grade, fields[1].Grade = classify.GradeGeneral, classify.GradeGeneral
		classify.ApplyGrade(fields, reasons)
		if fields[0].Grade != classify.GradeImportant || fields[1].Grade != classify.GradeGeneral {
			t.Errorf("field grades %q %q", fields[0].Grade, fields[1].Grade)
		}
	})
	t.Run("OKAutomotiveBelowThreshold", func(t *testing.T) {
		if g, _ := c.DatasetGrade(loc, 100_000, "automotive"); g != classify.GradeGeneral {
			t.Errorf("grade %q at exactly 100,000 people, want general", g)
		}
	})
	t.Run("OKCoreByCatalogue", func(t *testing.T) {
		u, err := classify.LoadCatalog("core.json", []byte(`{"categories": [{"key": "org.grid.topology", "name": "Grid topology", "grade": "core", "jurisdictions": {}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		g, reasons := u.DatasetGrade([]classify.FieldResult{{Name: "t", Categories: []classify.CategoryMatch{{Key: "org.grid.topology"}}}}, 0, "")
		if g != classify.GradeCore || reasons[0].Article != "Art. 21 ¶2" {
			t.Errorf("grade %q, reasons %+v", g, reasons)
		}
	})
}

func TestDefaultCatalog(t *testing.T) {
	c := classify.DefaultCatalog()
	for _, cat := range c.Categories() {
		for j, r := range cat.Jurisdictions {
			if r.Instrument == "" || r.Article == "" || r.Confidence == "" || r.EffectiveFrom == "" {
				t.Errorf("%s %s: legal reference incomplete: %+v", cat.Key, j, r.LegalRef)
			}
		}
		if len(cat.Jurisdictions) != 2 {
			t.Errorf("%s: jurisdictions %v, want CN and EU", cat.Key, cat.Jurisdictions)
		}
	}
	for _, tc := range []struct {
		key, j string
		want   bool
	}{
		{"user.government_id.national_identification_number", "CN", true},
		{"user.financial.bank_account", "CN", true},
		{"user.health_and_medical", "EU", true},
		{"user.demographic.race_ethnicity", "EU", true},
		{"user.demographic.race_ethnicity", "CN", false},
		{"user.contact.phone_number", "CN", false},
	} {
		if got := c.IsSensitive(tc.key, tc.j); got != tc.want {
			t.Errorf("IsSensitive(%s, %s) = %v, want %v", tc.key, tc.j, got, tc.want)
		}
	}
	if c.IsPersonal("organization.identifier.unified_social_credit_code", "CN") {
		t.Error("a unified social credit code is not personal information")
	}
}

func keys(f classify.FieldResult) string { return strings.Join(f.Keys(), ",") }

func TestScanner_Fields(t *testing.T) {
	c := classify.DefaultCatalog()
	t.Run("OKOneIDAmongBlanks", func(t *testing.T) {
		s := c.NewScanner()
		for i := 0; i < 10000; i++ {
			v := ""
			if i == 5000 {
				v = "11010519491231002X"
			}
			s.Add([]string{"c1"}, []string{v})
		}
		f := s.Fields()[0]
		if keys(f) != "user.government_id.national_identification_number" || f.Categories[0].Ratio != 1 || !f.Sensitive {
			t.Errorf("%+v", f)
		}
	})
	t.Run("ErrHeaderAlone", func(t *testing.T) {
		s := c.NewScanner()
		for i := 0; i < 100; i++ {
			s.Add([]string{"手机号", "身份证号"}, []string{"12" + strconv.Itoa(100000000+i), strconv.FormatInt(100000000000000000+int64(i)*7, 10)})
		}
		for _, f := range s.Fields() {
			if len(f.Categories) != 0 {
				t.Errorf("%s: %+v from the header alone", f.Name, f.Categories)
			}
			if len(f.Hinted) == 0 {
				t.Errorf("%s: header hint not recorded", f.Name)
			}
		}
	})
	t.Run("OKFreeTextSeveral", func(t *testing.T) {
		s := c.NewScanner()
		for i := 0; i < 50; i++ {
			s.Add([]string{"note"}, []string{"call 13812345678 or mail a" + strconv.Itoa(i) + "@example.com"})
		}
		if got := keys(s.Fields()[0]); got != "user.contact.email,user.contact.phone_number" {
			t.Errorf("categories %q", got)
		}
	})
	t.Run("OKRandomNumbersNotCards", func(t *testing.T) {
		s := c.NewScanner()
		x := uint64(88172645463325252)
		for i := 0; i < 2000; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			s.Add([]string{"c"}, []string{"62" + strconv.FormatUint(1e16+x%9e16, 10)})
		}
		if f := s.Fields()[0]; len(f.Categories) != 0 {
			t.Errorf("random 19-digit numbers: %+v (10%% pass Luhn by chance)", f.Categories)
		}
	})
	t.Run("OKMerge", func(t *testing.T) {
		a, b, all := c.NewScanner(), c.NewScanner(), c.NewScanner()
		names := []string{"phone", "dob"}
		for i := 0; i < 100; i++ {
			v := []string{"1381234" + strconv.Itoa(1000+i), strconv.Itoa(1950+i%50) + "-01-02"}
			all.Add(names, v)
			if i%2 == 0 {
				a.Add(names, v)
			} else {
				b.Add(names, v)
			}
		}
		a.Merge(b)
		got, want := a.Fields(), all.Fields()
		for i := range want {
			if keys(got[i]) != keys(want[i]) || got[i].NonEmpty != want[i].NonEmpty || got[i].Distinct != want[i].Distinct {
				t.Errorf("merged %+v, want %+v", got[i], want[i])
			}
		}
		if d := all.DistinctSubjects(); d < 97 || d > 103 {
			t.Errorf("DistinctSubjects = %d, want about 100", d)
		}
	})
}

func TestCatalogAliasesAndSpecialCategories(t *testing.T) {
	c := classify.DefaultCatalog()
	if c.Fideslang == "" {
		t.Error("the catalog does not name the fideslang version it follows")
	}
	for alias, key := range map[string]string{
		"user.health":                             "user.health_and_medical",
		"user.location.coarse":                    "user.location.imprecise",
		"user.biometrics":                         "user.biometric",
		"user.childrens":                          "user.children",
		"user.demographic.trade_union_membership": "user.demographic.union_membership",
		"user.health_and_medical":                 "user.health_and_medical",
	} {
		if got, ok := c.CanonicalKey(alias); !ok || got != key {
			t.Errorf("CanonicalKey(%q) = %q, %v; want %q", alias, got, ok, key)
		}
		if cat, ok := c.Category(alias); !ok || cat.Key != key {
			t.Errorf("Category(%q) = %q, %v", alias, cat.Key, ok)
		}
	}
	// GDPR Art. 9 special categories and Art. 10 criminal data are
	// sensitive in the EU; minors under 14 in CN.
	for _, k := range []string{"user.demographic.political_opinion", "user.demographic.union_membership", "user.demographic.philosophical_belief",
		"user.demographic.sexual_orientation", "user.health_and_medical.genetic", "user.health", "user.biometrics",
		"user.demographic.religious_belief", "user.demographic.race_ethnicity", "user.criminal_history"} {
		if !c.IsSensitive(k, classify.JurisdictionEU) {
			t.Errorf("%s: not sensitive in the EU", k)
		}
	}
	if cat, _ := c.Category("user.criminal_history"); cat.Jurisdictions[classify.JurisdictionEU].Article != "Art. 10" {
		t.Errorf("criminal data: EU article %q, want Art. 10", cat.Jurisdictions[classify.JurisdictionEU].Article)
	}
	if !c.IsSensitive("user.children.under_14", classify.JurisdictionCN) || c.IsSensitive("user.children", classify.JurisdictionCN) {
		t.Error("minors under 14 are sensitive in CN (PIPL Art. 28), children as such are not")
	}
	// A user catalog may override a category under its other key.
	u, err := classify.LoadCatalog("user.json", []byte(`{"categories": [{"key": "user.health", "name": "Health", "grade": "important", "jurisdictions": {}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Categories()) != len(c.Categories()) {
		t.Errorf("overriding by alias added a category: %d, want %d", len(u.Categories()), len(c.Categories()))
	}
	if cat, ok := u.Category("user.health_and_medical"); !ok || cat.Grade != "important" {
		t.Errorf("override by alias: %+v", cat)
	}
}
