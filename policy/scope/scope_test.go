package scope_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/policy/scope"
)

// provisions returns the embedded provisions checked against the built-in
// catalog.
func provisions(tb testing.TB) *scope.Provisions {
	tb.Helper()
	p, err := scope.Load(classify.DefaultCatalog())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// field returns a classified field as classify describes it: personal when
// one of its categories is personal information under CN law.
func field(tb testing.TB, name string, keys ...string) *sluice.Field {
	tb.Helper()
	f := &sluice.Field{Name: name, NonEmpty: 10}
	if err := classify.DefaultCatalog().Describe(f, keys); err != nil {
		tb.Fatal(err)
	}
	return f
}

// noPI lists the app types of Art. 5 that need no personal information:
// items 21 and 27 to 38.
var noPI = []string{
	"womens_health", "live_streaming", "audio_video", "short_video", "news", "fitness", "browser",
	"input_method", "security", "ebooks", "camera_beauty", "app_store", "utilities",
}

func TestLoad(t *testing.T) {
	p := provisions(t)
	types := p.AppTypes()
	if len(types) != 39 {
		t.Fatalf("%d app types, want the 39 of Art. 5", len(types))
	}
	var none []string
	for i, a := range types {
		if a.Item != i+1 {
			t.Errorf("app type %d is item %d", i+1, a.Item)
		}
		if want := fmt.Sprintf("Art. 5(%d)", i+1); a.Article != want || !strings.HasSuffix(a.Ref(), " "+want) {
			t.Errorf("%s: article %q, ref %q, want %s", a.Key, a.Article, a.Ref(), want)
		}
		if a.NoPI {
			none = append(none, a.Key)
			if len(a.Categories()) != 0 || len(a.Necessary) != 0 {
				t.Errorf("%s needs no personal information but has a scope", a.Key)
			}
		} else if len(a.Categories()) == 0 {
			t.Errorf("%s: no category in its necessary scope", a.Key)
		}
	}
	if !slices.Equal(none, noPI) {
		t.Errorf("types needing no personal information:\n got %v\nwant %v", none, noPI)
	}
	if got := p.Instrument.EffectiveFrom; got != "2021-05-01" {
		t.Errorf("effective_from %s, want 2021-05-01", got)
	}
	rh, err := p.AppType("ride_hailing")
	if err != nil {
		t.Fatal(err)
	}
	if rh.NameZH != "网络约车类" || rh.Article != "Art. 5(2)" {
		t.Errorf("ride_hailing: %s %s", rh.NameZH, rh.Article)
	}
	b, err := json.Marshal(rh)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"text_zh":"注册用户移动电话号码","terms":["phone"]}`; !strings.Contains(string(b), want) {
		t.Errorf("ride_hailing as JSON:\n%s\nwant an item %s", b, want)
	}
}

func TestProvisions_Check(t *testing.T) {
	p := provisions(t)
	tests := []struct {
		name     string
		appType  string
		purposes []string
		fields   []*sluice.Field
		want     []string // field/category of each excess, in order
	}{
		{
			name:    "Art. 5(2) ride-hailing flags a resident ID number and a contacts list",
			appType: "ride_hailing",
			fields: []*sluice.Field{
				field(t, "phone", "user.contact.phone_number"),
				field(t, "pickup", "user.location.precise"),
				field(t, "dropoff_address", "user.contact.address"),
				field(t, "track", "user.location.trajectory"),
				{Name: "fare"},
				field(t, "resident_id", "user.government_id.national_identification_number"),
				field(t, "contacts", "user.name", "user.contact.phone_number"),
			},
			want: []string{
				"resident_id/user.government_id.national_identification_number",
				"contacts/user.name",
			},
		},
		{
			name:     "Art. 5(2) a purpose naming identity numbers widens the scope",
			appType:  "ride_hailing",
			purposes: []string{"user.government_id.national_identification_number"},
			fields: []*sluice.Field{
				field(t, "resident_id", "user.government_id.national_identification_number"),
				field(t, "contacts", "user.name", "user.contact.phone_number"),
			},
			want: []string{"contacts/user.name"},
		},
		{
			name:    "Art. 5(32) a browser needs no personal information: every personal field is excess",
			appType: "browser",
			fields: []*sluice.Field{
				field(t, "phone", "user.contact.phone_number"),
				field(t, "email", "user.contact.email"),
				field(t, "ip", "user.device.ip_address"),
				field(t, "device", "user.device.device_id"),
				{Name: "url"},
			},
			want: []string{
				"phone/user.contact.phone_number",
				"email/user.contact.email",
				"ip/user.device.ip_address",
				"device/user.device.device_id",
			},
		},
		{
			name:     "Art. 5(32) a purpose naming user.contact covers every contact key",
			appType:  "browser",
			purposes: []string{"user.contact"},
			fields: []*sluice.Field{
				field(t, "phone", "user.contact.phone_number"),
				field(t, "email", "user.contact.email"),
				field(t, "ip", "user.device.ip_address"),
			},
			want: []string{"ip/user.device.ip_address"},
		},
		{
			name:     "Art. 5(32) a prefix covers only whole dotted words",
			appType:  "browser",
			purposes: []string{"user.con", "user.contact.phone"},
			fields:   []*sluice.Field{field(t, "phone", "user.contact.phone_number")},
			want:     []string{"phone/user.contact.phone_number"},
		},
		{
			name:    "Art. 5(30) fields without personal information are never excess",
			appType: "news",
			fields: []*sluice.Field{
				field(t, "uscc", "organization.identifier.unified_social_credit_code"),
				field(t, "mixed", "organization.identifier.unified_social_credit_code", "user.name"),
				{Name: "flagged_but_not_personal", Categories: []sluice.FieldCategory{{Key: "user.name"}}},
			},
			want: []string{"mixed/user.name"},
		},
		{
			name:    "Art. 5(3) instant messaging: the account and the contacts' accounts are phone numbers",
			appType: "instant_messaging",
			fields: []*sluice.Field{
				field(t, "account", "user.contact.phone_number"),
				field(t, "contacts", "user.contact.phone_number", "user.contact.email"),
				field(t, "home", "user.contact.address"),
			},
			want: []string{"home/user.contact.address"},
		},
		{
			name:    "Art. 5(22) vehicle use: a driving licence number is a resident ID number",
			appType: "vehicle_use",
			fields: []*sluice.Field{
				field(t, "driving_licence_no", "user.government_id.national_identification_number"),
				field(t, "bank_card", "user.financial.bank_account"),
			},
			want: []string{"bank_card/user.financial.bank_account"},
		},
		{
			name:    "Art. 5(10) dating: age is necessary, a date of birth is not",
			appType: "dating",
			fields: []*sluice.Field{
				field(t, "gender", "user.demographic.gender"),
				field(t, "birthday", "user.demographic.date_of_birth"),
			},
			want: []string{"birthday/user.demographic.date_of_birth"},
		},
		{
			name:    "Art. 5(24) mobile banking: the bank-reserved phone and the payee's card",
			appType: "mobile_banking",
			fields: []*sluice.Field{
				field(t, "reserved_phone", "user.contact.phone_number"),
				field(t, "payee_card", "user.financial.bank_account"),
				field(t, "location", "user.location.precise"),
			},
			want: []string{"location/user.location.precise"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := p.Check(tt.appType, tt.purposes, tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := p.AppType(tt.appType)
			var got []string
			for _, e := range ex {
				got = append(got, e.Field+"/"+e.Category)
				if e.AppType != tt.appType || e.Article != a.Article || e.Ref != a.Ref() || e.Confidence != a.Confidence {
					t.Errorf("excess %+v does not cite %s %s", e, tt.appType, a.Article)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("excess:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// userCatalog is the built-in catalog plus a user category below
// user.location.precise.
type userCatalog struct{ *classify.Catalog }

func (c userCatalog) IsPersonal(key, jurisdiction string) bool {
	return key == "user.location.precise.cell_tower" || c.Catalog.IsPersonal(key, jurisdiction)
}

func TestProvisions_Check_SubKey(t *testing.T) {
	p, err := scope.Load(userCatalog{classify.DefaultCatalog()})
	if err != nil {
		t.Fatal(err)
	}
	f := &sluice.Field{Name: "cell", Personal: true, Categories: []sluice.FieldCategory{{Key: "user.location.precise.cell_tower"}}}
	for _, tc := range []struct {
		appType string
		want    int
	}{{"map_navigation", 0}, {"news", 1}} {
		ex, err := p.Check(tc.appType, nil, []*sluice.Field{f})
		if err != nil {
			t.Fatal(err)
		}
		if len(ex) != tc.want {
			t.Errorf("%s: %d excess, want %d (user.location.precise covers user.location.precise.cell_tower)", tc.appType, len(ex), tc.want)
		}
	}
}

func TestProvisions_Check_ErrUnknownAppType(t *testing.T) {
	p := provisions(t)
	for _, key := range []string{"search_engine", "", "Ride_Hailing"} {
		_, err := p.Check(key, nil, nil)
		if sluice.ErrorCode(err) != sluice.EINVALID {
			t.Fatalf("%q: %v, want EINVALID", key, err)
		}
		msg := sluice.ErrorMessage(err)
		for _, want := range []string{"ride_hailing", "browser", "show_tickets"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: message %q does not list %s", key, msg, want)
			}
		}
		if key != "" && !strings.Contains(msg, fmt.Sprintf("%q", key)) {
			t.Errorf("message %q does not name %q", msg, key)
		}
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		scope []string
		key   string
		want  bool
	}{
		{[]string{"user.contact"}, "user.contact", true},
		{[]string{"user.contact"}, "user.contact.phone_number", true},
		{[]string{"user.contact"}, "user.contacts", false},
		{[]string{"user.contact.phone_number"}, "user.contact", false},
		{[]string{"user"}, "user.location.precise", true},
		{[]string{""}, "user.name", false},
		{nil, "user.name", false},
		{[]string{"user.name", "user.location"}, "user.location.trajectory", true},
	}
	for _, tt := range tests {
		if got := scope.Covers(tt.scope, tt.key); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.scope, tt.key, got, tt.want)
		}
	}
}

func TestExcessFields(t *testing.T) {
	ex := []scope.Excess{{Field: "b", Category: "user.name"}, {Field: "a"}, {Field: "b", Category: "user.contact.email"}}
	if got := scope.ExcessFields(ex); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("ExcessFields = %q", got)
	}
}

// Every field inside the app type's scope passes; the same field passes
// any app type when a purpose names its categories.
func TestProvisions_Check_Property(t *testing.T) {
	p := provisions(t)
	for _, a := range p.AppTypes() {
		var fields []*sluice.Field
		for _, k := range a.Categories() {
			fields = append(fields, field(t, k, k))
		}
		if ex, err := p.Check(a.Key, nil, fields); err != nil || len(ex) != 0 {
			t.Errorf("%s: its own scope gives %v, %v", a.Key, ex, err)
		}
		for _, b := range p.AppTypes() {
			if ex, err := p.Check(b.Key, a.Categories(), fields); err != nil || len(ex) != 0 {
				t.Errorf("%s with the purposes of %s: %v, %v", b.Key, a.Key, ex, err)
			}
		}
	}
}

// valid is a small data file that loads; the load error cases change one
// thing in it.
const valid = `{
 "schema": 1,
 "version": "test",
 "instrument": {"id": "T", "short": "Test Provisions", "title": "Test", "number": "No. 1",
  "effective_from": "2021-05-01", "confidence": "verified"},
 "terms": [
  {"key": "phone", "name_zh": "电话", "name": "phone", "categories": ["user.contact.phone_number"]},
  {"key": "payment", "name_zh": "支付信息", "name": "payment", "categories": [], "note": "no category"}
 ],
 "app_types": [
  {"key": "ride_hailing", "item": 2, "name_zh": "网络约车类", "name": "Ride-hailing",
   "basic_function_zh": "约车", "basic_function": "taxis", "article": "Art. 5(2)", "confidence": "verified",
   "necessary": [{"text_zh": "注册用户移动电话号码", "terms": ["phone"]}, {"text_zh": "支付信息", "terms": ["payment"]}]},
  {"key": "browser", "item": 32, "name_zh": "浏览器类", "name": "Browsers",
   "basic_function_zh": "浏览", "basic_function": "browsing", "article": "Art. 5(32)", "confidence": "verified",
   "no_personal_information": true, "necessary": []}
 ]
}`

func TestParse(t *testing.T) {
	cat := classify.DefaultCatalog()
	t.Run("OK", func(t *testing.T) {
		p, err := scope.Parse("test.json", []byte(valid), cat)
		if err != nil {
			t.Fatal(err)
		}
		a, err := p.AppType("ride_hailing")
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Categories(); !slices.Equal(got, []string{"user.contact.phone_number"}) {
			t.Errorf("scope %q", got)
		}
		if a.Ref() != "Test Provisions (No. 1) Art. 5(2)" {
			t.Errorf("ref %q", a.Ref())
		}
	})
	tests := []struct {
		name     string
		old, new string
		want     []string // in the error, in order
	}{
		{"ErrUnknownCategory", `"categories": ["user.contact.phone_number"]`, `"categories": ["user.contact.pager"]`,
			[]string{"test.json:7:", `term "phone"`, `"user.contact.pager" is not a personal-information category`}},
		{"ErrNotPersonalCategory", `"categories": ["user.contact.phone_number"]`, `"categories": ["organization.identifier.unified_social_credit_code"]`,
			[]string{`term "phone"`, "not a personal-information category"}},
		{"ErrBadCategoryKey", `"categories": ["user.contact.phone_number"]`, `"categories": ["User Phone"]`,
			[]string{`term "phone"`, "not a category key"}},
		{"ErrDuplicateType", `"key": "browser"`, `"key": "ride_hailing"`,
			[]string{"test.json:14:", `app type "ride_hailing"`, "listed twice"}},
		{"ErrDuplicateItem", `"item": 32`, `"item": 2`,
			[]string{`app type "browser"`, `item 2 is also "ride_hailing"`}},
		{"ErrDuplicateTerm", `{"key": "payment"`, `{"key": "phone"`,
			[]string{"test.json:8:", `term "phone"`, "defined twice"}},
		{"ErrMissingTerm", `"terms": ["payment"]`, `"terms": ["fare"]`,
			[]string{"test.json:11:", `app type "ride_hailing"`, `necessary item 2: term "fare" is not defined`}},
		{"ErrUnusedTerm", `"terms": ["payment"]`, `"terms": ["phone"]`,
			[]string{"test.json:8:", `term "payment"`, "no app type uses it"}},
		{"ErrArticle", `"article": "Art. 5(32)"`, `"article": "Art. 5(31)"`,
			[]string{`app type "browser"`, `article "Art. 5(31)" does not match item 32`}},
		{"ErrNoPIWithItems", `"no_personal_information": true, "necessary": []`, `"no_personal_information": true, "necessary": [{"text_zh": "电话", "terms": ["phone"]}]`,
			[]string{`app type "browser"`, "no_personal_information is set"}},
		{"ErrEmptyWithoutNoPI", `"no_personal_information": true, "necessary": []`, `"necessary": []`,
			[]string{`app type "browser"`, "set no_personal_information"}},
		{"ErrNecessaryMissing", `"no_personal_information": true, "necessary": []`, `"no_personal_information": true`,
			[]string{`app type "browser"`, "necessary required"}},
		{"ErrConfidence", `"article": "Art. 5(32)", "confidence": "verified"`, `"article": "Art. 5(32)", "confidence": "sure"`,
			[]string{`app type "browser"`, `confidence "sure"`}},
		{"ErrTermWithoutNote", `"categories": [], "note": "no category"`, `"categories": []`,
			[]string{`term "payment"`, "add a note"}},
		{"ErrUnknownField", `"basic_function": "browsing"`, `"basic_function": "browsing", "sector": "x"`,
			[]string{"app type:", `unknown field "sector"`}},
		{"ErrSchema", `"schema": 1`, `"schema": 2`, []string{"test.json:", "schema 2, want 1"}},
		{"ErrEffectiveFrom", `"effective_from": "2021-05-01"`, `"effective_from": "May 2021"`, []string{"effective_from"}},
		{"ErrSyntax", `"version": "test",`, `"version": "test"`, []string{"test.json:4:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("%q is not in the valid file", tt.old)
			}
			_, err := scope.Parse("test.json", []byte(strings.Replace(valid, tt.old, tt.new, 1)), cat)
			var de *scope.DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v, want a *DataError", err)
			}
			msg, at := err.Error(), 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error %q does not say %q", msg, w)
				}
				at += i + len(w)
			}
		})
	}
	t.Run("ErrNoCatalog", func(t *testing.T) {
		if _, err := scope.Parse("test.json", []byte(valid), nil); err == nil || !strings.Contains(err.Error(), "no catalog") {
			t.Errorf("error %v, want one about the missing catalog", err)
		}
	})
}
