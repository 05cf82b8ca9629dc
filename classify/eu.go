package classify

import (
	"bytes"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// European detection. A value is read once more, after the main finder,
// for what European data looks like: IBANs, international and national
// phone numbers (validated with libphonenumber's numbering plans), national
// identification numbers with their check characters, and, at field level,
// names, street addresses, gender words and the GDPR special categories.
// Every structured candidate is the maximal token around it (bounded by
// text that cannot belong to it), validated whole: a token that fails is
// not a match, and no part of it is.
//
// A field's first values are always read; a field that shows nothing
// European in them (Chinese text, amounts, codes) is then only sampled, so
// that the pass costs next to nothing on data it does not concern.

// Kinds of identifiers checked per value.
const (
	euIBAN = iota
	euPhoneIntl
	euDNI // Spanish DNI and NIE
	euCF  // Italian codice fiscale
	euBSN
	euPESEL
	euNIR
	euIDKinds

	euPhoneNational = 31 // a bit for national numbers, counted per region
)

const (
	maxPhoneRegions = 32
	// euProbe is how many values of a field are read before a field
	// without European evidence is only sampled, one value in
	// euSampleEvery.
	euProbe       = 256
	euSampleEvery = 128
	// natSample is how many national-format numbers of a field are tried
	// in every region before the field's region is chosen.
	natSample = 24
)

// euCol is the European evidence of one field.
type euCol struct {
	read   int64 // values read: all, or one in euSampleEvery while off
	hinted bool  // the header suggests a name or a gender
	off    bool  // only sampled (colStats.euSkip counts the values to skip)

	try, ok [euIDKinds]int64

	// National-format phone numbers: candidates, valid ones per region
	// (euPhoneRegions order), and the region chosen (index+1; -1: none).
	natTry    int64
	natOK     [maxPhoneRegions]int64
	natRegion int
	cnPhone   int64 // values with a Chinese phone number only

	// Values with any phone number, any identification number: a value
	// that holds two counts once.
	phoneValues, idValues int64

	// Day-first dates: how many, how many at least 14 years before the
	// reference date, and their range of years.
	dates, adultDates int64
	minYear, maxYear  int

	// Lexical evidence, in values.
	nameShape1, nameShapeN, nameKnown1, nameKnownN int64
	names                                          *hll // distinct name-shaped values
	addr                                           int64
	genderWord, genderLetter                       int64
	letters                                        uint32 // gender letters seen
	special, specialNone                           [len(euSpecialKinds)]int64
	icdTry, icd                                    int64
	church                                         int64
	churchSeen                                     uint32
}

func (e *euCol) merge(o *euCol) {
	e.read += o.read
	e.hinted = e.hinted || o.hinted
	for i := range e.try {
		e.try[i] += o.try[i]
		e.ok[i] += o.ok[i]
	}
	e.phoneValues += o.phoneValues
	e.idValues += o.idValues
	if o.dates > 0 {
		if e.dates == 0 || o.minYear < e.minYear {
			e.minYear = o.minYear
		}
		e.maxYear = max(e.maxYear, o.maxYear)
	}
	e.dates += o.dates
	e.adultDates += o.adultDates
	e.natTry += o.natTry
	e.cnPhone += o.cnPhone
	for i := range e.natOK {
		e.natOK[i] += o.natOK[i]
	}
	if e.natRegion == 0 || o.natRegion > 0 && e.natRegion < 0 {
		e.natRegion = o.natRegion
	}
	e.nameShape1 += o.nameShape1
	e.nameShapeN += o.nameShapeN
	e.nameKnown1 += o.nameKnown1
	e.nameKnownN += o.nameKnownN
	if o.names != nil {
		if e.names == nil {
			e.names = new(hll)
		}
		e.names.merge(o.names)
	}
	e.addr += o.addr
	e.genderWord += o.genderWord
	e.genderLetter += o.genderLetter
	e.letters |= o.letters
	for i := range e.special {
		e.special[i] += o.special[i]
		e.specialNone[i] += o.specialNone[i]
	}
	e.icdTry += o.icdTry
	e.icd += o.icd
	e.church += o.church
	e.churchSeen |= o.churchSeen
}

// euState is a scanner's European state: the reference date for birth
// dates in identity numbers and a buffer for lower-cased words.
type euState struct {
	lower  []byte
	phrase []byte
	words  []euWord
}

type euWord struct {
	start, end int // in the value
	lo, hi     int // lower-cased, in euState.lower
	capital    bool
	upper      bool // every letter upper case
	digits     bool // all digits
	digit      bool // some digit
}

// referenceDate is the scan's reference date (see SetAsOf): birth dates
// inside identity numbers after it are not valid.
func (s *Scanner) referenceDate() time.Time {
	ref := s.tf.ref
	return time.Date(ref/10000, time.Month(ref/100%100), ref%100, 0, 0, 0, 0, time.UTC)
}

// euValue runs the European pass over v, a value of field col: all of it,
// or, in a field that showed nothing European, one value in
// euSampleEvery. It is small enough to be inlined.
// The count of values to skip lives in colStats, beside the counts that
// every value updates, so that a skipped value does not load col.eu.
func (s *Scanner) euValue(col *colStats, v string) {
	if col.euSkip == 0 {
		s.euSample(col, v)
	} else {
		col.euSkip--
	}
}

func (s *Scanner) euSample(col *colStats, v string) {
	e := col.eu
	if e == nil {
		e = &euCol{hinted: col.hint&s.cat.euHintBits(keyName, keyGender) != 0}
		col.eu = e
	}
	s.euRead(col, e, v)
	if e.off {
		col.euSkip = euSampleEvery - 1
	}
}

// euRead reads v in full.
func (s *Scanner) euRead(col *colStats, e *euCol, v string) {
	e.read++
	if !s.euDate(e, v) {
		s.euParts(col, e, v)
	}
	if e.read%euProbe == 0 {
		e.off = !e.interesting()
	}
}

// euDate records v if it is a day-first date, for birth dates, and
// reports whether it is one: such a value is nothing else.
func (s *Scanner) euDate(e *euCol, v string) bool {
	if len(v) != 10 || isDigit(v[2]) {
		return false
	}
	d, ok := parseDateDMY(v)
	if !ok {
		return false
	}
	e.dates++
	if d <= dateKey(s.referenceDate())-140000 {
		e.adultDates++
	}
	y := d / 10000
	if e.dates == 1 || y < e.minYear {
		e.minYear = y
	}
	e.maxYear = max(e.maxYear, y)
	return true
}

// euParts reads the identifiers and words of v.
func (s *Scanner) euParts(col *colStats, e *euCol, v string) {
	cnPhone := s.tf.match&(1<<detPhone) != 0
	// Numbers the main finder explained (a Chinese phone number, an IP
	// or e-mail address) are not read again as national numbers.
	explained := s.tf.match&(1<<detPhone|1<<detIPv4|1<<detIPv6|1<<detEmail|1<<detMAC) != 0
	tried, valid := s.euStructured(col, e, v, explained)
	if valid&(1<<euPhoneIntl|1<<euPhoneNational) != 0 || cnPhone {
		e.phoneValues++
	}
	if valid&(1<<euDNI|1<<euCF|1<<euBSN|1<<euPESEL|1<<euNIR) != 0 {
		e.idValues++
	}
	if cnPhone && tried&(1<<euPhoneIntl) == 0 && valid&(1<<euPhoneIntl|1<<euPhoneNational) == 0 {
		// A number the main finder read as Chinese, and not part of an
		// international number read here.
		e.cnPhone++
	}
	if valid&strongKinds == 0 && hasLetter(v) {
		s.euWords(col, e, v)
	}
}

// strongKinds are the identifiers that random text rarely passes: one
// found turns a sampled field's full reading back on.
const strongKinds = 1<<euIBAN | 1<<euPhoneIntl | 1<<euDNI | 1<<euCF | 1<<euNIR

// interesting reports whether a field's first values show enough European
// evidence to read every value: identifiers of a kind that mostly validate,
// a national phone region, or words of a European category in a few
// values in a hundred.
func (e *euCol) interesting() bool {
	if e.hinted && 50*(e.nameShape1+e.nameShapeN+e.genderLetter) >= e.read {
		// Words shaped like names, or gender letters, under a header
		// that says so.
		return true
	}
	for k := range e.try {
		if e.ok[k] >= 3 && 5*e.ok[k] >= e.try[k] {
			return true
		}
	}
	if e.natRegion > 0 {
		return true
	}
	lex := e.nameKnown1 + e.nameKnownN + e.addr + e.genderWord + e.icd + e.church + e.adultDates
	for _, n := range e.special {
		lex += n
	}
	return 50*lex >= e.read
}

// hasLetter reports whether v holds a Latin letter or a non-ASCII byte
// below the CJK blocks.
func hasLetter(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isAlpha(c) || c >= 0xC3 && c < 0xE2 {
			return true
		}
	}
	return false
}

