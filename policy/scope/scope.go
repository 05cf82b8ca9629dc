package scope

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sluice-gateway/sluice"
)

//go:embed data/necessary_pi.json
var embedded embed.FS

// DataFile is the name of the embedded data file, as errors cite it.
const DataFile = "necessary_pi.json"

// SchemaVersion is the data layout this package reads; the file states it
// in its "schema" field.
const SchemaVersion = 1

// Jurisdiction is the catalog jurisdiction whose law decides whether a
// category is personal information: the provisions are PRC law.
const Jurisdiction = "CN"

// A Confidence says how well an entry was checked against the provisions.
type Confidence string

// Confidence levels.
const (
	Verified   Confidence = "verified"   // read in the text of the provisions
	Summary    Confidence = "summary"    // from one reproduction of the text or a summary of it
	Unverified Confidence = "unverified" // not checked: verify before relying on it
)

func (c Confidence) valid() bool { return c == Verified || c == Summary || c == Unverified }

// A Catalog tells which data category keys are personal information under
// a jurisdiction's law. *classify.Catalog implements it; give [Load] the
// catalog that classifies the fields [Provisions.Check] will see.
type Catalog interface {
	IsPersonal(key, jurisdiction string) bool
}

// An Instrument describes the provisions the data encodes.
type Instrument struct {
	ID            string     `json:"id"`
	Short         string     `json:"short"`
	Title         string     `json:"title"`
	TitleZH       string     `json:"title_zh"`
	Number        string     `json:"number"`
	Issuers       []string   `json:"issuers"`
	Dated         string     `json:"dated"`
	Published     string     `json:"published"`
	EffectiveFrom string     `json:"effective_from"`
	Confidence    Confidence `json:"confidence"`
	Text          string     `json:"text"`
}

