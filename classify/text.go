package classify

import (
	"math/bits"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Detectors built into sluice. A detector finds and validates one kind of
// value; the catalog maps each detector to a category.
const (
	detResidentID = iota
	detPhone
	detBankCard
	detCreditCard
	detEmail
	detIPv4
	detIPv6
	detMAC
	detIMEI
	detUUID      // only in fields whose header names a device ID
	detAndroidID // likewise
	detCoordPrecise
	detCoordImprecise
	detPlate
	detVIN
	detPassport
	detPermit
	detUSCC
	detName
	detAddress
	detDOB
	detGender
	detEthnicity
	detReligion
	detHealth
	numDetectors
)

// detectorNames are the names catalog files use for the built-in detectors.
var detectorNames = [numDetectors]string{
	detResidentID:     "cn_resident_id",
	detPhone:          "cn_phone",
	detBankCard:       "bank_card",
	detCreditCard:     "credit_card",
	detEmail:          "email",
	detIPv4:           "ipv4",
	detIPv6:           "ipv6",
	detMAC:            "mac",
	detIMEI:           "imei",
	detUUID:           "device_uuid",
	detAndroidID:      "android_id",
	detCoordPrecise:   "coordinates_precise",
	detCoordImprecise: "coordinates_imprecise",
	detPlate:          "cn_plate",
	detVIN:            "vin",
	detPassport:       "cn_passport",
	detPermit:         "cn_travel_permit",
	detUSCC:           "cn_uscc",
	detName:           "cn_name",
	detAddress:        "cn_address",
	detDOB:            "date_of_birth",
	detGender:         "gender",
	detEthnicity:      "ethnicity",
	detReligion:       "religion",
	detHealth:         "health",
}

// lexicalDetectors decide from the words of a value rather than from a
// checked structure; their share is taken over all non-empty values.
const lexicalDetectors = 1<<detName | 1<<detAddress | 1<<detDOB | 1<<detGender | 1<<detEthnicity | 1<<detReligion | 1<<detHealth

// identifyingDetectors find values that identify one person; their distinct
// values estimate the number of data subjects.
const identifyingDetectors = 1<<detResidentID | 1<<detPhone | 1<<detEmail | 1<<detPassport | 1<<detPermit | 1<<detBankCard | 1<<detCreditCard | 1<<detIMEI | 1<<detVIN | 1<<detPlate

// A Hit is one validated candidate found in a value: the detector that found
// it and its byte span.
type Hit struct {
	Detector   string // built-in detector name, e.g. "cn_resident_id"
	Start, End int
	det        int
}

// Byte classes for the text finder.
const (
	cNone  = iota
	cDigit // 0-9
	cAlpha // A-Z a-z
	cUnder // _ (a word character for boundaries, as in (?-u:\b))
	cHigh  // a UTF-8 lead or continuation byte
	cPlus
	cParen
	cNUL // a NUL byte, not text
	cAt  // @, which an address's local part may reach with no word before
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cAlpha
		t[c-32] = cAlpha
	}
	t['_'] = cUnder
	for c := 0x80; c < 256; c++ {
		t[c] = cHigh
	}
	t['+'] = cPlus
	t['('] = cParen
	t['@'] = cAt
	t[0] = cNUL
	return t
}()

func isWord(c byte) bool { return wordBits[c] != 0 }

// wordBits classifies the bytes of a word: bit 0 marks a digit, bit 1 a
// letter, bit 2 an underscore; 0 is a byte that ends the word.
var wordBits = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 2
		t[c-32] = 2
	}
	t['_'] = 4
	return t
}()

// wordCount is what each byte of a word adds to the token loop's count: 1
// for a digit, 1<<32 for a letter, and for an underscore a bit above both
// counts; 0 is a byte that ends the word.
var wordCount = func() (t [256]uint64) {
	for c := range t {
		switch wordBits[c] {
		case 1:
			t[c] = 1
		case 2:
			t[c] = 1 << 32
		case 4:
			t[c] = 1 << 62
		}
	}
	return t
}()

// rune3 decodes the three-byte UTF-8 sequence at v[i] (U+0800 to U+FFFF,
// as the scanner reads it), if there is one.
func rune3(v string, i int) (rune, bool) {
	if i+2 >= len(v) {
		return 0, false
	}
	b := v[i : i+3]
	x := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	if x&0xC0C0F0 != 0x8080E0 {
		return 0, false
	}
	return rune(x&0x0F)<<12 | rune(x>>2)&0xFC0 | rune(x>>16)&0x3F, true
}

// digits8 reports whether the eight bytes at v[i:i+8], which must lie
// within v, are ASCII digits.
func digits8(v string, i int) bool {
	x := load64(v, i)
	// Every byte is 0x30-0x39: its high nibble is 3, and adding 6 does
	// not carry into it.
	return x&0xF0F0F0F0F0F0F0F0 == 0x3030303030303030 && (x+0x0606060606060606)&0xF0F0F0F0F0F0F0F0 == 0x3030303030303030
}

// nonDigits marks with its top bit each of the eight bytes of x that is
// not an ASCII digit.
func nonDigits(x uint64) uint64 {
	// A byte is a digit when it differs from '0' by less than 10: t's
	// top bit marks the others (t&0x7F+0x76 carries into the top bit
	// from 10 on, and no further).
	t := x ^ 0x3030303030303030
	return (t&0x7F7F7F7F7F7F7F7F + 0x7676767676767676 | t) & 0x8080808080808080
}

