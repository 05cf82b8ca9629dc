package classify

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// European validators. Like the others they take the bare candidate, the
// whole token, and check all of it: a token that fails is not a match and
// no part of it is.

//go:embed data/eu_iban.json
var ibanData []byte

// ibanFormat is one country's BBAN structure from the IBAN registry: runs
// of n (digits), a (upper-case letters) or c (upper-case letters and
// digits), e.g. "8!n10!n".
type ibanFormat struct {
	length int    // the whole IBAN, country code and check digits included
	kinds  []byte // one of 'n', 'a', 'c' per BBAN character
}

var ibanFormats = map[string]ibanFormat{}

func init() {
	var f struct {
		Source    string            `json:"source"`
		Countries map[string]string `json:"countries"`
	}
	if err := json.Unmarshal(ibanData, &f); err != nil {
		panic("classify: data/eu_iban.json: " + err.Error())
	}
	for cc, spec := range f.Countries {
		kinds, err := parseBBANSpec(spec)
		if err != nil || len(cc) != 2 || !isUpper(cc[0]) || !isUpper(cc[1]) {
			panic(fmt.Sprintf("classify: data/eu_iban.json: country %q: bad format %q", cc, spec))
		}
		ibanFormats[cc] = ibanFormat{length: 4 + len(kinds), kinds: kinds}
	}
}

// parseBBANSpec expands "8!n10!n" into one kind byte per character.
func parseBBANSpec(spec string) ([]byte, error) {
	var kinds []byte
	for spec != "" {
		i := 0
		for i < len(spec) && isDigit(spec[i]) {
			i++
		}
		if i == 0 || i+2 > len(spec) || spec[i] != '!' {
			return nil, fmt.Errorf("bad run %q", spec)
		}
		n := atoiN(spec[:i])
		k := spec[i+1]
		if k != 'n' && k != 'a' && k != 'c' {
			return nil, fmt.Errorf("bad kind %q", k)
		}
		for range n {
			kinds = append(kinds, k)
		}
		spec = spec[i+2:]
	}
	return kinds, nil
}

// ValidIBAN reports whether s is an IBAN under ISO 13616 in electronic
// format (upper-case letters and digits, no spaces) or in print format
// (groups of four separated by single spaces, the last group shorter):
// a known country, that country's length and BBAN structure, and check
// digits that make the number 1 modulo 97.
func ValidIBAN(s string) bool {
	var buf [34]byte
	b := buf[:0]
	if len(s) > 4 && s[4] == ' ' {
		// Print format: every fifth character is a space.
		for i := 0; i < len(s); i++ {
			if i%5 == 4 {
				if s[i] != ' ' || i == len(s)-1 {
					return false
				}
				continue
			}
			if len(b) == len(buf) {
				return false
			}
			b = append(b, s[i])
		}
	} else {
		if len(s) > len(buf) {
			return false
		}
		b = append(b, s...)
	}
	return validIBANCompact(b)
}

