package classify

import (
	"net/netip"
	"strings"
	"time"
)

// Validators check one candidate value in full: its structure and, where the
// standard defines one, its check character. They take the bare candidate
// (no surrounding text) and never allocate.

// ValidResidentID reports whether s is a resident identity number under
// GB 11643-1999: 18 characters (17 digits and an ISO 7064 MOD 11-2 check
// character, X or x for 10) or the 15-digit legacy form, with a GB/T 2260
// region code and a real birth date.
func ValidResidentID(s string) bool {
	switch len(s) {
	case 18:
		return allDigits(s[:17]) && residentID18(s, Today())
	case 15:
		return allDigits(s) && residentID15(s, Today())
	}
	return false
}

// residentID18 checks an 18-character identity number whose first 17
// characters are known to be digits.
func residentID18(s string, ref int) bool {
	if len(s) != 18 || !validRegion(s[:6]) && !permitRegion(s[:6]) || !validBirth(atoi4(s[6:]), atoi2(s[10:]), atoi2(s[12:]), ref) {
		return false
	}
	return residentCheck(s[:17]) == upper(s[17])
}

// residentID15 checks a 15-digit legacy identity number known to be
// digits.
func residentID15(s string, ref int) bool {
	return len(s) == 15 && validRegion(s[:6]) && validBirth(1900+atoi2(s[6:]), atoi2(s[8:]), atoi2(s[10:]), ref)
}

// residentCheck returns the ISO 7064 MOD 11-2 check character of the first
// 17 digits of a resident identity number; d[:17] must be digits (every
// caller checks), so the sum is not negative.
func residentCheck(d string) byte {
	// The weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 sum to 100, so the
	// digits' '0' offsets add up to 100*'0'.
	_ = d[16]
	sum := int(d[0])*7 + int(d[1])*9 + int(d[2])*10 + int(d[3])*5 + int(d[4])*8 + int(d[5])*4 +
		int(d[6])*2 + int(d[7]) + int(d[8])*6 + int(d[9])*3 + int(d[10])*7 + int(d[11])*9 +
		int(d[12])*10 + int(d[13])*5 + int(d[14])*8 + int(d[15])*4 + int(d[16])*2 - 100*'0'
	return "10X98765432"[uint(sum)%11]
}

// ResidentIDCheck returns the check character for the 17 leading digits of a
// resident identity number, so that generators and tests can build valid and
// deliberately invalid numbers. It returns 0 if d is not 17 digits.
func ResidentIDCheck(d string) byte {
	if len(d) != 17 || !allDigits(d) {
		return 0
	}
	return residentCheck(d)
}

// validRegion checks a six-digit region code against GB/T 2260 at the
// prefecture level, current or retired (data/gbt2260_retired.txt: people
// keep the code they were issued); the county digits must not be 00.
func validRegion(code string) bool {
	p := atoi4(code)
	// Taiwan (71), Hong Kong (81) and Macau (82) issue no mainland
	// identity numbers; their residents' permits use permitRegion.
	return p < 7100 && provinceCodes[p/100] && (prefectureCodes[p] || retiredPrefectures[p]) && code[4:6] != "00"
}

// permitRegion reports the region codes of the residence permits for
// residents of Hong Kong (810000), Macau (820000) and Taiwan (830000),
// which follow GB 11643 otherwise (State Council Order 2018 on residence
// permits for Hong Kong, Macau and Taiwan residents).
func permitRegion(code string) bool {
	return code[0] == '8' && code[1] >= '1' && code[1] <= '3' && code[2:6] == "0000"
}

// validBirth reports whether y-m-d is a calendar date from 1900 to the
// reference date ref (YYYYMMDD).
func validBirth(y, m, d, ref int) bool {
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return false
	}
	return y*10000+m*100+d <= ref
}

// Today returns the current date as YYYYMMDD, read when called: the
// default reference date of a scan.
func Today() int { return DateInt(time.Now()) }