// digitsEnd returns the end of the run of ASCII digits at v[i:].
func digitsEnd(v string, i int) int {
	for i+8 <= len(v) {
		if m := nonDigits(load64(v, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	return i
}

// textFinder finds candidates in one value. A Scanner reuses one for every
// value, resetting it in between; FindAll makes one to collect hits.
type textFinder struct {
	match, attempt uint64 // detector bits: validated, and shape seen

	// The per-value flags, side by side so that reset clears them in a
	// store or two.
	high    bool      // the value has non-ASCII bytes
	addr    addrParts // parts of an address seen
	decimal bool      // the whole value is a decimal number d+.d+
	// The whole value (with an optional minus) as parseDecimal reads it,
	// when dotted found it so (decOK, decX, decFrac), or decNo when dotted
	// found that parseDecimal would reject it.
	decOK bool
	decNo bool

	// bad records a NUL byte or bytes that are not UTF-8, which the
	// finder meets as it goes; it is not cleared by reset.
	bad     bool
	decX    float64
	decFrac int

	collect bool // record hits
	hits    []Hit
	ref     int  // reference date, YYYYMMDD: no birth date lies after it
	dry     bool // check readings of grouped digits without recording hits
	// births holds the birth dates (YYYYMMDD) of the resident IDs found in
	// the records being read, rec is the record of the value being read
	// and birthN counts births per record; the scanner empties them.
	births []recDate
	birthN []uint8
	rec    int
	norm   [40]byte // normalised digits of the last phone or card

	// sketch, when set, receives the hash of each identifying value found
	// (the field's distinct values); seed keys the hash.
	sketch *colStats
	seed   uint64
}

// devices reports whether the field's header names a device ID, so that
// UUIDs and Android IDs count.
func (f *textFinder) devices() bool { return f.sketch != nil && f.sketch.devices }

func (f *textFinder) reset() {
	f.match, f.attempt = 0, 0
	f.high, f.addr, f.decimal, f.decOK, f.decNo = false, 0, false, false, false
}

func (f *textFinder) hit(det, start, end int, v string) {
	f.match |= 1 << det
	if f.collect {
		f.hits = append(f.hits, Hit{Detector: detectorNames[det], Start: start, End: end, det: det})
	}
	if f.sketch != nil && identifyingDetectors&(1<<det) != 0 {
		f.sketch.addDistinct(hashString(f.seed, v[start:end]))
	}
}

// scan runs the ASCII token pass over v.
func (f *textFinder) scan(v string) {
	n := len(v)
	i := 0
	for i < n {
		switch byteClass[v[i]] {
		case cNone:
			i++
		case cNUL:
			f.bad = true
			i++
		case cHigh:
			// A run of non-ASCII text. Three-byte runes (Han
			// characters) are looked up in one table as they come:
			// the parts of an address are gathered without a branch
			// per rune (in an address, every other rune is one), and
			// only the runes that may open a licence plate or a
			// health term, or that no valid sequence encodes, need a
			// closer look. Other bytes are checked as UTF-8 and
			// skipped.
			//
			// A run of digits that such text encloses (a house number
			// before 号, an order number in a sentence) is a word the
			// default case would read to no other end than digitRun's:
			// it is read here, and the text goes on, without a turn
			// through the switch for each of the two.
			f.high = true
			addr := f.addr
			// A unit (号, 室, …) counts after a digit, so only the
			// first rune of a run can be one.
			unit := i > 0 && (isDigit(v[i-1]) || v[i-1] == ' ' && i > 1 && isDigit(v[i-2]))
		text:
			if unit {
				if r, ok := rune3(v, i); ok && runeFlags[r]&rfUnit != 0 {
					addr |= addrParts(rfUnit)
				}
			}
			for i < n && v[i] >= utf8.RuneSelf {
				// Three-byte runes while four bytes can be read at once
				// (the last rune of v is read below): the rune's flags
				// are looked up by its bytes (seqFlags), with no
				// decoding and no bounds check, and the rune itself is
				// made only for the few that need a closer look.
				for i+4 <= n {
					// The four bytes in reading order, b0 on top: the
					// sequence's bytes index seqFlags as they stand.
					y := bits.ReverseBytes32(load32(v, i))
					if y&0xF0C0C000 != 0xE0808000 {
						break // not a three-byte sequence
					}
					fl := seqFlags[y>>8&0xFFFFF]
					if fl&(rfPlate|rfHealth|rfBad) == 0 {
						addr |= addrParts(fl & (rfAdmin | rfRoad))
						i += 3
						continue
					}
					// The rare runes: the bytes are read again, so that
					// the loop above keeps its values in registers.
					addr |= addrParts(fl & (rfAdmin | rfRoad))
					x := load32(v, i)
					if fl&(rfHealth|rfBad) == 0 && !isUpper(byte(x>>24)) {
						i += 3 // a province's rune that no letter follows
						continue
					}
					if fl&rfBad != 0 {
						f.bad = true
					}
					i = f.highRune(v, i, rune(x&0x0F)<<12|rune(x>>2)&0xFC0|rune(x>>16)&0x3F, fl)
					if i < n && v[i] < utf8.RuneSelf {
						break
					}
				}
				for i+2 < n {
					var x uint32
					switch {
					case i+4 <= n:
						x = load32(v, i)
					case i > 0:
						x = load32(v, i-1) >> 8 // the last three bytes
					default:
						x = uint32(v[i]) | uint32(v[i+1])<<8 | uint32(v[i+2])<<16
					}
					if x&0xC0C0F0 != 0x8080E0 {
						break // not a three-byte sequence
					}
					r := rune(x&0x0F)<<12 | rune(x>>2)&0xFC0 | rune(x>>16)&0x3F
					fl := runeFlags[r]
					addr |= addrParts(fl & (rfAdmin | rfRoad))
					if fl&(rfPlate|rfHealth|rfBad) != 0 {
						if fl&(rfHealth|rfBad) == 0 && (i+3 >= n || !isUpper(v[i+3])) {
							// A province's rune that no letter follows:
							// no plate starts here.
							i += 3
							continue
						}
						if fl&rfBad != 0 {
							f.bad = true // overlong, or a surrogate
						}
						i = f.highRune(v, i, r, fl)
						if i < n && v[i] < utf8.RuneSelf {
							break
						}
						continue
					}
					i += 3
				}
				if i < n && v[i] >= utf8.RuneSelf {
					// A rune of two or four bytes, or bytes that are
					// not UTF-8, none of which the finder looks at.
					r, size := utf8.DecodeRuneInString(v[i:])
					if r == utf8.RuneError && size == 1 {
						f.bad = true
					}
					i += size
				}
			}
			if i < n && isDigit(v[i]) {
				if j := digitsEnd(v, i); j == n || v[j] >= utf8.RuneSelf {
					if L := j - i; L >= 11 && L <= 19 {
						f.digitRun(v, i, j)
					}
					i = j
					if i < n {
						unit = true
						goto text
					}
				}
			}
			f.addr = addr
		case cPlus:
			switch {
			case i+1 < n && isDigit(v[i+1]) && (i == 0 || !isWord(v[i-1])):
				i = f.number(v, i)
			case i > 0 && isWord(v[i-1]) && i+1 < n && isDigit(v[i+1]):
				// "0086+86…": a plus inside a token of digits makes the
				// whole token something other than one number.
				i = skipNumberToken(v, i)
			default:
				i++
			}
		case cAt:
			// An @ the word loop did not reach: after a local part that
			// ends with a character other than a letter or digit (a{@x.cn).
			if i > 0 && isLocal(v[i-1]) {
				i = f.email(v, i, i)
			} else {
				i++
			}
		case cParen:
			if i+4 < n && v[i+1] == '0' {
				if j, ok := f.bracketLandline(v, i); ok {
					i = j
					continue
				}
			}
			i++
		default:
			// A word: a maximal run of [0-9A-Za-z_]. Digits go eight at
			// a time while they last; then each byte adds its class to
			// a count of digits (low 32 bits) and letters (high bits).
			j := i
			for j+8 <= n && digits8(v, j) {
				j += 8
			}
			cnt := uint64(j - i)
			for j < n {
				k := wordCount[v[j]]
				if k == 0 {
					break
				}
				cnt += k
				j++
			}
			i = f.word(v, i, j, int(cnt&0xFFFFFFFF), int(cnt>>32&0x3FFFFFFF))
		}
	}
}

// word handles the word v[i:j] and returns where scanning resumes.
func (f *textFinder) word(v string, i, j, digits, alpha int) int {
	n := len(v)
	L := j - i
	if j < n {
		switch v[j] {
		case '@':
			return f.email(v, i, j)
		case '%', '+':
			if f.emailAhead(v, j) {
				return f.email(v, i, j) // a%b@example.com
			}
		case '.':
			if L == 4 && j+10 <= n && ciscoMAC(v[i:i+14]) && (i+14 == n || !isWord(v[i+14]) && v[i+14] != '.') && (i == 0 || !isWord(v[i-1]) && v[i-1] != '.') {
				f.attempt |= 1 << detMAC
				f.hit(detMAC, i, i+14, v)
				return i + 14
			}
			if digits == L && j+1 < n && isDigit(v[j+1]) {
				if f.emailAhead(v, j) {
					return f.email(v, i, j) // 0.0@example.com
				}
				return f.dotted(v, i)
			}
			if j+1 < n && isLocal(v[j+1]) && f.emailAhead(v, j) {
				return f.email(v, i, j)
			}
		case ':':
			if L <= 2 && digits == L && j+3 <= n && isDigit(v[j+1]) && isDigit(v[j+2]) && (j+3 == n || !isHex(v[j+3]) && v[j+3] != ':' || v[j+3] == ':' && j+5 < n && isDigit(v[j+4]) && isDigit(v[j+5]) && (j+6 == n || !isWord(v[j+6]) && v[j+6] != ':')) {
				return skipTime(v, j) // hh:mm or hh:mm:ss, not an address
			}
			if L <= 4 && digits+alpha == L && j+1 < n && (isHex(v[j+1]) || v[j+1] == ':') {
				if k, ok := f.colonHex(v, i); ok {
					return k
				}
			}
		case '-':
			if f.emailAhead(v, j) {
				return f.email(v, i, j) // li-na@example.com
			}
			if L == 8 && j+28 <= n && isHexWord(v[i:j]) {
				if ValidUUID(v[i:i+36]) && (i+36 == n || !isWord(v[i+36])) {
					if f.devices() {
						f.attempt |= 1 << detUUID
						f.hit(detUUID, i, i+36, v)
					}
					return i + 36
				}
			}
			if L == 2 && j+15 <= n && isHexWord(v[i:j]) && ValidMAC(v[i:i+17]) && (i+17 == n || !isWord(v[i+17]) && v[i+17] != '-') {
				f.attempt |= 1 << detMAC
				f.hit(detMAC, i, i+17, v)
				return i + 17
			}
			fallthrough
		case ' ':
			if L == 4 && digits == 4 && v[j] == '-' && j+2 < n && isDigit(v[j+1]) && (v[j+2] == '-' || j+3 < n && isDigit(v[j+2]) && v[j+3] == '-') {
				return skipDate(v, j) // yyyy-mm-dd: a date, never a phone or card
			}
			if digits == L && L <= 6 && j+1 < n && isDigit(v[j+1]) {
				return f.number(v, i)
			}
		}
	}
	if digits == L {
		// A leading "(0xx)" was handled by bracketLandline; a lone digit run.
		if L >= 11 && L <= 19 {
			f.digitRun(v, i, j)
		}
		return j
	}
	f.alnum(v, i, j, digits, alpha)
	return j
}

// skipDate returns the end of the "-mm-dd" that follows a year at v[j].
func skipDate(v string, j int) int {
	for k := 0; k < 2 && j < len(v) && v[j] == '-'; k++ {
		j++
		for j < len(v) && isDigit(v[j]) {
			j++
		}
	}
	return j
}

// skipTime returns the end of the ":mm" or ":mm:ss" that follows an hour
// at v[j].
func skipTime(v string, j int) int {
	for k := 0; k < 2 && j+2 < len(v) && v[j] == ':' && isDigit(v[j+1]) && isDigit(v[j+2]); k++ {
		j += 3
	}
	return j
}

// digitRun classifies a run of digits with word boundaries on both sides.
func (f *textFinder) digitRun(v string, i, j int) {
	s := v[i:j]
	switch L := len(s); {
	case L == 11:
		if s[0] == '1' {
			f.attempt |= 1 << detPhone
			if mobileDigits(s) {
				f.hitPhone(v, i, j, s)
			}
		}
	case L == 13 && s[0] == '8' && s[1] == '6' && s[2] == '1':
		f.attempt |= 1 << detPhone
		if mobileDigits(s[2:]) {
			f.hitPhone(v, i, j, s[2:])
		}
	case L == 13, L == 14:
		f.card(v, i, j, s)
	case L == 15 && s[:5] == "00861":
		f.attempt |= 1 << detPhone
		if mobileDigits(s[4:]) {
			f.hitPhone(v, i, j, s[4:])
		}
	case L == 15:
		f.attempt |= 1<<detResidentID | 1<<detIMEI
		if residentID15(s, f.ref) {
			f.hit(detResidentID, i, j, v)
			if f.sketch != nil {
				f.sketch.id15++
			}
			f.idBirth(19000000 + atoi2(s[6:])*10000 + atoi2(s[8:])*100 + atoi2(s[10:]))
		}
		if imeiDigits(s) {
			f.hit(detIMEI, i, j, v)
		}
		f.card(v, i, j, s)
	case L >= 16 && L <= 19:
		if L == 16 && f.devices() {
			// An IMEISV (an IMEI's 14 digits and a two-digit software
			// version), under a device header.
			f.attempt |= 1 << detIMEI
			f.hit(detIMEI, i, j, v)
			return
		}
		if L == 18 {
			f.attempt |= 1 << detResidentID
			if residentID18(s, f.ref) {
				f.hit(detResidentID, i, j, v)
				f.idBirth(atoi4(s[6:])*10000 + atoi2(s[10:])*100 + atoi2(s[12:]))
				return
			}
			if s[0] >= '1' && s[0] <= '9' {
				f.attempt |= 1 << detUSCC
				if usccDigits(s) {
					f.hit(detUSCC, i, j, v)
					return
				}
			}
		}
		f.card(v, i, j, s)
	}
}

// idBirth records the birth date of a resident ID found: for the
// record's dates of birth, and to count minors under 14.
func (f *textFinder) idBirth(date int) {
	f.rowBirth(date)
	if f.sketch != nil && minor(date, f.ref) {
		f.sketch.minors++
	}
}

// rowBirth records a birth date an identity number encodes for the
// record's dates of birth only. The European pass reads a sample of some
// fields, and a Chinese mobile can pass a PESEL's check: what it finds
// must not count as minors, or counts would depend on the sampling.
func (f *textFinder) rowBirth(date int) {
	if r := f.rec; r < len(f.birthN) && f.birthN[r] < 64 {
		f.birthN[r]++
		f.births = append(f.births, recDate{r, date})
	}
}

// A recDate is a date found in one of the records being read.
type recDate struct{ rec, date int }

// skipNumberToken returns the end of the token of digits, plus signs,
// and single spaces or dashes between digits that holds v[i].
func skipNumberToken(v string, i int) int {
	n := len(v)
	for i < n {
		c := v[i]
		switch {
		case isWord(c) || c == '+':
			i++
		case (c == ' ' || c == '-') && i+1 < n && isDigit(v[i+1]):
			i++
		default:
			return i
		}
	}
	return i
}

// ciscoMAC reports whether s, 14 bytes, is a MAC address in Cisco's
// dotted form: three groups of four hex digits.
func ciscoMAC(s string) bool {
	if len(s) != 14 || s[4] != '.' || s[9] != '.' {
		return false
	}
	for k := 0; k < 14; k++ {
		if k != 4 && k != 9 && !isHex(s[k]) {
			return false
		}
	}
	h := s[:4] + s[5:9] + s[10:]
	return h != "000000000000" && !strings.EqualFold(h, "ffffffffffff") && !allDigits(h)
}

// card classifies 13 to 19 digits as a card number.
func (f *textFinder) card(v string, i, j int, digits string) {
	if len(digits) >= 16 {
		f.attempt |= 1<<detBankCard | 1<<detCreditCard // card-shaped
	}
	if p := atoi4(digits); iinSome[p>>6]&(1<<(p&63)) == 0 {
		return // no card range starts so
	}
	k := cardKind(digits)
	f.attempt |= 1 << detCreditCard
	if k&cardBank != 0 {
		f.hit(detBankCard, i, j, v)
	}
	if k&cardCredit != 0 {
		f.hit(detCreditCard, i, j, v)
	}
}

func (f *textFinder) hitPhone(v string, i, j int, norm string) {
	f.match |= 1 << detPhone
	if f.collect {
		f.hits = append(f.hits, Hit{Detector: detectorNames[detPhone], Start: i, End: j, det: detPhone})
	}
	if f.sketch != nil {
		f.sketch.addDistinct(hashString(f.seed, norm))
	}
}

// alnum classifies a word of letters and digits.
func (f *textFinder) alnum(v string, i, j, digits, alpha int) {
	s := v[i:j]
	L := len(s)
	switch L {
	case 18:
		if digits == 17 && (s[17] == 'X' || s[17] == 'x') {
			f.attempt |= 1 << detResidentID
			if allDigits(s[:17]) && residentID18(s, f.ref) {
				f.hit(detResidentID, i, j, v)
				f.idBirth(atoi4(s[6:])*10000 + atoi2(s[10:])*100 + atoi2(s[12:]))
			}
			return
		}
		if isUpperAlnum(s) {
			f.attempt |= 1 << detUSCC
			if ValidUSCC(s) {
				f.hit(detUSCC, i, j, v)
			}
		}
	case 17:
		if alpha >= 2 && isUpperAlnum(s) {
			f.attempt |= 1 << detVIN
			if ValidVIN(s) {
				f.hit(detVIN, i, j, v)
			}
		}
	case 9:
		if isUpper(s[0]) && digits >= 7 {
			f.attempt |= 1<<detPassport | 1<<detPermit
			if ValidPassport(s) {
				f.hit(detPassport, i, j, v)
			} else if ValidTravelPermit(s) {
				f.hit(detPermit, i, j, v)
			}
		}
	case 11:
		if (s[0] == 'H' || s[0] == 'M') && digits == 10 {
			f.attempt |= 1 << detPermit
			if ValidTravelPermit(s) {
				f.hit(detPermit, i, j, v)
			}
		}
	case 16:
		if f.devices() && ValidAndroidID(s) {
			f.attempt |= 1 << detAndroidID
			f.hit(detAndroidID, i, j, v)
		}
	case 12:
		// A MAC address without separators: under a device header, or
		// counted for the column, where MACs written with separators
		// are evidence for it.
		if isHexWord(s) && alpha > 0 {
			if f.devices() {
				f.attempt |= 1 << detMAC
				f.hit(detMAC, i, j, v)
			} else if f.sketch != nil && i == 0 && j == len(v) {
				f.sketch.bareMAC++
			}
		}
	case 14:
		// A MEID (3GPP2 X.S0008): 14 hex digits, under a device header.
		if f.devices() && isHexWord(s) && alpha > 0 {
			f.attempt |= 1 << detIMEI
			f.hit(detIMEI, i, j, v)
		}
	}
	if digits == 0 && L >= 3 && L <= 14 && len(asciiHealth) > 0 {
		var buf [14]byte
		for k := 0; k < L; k++ {
			buf[k] = s[k] | 0x20
		}
		if asciiHealth[string(buf[:L])] {
			f.match |= 1 << detHealth
		}
	}
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isUpper(s[i]) {
			return false
		}
	}
	return true
}

func isHexWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// isLocal reports whether c may appear in the local part of an address.
func isLocal(c byte) bool { return emailBits[c]&emLocal != 0 }

// emailBits classifies bytes for e-mail addresses.
const (
	emLocal  = 1 << iota // may appear in a local part: RFC 5322 atext and dots
	emDomain             // may appear in a domain: [0-9A-Za-z.-]
	emAlpha              // a letter, for the top-level domain
)

var emailBits = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isAlnum(b) || b == '.' || c < 0x80 && strings.IndexByte("!#$%&'*+-/=?^_`{|}~", b) >= 0 {
			t[c] |= emLocal
		}
		if isAlnum(b) || b == '.' || b == '-' {
			t[c] |= emDomain
		}
		if isAlpha(b) {
			t[c] |= emAlpha
		}
	}
	return t
}()

