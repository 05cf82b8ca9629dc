package classify

import (
	"strings"
	"testing"
)

func fieldsWith(keys ...string) []FieldResult {
	var fs []FieldResult
	for _, k := range keys {
		fs = append(fs, FieldResult{Name: "f_" + k, Categories: []CategoryMatch{{Key: k, Matches: 1, Ratio: 1}}})
	}
	return fs
}

// JR/T 0197-2020 §5: a bank's card numbers stand at level 3 (C2 personal
// financial information), biometric templates at level 4 (C3); both are
// general data under DSL Art. 21, so the grade stays general.
func TestSectorFinanceJRT0197Levels(t *testing.T) {
	c := DefaultCatalog()
	fields := fieldsWith("user.financial.bank_account", "user.biometric")
	for _, orgSector := range []string{"finance", "bank", "Consumer_Finance"} {
		ms := c.SectorLevels(fields, orgSector)
		if len(ms) != 2 {
			t.Fatalf("%s: matches = %+v, want levels 4 and 3", orgSector, ms)
		}
		if ms[0].Level != 4 || ms[0].Entry != "jrt0197.level4.c3" || ms[0].Fields[0] != "f_user.biometric" {
			t.Errorf("%s: first = %+v, want level 4 (C3) first", orgSector, ms[0])
		}
		if ms[1].Level != 3 || !strings.Contains(ms[1].Instrument, "JR/T 0197-2020") || ms[1].Confidence != ConfidenceUnverified {
			t.Errorf("%s: second = %+v", orgSector, ms[1])
		}
		if g, _ := c.DatasetGrade(fields, 0, orgSector); g != GradeGeneral {
			t.Errorf("%s: grade %s, want general (levels 1-4 are general data)", orgSector, g)
		}
	}
	if ms := c.SectorLevels(fields, "retail"); len(ms) != 0 {
		t.Errorf("retail org: %+v, want no sector entry", ms)
	}
	if ms := c.SectorLevels(fields, ""); len(ms) != 0 {
		t.Errorf("no sector: %+v", ms)
	}
}

// GB/T 39725-2020 §6.1: health data falls into personal attribute, health
// status, medical application, medical payment, health resources and
// public health data; §6.2 grades it in five levels.
func TestSectorHealthGBT39725Classes(t *testing.T) {
	c := DefaultCatalog()
	var health *Sector
	for _, s := range c.Sectors() {
		if s.Sector == "health" {
			health = &s
		}
	}
	if health == nil {
		t.Fatal("no health sector")
	}
	classes := map[string]bool{}
	levels := map[int]bool{}
	for _, e := range health.Entries {
		classes[e.Class] = true
		levels[e.Level] = true
	}
	for _, want := range []string{"personal attribute data", "health status data", "medical application data", "medical payment data", "health resources data", "public health data"} {
		if !classes[want] {
			t.Errorf("class %q missing", want)
		}
	}
	ms := c.SectorLevels(fieldsWith("user.health", "user.name"), "hospital") // user.health: an alias
	got := map[string]int{}
	for _, m := range ms {
		got[m.Class] = m.Level
	}
	if got["health status data"] != 4 || got["personal attribute data"] != 4 || len(ms) != 2 {
		t.Errorf("matches = %+v", ms)
	}
}