// euStructured finds the structured identifiers of v and returns the kinds
// tried and validated. explained says the main finder found a number in v
// (a Chinese phone number, an IP address), which is then not read again as
// a national number.
func (s *Scanner) euStructured(col *colStats, e *euCol, v string, explained bool) (tried, valid uint32) {
	n := len(v)
	for i := 0; i < n; {
		c := v[i]
		if i > 0 && (isAlnum(v[i-1]) || v[i-1] == '+' || v[i-1] == '_') || i > 1 && (v[i-1] == '-' || v[i-1] == '.' || v[i-1] == '/') && isAlnum(v[i-2]) {
			// Not the start of a token: inside a word, or after a
			// letter or digit joined by '-', '.' or '/'.
			i = skipWord(v, i)
			continue
		}
		switch {
		case c == '+':
			if i+1 < n && v[i+1] >= '1' && v[i+1] <= '9' {
				end, ok := phoneToken(v, i+1)
				if ok {
					tried |= 1 << euPhoneIntl
					if s.intlPhone(v[i:end], false) {
						valid |= 1 << euPhoneIntl
						s.euDistinct(col, v[i:end])
					}
					i = end
					continue
				}
			}
			i++
		case isDigit(c) || c == '(':
			if isDigit(c) {
				if j, t, ok := euDigitToken(s, v, i); t != 0 {
					tried |= t
					valid |= ok
					if ok != 0 {
						s.euDistinct(col, v[i:j])
						i = j
						continue
					}
				}
			}
			if c == '0' && i+2 < n && v[i+1] == '0' && v[i+2] >= '1' && v[i+2] <= '9' {
				end, ok := phoneToken(v, i+2)
				if ok {
					tried |= 1 << euPhoneIntl
					if s.intlPhone(v[i:end], true) {
						valid |= 1 << euPhoneIntl
						s.euDistinct(col, v[i:end])
					}
					i = end
					continue
				}
			}
			// A national phone number; one that opens with a
			// parenthesis has its area code in them: (030) 1234567.
			end, ok := phoneToken(v, i)
			if c == '(' {
				k := strings.IndexByte(v[i:end], ')')
				ok = ok && k > 1 && i+k+1 < end
			}
			if ok && !explained && e.natRegion >= 0 && nationalShape(v[i:end]) {
				if s.nationalPhone(e, v[i:end]) {
					valid |= 1 << euPhoneNational
					s.euDistinct(col, v[i:end])
				}
				i = end
				continue
			}
			if c == '(' {
				i++
				continue
			}
			i = skipWord(v, i)
		case isAlpha(c):
			j, t, ok := euAlphaToken(v, i)
			tried |= t
			valid |= ok
			if ok != 0 {
				s.euDistinct(col, v[i:j])
			}
			i = j
		default:
			i++
		}
	}
	for k := 0; k < euIDKinds; k++ {
		if tried&(1<<k) != 0 {
			e.try[k]++
		}
		if valid&(1<<k) != 0 {
			e.ok[k]++
		}
	}
	return tried, valid
}

