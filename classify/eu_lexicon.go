package classify

import (
	_ "embed"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// European word lists, loaded from data/eu_*.json. Each file names its
// source.

//go:embed data/eu_names.json
var euNamesData []byte

//go:embed data/eu_special.json
var euSpecialData []byte

//go:embed data/eu_lexicon.json
var euLexiconData []byte

// Kinds of European lexical evidence, as bits of a term's value in
// euTerms.
const (
	euHealth uint16 = 1 << iota
	euReligion
	euPolitical
	euUnion
	euCriminal
	euGiven
	euSurname
	euParticle
	euTitle
	euStreetPrefix
	euStreetWord // an English street word after the name: "Baker Street"
	euPhraseStart
)

// euSpecialKinds are the kinds of special-category terms, in the order of
// euSpecialNames.
var euSpecialKinds = [...]uint16{euHealth, euReligion, euPolitical, euUnion, euCriminal}

var (
	// euTerms maps lower-case words and phrases (words joined by single
	// spaces) to their kinds.
	euTerms = map[string]uint16{}
	// euPrefixes and euInfixes map word beginnings and word parts to
	// special-category kinds.
	euPrefixes = map[string]uint16{}
	euInfixes  []euInfix
	// euPrefixLens are the lengths, in bytes, of the prefixes.
	euPrefixMin, euPrefixMax int
	// euNone maps whole values that answer "none" to the special
	// categories they answer for.
	euNone = map[string]uint16{}
	// euStreetSuffixes end a street name written as one word
	// (Hauptstraße, Kerkstraat), longest first.
	euStreetSuffixes []string
	// euGender holds whole-value gender words, lower case; euGenderLetter
	// the single letters that stand for a gender in a gender column.
	euGender       = map[string]bool{}
	euGenderLetter [256]bool
	// euUnknown holds whole values that mean "unknown".
	euUnknown = map[string]bool{}
	// euChurchTax maps German church-tax codes to a bit each.
	euChurchTax = map[string]uint32{}
	// euPhoneRegions are the regions whose national numbers are tried.
	euPhoneRegions []string
	// icd10Ranges are the chapters of three-character categories,
	// encoded letter*100+number.
	icd10Ranges [][2]int
)

type euInfix struct {
	s    string
	b    []byte
	kind uint16
}

func init() {
	var names struct {
		Particles []string            `json:"particles"`
		Titles    []string            `json:"titles"`
		Given     map[string][]string `json:"given"`
		Surnames  map[string][]string `json:"surnames"`
		OrgWords  []string            `json:"org_words"`
	}
	mustJSON("eu_names.json", euNamesData, &names)
	for _, l := range names.Given {
		for _, w := range l {
			euTerms[euFold(w)] |= euGiven
		}
	}
	for _, l := range names.Surnames {
		for _, w := range l {
			euTerms[euFold(w)] |= euSurname
		}
	}
	for _, w := range names.OrgWords {
		euOrgWords[euFold(w)] = true
	}
	for _, w := range names.Particles {
		euTerms[euFold(w)] |= euParticle
	}
	for _, w := range names.Titles {
		euTerms[euPhrase(w)] |= euTitle
	}

	type termSet struct {
		Words    []string `json:"words"`
		Prefixes []string `json:"prefixes"`
		Infixes  []string `json:"infixes"`
	}
	var special struct {
		Health        termSet  `json:"health"`
		HealthNone    []string `json:"health_none"`
		ICD10Chapters []string `json:"icd10_chapters"`
		Religion      struct {
			termSet
			ChurchTaxCodes []string `json:"church_tax_codes"`
		} `json:"religion"`
		ReligionNone  []string `json:"religion_none"`
		Political     termSet  `json:"political"`
		PoliticalNone []string `json:"political_none"`
		Union         termSet  `json:"union"`
		UnionNone     []string `json:"union_none"`
		Criminal      termSet  `json:"criminal"`
		CriminalNone  []string `json:"criminal_none"`
	}
	mustJSON("eu_special.json", euSpecialData, &special)
	euPrefixMin = 1 << 30
	add := func(ts termSet, none []string, kind uint16) {
		for _, w := range ts.Words {
			addEUPhrase(w, kind)
		}
		for _, p := range ts.Prefixes {
			p = euFold(p)
			euPrefixes[p] |= kind
			euPrefixMin = min(euPrefixMin, len(p))
			euPrefixMax = max(euPrefixMax, len(p))
		}
		for _, s := range ts.Infixes {
			f := euFold(s)
			euInfixes = append(euInfixes, euInfix{f, []byte(f), kind})
		}
		for _, w := range none {
			euNone[euPhrase(w)] |= kind
		}
	}
	add(special.Health, special.HealthNone, euHealth)
	add(special.Religion.termSet, special.ReligionNone, euReligion)
	add(special.Political, special.PoliticalNone, euPolitical)
	add(special.Union, special.UnionNone, euUnion)
	add(special.Criminal, special.CriminalNone, euCriminal)
	for i, c := range special.Religion.ChurchTaxCodes {
		euChurchTax[c] = 1 << i
	}
	for _, ch := range special.ICD10Chapters {
		lo, hi, ok := strings.Cut(ch, "-")
		if !ok || len(lo) != 3 || len(hi) != 3 {
			panic("classify: data/eu_special.json: bad ICD-10 chapter " + ch)
		}
		icd10Ranges = append(icd10Ranges, [2]int{int(lo[0]-'A')*100 + atoi2(lo[1:]), int(hi[0]-'A')*100 + atoi2(hi[1:])})
	}

	var lex struct {
		StreetPrefix  []string `json:"street_prefix"`
		StreetSuffix  []string `json:"street_suffix"`
		StreetWord    []string `json:"street_word"`
		Gender        []string `json:"gender"`
		GenderLetters []string `json:"gender_letters"`
		PhoneRegions  []string `json:"phone_regions"`
		NoneWords     []string `json:"none_words"`
	}
	mustJSON("eu_lexicon.json", euLexiconData, &lex)
	for _, w := range lex.StreetPrefix {
		euTerms[euPhrase(w)] |= euStreetPrefix
	}
	for _, w := range lex.StreetWord {
		euTerms[euPhrase(w)] |= euStreetWord
	}
	for _, w := range lex.StreetSuffix {
		euStreetSuffixes = append(euStreetSuffixes, euFold(w))
	}
	for _, w := range lex.Gender {
		euGender[euFold(w)] = true
	}
	for _, l := range lex.GenderLetters {
		euGenderLetter[l[0]] = true
	}
	for _, w := range lex.NoneWords {
		euUnknown[euFold(w)] = true
	}
	euPhoneRegions = lex.PhoneRegions
	if len(euPhoneRegions) > maxPhoneRegions {
		panic("classify: data/eu_lexicon.json: too many phone regions")
	}
}

func mustJSON(name string, data []byte, v any) {
	if err := json.Unmarshal(data, v); err != nil {
		panic("classify: data/" + name + ": " + err.Error())
	}
}

// addEUPhrase adds a word or phrase; the first word of a phrase of several
// words is marked as a phrase start.
func addEUPhrase(w string, kind uint16) {
	p := euPhrase(w)
	if p == "" {
		return
	}
	euTerms[p] |= kind
	if first, _, ok := strings.Cut(p, " "); ok {
		euTerms[first] |= euPhraseStart
	}
}

// euFold lower-cases s.
func euFold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// euPhrase lower-cases s and joins its words (runs of letters and digits)
// with single spaces, as values are read.
func euPhrase(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) }) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return isAlnum(c)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// icd10Category reports whether letter l and number n (00-99) form a
// three-character category within an ICD-10 chapter.
func icd10Category(l byte, n int) bool {
	x := int(l-'A')*100 + n
	for _, r := range icd10Ranges {
		if x >= r[0] && x <= r[1] {
			return true
		}
	}
	return false
}