// DateInt returns t's date as YYYYMMDD.
func DateInt(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// mobilePrefixes marks the three-digit segments of 11-digit mobile
// numbers, loaded from data/cn_mobile_segments.txt.
var mobilePrefixes [200]bool

// ValidMobile reports whether s is an 11-digit mainland mobile number with
// an allocated prefix.
func ValidMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && allDigits(s) && mobileDigits(s)
}

// mobileDigits is [ValidMobile] for 11 characters known to be digits, the
// first a 1.
func mobileDigits(s string) bool {
	return len(s) == 11 && mobilePrefixes[100+int(s[1]-'0')*10+int(s[2]-'0')]
}

// ValidLandline reports whether area and number form a mainland fixed-line
// number: a 3-digit (010, 02x) or 4-digit (03xx–09xx) area code and a
// 7- or 8-digit subscriber number not starting with 0 or 1.
func ValidLandline(area, number string) bool {
	if !allDigits(area) || !allDigits(number) || len(number) < 7 || len(number) > 8 || number[0] < '2' {
		return false
	}
	switch len(area) {
	case 3:
		return area == "010" || (area[0] == '0' && area[1] == '2')
	case 4:
		return area[0] == '0' && area[1] >= '3' && area[1] <= '9'
	}
	return false
}

// ValidPhone reports whether s, a whole value, is a mainland phone number:
// a mobile number with an optional +86, 86 or 0086 prefix, or a landline with
// its area code, written with spaces, dashes or brackets or without.
func ValidPhone(s string) bool {
	f := textFinder{collect: true, ref: Today()}
	f.scan(s)
	return len(f.hits) == 1 && f.hits[0].det == detPhone && f.hits[0].Start == 0 && f.hits[0].End == len(s)
}

// luhn reports whether the digit string d passes the Luhn check.
func luhn(d string) bool {
	sum := 0
	i := len(d) - 1
	// Eight digits at a time from the right, while there are eight.
	for ; i >= 7; i -= 8 {
		sum += luhn8(load64(d, i-7))
	}
	for ; i >= 1; i -= 2 {
		sum += int(luhnSingle[d[i]]) + int(luhnDouble[d[i-1]])
	}
	if i == 0 {
		sum += int(luhnSingle[d[0]])
	}
	return sum%10 == 0
}

// luhn8 returns the Luhn sum of eight digits x (little-endian, the last
// of them rightmost in the number) that end at an even distance from the
// number's last digit: the digits in bytes 0, 2, 4 and 6 are doubled.
func luhn8(x uint64) int {
	x -= 0x3030303030303030
	const even = 0x00FF00FF00FF00FF
	dd, sd := x&even, x&^even
	// A doubled digit of 5 or more loses 9: dd+0x7B has its top bit set
	// exactly then.
	ge5 := (dd + 0x7B7B7B7B7B7B7B7B) >> 7 & 0x0001000100010001
	t := sd + 2*dd - 9*ge5
	return int(t * 0x0101010101010101 >> 56)
}

// luhnSingle and luhnDouble give a digit's Luhn contribution in an odd
// and an even position from the right (doubled, less 9 when over 9).
var luhnSingle, luhnDouble = func() (s, d [256]uint8) {
	for n := 0; n < 10; n++ {
		s['0'+n] = uint8(n)
		d['0'+n] = uint8(2*n - 9*(2*n/10))
	}
	return s, d
}()

// ValidLuhn reports whether s is a string of digits that passes the Luhn
// (ISO/IEC 7812-1) check.
func ValidLuhn(s string) bool { return len(s) > 1 && allDigits(s) && luhn(s) }

// Card issuers, as returned by [CardIssuer].
const (
	IssuerNone     = ""
	IssuerUnionPay = "unionpay" // a card of a mainland Chinese bank
	IssuerCredit   = "credit"   // an international credit-card scheme range
)