// validEmailSpan is [ValidEmail] for the address v[start:end] with its @ at
// at, as email finds it: the local part is made of local-part characters
// and does not open with a dot (word says it is a single word, without
// dots), the domain is made of domain characters, ends with a letter or a
// digit, and its labels before the last, which starts at lastLabel, are
// valid.
func validEmailSpan(v string, start, at, end, lastLabel int, word bool) bool {
	if at-start > 64 || end-start > 254 || v[at-1] == '.' {
		return false
	}
	if !word {
		for k := start + 1; k < at-1; k++ {
			if v[k] == '.' && v[k+1] == '.' {
				return false
			}
		}
	}
	if d := end - at - 1; d < 4 || d > 253 {
		return false
	}
	// Two labels or more, and the last, the top-level domain, of two or
	// more letters.
	if lastLabel == at+1 || end-lastLabel < 2 || end-lastLabel > 63 {
		return false
	}
	for k := lastLabel; k < end; k++ {
		if emailBits[v[k]]&emAlpha == 0 {
			return false
		}
	}
	return true
}

// emailAhead reports whether an @ follows position j within local-part
// characters, so that "john.smith@" is read as one address.
func (f *textFinder) emailAhead(v string, j int) bool {
	for k := j; k < len(v) && k < j+64; k++ {
		if v[k] == '@' {
			return true
		}
		if !isLocal(v[k]) {
			return false
		}
	}
	return false
}