func (s *Scanner) euDistinct(col *colStats, tok string) {
	col.addDistinct(hashString(s.tf.seed, tok))
}

// skipWord returns the end of the run of letters and digits at i (at least
// one byte).
func skipWord(v string, i int) int {
	j := i + 1
	for j < len(v) && isAlnum(v[j]) {
		j++
	}
	return j
}

// alnumEnd returns the end of the run of letters and digits at i, and
// whether the run is a whole token: not glued to more of a token by '-',
// '.', '/' or '_' followed by a letter or digit, nor by '@'.
func alnumEnd(v string, i int) (int, bool) {
	j := i
	for j < len(v) && isAlnum(v[j]) {
		j++
	}
	if j < len(v) {
		switch v[j] {
		case '_', '@':
			return j, false
		case '-', '.', '/':
			if j+1 < len(v) && isAlnum(v[j+1]) {
				return j, false
			}
		}
	}
	return j, true
}

// euDigitToken checks the run of letters and digits at i, which starts
// with a digit, as a national identification number. It returns the run's
// end and the kinds tried and validated.
func euDigitToken(s *Scanner, v string, i int) (int, uint32, uint32) {
	// The spaced NIR: 1 84 01 2B 099 519 23.
	if i+21 <= len(v) && v[i+1] == ' ' && (i+21 == len(v) || !isAlnum(v[i+21]) && v[i+21] != '-') {
		if nirSpacedShape(v[i : i+21]) {
			if ValidNIR(v[i : i+21]) {
				return i + 21, 1 << euNIR, 1 << euNIR
			}
			return i + 21, 1 << euNIR, 0
		}
	}
	j, whole := alnumEnd(v, i)
	if !whole {
		return j, 0, 0
	}
	tok := v[i:j]
	var tried, ok uint32
	digits := 0
	for k := 0; k < len(tok); k++ {
		if isDigit(tok[k]) {
			digits++
		}
	}
	switch len(tok) {
	case 9:
		if digits == 9 {
			tried |= 1 << euBSN
			if ValidBSN(tok) {
				ok |= 1 << euBSN
			}
		} else if digits == 8 && isAlpha(tok[8]) {
			tried |= 1 << euDNI
			if ValidSpanishID(tok) {
				ok |= 1 << euDNI
			}
		}
	case 8, 10:
		if digits == len(tok)-1 && isAlpha(tok[len(tok)-1]) {
			tried |= 1 << euDNI // a DNI of the wrong length
		}
	case 11:
		if digits == 11 {
			tried |= 1 << euPESEL
			if b := PESELBirth(tok, s.referenceDate()); b != 0 {
				s.tf.rowBirth(b) // for the record's dates of birth
				ok |= 1 << euPESEL
			}
		}
	case 15:
		if tok[0] >= '1' && tok[0] <= '8' && (digits == 15 || digits == 14 && (tok[6] == 'A' || tok[6] == 'B')) {
			tried |= 1 << euNIR
			if ValidNIR(tok) {
				ok |= 1 << euNIR
			}
		}
	}
	return j, tried, ok
}