// CardIssuer classifies a payment card number of 13 to 19 digits passing
// Luhn by the IIN ranges of data/card_iin.txt: IssuerUnionPay for cards
// of mainland Chinese banks (the UnionPay range and Chinese banks' BINs on
// international schemes), IssuerCredit for the other ranges of Visa,
// Mastercard, American Express, JCB, Discover, Diners Club and the
// UnionPay credit BINs, and IssuerNone otherwise.
func CardIssuer(s string) string {
	if !allDigits(s) {
		return IssuerNone
	}
	k := cardKind(s)
	switch {
	case k&cardBank != 0:
		return IssuerUnionPay
	case k&cardCredit != 0:
		return IssuerCredit
	}
	return IssuerNone
}

// Card kinds, as cardKind returns them: bits, since a Chinese bank's card
// on an international scheme is both.
const (
	cardNone   = 0
	cardBank   = 1
	cardCredit = 2
)

// An iinRange is one row of data/card_iin.txt: numbers whose leading
// digits lie in [lo, hi] (digits leading digits) and whose length is in
// lens.
type iinRange struct {
	lo, hi, digits int
	lens           uint32 // bit n: length n allowed
	kind           int
}

// iinByPrefix holds the IIN ranges by the card's first two digits.
var iinByPrefix [100][]iinRange

// iin4 resolves the ranges of up to four digits for each four-digit
// prefix: the card kinds allowed per length (the longest range decides),
// and whether a longer range starts with the prefix and must be looked at.
var iin4 [10000]struct {
	bank, credit uint32 // bit n: a card of n digits is of that kind
	long         bool
}

// iinSome marks the four-digit prefixes with which some range starts, of
// any length (iin4's entries that are not empty), in a table small enough
// to stay in the processor's nearest cache.
var iinSome [(10000 + 63) / 64]uint64

func loadIINs(data string) {
	for _, line := range strings.Split(data, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			panic("card_iin.txt: short line: " + line)
		}
		r := iinRange{lo: atoiN(f[1]), hi: atoiN(f[2]), digits: len(f[1])}
		switch f[0] {
		case "bank":
			r.kind = cardBank
		case "credit":
			r.kind = cardCredit
		default:
			panic("card_iin.txt: bad kind: " + line)
		}
		for _, l := range strings.Split(f[3], ",") {
			from, to, ok := strings.Cut(l, "-")
			if !ok {
				to = from
			}
			for n := atoiN(from); n <= atoiN(to); n++ {
				r.lens |= 1 << n
			}
		}
		// Index the range under every two-digit prefix it covers.
		lo2, hi2 := r.lo, r.hi
		for d := r.digits; d > 2; d-- {
			lo2, hi2 = lo2/10, hi2/10
		}
		if r.digits == 1 {
			lo2, hi2 = lo2*10, hi2*10+9
		}
		for p := lo2; p <= hi2; p++ {
			iinByPrefix[p] = append(iinByPrefix[p], r)
		}
	}
	// Resolve every four-digit prefix by the ranges of four digits or
	// fewer, shortest first so that longer ranges override, per length.
	for p := 0; p < 10000; p++ {
		e := &iin4[p]
		rs := iinByPrefix[p/100]
		for d := 1; d <= 4; d++ {
			for _, r := range rs {
				if r.digits != d {
					continue
				}
				q := p
				for k := 4; k > d; k-- {
					q /= 10
				}
				if q < r.lo || q > r.hi {
					continue
				}
				if r.kind == cardBank {
					e.bank |= r.lens
					e.credit &^= r.lens
				} else {
					e.credit |= r.lens
					e.bank &^= r.lens
				}
			}
		}
		for _, r := range rs {
			if r.digits > 4 {
				q := r.lo
				for k := r.digits; k > 4; k-- {
					q /= 10
				}
				hq := r.hi
				for k := r.digits; k > 4; k-- {
					hq /= 10
				}
				if p >= q && p <= hq {
					e.long = true
				}
			}
		}
		if e.bank|e.credit != 0 || e.long {
			iinSome[p>>6] |= 1 << (p & 63)
		}
	}
}

