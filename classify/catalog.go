package classify

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice"
)

//go:embed catalog/*.json catalog/sectors/*.json
var catalogFS embed.FS

// Grades under the Data Security Law, from lowest to highest: the root
// package's, named here too for the catalog's users.
const (
	GradeGeneral   = string(sluice.GradeGeneral)
	GradeImportant = string(sluice.GradeImportant)
	GradeCore      = string(sluice.GradeCore)
)

// gradeRank orders grades; unknown grades rank -1.
func gradeRank(g string) int {
	switch g {
	case GradeGeneral:
		return 0
	case GradeImportant:
		return 1
	case GradeCore:
		return 2
	}
	return -1
}

// MaxGrade returns the higher of two grades.
func MaxGrade(a, b string) string {
	if gradeRank(b) > gradeRank(a) {
		return b
	}
	return a
}

// Jurisdictions the built-in catalog describes.
const (
	JurisdictionCN = "CN"
	JurisdictionEU = "EU"
)

// A LegalRef names the rule a catalog entry encodes.
type LegalRef struct {
	Instrument    string `json:"instrument"`
	Article       string `json:"article"`
	Confidence    string `json:"confidence,omitempty"` // ✔ checked, ◐ summary, ○ unverified
	EffectiveFrom string `json:"effective_from,omitempty"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Note          string `json:"note,omitempty"`
}

// A Jurisdiction says how one jurisdiction's law treats a category.
type Jurisdiction struct {
	PI        bool   `json:"pi"`                  // personal information
	Sensitive bool   `json:"sensitive"`           // PIPL Art. 28 / GDPR Art. 9
	SPIClass  string `json:"spi_class,omitempty"` // e.g. "financial_account"
	// WrittenConsent, when set, is the rule under which collecting or
	// providing the category needs the individual's written consent
	// (credit information: Credit Reporting Industry Regulations Art. 18).
	WrittenConsent *LegalRef `json:"written_consent,omitempty"`
	LegalRef
}

// Hints are words that, found in a field's header, suggest a category.
// Chinese hints match as substrings; English hints match whole words of the
// header (snake_case, camelCase and spaces split words), or, for hints of
// five letters or more, anywhere in the header with separators removed.
type Hints struct {
	ZH []string `json:"zh,omitempty"`
	EN []string `json:"en,omitempty"`
}

// A Decision sets how much evidence a field needs to be given a category.
// Rate is matches over candidates of the right shape (a value that looks
// like an identity number but fails its check character is a candidate, not
// a match); Share is matches over non-empty values. Lexical categories
// (names, addresses, …) have no candidates, so only Share applies.
//
// Chance, when set, is the probability that a random candidate of the
// right shape validates. A field whose rate is too low still gets the
// category when its matches are far more than chance explains (at least
// [ChanceFactor] times the expected number): free text that mixes a few
// identity numbers with many order numbers holds identity numbers.
type Decision struct {
	MinRate        float64 `json:"min_rate,omitempty"`
	HintedMinRate  float64 `json:"hinted_min_rate,omitempty"`
	MinShare       float64 `json:"min_share,omitempty"`
	HintedMinShare float64 `json:"hinted_min_share,omitempty"`
	RequiresHint   bool    `json:"requires_hint,omitempty"`
	Chance         float64 `json:"chance,omitempty"`
}

// ChanceFactor is how many times more matches than chance predicts a field
// needs when its rate is below the threshold; see [Decision].
const ChanceFactor = 10

// Default decision thresholds.
const (
	DefaultMinRate       = 0.5 // half the candidates validate
	DefaultHintedMinRate = 0.3 // with a header hint
)

// A Category is one kind of data, with its detectors, header hints, grade
// and legal treatment per jurisdiction.
type Category struct {
	Key           string                  `json:"key"`
	Name          string                  `json:"name"`
	NameZH        string                  `json:"name_zh,omitempty"`
	Description   string                  `json:"description,omitempty"`
	Detectors     []string                `json:"detectors,omitempty"` // built-in detector names
	Pattern       string                  `json:"pattern,omitempty"`   // user detector: a Go regular expression
	Validator     string                  `json:"validator,omitempty"` // optional named validator for Pattern
	Hints         Hints                   `json:"hints"`
	Decision      Decision                `json:"decision"`
	Grade         string                  `json:"grade,omitempty"` // general (default), important or core
	Identifies    bool                    `json:"identifies_subject,omitempty"`
	Jurisdictions map[string]Jurisdiction `json:"jurisdictions"`
	EffectiveFrom string                  `json:"effective_from,omitempty"`
	EffectiveTo   string                  `json:"effective_to,omitempty"`

	// Source and Line say where the entry was defined.
	Source string `json:"-"`
	Line   int    `json:"-"`
}

// A GradeRule lifts a dataset's grade when its fields hold certain
// categories about enough people, in a given sector.
type GradeRule struct {
	ID          string   `json:"id"`
	Sector      string   `json:"sector,omitempty"` // "" applies to every sector
	Categories  []string `json:"categories,omitempty"`
	AnyPI       bool     `json:"any_personal_information,omitempty"`
	MinSubjects int64    `json:"min_subjects,omitempty"`
	Grade       string   `json:"grade"`
	Description string   `json:"description,omitempty"`
	LegalRef
	Source string `json:"-"`
	Line   int    `json:"-"`
}

// A Reason explains a grade: the rule that set it and its legal reference.
type Reason struct {
	Rule   string   `json:"rule"`
	Grade  string   `json:"grade"`
	Text   string   `json:"text"`
	Fields []string `json:"fields,omitempty"`
	LegalRef
}

// catalogFile is the on-disk shape of a catalog file. Built-in files and
// user files (--catalog) share it.
type catalogFile struct {
	Version   string `json:"version"`
	Fideslang string `json:"fideslang"` // the fideslang taxonomy the keys follow
	// Extends makes an entry whose key the catalog already has add its
	// hints to that entry instead of replacing it.
	Extends     bool   `json:"extends,omitempty"`
	Description string `json:"description"`
	// Aliases maps other spellings of keys, such as fideslang 3.2's
	// renames, to the catalog's keys; both are accepted wherever a key is.
	Aliases    map[string]string `json:"aliases"`
	Categories []Category        `json:"categories"`
	Rules      []GradeRule       `json:"rules"`
	Grades     []struct {
		Grade string `json:"grade"`
		LegalRef
	} `json:"grades"`
	// Sectors are sector catalogues (see sector.go).
	Sectors []Sector `json:"sectors"`
}

// MaxCategories is how many categories one catalog may hold.
const MaxCategories = 64

// A Catalog holds the categories sluice detects and the rules that grade
// datasets. It is immutable once built and safe for concurrent use.
type Catalog struct {
	Version   string // versions of the files merged, joined by "+"
	Fideslang string // the fideslang taxonomy the keys follow

	cats    []Category
	byKey   map[string]int
	detCat  [numDetectors]uint64 // category bits of each built-in detector
	user    []userDetector
	rules   []GradeRule
	grades  map[string]LegalRef
	sectors []Sector
	seed    uint64 // keys the hash of identifying values

	lexicalCats uint64 // categories decided by share only
	dobCats     uint64
	ipCats      uint64 // categories of IPv4 addresses
	idCats      uint64 // categories of resident IDs
	weakCats    uint64 // categories whose values carry no check character: passports, permits, VINs
	coordCats   uint64 // categories fed by latitude/longitude columns
	deviceCats  uint64 // categories whose hint enables UUID and Android ID
	religionCat uint64
	ethnicCat   uint64
	bankCat     int // index of the bank-card category, or -1
	creditCat   int // index of the credit-card category, or -1
	macCat      int // index of the MAC address category, or -1
	preciseCat  int // index of the precise-location category, or -1
	vagueCat    int
	hints       []headerHint
	aliases     [][2]string // alias, key
}

type userDetector struct {
	cat      int
	re       *regexp.Regexp
	validate func(string) bool
}

type headerHint struct {
	cat  int
	word string // lower-cased; English words joined by single spaces
	zh   bool
	// padded is an English word between spaces, as headerHints matches
	// it; joined is the word without its spaces, for hints of five
	// letters or more, which also match a header written as one word.
	padded, joined string
}

// Validators are the named validators a user category may attach to its
// pattern.
var Validators = map[string]func(string) bool{
	"cn_resident_id":   ValidResidentID,
	"cn_phone":         ValidPhone,
	"cn_mobile":        ValidMobile,
	"luhn":             ValidLuhn,
	"bank_card":        ValidBankCard,
	"credit_card":      ValidCreditCard,
	"email":            ValidEmail,
	"ipv4":             ValidIPv4,
	"ipv6":             ValidIPv6,
	"mac":              ValidMAC,
	"imei":             ValidIMEI,
	"uuid":             ValidUUID,
	"vin":              ValidVIN,
	"cn_uscc":          ValidUSCC,
	"cn_passport":      ValidPassport,
	"cn_travel_permit": ValidTravelPermit,
	"cn_plate":         ValidPlate,
}

var defaultCatalog *Catalog

// builtinCatalogFiles are the built-in catalog files, merged in order:
// the category and grading files, then one file per sector
// (catalog/sectors/*.json, in name order).
var builtinCatalogFiles = func() []string {
	files := []string{"catalog/categories.json", "catalog/grades.json", "catalog/eu.json"}
	sectors, err := fs.Glob(catalogFS, "catalog/sectors/*.json")
	if err != nil {
		panic(err)
	}
	sort.Strings(sectors)
	return append(files, sectors...)
}()

func init() {
	var files []loadedFile
	for _, name := range builtinCatalogFiles {
		data, err := catalogFS.ReadFile(name)
		if err != nil {
			panic(err)
		}
		f, err := parseCatalogFile(name, data)
		if err != nil {
			panic(err)
		}
		files = append(files, f)
	}
	c, err := build(files)
	if err != nil {
		panic(err)
	}
	defaultCatalog = c
}

// DefaultCatalog returns the built-in catalog.
func DefaultCatalog() *Catalog { return defaultCatalog }

// LoadCatalog parses a user catalog file (JSON, the shape of the built-in
// catalog/categories.json, optionally with "rules") and merges it on top of
// the built-in catalog: an entry with a key the catalog already has replaces
// it, a new key adds a category. Errors are *sluice.Error with code EINVALID,
// naming name and the line of the offending entry.
func LoadCatalog(name string, data []byte) (*Catalog, error) {
	var files []loadedFile
	for _, n := range builtinCatalogFiles {
		d, _ := catalogFS.ReadFile(n)
		f, err := parseCatalogFile(n, d)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	f, err := parseCatalogFile(name, data)
	if err != nil {
		return nil, err
	}
	return build(append(files, f))
}

type loadedFile struct {
	name string
	catalogFile
}

// lineAt returns the 1-based line of the first significant byte at or after
// off.
func lineAt(data []byte, off int64) int { return (&lineCounter{data: data}).at(off) }

// A lineCounter finds the lines of offsets in data, counting the newlines
// from the last offset asked for when they come in order, as a decoder's
// entries do: a file's entries cost one pass over it, not one each.
type lineCounter struct {
	data []byte
	off  int64 // newlines are counted up to here
	n    int   // newlines before off
}

// at returns the 1-based line of the first significant byte at or after
// off.
func (l *lineCounter) at(off int64) int {
	off = min(off, int64(len(l.data)))
	for off < int64(len(l.data)) && strings.IndexByte(" \t\r\n,:", l.data[off]) >= 0 {
		off++
	}
	if off < l.off {
		l.off, l.n = 0, 0
	}
	l.n += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return 1 + l.n
}

func catalogError(name string, line int, format string, args ...any) error {
	e := sluice.Errorf(sluice.EINVALID, "%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	e.Line = line
	return e
}

// parseCatalogFile decodes a catalog file, recording the line of each entry.
func parseCatalogFile(name string, data []byte) (loadedFile, error) {
	out := loadedFile{name: name}
	lines := lineCounter{data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	fail := func(err error) (loadedFile, error) {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		off := dec.InputOffset()
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		msg := err.Error()
		if errors.Is(err, errEOF) || err.Error() == "EOF" {
			msg = "unexpected end of file"
		}
		return out, catalogError(name, lineAt(data, off-1), "%s", strings.TrimPrefix(msg, "json: "))
	}
	if t, err := dec.Token(); err != nil {
		return fail(err)
	} else if d, ok := t.(json.Delim); !ok || d != '{' {
		return out, catalogError(name, 1, "a catalog file is a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := t.(string)
		switch key {
		case "categories", "rules":
			if t, err := dec.Token(); err != nil {
				return fail(err)
			} else if d, ok := t.(json.Delim); !ok || d != '[' {
				return out, catalogError(name, lineAt(data, dec.InputOffset()-1), "%q must be an array", key)
			}
			for dec.More() {
				line := lines.at(dec.InputOffset())
				if key == "categories" {
					var c Category
					if err := dec.Decode(&c); err != nil {
						return fail(err)
					}
					c.Source, c.Line = name, line
					out.Categories = append(out.Categories, c)
				} else {
					var r GradeRule
					if err := dec.Decode(&r); err != nil {
						return fail(err)
					}
					r.Source, r.Line = name, line
					out.Rules = append(out.Rules, r)
				}
			}
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
		case "version":
			if err := dec.Decode(&out.Version); err != nil {
				return fail(err)
			}
		case "description":
			if err := dec.Decode(&out.Description); err != nil {
				return fail(err)
			}
		case "extends":
			if err := dec.Decode(&out.Extends); err != nil {
				return fail(err)
			}
		case "fideslang":
			if err := dec.Decode(&out.Fideslang); err != nil {
				return fail(err)
			}
		case "aliases":
			if err := dec.Decode(&out.Aliases); err != nil {
				return fail(err)
			}
		case "grades":
			if err := dec.Decode(&out.Grades); err != nil {
				return fail(err)
			}
		case "sectors":
			if t, err := dec.Token(); err != nil {
				return fail(err)
			} else if d, ok := t.(json.Delim); !ok || d != '[' {
				return out, catalogError(name, lineAt(data, dec.InputOffset()-1), "%q must be an array", key)
			}
			ss, err := parseSectors(name, data, dec)
			if err != nil {
				var se *sluice.Error
				if errors.As(err, &se) {
					return out, err
				}
				return fail(err)
			}
			out.Sectors = append(out.Sectors, ss...)
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
		default:
			return out, catalogError(name, lineAt(data, dec.InputOffset()-int64(len(key))-2), "unknown key %q", key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	return out, nil
}

var errEOF = errors.New("EOF")

// build merges the files in order and compiles the result.
func build(files []loadedFile) (*Catalog, error) {
	c := &Catalog{byKey: map[string]int{}, grades: map[string]LegalRef{}, seed: rand.Uint64(), preciseCat: -1, vagueCat: -1, bankCat: -1, creditCat: -1, macCat: -1}
	var versions []string
	ruleIdx := map[string]int{}
	// Aliases resolve to the category of the key they name, in either
	// direction: a catalog may use the old key or the new one.
	other := map[string]string{}
	for _, f := range files {
		if f.Fideslang != "" {
			c.Fideslang = f.Fideslang
		}
		for a, k := range f.Aliases {
			if !keyRE.MatchString(a) || !keyRE.MatchString(k) {
				return nil, catalogError(f.name, 1, "alias %q -> %q: want dotted lower-case keys", a, k)
			}
			c.aliases = append(c.aliases, [2]string{a, k})
			other[a], other[k] = k, a
		}
	}
	sort.Slice(c.aliases, func(i, j int) bool { return c.aliases[i][0] < c.aliases[j][0] })
	for _, f := range files {
		if f.Version != "" {
			versions = append(versions, f.Version)
		}
		for _, g := range f.Grades {
			c.grades[g.Grade] = g.LegalRef
		}
		for _, cat := range f.Categories {
			if f.Extends {
				if i := c.extendIndex(cat.Key); i >= 0 {
					c.cats[i].Hints.EN = append(c.cats[i].Hints.EN, cat.Hints.EN...)
					c.cats[i].Hints.ZH = append(c.cats[i].Hints.ZH, cat.Hints.ZH...)
					c.cats[i].Detectors = append(c.cats[i].Detectors, cat.Detectors...)
					continue
				}
			}
			if err := checkCategory(&cat); err != nil {
				return nil, err
			}
			if i, ok := c.byKey[cat.Key]; ok {
				c.cats[i] = cat
				continue
			}
			if i, ok := c.byKey[other[cat.Key]]; ok && other[cat.Key] != "" {
				c.cats[i] = cat // the same category under its other key
				c.byKey[cat.Key] = i
				continue
			}
			if len(c.cats) == MaxCategories {
				return nil, catalogError(cat.Source, cat.Line, "too many categories (at most %d)", MaxCategories)
			}
			c.byKey[cat.Key] = len(c.cats)
			c.cats = append(c.cats, cat)
		}
		for _, r := range f.Rules {
			if r.ID == "" {
				return nil, catalogError(r.Source, r.Line, "rule has no id")
			}
			if gradeRank(r.Grade) < 1 {
				return nil, catalogError(r.Source, r.Line, "rule %q: grade must be important or core, not %q", r.ID, r.Grade)
			}
			if len(r.Categories) == 0 && !r.AnyPI {
				return nil, catalogError(r.Source, r.Line, "rule %q names no categories", r.ID)
			}
			if i, ok := ruleIdx[r.ID]; ok {
				c.rules[i] = r
				continue
			}
			ruleIdx[r.ID] = len(c.rules)
			c.rules = append(c.rules, r)
		}
	}
	c.Version = strings.Join(versions, "+")
	for _, ak := range c.aliases {
		a, k := ak[0], ak[1]
		if i, ok := c.byKey[k]; ok {
			if _, taken := c.byKey[a]; !taken {
				c.byKey[a] = i
			}
		} else if i, ok := c.byKey[a]; ok {
			c.byKey[k] = i
		}
	}
	for _, r := range c.rules {
		for _, k := range r.Categories {
			if _, ok := c.byKey[k]; !ok {
				return nil, catalogError(r.Source, r.Line, "rule %q: unknown category %q", r.ID, k)
			}
		}
	}
	for _, f := range files {
		for i := range f.Sectors {
			if err := c.checkSector(&f.Sectors[i]); err != nil {
				return nil, err
			}
		}
		c.mergeSectors(f.Sectors)
	}
	for i := range c.cats {
		if err := c.compile(i); err != nil {
			return nil, err
		}
	}
	return c, nil
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

func checkCategory(c *Category) error {
	switch {
	case c.Key == "":
		return catalogError(c.Source, c.Line, "category has no key")
	case !keyRE.MatchString(c.Key):
		return catalogError(c.Source, c.Line, "category key %q: want dotted lower-case words, e.g. user.contact.phone_number", c.Key)
	case c.Name == "":
		return catalogError(c.Source, c.Line, "category %q has no name", c.Key)
	}
	if c.Grade == "" {
		c.Grade = GradeGeneral
	}
	if gradeRank(c.Grade) < 0 {
		return catalogError(c.Source, c.Line, "category %q: grade %q is not general, important or core", c.Key, c.Grade)
	}
	for _, d := range c.Detectors {
		if detectorIndex(d) < 0 {
			return catalogError(c.Source, c.Line, "category %q: unknown detector %q (known: %s)", c.Key, d, strings.Join(detectorNames[:], ", "))
		}
	}
	if c.Validator != "" {
		if c.Pattern == "" {
			return catalogError(c.Source, c.Line, "category %q: a validator needs a pattern", c.Key)
		}
		if Validators[c.Validator] == nil {
			names := make([]string, 0, len(Validators))
			for n := range Validators {
				names = append(names, n)
			}
			sort.Strings(names)
			return catalogError(c.Source, c.Line, "category %q: unknown validator %q (known: %s)", c.Key, c.Validator, strings.Join(names, ", "))
		}
	}
	if c.Pattern != "" {
		if _, err := regexp.Compile(c.Pattern); err != nil {
			return catalogError(c.Source, c.Line, "category %q: pattern: %v", c.Key, err)
		}
	}
	for j, r := range c.Jurisdictions {
		if r.Sensitive && !r.PI {
			return catalogError(c.Source, c.Line, "category %q: %s: sensitive but not personal information", c.Key, j)
		}
		if w := r.WrittenConsent; w != nil && (w.Instrument == "" || w.Article == "" || w.Confidence == "" || !r.PI) {
			return catalogError(c.Source, c.Line, "category %q: %s: written_consent needs personal information and its instrument, article and confidence", c.Key, j)
		}
	}
	d := c.Decision
	for _, x := range []float64{d.MinRate, d.HintedMinRate, d.MinShare, d.HintedMinShare, d.Chance} {
		if x < 0 || x > 1 {
			return catalogError(c.Source, c.Line, "category %q: decision thresholds lie between 0 and 1", c.Key)
		}
	}
	return nil
}

func detectorIndex(name string) int {
	for i, n := range detectorNames {
		if n == name {
			return i
		}
	}
	return -1
}

// compile fills the lookup tables for category i.
func (c *Catalog) compile(i int) error {
	cat := &c.cats[i]
	bit := uint64(1) << i
	lexical := len(cat.Detectors) > 0
	for _, d := range cat.Detectors {
		k := detectorIndex(d)
		c.detCat[k] |= bit
		if lexicalDetectors&(1<<k) == 0 {
			lexical = false
		}
		switch k {
		case detDOB:
			c.dobCats |= bit
		case detIPv4:
			c.ipCats |= bit
		case detResidentID:
			c.idCats |= bit
		case detBankCard:
			c.bankCat = i
		case detCreditCard:
			c.creditCat = i
		case detMAC:
			c.macCat = i
		case detPassport, detPermit, detVIN:
			c.weakCats |= bit
		case detCoordPrecise:
			c.coordCats |= bit
			c.preciseCat = i
		case detCoordImprecise:
			c.coordCats |= bit
			c.vagueCat = i
		case detUUID, detAndroidID:
			c.deviceCats |= bit
		case detReligion:
			c.religionCat |= bit
		case detEthnicity:
			c.ethnicCat |= bit
		}
		if identifyingDetectors&(1<<k) != 0 {
			cat.Identifies = true
		}
	}
	if lexical {
		c.lexicalCats |= bit
	}
	if cat.Pattern != "" {
		u := userDetector{cat: i, re: regexp.MustCompile(cat.Pattern)}
		if cat.Validator != "" {
			u.validate = Validators[cat.Validator]
		}
		c.user = append(c.user, u)
	}
	for _, h := range cat.Hints.ZH {
		if h = strings.TrimSpace(h); h != "" {
			c.hints = append(c.hints, headerHint{cat: i, word: strings.ToLower(h), zh: true})
		}
	}
	for _, h := range cat.Hints.EN {
		if w := strings.Join(headerWords(h), " "); w != "" {
			hh := headerHint{cat: i, word: w, padded: " " + w + " "}
			if len(w) >= 5 {
				hh.joined = strings.ReplaceAll(w, " ", "")
			}
			c.hints = append(c.hints, hh)
		}
	}
	return nil
}

// headerWords splits a header into lower-case ASCII words: on anything that
// is not a letter or digit, and at lower-to-upper case changes.
func headerWords(h string) []string {
	var words []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(h); i++ {
		b := h[i]
		switch {
		case isAlnum(b):
			if isUpper(b) && i > 0 && (h[i-1] >= 'a' && h[i-1] <= 'z') {
				flush()
			}
			cur = append(cur, b|0x20*b2b(isAlpha(b)))
		default:
			flush()
		}
	}
	flush()
	return words
}

func b2b(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// headerHints returns the categories whose hints match header.
func (c *Catalog) headerHints(header string) uint64 {
	lower := strings.ToLower(header)
	words := headerWords(header)
	padded := " " + strings.Join(words, " ") + " "
	joined := strings.Join(words, "")
	var m uint64
	for _, h := range c.hints {
		switch {
		case h.zh:
			if strings.Contains(lower, h.word) {
				m |= 1 << h.cat
			}
		case strings.Contains(padded, h.padded):
			m |= 1 << h.cat
		case h.joined != "" && strings.Contains(joined, h.joined):
			m |= 1 << h.cat
		}
	}
	return m
}

// Categories returns the catalog's categories in catalog order.
func (c *Catalog) Categories() []Category { return append([]Category(nil), c.cats...) }

// Category returns the category with the given key.
func (c *Catalog) Category(key string) (Category, bool) {
	i, ok := c.byKey[key]
	if !ok {
		return Category{}, false
	}
	return c.cats[i], true
}

// CanonicalKey returns the catalog's key for key, which may be an alias
// (such as a fideslang 3.2 rename), and whether the catalog knows it.
func (c *Catalog) CanonicalKey(key string) (string, bool) {
	i, ok := c.byKey[key]
	if !ok {
		return key, false
	}
	return c.cats[i].Key, true
}

// Aliases returns the catalog's key aliases as alias -> key pairs.
func (c *Catalog) Aliases() map[string]string {
	m := make(map[string]string, len(c.aliases))
	for _, a := range c.aliases {
		m[a[0]] = a[1]
	}
	return m
}

// Rules returns the grading rules.
func (c *Catalog) Rules() []GradeRule { return append([]GradeRule(nil), c.rules...) }

// IsSensitive reports whether the category key is sensitive personal
// information under the jurisdiction's law ("CN" or "EU").
func (c *Catalog) IsSensitive(key, jurisdiction string) bool {
	i, ok := c.byKey[key]
	return ok && c.cats[i].Jurisdictions[jurisdiction].Sensitive
}

// WrittenConsent returns the rule under which category key needs written
// consent in jurisdiction, or nil.
func (c *Catalog) WrittenConsent(key, jurisdiction string) *LegalRef {
	i, ok := c.byKey[key]
	if !ok {
		return nil
	}
	return c.cats[i].Jurisdictions[jurisdiction].WrittenConsent
}

// IsPersonal reports whether the category key is personal information under
// the jurisdiction's law.
func (c *Catalog) IsPersonal(key, jurisdiction string) bool {
	i, ok := c.byKey[key]
	return ok && c.cats[i].Jurisdictions[jurisdiction].PI
}

// Jurisdictions returns the jurisdictions the catalog describes, sorted.
func (c *Catalog) Jurisdictions() []string {
	seen := map[string]bool{}
	for _, cat := range c.cats {
		for j := range cat.Jurisdictions {
			seen[j] = true
		}
	}
	out := make([]string, 0, len(seen))
	for j := range seen {
		out = append(out, j)
	}
	sort.Strings(out)
	return out
}

// FieldGrade returns the grade of a field holding the given categories: the
// highest of their catalogue grades.
func (c *Catalog) FieldGrade(keys []string) string {
	g := GradeGeneral
	for _, k := range keys {
		if i, ok := c.byKey[k]; ok {
			g = MaxGrade(g, c.cats[i].Grade)
		}
	}
	return g
}

// DatasetGrade returns the grade of a dataset with the given classified
// fields, about distinctSubjects people, held by an organisation of the
// given sector ("" for none): the highest field grade, lifted by every rule
// whose sector, categories and volume apply. The reasons name each rule that
// set or lifted the grade, with its legal reference; when nothing lifts it
// the single reason is the default rule. Entries of the sector's
// catalogues lift it too, unless they are only candidate important data
// (O16 Art. 2; see sector.go).
func (c *Catalog) DatasetGrade(fields []FieldResult, distinctSubjects int64, sector string) (grade string, reasons []Reason) {
	grade = GradeGeneral
	for _, f := range fields {
		for _, m := range f.Categories {
			i, ok := c.byKey[m.Key]
			if !ok || gradeRank(c.cats[i].Grade) < 1 {
				continue
			}
			cat := c.cats[i]
			grade = MaxGrade(grade, cat.Grade)
			ref := c.grades[cat.Grade]
			reasons = appendReason(reasons, Reason{
				Rule: "catalogue:" + cat.Key, Grade: cat.Grade,
				Text:     fmt.Sprintf("%s is catalogued as %s data", cat.Name, cat.Grade),
				LegalRef: ref,
			}, f.Name)
		}
	}
	for _, r := range c.rules {
		if r.Sector != "" && !strings.EqualFold(r.Sector, sector) {
			continue
		}
		if distinctSubjects < r.MinSubjects {
			continue
		}
		var hit []string
		for _, f := range fields {
			if c.ruleMatches(r, f) {
				hit = append(hit, f.Name)
			}
		}
		if len(hit) == 0 {
			continue
		}
		grade = MaxGrade(grade, r.Grade)
		text := r.Description
		if r.MinSubjects > 0 {
			text = fmt.Sprintf("%s (about %d distinct people)", text, distinctSubjects)
		}
		reasons = append(reasons, Reason{Rule: r.ID, Grade: r.Grade, Text: text, Fields: hit, LegalRef: r.LegalRef})
	}
	for _, r := range c.sectorReasons(fields, sector) {
		grade = MaxGrade(grade, r.Grade)
		reasons = append(reasons, r)
	}
	if len(reasons) == 0 {
		reasons = []Reason{{Rule: "default", Grade: GradeGeneral, Text: "no catalogue entry or volume rule applies", LegalRef: c.grades[GradeGeneral]}}
	}
	return grade, reasons
}

func appendReason(rs []Reason, r Reason, field string) []Reason {
	for i := range rs {
		if rs[i].Rule == r.Rule {
			rs[i].Fields = append(rs[i].Fields, field)
			return rs
		}
	}
	r.Fields = []string{field}
	return append(rs, r)
}

func (c *Catalog) ruleMatches(r GradeRule, f FieldResult) bool {
	for _, m := range f.Categories {
		if r.AnyPI {
			if i, ok := c.byKey[m.Key]; ok {
				for _, j := range c.cats[i].Jurisdictions {
					if j.PI {
						return true
					}
				}
			}
		}
		for _, k := range r.Categories {
			if k == m.Key {
				return true
			}
		}
	}
	return false
}

// ApplyGrade raises the grade of each field named by a reason to that
// reason's grade, so that fields show the grade a volume or sector rule gave
// their dataset.
func ApplyGrade(fields []FieldResult, reasons []Reason) {
	for _, r := range reasons {
		for _, name := range r.Fields {
			for i := range fields {
				if fields[i].Name == name {
					fields[i].Grade = MaxGrade(fields[i].Grade, r.Grade)
				}
			}
		}
	}
}

// isHanName reports whether v looks like a Chinese person's name: two to
// four Han characters opening with a known surname (or a compound surname),
// none of them a character that marks a thing or a place.
func isHanName(v string) bool {
	if name, ok := hanNameFast(v); ok {
		return name
	}
	n := utf8.RuneCountInString(v)
	if n < 2 || n > 4 {
		return false
	}
	first, size := decodeRune(v, 0)
	if !surnameSet.has(first) {
		if !compoundFirst.has(first) || n < 3 {
			return false
		}
		ok := false
		for _, cs := range compoundSurnames {
			if strings.HasPrefix(v, cs) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for i := size; i < len(v); {
		r, sz := decodeRune(v, i)
		if !(r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF) || notNameSet.has(r) {
			return false
		}
		i += sz
	}
	return true
}

// hanNameFast decides isHanName for the common case, a single surname and
// runes of three bytes; ok is false when it cannot tell.
func hanNameFast(v string) (name, ok bool) {
	if len(v)%3 != 0 || len(v) < 6 || len(v) > 12 {
		return false, false
	}
	if r, ok := rune3(v, 0); !ok || !surnameSet.has(r) {
		return false, false
	}
	for i := 3; i < len(v); i += 3 {
		r, ok := rune3(v, i)
		if !ok {
			return false, false
		}
		if !(r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF) || notNameSet.has(r) {
			return false, true
		}
	}
	return true, true
}

// notNameRunes are characters common in product, place and organisation
// words and rare in given names.
const notNameRunes = "省市区县镇乡村路街道号楼室店司厂局院部所处站场馆网业产品器机装料包车卡费税款单证件票表码型号类别级期次货物箱袋瓶盒件套双台部门公会组队科系课程书本纸笔桌椅床灯电视脑手表鞋帽衣裤裙袜包链戒镯钻饰油气水煤米面肉蛋奶茶酒烟药械膜剂片粉液霜膏"

var notNameSet = func() (s runeSet) {
	for _, r := range notNameRunes {
		s.add(r)
	}
	return s
}()