// nirSpacedShape reports whether s has the groups 1 2 2 2 3 3 2 of a
// spaced NIR.
func nirSpacedShape(s string) bool {
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch k {
		case 1, 4, 7, 10, 14, 18:
			if c != ' ' {
				return false
			}
		case 9:
			if !isDigit(c) && c != 'A' && c != 'B' {
				return false
			}
		default:
			if !isDigit(c) {
				return false
			}
		}
	}
	return true
}

// euAlphaToken checks the token at i, which starts with a letter, as an
// IBAN, a NIE or a codice fiscale.
func euAlphaToken(v string, i int) (int, uint32, uint32) {
	n := len(v)
	// IBAN: two upper-case letters and two digits.
	if i+4 < n && isUpper(v[i]) && isUpper(v[i+1]) && isDigit(v[i+2]) && isDigit(v[i+3]) {
		if end, ok := ibanToken(v, i); ok {
			if ValidIBAN(v[i:end]) {
				return end, 1 << euIBAN, 1 << euIBAN
			}
			return end, 1 << euIBAN, 0
		}
	}
	j, whole := alnumEnd(v, i)
	if !whole {
		return j, 0, 0
	}
	tok := v[i:j]
	switch len(tok) {
	case 9:
		if c := upper(tok[0]); (c == 'X' || c == 'Y' || c == 'Z') && allDigits(tok[1:8]) && isAlpha(tok[8]) {
			if ValidSpanishID(tok) {
				return j, 1 << euDNI, 1 << euDNI
			}
			return j, 1 << euDNI, 0
		}
	case 16:
		if isUpperAlnum(tok) && isUpper(tok[0]) && isUpper(tok[15]) {
			if ValidCodiceFiscale(tok) {
				return j, 1 << euCF, 1 << euCF
			}
			return j, 1 << euCF, 0
		}
	}
	return j, 0, 0
}

// ibanToken returns the end of the IBAN-shaped token at i: a run of
// upper-case letters and digits, or four characters followed by groups of
// up to four separated by single spaces, as many as the country's length
// takes. ok is false when the token runs on into other text.
func ibanToken(v string, i int) (int, bool) {
	n := len(v)
	j := i
	for j < n && (isDigit(v[j]) || isUpper(v[j])) {
		j++
	}
	if j < n && (isAlpha(v[j]) || v[j] == '_' || v[j] == '@' || (v[j] == '-' || v[j] == '.' || v[j] == '/') && j+1 < n && isAlnum(v[j+1])) {
		return j, false
	}
	if j-i != 4 || j+1 >= n || v[j] != ' ' {
		return j, true
	}
	want := 0
	if f, ok := ibanFormats[v[i:i+2]]; ok {
		want = f.length
	}
	got := 4
	for j < n && v[j] == ' ' && (want == 0 || got < want) {
		k := j + 1
		for k < n && (isDigit(v[k]) || isUpper(v[k])) {
			k++
		}
		g := k - j - 1
		if g == 0 || g > 4 || k < n && isAlnum(v[k]) {
			break
		}
		got += g
		j = k
		if g < 4 {
			break
		}
	}
	return j, true
}

// phoneToken returns the end of the phone-shaped token at i: digits,
// single spaces, '-', '.', '/' and parentheses, without trailing
// separators. ok is false when the token runs on into a word, or holds
// fewer than seven digits.
func phoneToken(v string, i int) (int, bool) {
	n := len(v)
	j, last, digits := i, i, 0
	for j < n {
		c := v[j]
		switch {
		case isDigit(c):
			digits++
			j++
			last = j
			continue
		case c == ' ' || c == '-' || c == '.' || c == '/':
			if j+1 < n && (isDigit(v[j+1]) || v[j+1] == '(' || c == ' ' && v[j+1] == '-' || c == '-' && v[j+1] == ' ') {
				j++
				continue
			}
		case c == '(' || c == ')':
			j++
			if c == ')' {
				last = j
			}
			continue
		}
		break
	}
	end := last
	if end < n && (isAlpha(v[end]) || v[end] == '+' || v[end] == '_' || v[end] == '@') {
		return end, false
	}
	if end+1 < n && v[end] == ',' && isDigit(v[end+1]) {
		return end, false // a list of numbers, or a decimal comma
	}
	return end, digits >= 7 && digits <= 17
}