// labelOK reports whether the domain label v[from:dot], closed by the dot
// at dot, is one: 1 to 63 bytes, neither starting nor ending with a dash.
func labelOK(v string, from, dot int) bool {
	return dot > from && dot-from <= 63 && v[from] != '-' && v[dot-1] != '-'
}

// email reads the address around the @ at or after j; i is where the local
// part's word starts.
func (f *textFinder) email(v string, i, j int) int {
	at := j
	for at < len(v) && v[at] != '@' {
		at++
	}
	start := i
	for start > 0 && isLocal(v[start-1]) {
		start--
	}
	for start < at && (v[start] == '-' || v[start] == '+') {
		start++
	}
	if start > 0 && start+1 < at && v[start] == '.' && (v[start-1] == ' ' || v[start-1] == '\t') {
		// A full stop typed after a space ("word .next") is punctuation,
		// not the start of the address; an address never starts with one.
		start++
	}
	// The domain: a full stop or dash after the address is not part of
	// it, so the address ends after the last letter or digit of the run
	// of domain characters (end). The labels before it, each closed by a
	// dot, are checked (lastOK), and the last starts at lastLabel.
	// A domain is a few bytes: one loop over them, which checks the
	// labels as it goes, costs less than a call to find each dot.
	e := at + 1
	lastLabel, lastOK := at+1, true
	for ; e < len(v); e++ {
		c := v[e]
		if emailBits[c]&emDomain == 0 {
			break
		}
		if c == '.' {
			lastOK = lastOK && labelOK(v, lastLabel, e)
			lastLabel = e + 1
		}
	}
	end := e
	for end > at+1 && (v[end-1] == '.' || v[end-1] == '-') {
		end--
	}
	if lastLabel > end {
		// Full stops after the address were taken for the domain's: check
		// the labels again, up to end.
		lastLabel, lastOK = at+1, true
		for k := at + 1; k < end; k++ {
			if v[k] == '.' {
				lastOK = lastOK && labelOK(v, lastLabel, k)
				lastLabel = k + 1
			}
		}
	}
	if start == at || end == at+1 {
		return at + 1
	}
	if end < len(v) && (v[end] == '_' || v[end] == '@') {
		return end
	}
	if v[start] == '.' || end+1 < len(v) && v[end] == ',' && isAlpha(v[end+1]) {
		// A local part that opens with a dot, or a domain that a comma
		// joins to more letters (a comma typed for a dot): the token is
		// not an address, and no part of it is.
		f.attempt |= 1 << detEmail
		k := end
		if k < len(v) && v[k] == ',' {
			k++ // past the comma; never into a multi-byte rune
		}
		for k < len(v) && emailBits[v[k]]&emDomain != 0 {
			k++
		}
		return k
	}
	f.attempt |= 1 << detEmail
	if lastOK && validEmailSpan(v, start, at, end, lastLabel, start == i && j == at) {
		f.hit(detEmail, start, end, v)
	}
	return end
}

