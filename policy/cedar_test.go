package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

func TestParseCedar(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		text := `@id("no-health")
forbid (principal, action == Sluice::Action::"read", resource)
when { resource.categories.contains("user.health_and_medical") };

forbid (principal, action, resource in Sluice::Dataset::"7")
when { principal.kind == "company" };

permit (principal, action, resource == Sluice::Field::"8/phone");

forbid (principal, action, resource is Sluice::Field in Sluice::Dataset::"9");`
		s, err := policy.ParseCedar(1, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		want := []policy.CedarPolicy{
			{ID: "no-health", Forbid: true, Line: 1, Dataset: 0},
			{ID: "policy1", Forbid: true, Line: 5, Dataset: 7},
			{ID: "policy2", Forbid: false, Line: 8, Dataset: 8},
			{ID: "policy3", Forbid: true, Line: 10, Dataset: 9},
		}
		if len(s.Policies) != len(want) {
			t.Fatalf("%d policies", len(s.Policies))
		}
		for i, w := range want {
			p := s.Policies[i]
			if p.ID != w.ID || p.Forbid != w.Forbid || p.Line != w.Line || p.Dataset != w.Dataset {
				t.Errorf("policy %d = %+v, want %+v", i, p, w)
			}
		}
	})

	for _, tt := range []struct {
		name, text   string
		line, column int
	}{
		{"ErrSyntaxLine2", "permit (principal, action, resource)\nwhen { context.x == };", 2, 22},
		{"ErrSyntaxLaterPolicy", "permit (principal, action, resource);\n\nforbid (principal, action resource);", 3, 35},
		{"ErrUnterminatedString", `permit (principal, action, resource) when { "abc };`, 1, 45},
		{"ErrNotCedar", "blah", 1, 5},
		// cedar-go's scanner reports a NUL at the character before it.
		{"ErrNUL", "permit (principal, action, resource);\x00", 1, 37},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.ParseCedar(1, []byte(tt.text))
			var pe *policy.CedarParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *CedarParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.column || pe.Message == "" {
				t.Errorf("at %d:%d %q, want %d:%d", pe.Line, pe.Column, pe.Message, tt.line, tt.column)
			}
			if sluice.ErrorCode(err) != sluice.EINVALID {
				t.Errorf("code = %s", sluice.ErrorCode(err))
			}
			var se *sluice.Error
			if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Message, "column") {
				t.Errorf("sluice error = %+v", se)
			}
		})
	}
	t.Run("ErrDuplicateID", func(t *testing.T) {
		_, err := policy.ParseCedar(1, []byte("@id(\"a\") permit (principal, action, resource);\n@id(\"a\") forbid (principal, action, resource);"))
		var se *sluice.Error
		if !errors.As(err, &se) || se.Code != sluice.EINVALID || se.Line != 2 {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ErrBadID", func(t *testing.T) {
		if _, err := policy.ParseCedar(1, []byte(`@id("a b") permit (principal, action, resource);`)); sluice.ErrorCode(err) != sluice.EINVALID {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		big := make([]byte, policy.MaxCedarText+1)
		if _, err := policy.ParseCedar(1, big); sluice.ErrorCode(err) != sluice.ETOOLARGE {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCedarLayer_Check(t *testing.T) {
	req := &policy.Request{
		Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset:  policy.Dataset{ID: 10, Owner: 1, Region: "CN"},
		Purpose:  policy.Purpose{Name: "credit-check", LegalBasis: "contract"},
		Now:      time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	g := &policy.Grant{ID: 100, Consumer: 2, Dataset: 10, Status: policy.StatusApproved, Purpose: "credit-check", LegalBasis: "contract"}
	phone := &policy.Field{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true, Grade: "general"}
	text := `@id("cn-only") forbid (principal, action, resource in Sluice::Dataset::"10") unless { principal.region == "CN" };`
	layer := policy.NewCedarLayer()
	set, err := policy.ParseCedar(1, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	layer.Put(set)

	t.Run("OK", func(t *testing.T) {
		if id, _, deny := layer.Check(req, g, phone); deny {
			t.Errorf("denied by %s", id)
		}
	})
	t.Run("OKFactsChangeSeen", func(t *testing.T) {
		// The cached request is rebuilt when a fact changes.
		r2 := *req
		r2.Consumer.Region = "EU"
		if id, reason, deny := layer.Check(&r2, g, phone); !deny || id != "cn-only" || !strings.Contains(reason, "cn-only") {
			t.Errorf("EU consumer: %s %q %v", id, reason, deny)
		}
		if _, _, deny := layer.Check(req, g, phone); deny {
			t.Error("CN consumer denied after the EU one")
		}
	})
	t.Run("OKCategoriesChangeSeen", func(t *testing.T) {
		l := policy.NewCedarLayer()
		s, err := policy.ParseCedar(1, []byte(`@id("h") forbid (principal, action, resource) when { context.categories.contains("user.health_and_medical") };`))
		if err != nil {
			t.Fatal(err)
		}
		l.Put(s)
		f := *phone
		if _, _, deny := l.Check(req, g, &f); deny {
			t.Error("phone denied")
		}
		f.Categories = []string{"user.health_and_medical"}
		if _, _, deny := l.Check(req, g, &f); !deny {
			t.Error("health allowed after recategorisation")
		}
	})
	t.Run("OKReplaceAndDelete", func(t *testing.T) {
		l := policy.NewCedarLayer()
		s, _ := policy.ParseCedar(1, []byte(`forbid (principal, action, resource);`))
		l.Put(s)
		if _, _, deny := l.Check(req, g, phone); !deny {
			t.Error("forbid-all did not deny")
		}
		s2, _ := policy.ParseCedar(1, []byte(`forbid (principal, action, resource) when { false };`))
		l.Put(s2)
		if _, _, deny := l.Check(req, g, phone); deny {
			t.Error("replaced set still denies")
		}
		l.Put(s)
		l.Delete(1)
		if _, _, deny := l.Check(req, g, phone); deny || l.Set(1) != nil {
			t.Error("deleted set still denies")
		}
	})
}

func FuzzParseCedar(f *testing.F) {
	f.Add(`@id("no-health") forbid (principal, action == Sluice::Action::"read", resource in Sluice::Dataset::"7") when { resource.categories.contains("user.health_and_medical") };`)
	f.Add(`permit (principal == Sluice::Org::"2", action, resource == Sluice::Field::"7/phone") when { context.purpose like "credit*" };`)
	f.Add(`forbid (principal, action, resource is Sluice::Field in Sluice::Dataset::"9") unless { context.grade == "general" && context.pi };`)
	f.Add("permit (principal, action, resource)\nwhen { context.x == };")
	f.Add(`@id("a") @id("b") permit (principal, action, resource);`)
	f.Add(`forbid (principal, action, resource in Sluice::Dataset::"-1");`)
	f.Add(`forbid (principal, action, resource == Sluice::Field::"x/y");`)
	f.Add("\x00\xff")
	req := &policy.Request{
		Consumer: policy.Consumer{ID: 2, Region: "CN", Kind: sluice.OrgCompany},
		Dataset:  policy.Dataset{ID: 7, Owner: 1, Region: "CN"},
		Purpose:  policy.Purpose{Name: "p", LegalBasis: "contract"},
	}
	g := &policy.Grant{ID: 1, Consumer: 2, Dataset: 7, Status: policy.StatusApproved, Purpose: "p"}
	fld := &policy.Field{Name: "phone", Categories: []string{"user.contact.phone_number"}, PI: true}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := policy.ParseCedar(1, []byte(text))
		if err != nil {
			var pe *policy.CedarParseError
			if errors.As(err, &pe) && (pe.Line < 1 || pe.Column < 1) {
				t.Fatalf("position %d:%d", pe.Line, pe.Column)
			}
			if sluice.ErrorCode(err) == sluice.EINTERNAL {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		// Whatever parsed can be evaluated without panicking.
		l := policy.NewCedarLayer()
		l.Put(s)
		l.Check(req, g, fld)
	})
}