// intlPhone validates an international number: + or 00, the country code
// and the national number.
func (s *Scanner) intlPhone(tok string, idd bool) bool {
	if idd {
		tok = "+" + tok[2:]
	}
	if len(tok) > 2 && tok[1] == '8' && tok[2] == '6' {
		return false // China's numbers are the main finder's
	}
	num, err := phonenumbers.Parse(tok, "ZZ")
	if err != nil {
		return false
	}
	return phonenumbers.IsValidNumber(num)
}

// nationalShape reports whether tok may be a national-format number: a
// trunk zero or separators, not a date, 7 to 12 digits.
func nationalShape(tok string) bool {
	digits, seps, dots, group := 0, 0, 0, 0
	for k := 0; k < len(tok); k++ {
		if isDigit(tok[k]) {
			digits++
			group++
			continue
		}
		seps++
		if tok[k] == '.' {
			dots++
			if group > 4 {
				return false
			}
		}
		group = 0
	}
	if dots == 1 || dots > 1 && group > 4 {
		return false // a decimal, or dots that do not group a number
	}
	if digits < 7 || digits > 12 {
		return false
	}
	if _, ok := parseDateDMY(tok); ok {
		return false
	}
	if _, ok := parseDate(tok); ok || len(tok) >= 10 && tok[4] == '-' && tok[7] == '-' {
		return false // an ISO date
	}
	// Digits alone are a number only with the trunk zero (0612345678);
	// without it they are as likely an order or account number.
	return tok[0] == '0' || tok[0] == '(' || seps > 0
}

// nationalPhone validates a national-format number in the field's region:
// the region in which most of its first numbers are valid.
func (s *Scanner) nationalPhone(e *euCol, tok string) bool {
	if 2*e.cnPhone > e.read {
		// A field of Chinese numbers: the rest are not European ones.
		e.natRegion = -1
		return false
	}
	e.natTry++
	if e.natRegion > 0 {
		if validNational(tok, euPhoneRegions[e.natRegion-1]) {
			e.natOK[e.natRegion-1]++
			return true
		}
		return false
	}
	any := false
	for r, region := range euPhoneRegions {
		if validNational(tok, region) {
			e.natOK[r]++
			any = true
		}
	}
	if e.natTry >= natSample {
		best := 0
		for r := range euPhoneRegions {
			if e.natOK[r] > e.natOK[best] {
				best = r
			}
		}
		if 3*e.natOK[best] >= 2*e.natTry {
			e.natRegion = best + 1
		} else {
			e.natRegion = -1
		}
	}
	return any
}

func validNational(tok, region string) bool {
	num, err := phonenumbers.ParseAndKeepRawInput(tok, region)
	if err != nil || num.GetCountryCodeSource() != phonenumbers.PhoneNumber_FROM_DEFAULT_COUNTRY {
		return false
	}
	return phonenumbers.IsValidNumberForRegion(num, region)
}

// parseDateDMY recognises DD.MM.YYYY, DD/MM/YYYY and DD-MM-YYYY (or
// MM/DD/YYYY where the first number cannot be a month) and returns the
// date as YYYYMMDD.
func parseDateDMY(v string) (int, bool) {
	if len(v) != 10 || !isDigit(v[0]) || !isDigit(v[1]) || !isDigit(v[3]) || !isDigit(v[4]) || !allDigits(v[6:]) {
		return 0, false
	}
	sep := v[2]
	if (sep != '.' && sep != '/' && sep != '-') || v[5] != sep {
		return 0, false
	}
	a, b, y := atoi2(v), atoi2(v[3:]), atoi4(v[6:])
	switch {
	case validCalendar(y, b, a):
		return y*10000 + b*100 + a, true
	case validCalendar(y, a, b):
		return y*10000 + a*100 + b, true
	}
	return 0, false
}