// A Term is a kind of personal information the provisions name, with the
// data category keys that hold it. A term without keys is information no
// catalog category describes; its Note says so.
type Term struct {
	Key        string   `json:"key"`
	NameZH     string   `json:"name_zh"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
	Note       string   `json:"note,omitempty"`
}

// An Item is one numbered item of an app type's necessary personal
// information, in the provision's words, with the terms it names.
type Item struct {
	TextZH string
	Terms  []*Term
}

// MarshalJSON encodes the item as in the data file: its text and the keys
// of its terms.
func (it Item) MarshalJSON() ([]byte, error) {
	keys := make([]string, len(it.Terms))
	for i, t := range it.Terms {
		keys[i] = t.Key
	}
	return json.Marshal(rawItem{TextZH: it.TextZH, Terms: keys})
}

// An AppType is one of the common app types of Art. 5, with its basic
// function and necessary personal information.
type AppType struct {
	Key             string     `json:"key"` // stable English slug, e.g. ride_hailing
	Item            int        `json:"item"`
	NameZH          string     `json:"name_zh"`
	Name            string     `json:"name"`
	BasicFunctionZH string     `json:"basic_function_zh"`
	BasicFunction   string     `json:"basic_function"`
	Article         string     `json:"article"` // e.g. "Art. 5(2)"
	Confidence      Confidence `json:"confidence"`
	NoPI            bool       `json:"no_personal_information"` // the basic function needs no personal information
	Note            string     `json:"note,omitempty"`
	Necessary       []Item     `json:"necessary"`

	categories []string // sorted, distinct keys of the necessary scope
	ref        string
}

// Categories returns the category keys of the app type's necessary scope,
// sorted; none for a type that needs no personal information.
func (a *AppType) Categories() []string { return slices.Clone(a.categories) }

// Ref returns the legal reference of the app type, e.g.
// "App Necessary PI Provisions (国信办秘字〔2021〕14号) Art. 5(2)".
func (a *AppType) Ref() string { return a.ref }

// Provisions are the loaded, validated app types.
type Provisions struct {
	Version    string
	Instrument Instrument

	types []*AppType
	byKey map[string]*AppType
	terms []*Term
	keys  string // valid app type keys, for errors
	cat   Catalog
}

// AppTypes returns the app types in the order of Art. 5. Do not modify
// them.
func (p *Provisions) AppTypes() []*AppType { return slices.Clone(p.types) }

// Terms returns the terms the app types use, in file order. Do not modify
// them.
func (p *Provisions) Terms() []*Term { return slices.Clone(p.terms) }

// AppType returns the app type with the given key. An unknown key is an
// EINVALID error listing the valid keys.
func (p *Provisions) AppType(key string) (*AppType, error) {
	if a, ok := p.byKey[key]; ok {
		return a, nil
	}
	if strings.TrimSpace(key) == "" {
		return nil, sluice.Errorf(sluice.EINVALID, "App type required; the app types are: %s.", p.keys)
	}
	return nil, sluice.Errorf(sluice.EINVALID, "Unknown app type %q; the app types are: %s.", key, p.keys)
}

// An Excess is a category of a field that lies outside the necessary
// personal information of the dataset's app type and outside what its
// declared purposes name.
type Excess struct {
	Field      string     `json:"field"`
	Category   string     `json:"category"`
	AppType    string     `json:"app_type"`
	Article    string     `json:"article"` // e.g. "Art. 5(2)"
	Ref        string     `json:"ref"`     // instrument and article
	Confidence Confidence `json:"confidence"`
}

// Check returns the excess of a dataset of the given app type: for each
// field that holds personal information, in order, each of its categories
// that is personal information and that neither the app type's necessary
// scope nor purposeCategories (the categories the dataset's declared
// purposes name) covers. A key covers itself and the keys below it. An
// unknown app type is an EINVALID error listing the valid keys.
func (p *Provisions) Check(appType string, purposeCategories []string, fields []*sluice.Field) ([]Excess, error) {
	a, err := p.AppType(appType)
	if err != nil {
		return nil, err
	}
	var out []Excess
	for _, f := range fields {
		if f == nil || !f.Personal {
			continue
		}
		for _, c := range f.Categories {
			if !p.cat.IsPersonal(c.Key, Jurisdiction) || Covers(a.categories, c.Key) || Covers(purposeCategories, c.Key) {
				continue
			}
			out = append(out, Excess{
				Field:      f.Name,
				Category:   c.Key,
				AppType:    a.Key,
				Article:    a.Article,
				Ref:        a.ref,
				Confidence: a.Confidence,
			})
		}
	}
	return out, nil
}

// Covers reports whether one of scope is key or a dotted prefix of it:
// user.contact covers user.contact and user.contact.phone_number, not
// user.contacts.
func Covers(scope []string, key string) bool {
	for _, s := range scope {
		if s == "" {
			continue
		}
		if key == s || (len(key) > len(s) && key[len(s)] == '.' && strings.HasPrefix(key, s)) {
			return true
		}
	}
	return false
}

// ExcessFields returns the distinct field names of ex, in order: the
// fields a strip mode drops.
func ExcessFields(ex []Excess) []string {
	var out []string
	for _, e := range ex {
		if !slices.Contains(out, e.Field) {
			out = append(out, e.Field)
		}
	}
	return out
}

// A DataError is a fault in the data file: its name, the line of the entry
// at fault (0 for the file as a whole), the entry's key and what is wrong.
type DataError struct {
	File  string
	Line  int
	Entry string
	Msg   string
}

// Error says where the fault is and what it is.
func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("necessary personal information: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Entry != "" {
		fmt.Fprintf(&b, ": %s", e.Entry)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads the embedded provisions and validates them against cat.
func Load(cat Catalog) (*Provisions, error) {
	data, err := embedded.ReadFile("data/" + DataFile)
	if err != nil {
		return nil, fmt.Errorf("read necessary personal information: %w", err)
	}
	return Parse(DataFile, data, cat)
}

// MustLoad is Load that panics on error, for tests and programs whose
// catalog is fixed.
func MustLoad(cat Catalog) *Provisions {
	p, err := Load(cat)
	if err != nil {
		panic(err)
	}
	return p
}

type rawFile struct {
	Schema     int               `json:"schema"`
	Version    string            `json:"version"`
	Instrument Instrument        `json:"instrument"`
	Terms      []json.RawMessage `json:"terms"`
	AppTypes   []json.RawMessage `json:"app_types"`
}

type rawItem struct {
	TextZH string   `json:"text_zh"`
	Terms  []string `json:"terms"`
}

// rawAppType is an app type as the file holds it; its Necessary shadows
// the resolved one of AppType.
type rawAppType struct {
	AppType
	Necessary *[]rawItem `json:"necessary"`
}

var (
	slugRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	categoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)
)

// Parse reads provisions in the layout of the embedded file; name is the
// file name errors cite. Every category key must be personal information
// under [Jurisdiction] in cat.
func Parse(name string, data []byte, cat Catalog) (*Provisions, error) {
	if cat == nil {
		return nil, &DataError{File: name, Msg: "no catalog to check the category keys against"}
	}
	var f rawFile
	if err := strictDecode(data, &f); err != nil {
		return nil, &DataError{File: name, Line: jsonErrorLine(data, err), Msg: err.Error()}
	}
	fileErr := func(format string, args ...any) error {
		return &DataError{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case f.Schema != SchemaVersion:
		return nil, fileErr("schema %d, want %d", f.Schema, SchemaVersion)
	case f.Version == "":
		return nil, fileErr("no version")
	case f.Instrument.Title == "" || f.Instrument.Short == "" || f.Instrument.Number == "":
		return nil, fileErr("instrument: title, short and number required")
	case !f.Instrument.Confidence.valid():
		return nil, fileErr("instrument: confidence %q is not verified, summary or unverified", f.Instrument.Confidence)
	}
	if _, err := time.Parse(time.DateOnly, f.Instrument.EffectiveFrom); err != nil {
		return nil, fileErr("instrument: effective_from %q is not a date (YYYY-MM-DD)", f.Instrument.EffectiveFrom)
	}
	if len(f.AppTypes) == 0 {
		return nil, fileErr("no app_types")
	}
	p := &Provisions{Version: f.Version, Instrument: f.Instrument, byKey: map[string]*AppType{}, cat: cat}

	terms := map[string]*Term{}
	for _, raw := range f.Terms {
		line := lineOf(data, raw)
		var t Term
		if err := strictDecode(raw, &t); err != nil {
			return nil, &DataError{File: name, Line: line, Entry: "term", Msg: err.Error()}
		}
		entry := fmt.Sprintf("term %q", t.Key)
		bad := func(format string, args ...any) error {
			return &DataError{File: name, Line: line, Entry: entry, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case !slugRE.MatchString(t.Key):
			return nil, bad("key must be lower-case letters, digits and '_', starting with a letter")
		case terms[t.Key] != nil:
			return nil, bad("defined twice")
		case t.NameZH == "" || t.Name == "":
			return nil, bad("name_zh and name required")
		case len(t.Categories) == 0 && strings.TrimSpace(t.Note) == "":
			return nil, bad("no categories: add a note saying why no catalog category holds it")
		}
		for i, k := range t.Categories {
			switch {
			case !categoryRE.MatchString(k):
				return nil, bad("%q is not a category key (dotted lower-case words)", k)
			case slices.Contains(t.Categories[:i], k):
				return nil, bad("category %q listed twice", k)
			case !cat.IsPersonal(k, Jurisdiction):
				return nil, bad("category %q is not a personal-information category of the catalog", k)
			}
		}
		terms[t.Key] = &t
		p.terms = append(p.terms, &t)
	}

	used := map[string]bool{}
	items := map[int]string{}
	for _, raw := range f.AppTypes {
		line := lineOf(data, raw)
		var r rawAppType
		if err := strictDecode(raw, &r); err != nil {
			return nil, &DataError{File: name, Line: line, Entry: "app type", Msg: err.Error()}
		}
		a := r.AppType
		entry := fmt.Sprintf("app type %q", a.Key)
		bad := func(format string, args ...any) error {
			return &DataError{File: name, Line: line, Entry: entry, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case !slugRE.MatchString(a.Key):
			return nil, bad("key must be lower-case letters, digits and '_', starting with a letter")
		case p.byKey[a.Key] != nil:
			return nil, bad("listed twice")
		case a.Item < 1:
			return nil, bad("item must be the item number of Art. 5, from 1")
		case items[a.Item] != "":
			return nil, bad("item %d is also %q", a.Item, items[a.Item])
		case a.Article != fmt.Sprintf("Art. 5(%d)", a.Item):
			return nil, bad("article %q does not match item %d (want \"Art. 5(%d)\")", a.Article, a.Item, a.Item)
		case a.NameZH == "" || a.Name == "":
			return nil, bad("name_zh and name required")
		case a.BasicFunctionZH == "" || a.BasicFunction == "":
			return nil, bad("basic_function_zh and basic_function required")
		case !a.Confidence.valid():
			return nil, bad("confidence %q is not verified, summary or unverified", a.Confidence)
		case r.Necessary == nil:
			return nil, bad("necessary required (an empty list for a type that needs no personal information)")
		case a.NoPI && len(*r.Necessary) > 0:
			return nil, bad("no_personal_information is set but necessary lists %d items", len(*r.Necessary))
		case !a.NoPI && len(*r.Necessary) == 0:
			return nil, bad("necessary is empty: set no_personal_information if the type needs none")
		}
		for i, it := range *r.Necessary {
			if strings.TrimSpace(it.TextZH) == "" {
				return nil, bad("necessary item %d: text_zh required", i+1)
			}
			if len(it.Terms) == 0 {
				return nil, bad("necessary item %d: no terms", i+1)
			}
			item := Item{TextZH: it.TextZH}
			for _, k := range it.Terms {
				t := terms[k]
				if t == nil {
					return nil, bad("necessary item %d: term %q is not defined", i+1, k)
				}
				used[k] = true
				item.Terms = append(item.Terms, t)
				a.categories = append(a.categories, t.Categories...)
			}
			a.Necessary = append(a.Necessary, item)
		}
		slices.Sort(a.categories)
		a.categories = slices.Compact(a.categories)
		a.ref = fmt.Sprintf("%s (%s) %s", f.Instrument.Short, f.Instrument.Number, a.Article)
		at := a
		p.types = append(p.types, &at)
		p.byKey[a.Key] = &at
		items[a.Item] = a.Key
	}
	for _, t := range p.terms {
		if !used[t.Key] {
			return nil, &DataError{File: name, Line: lineOf(data, findTerm(f.Terms, t.Key)), Entry: fmt.Sprintf("term %q", t.Key), Msg: "no app type uses it"}
		}
	}
	slices.SortStableFunc(p.types, func(a, b *AppType) int { return a.Item - b.Item })
	keys := make([]string, len(p.types))
	for i, a := range p.types {
		keys[i] = a.Key
	}
	p.keys = strings.Join(keys, ", ")
	return p, nil
}

func findTerm(raws []json.RawMessage, key string) json.RawMessage {
	for _, raw := range raws {
		var t struct {
			Key string `json:"key"`
		}
		if json.Unmarshal(raw, &t) == nil && t.Key == key {
			return raw
		}
	}
	return nil
}

// strictDecode decodes one JSON value, refusing unknown fields and
// trailing data.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

// lineOf returns the 1-based line where raw, a slice of data's bytes as
// encoding/json copied them, first appears in data; 0 if it does not.
func lineOf(data, raw []byte) int {
	if len(raw) == 0 {
		return 0
	}
	i := bytes.Index(data, raw)
	if i < 0 {
		return 0
	}
	return 1 + bytes.Count(data[:i], []byte{'\n'})
}

// jsonErrorLine returns the line of a syntax or type error, 0 if err does
// not say where.
func jsonErrorLine(data []byte, err error) int {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		off int64
	)
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return 0
	}
	off = min(off, int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}
