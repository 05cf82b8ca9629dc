package classify_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy/route"
)

var autoDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func mustAuto(t *testing.T) *classify.AutoClasses {
	t.Helper()
	a, err := classify.DefaultAutoClasses()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// classesOf returns the class ids of findings.
func classesOf(fs []classify.AutoFinding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Class+"="+f.Ref)
	}
	return strings.Join(ids, " ")
}

// TestAutoClasses_Art3 checks each class of important automotive data of
// the Automotive Provisions Art. 3, items 1 to 5, as a declaration or a
// count per processor triggers it.
func TestAutoClasses_Art3(t *testing.T) {
	a := mustAuto(t)
	for _, tc := range []struct {
		name string
		in   classify.AutoInput
		want string
	}{
		// Art. 3(1): sensitive areas' geography, people and vehicle flow.
		{"Art3_1_SensitiveArea", classify.AutoInput{Declared: sluice.AutoDeclaration{SensitiveArea: true}}, "cn.auto.sensitive_area=AUTO Art. 3(1)"},
		// Art. 3(2): vehicle flow and logistics reflecting economic operation.
		{"Art3_2_EconomicOperation", classify.AutoInput{Declared: sluice.AutoDeclaration{EconomicOperation: true}}, "cn.auto.economic_operation=AUTO Art. 3(2)"},
		// Art. 3(3): charging-network operating data.
		{"Art3_3_ChargingNetwork", classify.AutoInput{Declared: sluice.AutoDeclaration{ChargingNetwork: true}}, "cn.auto.charging_network=AUTO Art. 3(3)"},
		// Art. 3(4): exterior video and images with faces or plates; not
		// once anonymised.
		{"Art3_4_ExteriorFaces", classify.AutoInput{Declared: sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorFaces}}, "cn.auto.exterior_images=AUTO Art. 3(4)"},
		{"Art3_4_ExteriorPlates", classify.AutoInput{Declared: sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorPlates}}, "cn.auto.exterior_images=AUTO Art. 3(4)"},
		{"Art3_4_ExteriorBoth", classify.AutoInput{Declared: sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorFacesPlates}}, "cn.auto.exterior_images=AUTO Art. 3(4)"},
		{"Art3_4_ExteriorAnonymised", classify.AutoInput{Declared: sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorAnonymised}}, ""},
		// Art. 3(5): personal information of more than 100,000 people,
		// per processor: 100,000 is not more than 100,000.
		{"Art3_5_At100000", classify.AutoInput{Sector: sluice.SectorAutomotive, ProcessorSubjects: 100_000}, ""},
		{"Art3_5_Over100000", classify.AutoInput{Sector: sluice.SectorAutomotive, ProcessorSubjects: 100_001}, "cn.auto.personal_information=AUTO Art. 3(5)"},
		{"Art3_5_OtherSector", classify.AutoInput{Sector: "transport", ProcessorSubjects: 5_000_000}, ""},
		{"Art3_AllAtOnce", classify.AutoInput{Sector: sluice.SectorAutomotive, ProcessorSubjects: 200_000,
			Declared: sluice.AutoDeclaration{SensitiveArea: true, EconomicOperation: true, ChargingNetwork: true, ExteriorImages: sluice.ExteriorPlates}},
			"cn.auto.sensitive_area=AUTO Art. 3(1) cn.auto.economic_operation=AUTO Art. 3(2) cn.auto.charging_network=AUTO Art. 3(3) cn.auto.exterior_images=AUTO Art. 3(4) cn.auto.personal_information=AUTO Art. 3(5)"},
		{"Art3_NotInEU", classify.AutoInput{Region: "EU", Sector: sluice.SectorAutomotive, ProcessorSubjects: 200_000, Declared: sluice.AutoDeclaration{ChargingNetwork: true}}, ""},
		{"Art3_BeforeInForce", classify.AutoInput{Declared: sluice.AutoDeclaration{ChargingNetwork: true}, Day: time.Date(2021, 9, 30, 0, 0, 0, 0, time.UTC)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Region == "" {
				in.Region = "CN"
			}
			if in.Day.IsZero() {
				in.Day = autoDay
			}
			got := a.Evaluate(in)
			if s := classesOf(got); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
			for _, f := range got {
				if f.Grade != "important" || f.Confidence != "checked" || f.Text == "" {
					t.Errorf("finding %+v", f)
				}
			}
		})
	}
}