// dotted reads a run of digits and dots starting at i: an IPv4 address, a
// decimal number, or a latitude,longitude pair.
func (f *textFinder) dotted(v string, i int) int {
	n := len(v)
	j, dots, dot := i, 0, 0
	for j < n {
		if c := v[j]; isDigit(c) {
			j++
			continue
		} else if c != '.' || j+1 == n || !isDigit(v[j+1]) {
			break
		}
		dots++
		dot = j
		j += 2
	}
	if j < n && (isAlpha(v[j]) || v[j] == '_') || i > 0 && (v[i-1] == '.' || isAlpha(v[i-1]) || v[i-1] == '-' && dots == 3) {
		// part of a longer token (a version, a host name)
		for j < n && (isWord(v[j]) || v[j] == '.') {
			j++
		}
		return j
	}
	switch dots {
	case 3:
		f.attempt |= 1 << detIPv4
		if ipv4Span(v[i:j]) {
			f.hit(detIPv4, i, j, v)
		}
	case 1:
		if i == 0 && j == n {
			f.decimal = true
		}
		if j == n && (i == 0 || i == 1 && v[0] == '-') {
			// What parseDecimal would make of the whole value.
			switch {
			case j-i > 24 || dot-i > 3:
				f.decNo = true
			case j-dot-1 <= 15:
				f.decOK, f.decFrac = true, j-dot-1
				f.decX = float64(atoiN(v[i:dot])) + float64(atoiN(v[dot+1:j]))/pow10[j-dot-1]
				if i == 1 {
					f.decX = -f.decX
				}
			}
		}
		return f.coordPair(v, i, j)
	}
	return j
}

// ipv4Span is [ValidIPv4] for four groups of digits joined by single dots,
// as dotted reads them.
func ipv4Span(s string) bool {
	for k := 0; k < 4; k++ {
		d := 0
		for d < len(s) && s[d] != '.' {
			d++
		}
		switch d {
		case 1:
		case 2:
			if s[0] == '0' {
				return false
			}
		case 3:
			if s[0] == '0' || int(s[0]-'0')*100+int(s[1]-'0')*10+int(s[2]-'0') > 255 {
				return false
			}
		default:
			return false
		}
		if d == len(s) {
			return k == 3
		}
		s = s[d+1:]
	}
	return false
}