// euWords reads the words of v for names, addresses, gender and the
// special categories, and reports whether it found any.
func (s *Scanner) euWords(col *colStats, e *euCol, v string) bool {
	if len(v) > 400 {
		v = v[:400]
	}
	st := &s.eu
	st.lower = st.lower[:0]
	st.words = st.words[:0]
	for i := 0; i < len(v); {
		r, size := rune(v[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(v[i:])
			if r >= 0x2E80 {
				return false // CJK text: the main finder's
			}
		}
		if !isWordRune(r) {
			i += size
			continue
		}
		w := euWord{start: i, lo: len(st.lower), capital: unicode.IsUpper(r), upper: true, digits: true}
		for i < len(v) {
			r, size = rune(v[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(v[i:])
			}
			if !isWordRune(r) {
				break
			}
			if unicode.IsLower(r) {
				w.upper = false
			}
			if !unicode.IsDigit(r) {
				w.digits = false
			} else {
				w.digit = true
			}
			if r < utf8.RuneSelf {
				st.lower = append(st.lower, byte(r)|0x20*b2b(r >= 'A' && r <= 'Z'))
			} else {
				st.lower = utf8.AppendRune(st.lower, unicode.ToLower(r))
			}
			i += size
		}
		w.end, w.hi = i, len(st.lower)
		st.words = append(st.words, w)
		if len(st.words) == 64 {
			break
		}
	}
	words := st.words
	if len(words) == 0 {
		return false
	}
	word := func(k int) []byte { return st.lower[words[k].lo:words[k].hi] }
	found := false

	// Whole values: gender, "none" answers, church-tax codes, ICD-10.
	if len(words) <= 3 && len(v) <= 24 {
		whole := euLowerWhole(st, words)
		var dot [24]byte
		if euGender[string(whole)] || euGender[string(euTrimDot(dot[:0], v))] {
			e.genderWord++
			found = true
		} else if len(v) == 1 && euGenderLetter[v[0]] {
			e.genderLetter++
			e.letters |= 1 << (upper(v[0]) - 'A')
			found = true
		}
		if k := euNone[string(whole)]; k != 0 {
			for i, sk := range euSpecialKinds {
				if k&sk != 0 {
					e.specialNone[i]++
				}
			}
		}
		if b, ok := euChurchTax[v]; ok && len(v) == 2 {
			e.church++
			e.churchSeen |= b
			found = true
		}
	}
	if isUpper(v[0]) && len(v) >= 3 && isDigit(v[1]) && isDigit(v[2]) {
		e.icdTry++
		end := 3
		for end < len(v) && (isDigit(v[end]) || v[end] == '.') {
			end++
		}
		if (end == len(v) || v[end] == ' ' || v[end] == ',' || v[end] == '*' || v[end] == '+' || v[end] == '!') && ValidICD10(v[:end]) {
			e.icd++
			found = true
		}
	}

	// Special-category terms, names and addresses word by word.
	var kinds uint16
	known, titles, particles, shapeWords, org := 0, 0, 0, 0, false
	nameShape := len(v) <= 60
	street, number, postTown := false, false, false
	for k := range words {
		w := word(k)
		t := euTerms[string(w)]
		kinds |= t & (euHealth | euReligion | euPolitical | euUnion | euCriminal)
		if t&euPhraseStart != 0 {
			p := append(st.phrase[:0], w...)
			for m := k + 1; m < len(words) && m < k+5; m++ {
				p = append(append(p, ' '), word(m)...)
				kinds |= euTerms[string(p)] & (euHealth | euReligion | euPolitical | euUnion | euCriminal)
			}
			st.phrase = p
		}
		if len(w) >= euPrefixMin && !words[k].digits {
			for l := euPrefixMin; l <= min(len(w), euPrefixMax); l++ {
				kinds |= euPrefixes[string(w[:l])]
			}
			if len(w) >= 6 {
				for _, inf := range euInfixes {
					if len(w) > len(inf.s) && bytes.Contains(w, inf.b) {
						kinds |= inf.kind
					}
				}
			}
		}
		// Addresses: a street word and a house number.
		if t&(euStreetPrefix|euStreetWord) != 0 {
			street = true
		} else if !words[k].digits && len(w) >= 5 {
			for _, suf := range euStreetSuffixes {
				if len(w) > len(suf)+1 && string(w[len(w)-len(suf):]) == suf {
					street = true
					break
				}
			}
		}
		if words[k].digits {
			if l := words[k].end - words[k].start; postcodeAt(v, words, k) {
				// A postcode followed by the town's name.
				if k+1 < len(words) && words[k+1].capital && !words[k+1].digits {
					postTown = true
				}
			} else if l <= 4 && !(k+1 < len(words) && words[k+1].end-words[k+1].start != 5 && postcodeAt(v, words, k+1)) {
				number = true
			}
		} else if isHouseNumber(v[words[k].start:words[k].end]) {
			number = true
		}
		// Names.
		switch {
		case words[k].digit:
			nameShape = false
		case euOrgWords[string(w)]:
			org = true
		case t&euTitle != 0 && shapeWords == 0:
			titles++
		case t&euParticle != 0 && !words[k].capital:
			particles++
		case words[k].capital || words[k].upper:
			shapeWords++
			if t&(euGiven|euSurname) != 0 {
				known++
			}
		default:
			nameShape = false
		}
	}
	if kinds != 0 {
		for i, sk := range euSpecialKinds {
			if kinds&sk != 0 {
				e.special[i]++
			}
		}
		found = true
	}
	if (street || postTown) && number {
		e.addr++
		found = true
	}
	if nameShape && !org && shapeWords >= 1 && shapeWords <= 5 && kinds == 0 && !(street && number) && !hasNameBreaker(v) {
		if shapeWords == 1 {
			e.nameShape1++
			if known > 0 {
				e.nameKnown1++
				found = true
			}
		} else {
			e.nameShapeN++
			if e.names == nil {
				e.names = new(hll)
			}
			e.names.add(hashString(s.tf.seed, v))
			if known > 0 {
				e.nameKnownN++
				found = true
			}
		}
	}
	return found
}

// postcodeAt reports whether word k of v ends a postcode: five digits
// (Germany, France, Italy, Spain), two and three digits joined by a dash
// (Poland), four digits and two capitals (the Netherlands, as the last word
// checked is the letters).
func postcodeAt(v string, words []euWord, k int) bool {
	w := words[k]
	switch w.end - w.start {
	case 5:
		return w.digits
	case 3:
		return w.digits && k > 0 && words[k-1].digits && words[k-1].end-words[k-1].start == 2 && words[k-1].end+1 == w.start && v[words[k-1].end] == '-'
	case 2:
		return !w.digits && w.upper && k > 0 && words[k-1].digits && words[k-1].end-words[k-1].start == 4 && words[k-1].end+1 == w.start && v[words[k-1].end] == ' '
	}
	return false
}

// hasNameBreaker reports characters that never appear in a person's name.
func hasNameBreaker(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '@', ':', ';', '/', '(', ')', '[', ']', '{', '}', '#', '%', '&', '+', '=', '*', '_', '|', '<', '>', '"', '?', '!':
			return true
		}
	}
	return false
}