func validIBANCompact(b []byte) bool {
	if len(b) < 5 || !isUpper(b[0]) || !isUpper(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	f, ok := ibanFormats[string(b[:2])]
	if !ok || len(b) != f.length {
		return false
	}
	for i, k := range f.kinds {
		c := b[4+i]
		switch k {
		case 'n':
			if !isDigit(c) {
				return false
			}
		case 'a':
			if !isUpper(c) {
				return false
			}
		default:
			if !isDigit(c) && !isUpper(c) {
				return false
			}
		}
	}
	return ibanMod97(b) == 1 && bbanCheck(b[:2], b[4:])
}

// bbanCheck verifies the national check digits inside the BBANs of the
// countries that have them and sluice knows: Belgium, Spain, France (and
// Monaco), Poland and Portugal. Other countries pass.
func bbanCheck(cc, b []byte) bool {
	switch string(cc) {
	case "BE":
		// The last two digits are the first ten modulo 97 (97 for 0).
		r := mod97Digits(b[:10])
		if r == 0 {
			r = 97
		}
		return r == atoi2(string(b[10:12]))
	case "ES":
		// Bank and branch with two leading zeros, and the account: each
		// has a check digit of weights 1 2 4 8 5 10 9 7 3 6, modulo 11.
		var first [10]byte
		copy(first[:], "00")
		copy(first[2:], b[:8])
		return esCheck(first[:]) == b[8] && esCheck(b[10:20]) == b[9]
	case "FR", "MC":
		// RIB key: 97 - (89·bank + 15·branch + 3·account) mod 97, the
		// account's letters read as digits.
		var acc [11]byte
		for i := 0; i < 11; i++ {
			acc[i] = ribDigit(b[10+i])
		}
		r := (89*mod97Digits(b[:5]) + 15*mod97Digits(b[5:10]) + 3*mod97Digits(acc[:])) % 97
		return 97-r == atoi2(string(b[21:23]))
	case "PL":
		// The sort code's eighth digit: weights 3 9 7 1 3 9 7, modulo 10.
		w := [7]int{3, 9, 7, 1, 3, 9, 7}
		sum := 0
		for i := 0; i < 7; i++ {
			sum += w[i] * int(b[i]-'0')
		}
		return byte('0'+(10-sum%10)%10) == b[7]
	case "PT":
		// The NIB of 21 digits is 1 modulo 97.
		return mod97Digits(b) == 1
	}
	return true
}

// mod97Digits returns the digits b modulo 97.
func mod97Digits(b []byte) int {
	r := 0
	for _, c := range b {
		r = (r*10 + int(c-'0')) % 97
	}
	return r
}

// esCheck returns the Spanish account check digit of ten digits.
func esCheck(d []byte) byte {
	w := [10]int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += w[i] * int(d[i]-'0')
	}
	c := 11 - sum%11
	switch c {
	case 11:
		c = 0
	case 10:
		c = 1
	}
	return byte('0' + c)
}

// ribDigit reads a character of a French account number as a digit:
// A and J are 1, B, K and S are 2, and so on.
func ribDigit(c byte) byte {
	if isDigit(c) {
		return c
	}
	switch {
	case c >= 'A' && c <= 'I':
		return '1' + c - 'A'
	case c >= 'J' && c <= 'R':
		return '1' + c - 'J'
	default:
		return '2' + c - 'S'
	}
}

// ibanMod97 returns the ISO 7064 MOD 97-10 remainder of the IBAN b (its
// first four characters moved to the end, letters as 10 to 35).
func ibanMod97(b []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range b[4:] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return r
}

// IBANCheckDigits returns the two check digits for country cc and bban, so
// that tests and generators can build valid and near-miss IBANs.
func IBANCheckDigits(cc, bban string) string {
	b := []byte(cc + "00" + bban)
	d := 98 - ibanMod97(b)
	return string([]byte{byte('0' + d/10), byte('0' + d%10)})
}