// coordPair checks whether the decimal v[i:j] starts a "lat,lng" pair.
func (f *textFinder) coordPair(v string, i, j int) int {
	n := len(v)
	k := j
	for k < n && v[k] == ' ' {
		k++
	}
	if k >= n || v[k] != ',' {
		return j
	}
	k++
	for k < n && v[k] == ' ' {
		k++
	}
	neg := k < n && v[k] == '-'
	if neg {
		k++
	}
	m := k
	dots := 0
	for m < n && (isDigit(v[m]) || v[m] == '.' && m+1 < n && isDigit(v[m+1])) {
		if v[m] == '.' {
			dots++
		}
		m++
	}
	if dots != 1 || m < n && (isWord(v[m]) || v[m] == '.') {
		return j
	}
	start := i
	if i > 0 && v[i-1] == '-' {
		start = i - 1
	}
	lat, latFrac, ok1 := parseDecimal(v[start:j])
	lng, lngFrac, ok2 := parseDecimal(v[k-b2i(neg) : m])
	if !ok1 || !ok2 || latFrac < 2 || lngFrac < 2 {
		return j
	}
	f.attempt |= 1<<detCoordPrecise | 1<<detCoordImprecise
	if lat < -90 || lat > 90 || lng < -180 || lng > 180 || lat == 0 && lng == 0 {
		return m
	}
	if latFrac >= 4 && lngFrac >= 4 {
		f.hit(detCoordPrecise, start, m, v)
	} else {
		f.hit(detCoordImprecise, start, m, v)
	}
	return m
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseDecimal parses -?d+.d+ and returns its value and the number of
// fraction digits.
func parseDecimal(s string) (x float64, frac int, ok bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) < 3 || len(s) > 24 {
		return 0, 0, false
	}
	// The integer part has one to three digits.
	dot := 0
	for dot < len(s) && dot < 4 && isDigit(s[dot]) {
		dot++
	}
	if dot == 0 || dot > 3 || dot >= len(s)-1 || s[dot] != '.' {
		return 0, 0, false
	}
	ip := atoiN(s[:dot])
	fs := s[dot+1:]
	var fp uint64
	for k := 0; k < len(fs); k++ {
		c := fs[k]
		if !isDigit(c) {
			return 0, 0, false
		}
		fp = fp*10 + uint64(c-'0')
	}
	// Up to 15 fraction digits, fp and 10^len(fs) are exact in a
	// float64, so x is the correctly rounded quotient; longer fractions
	// are summed digit by digit in floating point.
	if len(fs) <= 15 {
		x = float64(ip) + float64(fp)/pow10[len(fs)]
	} else {
		var f, scale float64 = 0, 1
		for k := 0; k < len(fs); k++ {
			f = f*10 + float64(fs[k]-'0')
			scale *= 10
		}
		x = float64(ip) + f/scale
	}
	if neg {
		x = -x
	}
	return x, len(fs), true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// colonHex reads a MAC address or an IPv6 address starting at i.
func (f *textFinder) colonHex(v string, i int) (int, bool) {
	n := len(v)
	j, colons := i, 0
	for j < n && (isHex(v[j]) || v[j] == ':' || v[j] == '.' && colons >= 2) {
		if v[j] == ':' {
			colons++
		}
		j++
	}
	if j < n && isWord(v[j]) {
		return 0, false
	}
	for j > i && (v[j-1] == ':' || v[j-1] == '.') && !(j-2 > i && v[j-2] == ':') {
		j--
	}
	s := v[i:j]
	if len(s) == 17 && colons == 5 && s[2] == ':' {
		f.attempt |= 1 << detMAC
		if ValidMAC(s) {
			f.hit(detMAC, i, j, v)
		}
		return j, true
	}
	if colons >= 2 {
		f.attempt |= 1 << detIPv6
		if ValidIPv6(s) {
			f.hit(detIPv6, i, j, v)
			return j, true
		}
		return j, true
	}
	return 0, false
}

// pairsOnly reports whether s is made of groups of two hex digits joined
// by single colons, as a MAC or EUI-64 identifier is written: such a
// string may parse as IPv6 but is not written as one.
func pairsOnly(s string) bool {
	for k := 0; k < len(s); k += 3 {
		if k+2 > len(s) || !isHex(s[k]) || !isHex(s[k+1]) || k+2 < len(s) && s[k+2] != ':' {
			return false
		}
	}
	return true
}

// number reads digit groups separated by single spaces or dashes, with an
// optional leading +, and checks the whole as a phone or card number; if the
// whole is neither, each group is classified on its own.
func (f *textFinder) number(v string, i int) int {
	n := len(v)
	plus := v[i] == '+'
	k := i
	if plus {
		k++
	}
	var groups [8][2]int
	ng, nd := 0, 0
	for ng < len(groups) {
		s := k
		for k < n && isDigit(v[k]) {
			k++
		}
		groups[ng] = [2]int{s, k}
		ng++
		nd += k - s
		if k+1 < n && (v[k] == ' ' || v[k] == '-') && isDigit(v[k+1]) {
			k++
			continue
		}
		break
	}
	end := groups[ng-1][1]
	if end < n && (isAlpha(v[end]) || v[end] == '_' || v[end] == '+' || v[end] == '.' && end+1 < n && isDigit(v[end+1])) {
		// The digits run into a longer token (a letter inside, a
		// version, a second plus): the token is not a number, and no
		// group of it is one.
		k := end
		for k < n && (isWord(v[k]) || v[k] == '+' || v[k] == '.' && k+1 < n && isWord(v[k+1])) {
			k++
		}
		return k
	}
	// The groups are read from the left as the longest runs of two or
	// more groups that form one phone, card or device number, and single
	// groups. A run is recorded only if every group outside the runs is a
	// number of its own (seven digits or more): "6222 6022 9958 1191 897"
	// is not a card number followed by 897, nor "+1 138 0013 8000" a
	// mainland number.
	if ng > 1 || plus {
		// Most often the groups are one number: try that first.
		nd := end - groups[0][0] - (ng - 1)
		if nd >= 10 && nd <= len(f.norm) && f.wholeNumber(v, plus, groups[:ng]) {
			return end
		}
	}
	var runs [8][2]int
	nr, frag := 0, false
	f.dry = true
	for g := 0; g < ng; {
		h := ng
		for ; h > g+1 || h == g+1 && plus && g == 0; h-- {
			nd := groups[h-1][1] - groups[g][0] - (h - g - 1)
			if nd >= 10 && nd <= len(f.norm) && f.wholeNumber(v, plus && g == 0, groups[g:h]) {
				break
			}
		}
		if h > g+1 || h == g+1 && plus && g == 0 {
			runs[nr] = [2]int{g, h}
			nr++
			g = h
			continue
		}
		if g == 0 && plus {
			frag = true // a plus that starts no mainland number
		}
		if groups[g][1]-groups[g][0] < 7 {
			frag = true
		}
		g++
	}
	f.dry = false
	if plus && nr == 0 {
		f.attempt |= 1 << detPhone
		return end
	}
	r := 0
	for g := 0; g < ng; {
		if r < nr && runs[r][0] == g {
			if !frag {
				f.wholeNumber(v, plus && g == 0, groups[g:runs[r][1]])
			} else {
				f.attempt |= 1 << detPhone
			}
			g = runs[r][1]
			r++
			continue
		}
		if !(plus && g == 0) {
			f.digitRun(v, groups[g][0], groups[g][1])
		}
		g++
	}
	return end
}

func (f *textFinder) groupsAlone(v string, groups [][2]int) {
	for _, g := range groups {
		f.digitRun(v, g[0], g[1])
	}
}

// wholeNumber checks grouped digits as one phone or card number. Only a
// match is recorded: a failed reading is not a candidate, since the groups
// may belong to different numbers.
func (f *textFinder) wholeNumber(v string, plus bool, groups [][2]int) bool {
	d := f.norm[:0]
	for _, g := range groups {
		d = append(d, v[g[0]:g[1]]...)
	}
	start := groups[0][0]
	if plus {
		start--
	}
	end := groups[len(groups)-1][1]
	first := groups[0][1] - groups[0][0]
	// Country prefix.
	cc := 0
	switch {
	case plus && len(d) > 2 && d[0] == '8' && d[1] == '6':
		cc = 2
	case len(d) > 4 && string(d[:4]) == "0086":
		cc = 4
	case len(d) == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1':
		cc = 2
	}
	if plus && cc == 0 {
		return false // another country's number
	}
	rest := d[cc:]
	if len(rest) == 11 && rest[0] == '1' {
		if ValidMobile(view(rest)) {
			f.wholePhone(v, start, end, view(rest))
			return true
		}
		return false
	}
	// Landline: the area code is a group of its own.
	areaLen := first
	if cc > 0 {
		if first == cc {
			areaLen = groups[1][1] - groups[1][0]
		} else {
			areaLen = first - cc
		}
	}
	if len(groups) >= 2 && areaLen >= 2 && areaLen <= 4 && len(rest) >= 9 && len(rest) <= 12 {
		var area [5]byte
		a := area[:0]
		if rest[0] != '0' {
			if cc == 0 {
				goto cards
			}
			a = append(a, '0')
		}
		a = append(a, rest[:areaLen]...)
		if ValidLandline(view(a), view(rest[areaLen:])) {
			f.wholePhone(v, start, end, view(d))
			return true
		}
		return false
	}
cards:
	if cc == 0 && len(groups) == 4 && first == 2 && groups[1][1]-groups[1][0] == 6 && groups[2][1]-groups[2][0] == 6 && (len(d) == 15 || len(d) == 16) {
		// An IMEI written AA-BBBBBB-CCCCCC-D, or an IMEISV with a
		// two-digit software version instead of the check digit.
		f.attempt |= 1 << detIMEI
		if len(d) == 16 || imeiDigits(view(d)) {
			f.wholeHit(detIMEI, start, end, v)
			return true
		}
		return false
	}
	if cc == 0 && len(d) >= 13 && len(d) <= 19 && first >= 4 && first <= 6 {
		if k := cardKind(view(d)); k != cardNone {
			if k&cardBank != 0 {
				f.wholeHit(detBankCard, start, end, v)
			}
			if k&cardCredit != 0 {
				f.wholeHit(detCreditCard, start, end, v)
			}
			return true
		}
	}
	return false
}

// view returns the bytes b as a string, without a copy, for checks that
// keep no reference to it: b must not change while the string is in use.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// wholeHit and wholePhone record what wholeNumber finds, unless it is
// only checking a reading (dry).
func (f *textFinder) wholeHit(det, start, end int, v string) {
	if !f.dry {
		f.hit(det, start, end, v)
	}
}

func (f *textFinder) wholePhone(v string, i, j int, norm string) {
	if !f.dry {
		f.hitPhone(v, i, j, norm)
	}
}

// bracketLandline reads "(0xx)" or "(0xxx)" followed by a subscriber number.
func (f *textFinder) bracketLandline(v string, i int) (int, bool) {
	n := len(v)
	k := i + 1
	for k < n && isDigit(v[k]) {
		k++
	}
	area := v[i+1 : k]
	if len(area) < 3 || len(area) > 4 || k >= n || v[k] != ')' {
		return 0, false
	}
	k++
	for k < n && (v[k] == ' ' || v[k] == '-') {
		k++
	}
	s := k
	var num [8]byte
	d := num[:0]
	for k < n && len(d) < 8 && (isDigit(v[k]) || (v[k] == ' ' || v[k] == '-') && k+1 < n && isDigit(v[k+1]) && len(d) > 0) {
		if isDigit(v[k]) {
			d = append(d, v[k])
		}
		k++
	}
	if k == s || k < n && isWord(v[k]) {
		return 0, false
	}
	f.attempt |= 1 << detPhone
	if ValidLandline(area, string(d)) {
		f.hitPhone(v, i, k, area+string(d))
	}
	return k, true
}

// digitMask is 0xFF for ASCII digits, 0 for other bytes.
var digitMask = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 0xFF
	}
	return t
}()