// isHouseNumber reports a house number with a letter or a range: 20b,
// 12a, 253-2 is read as words, so only the letter forms matter here.
func isHouseNumber(w string) bool {
	d := 0
	for d < len(w) && isDigit(w[d]) {
		d++
	}
	return d >= 1 && d <= 4 && len(w) == d+1 && isAlpha(w[d])
}

// euLowerWhole returns the lower-cased words of a value joined by single
// spaces, in the scanner's phrase buffer.
func euLowerWhole(st *euState, words []euWord) []byte {
	if len(words) == 1 {
		return st.lower[words[0].lo:words[0].hi]
	}
	b := st.phrase[:0]
	for k, w := range words {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, st.lower[w.lo:w.hi]...)
	}
	st.phrase = b
	return b
}

// euTrimDot lower-cases a short value as written, keeping its full stops
// (M., Mme., Sig.ra).
func euTrimDot(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		}
		b = append(b, c)
	}
	return b
}

// European decision thresholds.
const (
	// euMinRate is the share of a field's candidates of one kind that must
	// validate for strong checks (mod 97, check letters).
	euMinRate = 0.3
	// euWeakMinRate applies to checks that random digits pass often (the
	// BSN eleven test, the PESEL and DNI checks), with at least three
	// matches.
	euWeakMinRate = 0.5
	// euMinShare is the share of a field's values that must hold a
	// lexical category.
	euMinShare = 0.5
)

// Catalogue keys the European detectors report.
const (
	keyIBAN      = "user.financial.bank_account"
	keyPhone     = "user.contact.phone_number"
	keyNationID  = "user.government_id.national_identification_number"
	keyName      = "user.name"
	keyAddress   = "user.contact.address"
	keyGender    = "user.demographic.gender"
	keyDOB       = "user.demographic.date_of_birth"
	keyHealth    = "user.health_and_medical"
	keyReligion  = "user.demographic.religious_belief"
	keyPolitical = "user.demographic.political_opinion"
	keyUnion     = "user.demographic.union_membership"
	keyCriminal  = "user.criminal_history"
)

// extendIndex returns the index of the category that an extending entry
// with key extends: the key itself or its other name under keyAliases.
func (c *Catalog) extendIndex(key string) int { return c.euCatIndex(key) }

// euCatIndex returns the index of the catalogue category key (or of its
// renamed form), or -1.
func (c *Catalog) euCatIndex(key string) int {
	if i, ok := c.byKey[key]; ok {
		return i
	}
	for _, a := range keyAliases {
		for k := 0; k < 2; k++ {
			if a[k] == key {
				if i, ok := c.byKey[a[1-k]]; ok {
					return i
				}
			}
		}
	}
	return -1
}

// euHintBits returns the category bits of keys.
func (c *Catalog) euHintBits(keys ...string) uint64 {
	var m uint64
	for _, k := range keys {
		if i := c.euCatIndex(k); i >= 0 {
			m |= 1 << i
		}
	}
	return m
}

// keyAliases pairs fideslang keys with their names in its 3.2 taxonomy.
var keyAliases = [][2]string{
	{"user.health_and_medical", "user.health"},
	{"user.demographic.union_membership", "user.demographic.trade_union_membership"},
}