// cardKind is [CardIssuer] for a string known to be digits, as bits. The
// longest matching prefix decides, as in a BIN table: a Chinese bank's BIN
// on the Visa range is a bank card, a UnionPay credit BIN within the
// UnionPay range a credit card.
func cardKind(s string) int {
	n := len(s)
	if n < 13 || n > 19 {
		return cardNone
	}
	e := &iin4[atoi4(s)]
	bit := uint32(1) << n
	kind := cardNone
	if e.bank&bit != 0 {
		kind = cardBank
	} else if e.credit&bit != 0 {
		kind = cardCredit
	}
	if e.long {
		best := 0
		for _, r := range iinByPrefix[atoi2(s)] {
			if r.digits <= 4 || r.lens&bit == 0 || r.digits < best {
				continue
			}
			if p := atoiN(s[:r.digits]); p >= r.lo && p <= r.hi {
				if r.digits > best {
					kind, best = r.kind, r.digits
				} else {
					kind |= r.kind
				}
			}
		}
	}
	if kind == cardNone || !luhn(s) {
		return cardNone
	}
	return kind
}

// ValidBankCard reports whether s is the card number of a mainland Chinese
// bank (16 to 19 digits, Luhn, a Chinese issuer's range).
func ValidBankCard(s string) bool { return allDigits(s) && cardKind(s)&cardBank != 0 }

// ValidCreditCard reports whether s is a card number in an international
// credit-card scheme range, passing Luhn.
func ValidCreditCard(s string) bool { return allDigits(s) && cardKind(s)&cardCredit != 0 }

// ValidIMEI reports whether s is a 15-digit IMEI (3GPP TS 23.003: an
// 8-digit type allocation code, a 6-digit serial number and a Luhn check
// digit), plain or written AA-BBBBBB-CCCCCC-D (dashes or spaces), or an
// IMEISV written AA-BBBBBB-CCCCCC-SV.
func ValidIMEI(s string) bool {
	if len(s) == 15 {
		return allDigits(s) && imeiDigits(s)
	}
	if len(s) != 18 && len(s) != 19 || s[2] != '-' && s[2] != ' ' || s[9] != s[2] || s[16] != s[2] {
		return false
	}
	d := s[:2] + s[3:9] + s[10:16] + s[17:]
	if !allDigits(d) {
		return false
	}
	return len(d) == 16 || imeiDigits(d)
}

// imeiDigits is [ValidIMEI] for 15 characters known to be digits. The
// type allocation code's first two digits name the reporting body; every
// value has been allocated, so only the check digit is checked.
func imeiDigits(s string) bool { return len(s) == 15 && luhn(s) }

// ValidEmail reports whether s is an e-mail address: an RFC 5322
// dot-atom local part (letters, digits and !#$%&'*+-/=?^_`{|}~, with no
// leading, trailing or doubled dot), and a domain of at least two labels
// ending in an alphabetic top-level domain.
func ValidEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || len(s) > 254 || at > 64 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isLocal(c) {
			return false
		}
		if c == '.' && (i == 0 || i == len(local)-1 || local[i-1] == '.') {
			return false
		}
	}
	return validDomain(domain)
}

func validDomain(d string) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !(isAlnum(c) || c == '-') {
				return false
			}
			continue
		}
		l := d[start:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isAlpha(tld[i]) {
			return false
		}
	}
	return true
}

// ValidIPv4 reports whether s is a dotted-quad IPv4 address with no leading
// zeros.
func ValidIPv4(s string) bool {
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n > 255 || (digits > 1 && s[i-digits] == '0') {
				return false
			}
			parts++
			n, digits = 0, 0
			continue
		}
		if !isDigit(s[i]) || digits == 3 {
			return false
		}
		n = n*10 + int(s[i]-'0')
		digits++
	}
	return parts == 4
}