// dniLetters maps a DNI's number modulo 23 to its control letter.
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// ValidSpanishID reports whether s is a Spanish DNI (eight digits and the
// control letter of the number modulo 23) or NIE (X, Y or Z, seven digits
// and the control letter, X, Y and Z counting as 0, 1 and 2). Letters may
// be lower case.
func ValidSpanishID(s string) bool {
	if len(s) != 9 {
		return false
	}
	n := 0
	switch upper(s[0]) {
	case 'X':
	case 'Y':
		n = 1
	case 'Z':
		n = 2
	default:
		if !isDigit(s[0]) {
			return false
		}
		n = int(s[0] - '0')
	}
	for i := 1; i < 8; i++ {
		if !isDigit(s[i]) {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return upper(s[8]) == dniLetters[n%23]
}

// Codice fiscale tables: the check character's values of characters in
// odd positions (1st, 3rd, …), and the letters that replace digits in
// omocodia variants.
var (
	cfOdd      = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	cfOmocodia = "LMNPQRSTUV"
	cfMonths   = "ABCDEHLMPRST"
)

func init() {
	// Digits in odd positions weigh as the letter of the same value.
	copy(cfOdd[26:], cfOdd[:10])
}

// cfDigit returns the digit a codice fiscale character stands for in a
// numeric position: itself, or its omocodia letter.
func cfDigit(c byte) (int, bool) {
	if isDigit(c) {
		return int(c - '0'), true
	}
	if i := strings.IndexByte(cfOmocodia, c); i >= 0 {
		return i, true
	}
	return 0, false
}

// ValidCodiceFiscale reports whether s is an Italian codice fiscale of a
// person: six letters, the birth year, a month letter, the day (plus 40 for
// women), the place code (a letter and three digits), and the check letter;
// the digits may be replaced by their omocodia letters.
func ValidCodiceFiscale(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < 6; i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	for _, i := range [...]int{6, 7, 9, 10, 12, 13, 14} {
		if _, ok := cfDigit(s[i]); !ok {
			return false
		}
	}
	if strings.IndexByte(cfMonths, s[8]) < 0 || !isUpper(s[11]) || !isUpper(s[15]) {
		return false
	}
	d1, _ := cfDigit(s[9])
	d2, _ := cfDigit(s[10])
	day := d1*10 + d2
	if day > 40 {
		day -= 40
	}
	if day < 1 || day > 31 {
		return false
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		v := 0
		if isDigit(c) {
			v = int(c - '0')
			if i%2 == 0 {
				v = cfOdd[26+v]
			}
		} else {
			v = int(c - 'A')
			if i%2 == 0 {
				v = cfOdd[v]
			}
		}
		sum += v
	}
	return s[15] == byte('A'+sum%26)
}

// CodiceFiscaleCheck returns the check letter of the first 15 characters
// of a codice fiscale (upper-case letters and digits), or 0.
func CodiceFiscaleCheck(s string) byte {
	if len(s) != 15 || !isUpperAlnum(s) {
		return 0
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		var v int
		if isDigit(c) {
			v = int(c - '0')
			if i%2 == 0 {
				v = cfOdd[26+v]
			}
		} else {
			v = int(c - 'A')
			if i%2 == 0 {
				v = cfOdd[v]
			}
		}
		sum += v
	}
	return byte('A' + sum%26)
}

// ValidBSN reports whether s is a Dutch burgerservicenummer: nine digits,
// not all zero, passing the eleven test (9·d1 + 8·d2 + … + 2·d8 − d9 is a
// multiple of 11).
func ValidBSN(s string) bool {
	if len(s) != 9 || !allDigits(s) || s == "000000000" {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(s[i]-'0')
	}
	sum -= int(s[8] - '0')
	return sum%11 == 0
}

// ValidPESEL reports whether s is a Polish PESEL: eleven digits, a real
// birth date (the month carries the century: +80 for the 1800s, +20 for
// the 2000s, +40, +60 for the 2100s and 2200s) not after asOf, and the check
// digit of the weights 1 3 7 9.
func ValidPESEL(s string, asOf time.Time) bool {
	if len(s) != 11 || !allDigits(s) {
		return false
	}
	y, m, d := peselDate(s)
	if !validCalendar(y, m, d) {
		return false
	}
	if y*10000+m*100+d > dateKey(asOf) {
		return false
	}
	return peselCheck(s[:10]) == s[10]
}

func dateKey(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// peselDate returns the birth date a PESEL encodes.
func peselDate(s string) (y, m, d int) {
	y, m, d = atoi2(s), atoi2(s[2:]), atoi2(s[4:])
	switch {
	case m > 80:
		y, m = 1800+y, m-80
	case m > 60:
		y, m = 2200+y, m-60
	case m > 40:
		y, m = 2100+y, m-40
	case m > 20:
		y, m = 2000+y, m-20
	default:
		y += 1900
	}
	return y, m, d
}

// peselCheck returns the check digit of the first ten digits of a PESEL.
func peselCheck(s string) byte {
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += w[i] * int(s[i]-'0')
	}
	return byte('0' + (10-sum%10)%10)
}

// PESELCheck returns the check digit of ten leading digits, or 0.
func PESELCheck(s string) byte {
	if len(s) != 10 || !allDigits(s) {
		return 0
	}
	return peselCheck(s)
}

// ValidNIR reports whether s is a French NIR (numéro d'inscription au
// répertoire) with its key: sex (1 or 2, or 3, 4, 7, 8 for provisional
// numbers), year, month (01-12, or 20 and above for an unknown month), the
// département (01-95, 2A or 2B for Corsica, 97x overseas, 99 abroad),
// commune and order number, and a key of 97 minus the number modulo 97
// (2A counting as 19 and 2B as 18). Written as 15 characters, or in the
// spaced form 1 84 01 2B 099 519 23.
func ValidNIR(s string) bool {
	var buf [15]byte
	b := buf[:0]
	switch len(s) {
	case 15:
		b = append(b, s...)
	case 21:
		// 1 2 2 2 3 3 2, separated by single spaces.
		for i, g := range [...]int{1, 2, 2, 2, 3, 3, 2} {
			_ = i
			for k := 0; k < g; k++ {
				if len(s) == 0 {
					return false
				}
				b = append(b, s[0])
				s = s[1:]
			}
			if len(s) > 0 {
				if s[0] != ' ' {
					return false
				}
				s = s[1:]
			}
		}
		if len(s) != 0 || len(b) != 15 {
			return false
		}
	default:
		return false
	}
	return validNIRCompact(b)
}

func validNIRCompact(b []byte) bool {
	switch b[0] {
	case '1', '2', '3', '4', '7', '8':
	default:
		return false
	}
	corsica := 0
	if b[5] == '2' && (b[6] == 'A' || b[6] == 'B') {
		corsica = int(b[6]-'A') + 1 // 1 for 2A, 2 for 2B
	}
	for i := 1; i < 15; i++ {
		if i == 6 && corsica != 0 {
			continue
		}
		if !isDigit(b[i]) {
			return false
		}
	}
	month := int(b[3]-'0')*10 + int(b[4]-'0')
	if month == 0 || month > 12 && month < 20 {
		return false
	}
	dept := int(b[5]-'0')*10 + int(b[6]-'0')
	if corsica == 0 && (dept == 0 || dept == 96) {
		return false
	}
	// The 13-digit number modulo 97, Corsica's 2A and 2B read as 19 and 18.
	r := 0
	for i := 0; i < 13; i++ {
		d := int(b[i] - '0')
		switch {
		case i == 5 && corsica != 0:
			d = 1
		case i == 6 && corsica != 0:
			d = 10 - corsica // 9 for 2A, 8 for 2B
		}
		r = (r*10 + d) % 97
	}
	key := int(b[13]-'0')*10 + int(b[14]-'0')
	return key == 97-r
}

// ICD-10 codes: a letter, two digits and, after a full stop, one to four
// more characters (national modifications such as ICD-10-GM add a
// fourth and fifth digit). The three-character categories must fall in a
// block of the WHO classification (data/eu_special.json).
func ValidICD10(s string) bool {
	if len(s) < 3 || len(s) > 8 || !isUpper(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) {
		return false
	}
	if !icd10Category(s[0], atoi2(s[1:])) {
		return false
	}
	rest := s[3:]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) < 2 || len(rest) > 3 {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if !isDigit(rest[i]) {
			return false
		}
	}
	return true
}

// CodiceFiscaleBirth returns the birth date (YYYYMMDD) a valid codice
// fiscale encodes, its two-digit year read as the latest year not after
// asOf, or 0.
func CodiceFiscaleBirth(s string, asOf time.Time) int {
	if !ValidCodiceFiscale(s) {
		return 0
	}
	d := func(i int) int { v, _ := cfDigit(s[i]); return v }
	yy := d(6)*10 + d(7)
	m := strings.IndexByte(cfMonths, s[8]) + 1
	day := d(9)*10 + d(10)
	if day > 40 {
		day -= 40
	}
	y := asOf.Year()/100*100 + yy
	if y > asOf.Year() {
		y -= 100
	}
	if !validCalendar(y, m, day) {
		return 0
	}
	return y*10000 + m*100 + day
}

// PESELBirth returns the birth date (YYYYMMDD) a valid PESEL encodes, or 0.
func PESELBirth(s string, asOf time.Time) int {
	if !ValidPESEL(s, asOf) {
		return 0
	}
	y, m, d := peselDate(s)
	return y*10000 + m*100 + d
}