// TestAutoClasses_VolumeMatchesRoute checks that the Art. 3(5) count is
// the one the transfer rules apply (thresholds.json), so that a dataset
// graded important and a transfer routed to assessment agree.
func TestAutoClasses_VolumeMatchesRoute(t *testing.T) {
	a := mustAuto(t)
	c := a.VolumeClass("CN", autoDay)
	if c == nil || c.Article != "Art. 3(5)" {
		t.Fatalf("volume class %+v", c)
	}
	limits, err := route.Default().Limits("CN", route.DateOf(autoDay))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range limits {
		if l.Counter == "auto_individuals" {
			found = true
			if l.Threshold.Value != c.Count.Threshold || l.Threshold.Op != c.Count.Op {
				t.Errorf("route threshold %d %s, automotive.json %d %s", l.Threshold.Value, l.Threshold.Op, c.Count.Threshold, c.Count.Op)
			}
		}
	}
	if !found {
		t.Error("the transfer rules have no auto_individuals limit")
	}
}

// TestCatalog_DeclaredGrade checks that a declared class makes a dataset
// important data (Automotive Provisions Art. 3(1)-(4)) and that nothing
// declared, or anonymised images, leaves it general.
func TestCatalog_DeclaredGrade(t *testing.T) {
	c := classify.DefaultCatalog()
	for _, tc := range []struct {
		decl sluice.AutoDeclaration
		want sluice.Grade
	}{
		{sluice.AutoDeclaration{}, sluice.GradeGeneral},
		{sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorAnonymised}, sluice.GradeGeneral},
		{sluice.AutoDeclaration{ChargingNetwork: true}, sluice.GradeImportant},
		{sluice.AutoDeclaration{ExteriorImages: sluice.ExteriorFaces}, sluice.GradeImportant},
	} {
		d := &sluice.Dataset{Region: "CN", Automotive: tc.decl, Fields: []*sluice.Field{{Name: "vin", Grade: sluice.GradeGeneral}}}
		if got := sluice.GradeDeclared(c, d, "", autoDay); got != tc.want {
			t.Errorf("%+v: grade %s, want %s", tc.decl, got, tc.want)
		}
	}
}

func TestLoadAutoClasses(t *testing.T) {
	data, err := os.ReadFile("catalog/automotive.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := classify.LoadAutoClasses(data)
	if err != nil {
		t.Fatal(err)
	}
	if a.Report.DueOn(2026) != "2026-12-15" {
		t.Errorf("report due %s, want 2026-12-15", a.Report.DueOn(2026))
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"ErrUnknownDeclaration", `"declared_by": "charging_network"`, `"declared_by": "charging"`, `classes[2] (cn.auto.charging_network): declared_by "charging"`},
		{"ErrBothTriggers", `"declared_by": "sensitive_area",`, `"declared_by": "sensitive_area", "count": {"threshold": 1, "op": "gt", "unit": "x"},`, "give either declared_by or count"},
		{"ErrConfidence", `"article": "Art. 3(3)",
      "confidence": "checked"`, `"article": "Art. 3(3)",
      "confidence": "sure"`, `classes[2] (cn.auto.charging_network): confidence "sure"`},
		{"ErrDue", `"due": "12-15"`, `"due": "12-32"`, `due "12-32"`},
		{"ErrThreshold", `"threshold": 100000`, `"threshold": 0`, "threshold of at least 1"},
		{"ErrUnknownField", `"item": 1,`, `"item": 1, "items": 2,`, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := string(data)
			if !strings.Contains(s, tc.old) {
				t.Fatalf("automotive.json has no %q", tc.old)
			}
			_, err := classify.LoadAutoClasses([]byte(strings.Replace(s, tc.old, tc.new, 1)))
			if sluice.ErrorCode(err) != sluice.EINVALID || !strings.Contains(sluice.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v, want EINVALID naming %q", err, tc.want)
			}
		})
	}
}