// highRune handles the non-ASCII rune r, flagged fl, at v[i] that may open
// a licence plate or a health term, and returns where scanning resumes.
// Terms already found are not looked for again.
func (f *textFinder) highRune(v string, i int, r rune, fl uint8) int {
	n := len(v)
	if fl&rfPlate != 0 && i+3 < n && isUpper(v[i+3]) {
		f.attempt |= 1 << detPlate
		if m, ok := plateAt(v, i); ok {
			f.hit(detPlate, i, i+m, v)
			return i + m
		}
	}
	if fl&rfHealth != 0 && f.match&(1<<detHealth) == 0 && healthNext(v, i, r) {
		for _, t := range termLists[termIndex[r]] {
			if t.kind == termHealth && n-i >= len(t.s) && v[i:i+len(t.s)] == t.s {
				f.match |= 1 << detHealth
				break
			}
		}
	}
	return i + 3
}

// healthPairs holds a bit for each health term that starts with a
// three-byte rune, at a hash of its first two runes (the second 0 when the
// term has one rune, or a second of another size): most runes that open a
// term are common, and the rune after them tells most that open none.
var healthPairs [1 << 16 / 64]uint64

func healthPairBit(r, r2 rune) (int, uint64) {
	h := (uint32(r)<<16 | uint32(r2)) * 0x9E3779B1 >> 16
	return int(h >> 6), 1 << (h & 63)
}

func addHealthPair(t string) {
	r, _ := utf8.DecodeRuneInString(t)
	r2, _ := rune3(t, 3)
	w, b := healthPairBit(r, r2)
	healthPairs[w] |= b
}