// O16 Art. 2 / NDSR Art. 37: data no authority has notified or published as
// important need not be declared as important. A standard's candidate entry
// is shown but does not lift the grade; a published catalogue's entry does.
func TestSectorCandidateVersusPublishedO16Art2(t *testing.T) {
	file := `{"version":"region-x-1","sectors":[{"sector":"health","entries":[
 {"id":"x.candidate","class":"epidemic reports","categories":["user.health_and_medical"],"grade":"important","candidate_important":true,
  "instrument":"Sector guide","clause":"§1","confidence":"unverified","effective_from":"2024-01-01"}]},
 {"sector":"mapping","applies_to":["surveying"],"entries":[
 {"id":"x.published","class":"precise survey points","categories":["user.location.precise"],"grade":"important",
  "instrument":"Region X important data catalogue","clause":"item 3","confidence":"verified","effective_from":"2025-01-01"}]}]}`
	c, err := LoadCatalog("region.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	g, reasons := c.DatasetGrade(fieldsWith("user.health_and_medical"), 0, "health")
	if g != GradeGeneral {
		t.Errorf("candidate lifted the grade to %s: %+v", g, reasons)
	}
	ms := c.SectorLevels(fieldsWith("user.health_and_medical"), "health")
	found := false
	for _, m := range ms {
		found = found || m.Entry == "x.candidate" && m.CandidateImportant
	}
	if !found {
		t.Errorf("candidate not shown: %+v", ms)
	}
	fields := fieldsWith("user.location.precise")
	g, reasons = c.DatasetGrade(fields, 0, "surveying")
	if g != GradeImportant || reasons[len(reasons)-1].Rule != "sector:mapping:x.published" || reasons[len(reasons)-1].Article != "item 3" {
		t.Errorf("published entry: grade %s, reasons %+v", g, reasons)
	}
	ApplyGrade(fields, reasons)
	if fields[0].Grade != GradeImportant {
		t.Errorf("field grade %q", fields[0].Grade)
	}
	// The built-in finance catalogue is still there, merged with the file.
	if len(c.SectorLevels(fieldsWith("user.financial.bank_account"), "bank")) == 0 {
		t.Error("built-in finance sector lost")
	}
}

// A --catalog file's sector entries replace built-in entries of the same id.
func TestSectorCatalogReplacesEntry(t *testing.T) {
	file := `{"sectors":[{"sector":"finance","applies_to":["microlender"],"entries":[
 {"id":"jrt0197.level3.c2","class":"C2 (regional reading)","level":3,"categories":["user.contact.email"],"grade":"general",
  "instrument":"JR/T 0197-2020","clause":"§5","confidence":"secondary","effective_from":"2020-09-23"}]}]}`
	c, err := LoadCatalog("fin.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	ms := c.SectorLevels(fieldsWith("user.contact.email", "user.financial.bank_account"), "microlender")
	if len(ms) != 1 || ms[0].Class != "C2 (regional reading)" || ms[0].Fields[0] != "f_user.contact.email" {
		t.Errorf("matches = %+v", ms)
	}
}

// Bad sector entries are errors that name the file, line, entry and field.
func TestSectorCatalogErrors(t *testing.T) {
	entry := func(extra string) string {
		return `{"sectors":[{"sector":"finance","entries":[
 {"id":"e1","instrument":"I","clause":"C","confidence":"verified","effective_from":"2024-01-01",` + extra + `}]}]}`
	}
	cases := []struct{ name, file, want string }{
		{"unknown category", entry(`"grade":"general","categories":["user.nope"]`), `fin.json:2: sector finance, entry "e1": field "categories": unknown category "user.nope"`},
		{"unknown grade", entry(`"grade":"secret"`), `field "grade": "secret" is not general, important or core`},
		{"candidate not important", entry(`"grade":"general","candidate_important":true`), `field "candidate_important"`},
		{"confidence", `{"sectors":[{"sector":"finance","entries":[{"id":"e1","grade":"general","instrument":"I","clause":"C","confidence":"✔","effective_from":"2024-01-01"}]}]}`, `field "confidence": "✔" is not verified, secondary or unverified`},
		{"date", `{"sectors":[{"sector":"finance","entries":[{"id":"e1","grade":"general","instrument":"I","clause":"C","confidence":"verified","effective_from":"2024"}]}]}`, `field "effective_from"`},
		{"no clause", `{"sectors":[{"sector":"finance","entries":[{"id":"e1","grade":"general","instrument":"I","confidence":"verified","effective_from":"2024-01-01"}]}]}`, `field "clause": required`},
		{"sector name", `{"sectors":[{"sector":"Finance Dept","entries":[]}]}`, `field "sector"`},
		{"unknown key", "{\"sectors\":[{\"sector\":\"finance\",\n\"levels\":[]}]}", `fin.json:2: sector: unknown key "levels"`},
		{"unknown entry key", "{\"sectors\":[{\"sector\":\"finance\",\"entries\":[\n{\"id\":\"e1\",\"lvl\":3}]}]}", `fin.json:2:`},
	}
	for _, tc := range cases {
		_, err := LoadCatalog("fin.json", []byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