// ValidIPv6 reports whether s is a textual IPv6 address (RFC 4291), without
// zone, and not groups of two hex digits throughout (a MAC or EUI-64
// identifier).
func ValidIPv6(s string) bool {
	if len(s) < 2 || strings.IndexByte(s, ':') < 0 || strings.IndexByte(s, '%') >= 0 || pairsOnly(s) {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// ValidMAC reports whether s is a 48-bit MAC address written as six pairs of
// hex digits separated by colons or dashes (one kind throughout), or as
// three groups of four joined by dots (Cisco's form, with a letter).
func ValidMAC(s string) bool {
	if len(s) == 14 {
		return ciscoMAC(s)
	}
	if len(s) != 17 {
		return false
	}
	sep := s[2]
	if sep != ':' && sep != '-' {
		return false
	}
	for i := 0; i < 17; i++ {
		if i%3 == 2 {
			if s[i] != sep {
				return false
			}
		} else if !isHex(s[i]) {
			return false
		}
	}
	return s != "00:00:00:00:00:00" && s != "FF:FF:FF:FF:FF:FF" && s != "ff:ff:ff:ff:ff:ff"
}

// ValidUUID reports whether s is a UUID in 8-4-4-4-12 hex form (device IDs
// such as IDFA and OAID use it).
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return strings.Trim(s, "0-") != ""
}

// ValidAndroidID reports whether s is an Android ID: 16 hex digits.
func ValidAndroidID(s string) bool {
	if len(s) != 16 {
		return false
	}
	digits, letters := 0, 0
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digits++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			letters++
		default:
			return false
		}
	}
	return digits > 0 && letters > 0
}

// vinValue is the ISO 3779 transliteration of VIN characters.
var vinValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for i, c := range "ABCDEFGH" {
		t[c] = int8(i + 1)
	}
	for i, c := range "JKLMN" {
		t[c] = int8(i + 1)
	}
	t['P'], t['R'] = 7, 9
	for i, c := range "STUVWXYZ" {
		t[c] = int8(i + 2)
	}
	return t
}()

// vinCheck returns the check character of a 17-character VIN.
func vinCheck(s string) byte {
	var weights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(vinValue[s[i]]) * weights[i]
	}
	if sum%11 == 10 {
		return 'X'
	}
	return byte('0' + sum%11)
}

// VINCheck returns the ISO 3779 check character for a 17-character VIN
// (position 9 is ignored), or 0 if s is not made of VIN characters.
func VINCheck(s string) byte {
	if len(s) != 17 {
		return 0
	}
	for i := 0; i < 17; i++ {
		if vinValue[s[i]] < 0 {
			return 0
		}
	}
	return vinCheck(s)
}

// ValidVIN reports whether s is a 17-character vehicle identification
// number (ISO 3779: no I, O or Q) whose position 9 holds the check digit.
// Vehicles made for China (WMI starting with L) and North America (1–5)
// must carry it (GB 16735); for other regions, which do not use it, a
// number without it is accepted when its model year (position 10) is a
// year code and its last four characters are digits (the serial number).
func ValidVIN(s string) bool {
	if len(s) != 17 {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if vinValue[c] < 0 {
			return false
		}
		if isDigit(c) {
			digits++
		} else {
			letters++
		}
	}
	if letters < 2 || digits < 4 {
		return false
	}
	if vinCheck(s) == s[8] {
		return true // the check digit holds, whatever the other positions
	}
	if s[0] == '0' || s[9] == 'U' || s[9] == 'Z' || s[9] == '0' {
		return false // position 10 (model year) never holds these
	}
	if allDigits(s[3:10]) {
		return false // no letter in the descriptor or the model year: a serial number
	}
	switch {
	case s[0] == 'L', s[0] >= '1' && s[0] <= '5':
		return false
	}
	return allDigits(s[13:])
}

// usccChars is the GB 32100 alphabet (no I, O, S, V, Z).
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccChars); i++ {
		t[usccChars[i]] = int8(i)
	}
	return t
}()

// usccCheck returns the GB 32100 check character for the first 17
// characters of a unified social credit code, or 0 on a bad character.
func usccCheck(s string) byte {
	var weights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue[s[i]]
		if v < 0 {
			return 0
		}
		sum += int(v) * weights[i]
	}
	return usccChars[(31-sum%31)%31]
}