// healthNext reports whether a health term may start with the rune r at
// v[i]: whether the pair of r and the rune after it is marked in
// healthPairs, or r alone.
func healthNext(v string, i int, r rune) bool {
	if r2, ok := rune3(v, i+3); ok {
		if w, b := healthPairBit(r, r2); healthPairs[w]&b != 0 {
			return true
		}
	}
	w, b := healthPairBit(r, 0)
	return healthPairs[w]&b != 0
}

// addrParts records which parts of an address a value contains: the rune
// flags rfAdmin (市, 区, …), rfRoad (路, 街, …) and rfUnit (号, 室, …, after a
// digit).
type addrParts uint8

// isAddress reports whether v, whose parts are a, is an address: a road
// and a number, and an administrative division (a suffix such as 市 or 区, or
// the name of a province or prefecture, looked for only when needed).
//
// Without a road, an address is a division chain that a house number or
// a township, village or street ends: an administrative suffix, the name
// of a province or prefecture, and a number with a unit (…镇魏中心505号) or
// a last rune such as 镇, 乡, 村 or 街道's 道.
func (a addrParts) isAddress(v string) bool {
	switch {
	case a == 0:
		return false // most text that is not an address
	case uint8(a)&rfAdmin != 0 && uint8(a)&rfRoad != 0 && uint8(a)&rfUnit != 0:
		return true
	}
	return a.isAddressSlow(v)
}

func (a addrParts) isAddressSlow(v string) bool {
	if uint8(a)&rfRoad != 0 && uint8(a)&rfUnit != 0 {
		return hasRegionName(v)
	}
	if uint8(a)&rfAdmin == 0 {
		return false
	}
	if uint8(a)&rfUnit != 0 {
		return hasRegionName(v)
	}
	if len(v) < 3 {
		return false
	}
	r, ok := rune3(v, len(v)-3)
	if !ok {
		return false
	}
	if townEnd.has(r) {
		return hasRegionName(v)
	}
	if placeEnd.has(r) {
		for _, e := range placeEnds {
			if strings.HasSuffix(v, e) {
				return hasRegionName(v)
			}
		}
	}
	return false
}

// placeEnd holds the last runes of placeEnds.
var placeEnd = func() (s runeSet) {
	for _, e := range placeEnds {
		r, _ := utf8.DecodeLastRuneInString(e)
		s.add(r)
	}
	return s
}()

// placeEnds end an address at a community, estate or building without a
// number: 科技园社区, 阳光小区, 华庭花园.
var placeEnds = []string{"社区", "小区", "花园", "公寓", "大厦", "家园", "新村", "苑"}

// townEnd holds the runes that end an address at the level of a township,
// village or street: 镇 乡 村 道 (街道) 路 街 巷 弄 里.
var townEnd = func() (s runeSet) {
	for _, r := range "镇乡村道路街巷弄里" {
		s.add(r)
	}
	return s
}()

func hasRegionName(v string) bool {
	for i := 0; i < len(v); {
		if v[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := decodeRune(v, i)
		if r < 65536 && runeFlags[r]&rfTerm != 0 {
			for _, t := range termLists[termIndex[r]] {
				if t.kind == termRegion && len(v)-i >= len(t.s) && v[i:i+len(t.s)] == t.s {
					return true
				}
			}
		}
		i += size
	}
	return false
}

func decodeRune(v string, i int) (rune, int) {
	c := v[i]
	if c >= 0xE0 && c < 0xF0 && i+2 < len(v) && v[i+1]&0xC0 == 0x80 && v[i+2]&0xC0 == 0x80 {
		return rune(c&0x0F)<<12 | rune(v[i+1]&0x3F)<<6 | rune(v[i+2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(v[i:])
}

// isDottedName reports whether v is a name written with a middle dot
// between its parts, as the names of Uyghur, Kazakh and other citizens
// and transliterated foreign names are (买买提·艾力): two to four parts of
// one to eight Han characters each.
func isDottedName(v string) bool {
	if strings.IndexByte(v, 0xC2) < 0 && strings.IndexByte(v, 0xE2) < 0 {
		return false // neither · (C2 B7) nor • (E2 80 A2)
	}
	parts, runes := 0, 0
	for i := 0; i < len(v); {
		r, size := decodeRune(v, i)
		i += size
		switch {
		case r == '·' || r == '•':
			if runes == 0 {
				return false
			}
			parts++
			runes = 0
		case r >= 0x4E00 && r <= 0x9FFF:
			if runes++; runes > 8 {
				return false
			}
		default:
			return false
		}
	}
	return parts >= 1 && parts <= 3 && runes > 0
}

// plateAt reports the length of a licence plate starting at byte i of v.
func plateAt(v string, i int) (int, bool) {
	if i >= len(v) {
		return 0, false
	}
	r, size := decodeRune(v, i)
	if !plateProvSet.has(r) {
		return 0, false
	}
	k := i + size
	if k >= len(v) || !isUpper(v[k]) || v[k] == 'I' || v[k] == 'O' {
		return 0, false
	}
	k++
	// Optional separator: middle dot, bullet or space.
	switch {
	case k+1 < len(v) && v[k] == 0xC2 && v[k+1] == 0xB7:
		k += 2
	case k < len(v) && v[k] == ' ':
		k++
	case k+2 < len(v) && v[k] == 0xE2 && v[k+1] == 0x80 && v[k+2] == 0xA2:
		k += 3
	}
	s := k
	for k < len(v) && k-s < 7 && (isDigit(v[k]) || isUpper(v[k])) {
		if v[k] == 'I' || v[k] == 'O' {
			return 0, false
		}
		k++
	}
	body := v[s:k]
	switch len(body) {
	case 5:
		if k < len(v) && isWord(v[k]) {
			return 0, false
		}
		if digitsIn(body) < 3 {
			return 0, false
		}
		return k - i, true
	case 6:
		if k < len(v) && isWord(v[k]) {
			return 0, false
		}
		small := (body[0] == 'D' || body[0] == 'F') && allDigits(body[2:])
		large := allDigits(body[:5]) && (body[5] == 'D' || body[5] == 'F')
		if small || large {
			return k - i, true
		}
	case 4:
		if k < len(v) && v[k] >= 0x80 {
			r, sz := decodeRune(v, k)
			if plateSufSet.has(r) && digitsIn(body) >= 3 {
				return k + sz - i, true
			}
		}
	}
	return 0, false
}

func digitsIn(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// FindAll returns the validated candidates of the built-in detectors in
// text, in order, with their byte spans. Header-dependent detectors (device
// UUIDs, Android IDs) are not reported. FindAll is meant for free text and
// tests; [Scanner] uses the same finder without collecting spans.
func FindAll(text string) []Hit {
	f := textFinder{collect: true, ref: Today()}
	f.scan(text)
	sort.Slice(f.hits, func(a, b int) bool { return f.hits[a].Start < f.hits[b].Start })
	return f.hits
}