// euField adds the European categories of field c to found and matches.
func (s *Scanner) euField(c *colStats, found *uint64, matches map[int]int64) {
	e := c.eu
	if e == nil || c.nonEmpty == 0 {
		return
	}
	cat := s.cat
	ne := float64(c.nonEmpty)
	// add reports m values of category key; values the main detectors
	// matched in the same field count too.
	add := func(key string, m int64) {
		i := cat.euCatIndex(key)
		if i < 0 || m <= 0 {
			return
		}
		switch key {
		case keyName, keyAddress, keyHealth, keyReligion:
			m += c.match[i] // Chinese names, addresses and terms
		}
		*found |= 1 << i
		matches[i] = max(matches[i], m)
	}
	hinted := func(key string) bool {
		i := cat.euCatIndex(key)
		return i >= 0 && c.hint&(1<<i) != 0
	}
	passes := func(k int, weak bool) bool {
		t, ok := e.try[k], e.ok[k]
		if ok == 0 {
			return false
		}
		if weak {
			return ok >= 3 && float64(ok) >= euWeakMinRate*float64(t) || hinted(keyNationID) && float64(ok) >= euMinRate*float64(t)
		}
		return float64(ok) >= euMinRate*float64(t)
	}
	// Identifiers.
	if passes(euIBAN, false) {
		if i := cat.euCatIndex(keyIBAN); i >= 0 {
			// The bank cards of the main detectors are not IBANs: the
			// larger count stands for the field.
			*found |= 1 << i
			matches[i] = max(matches[i], e.ok[euIBAN])
		}
	}
	var ids int64
	for _, k := range [...]int{euDNI, euCF, euBSN, euPESEL, euNIR} {
		if passes(k, k == euDNI || k == euBSN || k == euPESEL) {
			ids += e.ok[k]
		}
	}
	add(keyNationID, min(ids, e.idValues))
	// Phones: international numbers, and national ones when the field's
	// region reads most of them.
	phones := int64(0)
	if passes(euPhoneIntl, false) {
		phones = e.ok[euPhoneIntl]
	}
	if e.natTry > 0 {
		best := 0
		for r := range euPhoneRegions {
			if e.natOK[r] > e.natOK[best] {
				best = r
			}
		}
		if e.natRegion > 0 {
			best = e.natRegion - 1
		}
		if 2*e.natOK[best] >= e.natTry && e.natRegion >= 0 {
			phones += e.natOK[best]
		}
	}
	if phones > 0 {
		phones = min(phones+e.cnPhone, e.phoneValues)
		if float64(phones) >= 0.2*ne || hinted(keyPhone) {
			add(keyPhone, phones)
		}
	}
	// Birth dates written day first: nearly every value such a date, most
	// at least 14 years before the reference date, spread over decades,
	// none more than 120 years old. Order, hire and membership dates are
	// mostly recent.
	if float64(e.dates) >= 0.8*ne && float64(e.adultDates) >= 0.8*float64(e.dates) && e.maxYear-e.minYear >= 40 && e.minYear >= s.referenceDate().Year()-120 {
		add(keyDOB, e.dates)
	}
	// Names.
	shape := e.nameShape1 + e.nameShapeN
	known := e.nameKnown1 + e.nameKnownN
	switch {
	case hinted(keyName) && float64(shape) >= euMinShare*ne:
		add(keyName, shape)
	case float64(shape) >= 0.6*ne && (float64(e.nameKnownN) >= 0.3*float64(e.nameShapeN) && e.nameShapeN >= e.nameShape1 || float64(known) >= 0.5*float64(shape)):
		add(keyName, shape)
	case float64(e.nameShapeN) >= 0.8*ne && float64(known) >= 0.1*float64(shape) && e.names != nil && float64(e.names.estimate()) >= 0.5*float64(e.nameShapeN):
		// Full names of people: nearly every value two or more
		// capitalised words, nearly every one different, some with a
		// known given name or surname.
		add(keyName, shape)
	}
	if float64(e.addr) >= euMinShare*ne || hinted(keyAddress) && float64(e.addr) >= 0.3*ne {
		add(keyAddress, e.addr)
	}
	// Gender: words always, letters in a field made of them.
	g := e.genderWord
	nLetters := 0
	for m := e.letters; m != 0; m &= m - 1 {
		nLetters++
	}
	if hinted(keyGender) || float64(e.genderWord+e.genderLetter) >= 0.9*ne && nLetters >= 2 {
		g += e.genderLetter
	}
	if float64(g) >= euMinShare*ne {
		add(keyGender, g)
	}
	// Special categories: terms, plus "none" answers in a field whose
	// other values are mostly terms.
	keys := [...]string{keyHealth, keyReligion, keyPolitical, keyUnion, keyCriminal}
	for i, key := range keys {
		m := e.special[i]
		if i == 0 {
			m = max(m, e.icd)
		}
		if m == 0 {
			continue
		}
		none := e.specialNone[i]
		rest := float64(c.nonEmpty - none)
		if hinted(key) || rest > 0 && float64(m) >= 0.8*rest && float64(m) >= 0.2*ne {
			m += none
		}
		if float64(m) >= euMinShare*ne {
			add(key, m)
		}
	}
	// German church-tax codes: a field made of them, several seen.
	if e.church > 0 {
		seen := 0
		for m := e.churchSeen; m != 0; m &= m - 1 {
			seen++
		}
		if hinted(keyReligion) || float64(e.church) >= 0.9*ne && seen >= 3 {
			add(keyReligion, e.church)
		}
	}
}

// euOrgWords are words of organisation and business names, which a
// person's name does not hold.
var euOrgWords = map[string]bool{}