// USCCCheck returns the GB 32100 check character for the 17 leading
// characters of a unified social credit code, or 0 if s has a character
// outside the code's alphabet.
func USCCCheck(s string) byte {
	if len(s) != 17 {
		return 0
	}
	return usccCheck(s)
}

// ValidUSCC reports whether s is an 18-character unified social credit code
// (GB 32100-2015): registration authority and organisation type, a GB/T 2260
// province code, and a valid check character.
func ValidUSCC(s string) bool {
	if len(s) != 18 || strings.IndexByte("123456789ANY", s[0]) < 0 || usccValue[s[1]] < 0 || usccValue[s[1]] > 9 {
		return false
	}
	for i := 2; i < 8; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	if !provinceCodes[atoiN(s[2:4])] {
		return false
	}
	c := usccCheck(s)
	return c != 0 && c == s[17]
}

// usccDigits is [ValidUSCC] for 18 characters known to be digits.
func usccDigits(s string) bool {
	if len(s) != 18 || s[0] == '0' || !provinceCodes[atoi2(s[2:])] {
		return false
	}
	// The weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 sum to
	// 305, so the digits' '0' offsets add up to 305*'0'.
	sum := int(s[0]) + int(s[1])*3 + int(s[2])*9 + int(s[3])*27 + int(s[4])*19 + int(s[5])*26 +
		int(s[6])*16 + int(s[7])*17 + int(s[8])*20 + int(s[9])*29 + int(s[10])*25 + int(s[11])*13 +
		int(s[12])*8 + int(s[13])*24 + int(s[14])*10 + int(s[15])*30 + int(s[16])*28 - 305*'0'
	// s is digits, so sum >= 0: an unsigned remainder, and the check
	// character's index (31-r)%31 without a second division.
	r := uint(sum) % 31
	if r != 0 {
		r = 31 - r
	}
	return usccChars[r] == s[17]
}

// ValidPassport reports whether s is a mainland passport number: E followed
// by 8 digits or by a letter and 7 digits (ordinary e-passports), G plus 8
// digits (earlier ordinary), or D, S or P plus E and 7 digits (diplomatic,
// service, official).
func ValidPassport(s string) bool {
	switch len(s) {
	case 9:
		switch s[0] {
		case 'E', 'G':
			if allDigits(s[1:]) {
				return true
			}
			return s[0] == 'E' && isUpper(s[1]) && s[1] != 'I' && s[1] != 'O' && allDigits(s[2:])
		case 'D', 'S', 'P':
			return s[1] == 'E' && allDigits(s[2:])
		}
	}
	return false
}

// ValidTravelPermit reports whether s is the number of a mainland travel
// permit: to Hong Kong and Macau (C plus 8 digits, or C plus a letter and 7
// digits; W plus 8 digits for the older booklet), to Taiwan (L or T plus 8
// digits), or a Hong Kong/Macau resident's home-return permit (H or M plus 8
// or 10 digits).
func ValidTravelPermit(s string) bool {
	switch len(s) {
	case 9:
		switch s[0] {
		case 'C':
			return allDigits(s[1:]) || isUpper(s[1]) && s[1] != 'I' && s[1] != 'O' && allDigits(s[2:])
		case 'W', 'L', 'T', 'H', 'M':
			return allDigits(s[1:])
		}
	case 11:
		return (s[0] == 'H' || s[0] == 'M') && allDigits(s[1:])
	}
	return false
}

// ValidPlate reports whether s is a mainland licence plate: a province
// abbreviation, an issuing-office letter, an optional separator (· or a
// space), and 5 characters (letters without I and O, or digits), 4 and a
// special suffix such as 学 or 警, or 6 for new-energy vehicles (D or F
// first or last).
func ValidPlate(s string) bool {
	n, ok := plateAt(s, 0)
	return ok && n == len(s)
}

// Byte helpers.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isHex(c byte) bool   { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi2 and atoi4 parse the two and four ASCII digits that s starts with.
func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
func atoi4(s string) int {
	_ = s[3]
	return int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
}

// atoiN parses a short run of ASCII digits.
func atoiN(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
