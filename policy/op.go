package policy

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice"
)

// An OpKind names a de-identification operator.
type OpKind uint8

// Operator kinds. OpDefault is the zero value: on a grant field it means
// "the default for the field's categories".
const (
	OpDefault    OpKind = iota // unset: use the category default
	OpClear                    // the value as stored
	OpMask                     // keep the first Head and last Tail characters, '*' for each other one
	OpPseudonym                // keyed hash, stable within one grant, unlinkable across grants
	OpGeneralize               // a coarser value: birth year, ~1 km cell, 10-year age band
	OpRedact                   // the field is omitted
)

var opNames = [...]string{"default", "clear", "mask", "pseudonym", "generalize", "redact"}

// String returns the operator's name.
func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return "unknown"
}

// A Level says how far [OpGeneralize] coarsens a value. Each level expects
// one form of value; a value not in that form is omitted, never passed on.
type Level uint8

// Generalisation levels.
const (
	LevelNone   Level = iota // unset: the category default's level, if any
	LevelYear                // a date (1990-05-17, 19900517, 1990年5月17日, 17/05/1990) → its year
	Level1km                 // decimal coordinates → rounded to 2 decimals, a cell of about 1 km
	LevelCity                // decimal coordinates → rounded to 1 decimal, about 11 km: city scale
	LevelBand10              // an age in years → its 10-year band, e.g. 34 → 30-39; 100 and over → 100+
)

var levelNames = [...]string{"", "year", "1km", "city", "band10"}

// String returns the level's name as written in an operator, e.g. "year".
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// An Op is a de-identification operator with its parameters. The zero Op
// means "the category default". Ops are small values: copy them freely.
//
// Written as text (in grants, rule files and JSON) an Op is one of
//
//	clear
//	redact
//	pseudonym
//	mask            (parameters from the category default, else mask(1,1))
//	mask(3,4)       keep the first 3 and last 4 characters
//	mask(1,0,domain)  for e-mail: mask the local part, keep "@domain"
//	generalize      (level from the category default; omitted if there is none)
//	generalize(year) generalize(1km) generalize(city) generalize(band10)
type Op struct {
	Kind   OpKind
	Head   uint8 // mask: characters kept at the start
	Tail   uint8 // mask: characters kept at the end
	Domain bool  // mask: keep everything from the last '@' on
	Params bool  // mask: Head, Tail and Domain were given (false: take them from the category default)
	Level  Level // generalize
}

// Operators used by name in sluice.
var (
	Clear     = Op{Kind: OpClear}
	Redact    = Op{Kind: OpRedact}
	Pseudonym = Op{Kind: OpPseudonym}
)

// Mask returns a mask operator keeping head leading and tail trailing
// characters.
func Mask(head, tail uint8) Op { return Op{Kind: OpMask, Head: head, Tail: tail, Params: true} }

// Generalize returns a generalize operator at level l.
func Generalize(l Level) Op { return Op{Kind: OpGeneralize, Level: l} }

// IsZero reports whether o is the zero Op, "the category default".
func (o Op) IsZero() bool { return o == Op{} }

// String returns o in the text form [ParseOp] reads.
func (o Op) String() string {
	switch o.Kind {
	case OpMask:
		if !o.Params {
			return "mask"
		}
		s := "mask(" + strconv.Itoa(int(o.Head)) + "," + strconv.Itoa(int(o.Tail))
		if o.Domain {
			s += ",domain"
		}
		return s + ")"
	case OpGeneralize:
		if o.Level == LevelNone {
			return "generalize"
		}
		return "generalize(" + o.Level.String() + ")"
	}
	return o.Kind.String()
}

// MarshalText implements encoding.TextMarshaler.
func (o Op) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseOp].
func (o *Op) UnmarshalText(b []byte) error {
	op, err := ParseOp(string(b))
	if err != nil {
		return err
	}
	*o = op
	return nil
}

// ParseOp reads an operator in the text form described at [Op]. The empty
// string and "default" give the zero Op. Errors are EINVALID.
func ParseOp(s string) (Op, error) {
	s = strings.TrimSpace(s)
	name, args, hasArgs := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if hasArgs {
		if !strings.HasSuffix(args, ")") {
			return Op{}, sluice.Errorf(sluice.EINVALID, "Operator %q: missing ')'.", s)
		}
		args = args[:len(args)-1]
	}
	bad := func(format string, a ...any) (Op, error) {
		return Op{}, sluice.Errorf(sluice.EINVALID, "Operator %q: "+format, append([]any{s}, a...)...)
	}
	switch name {
	case "", "default":
		if hasArgs {
			return bad("takes no parameters.")
		}
		return Op{}, nil
	case "clear", "redact", "pseudonym":
		if hasArgs {
			return bad("takes no parameters.")
		}
		switch name {
		case "clear":
			return Clear, nil
		case "redact":
			return Redact, nil
		}
		return Pseudonym, nil
	case "mask":
		if !hasArgs {
			return Op{Kind: OpMask}, nil
		}
		parts := strings.Split(args, ",")
		if len(parts) < 2 || len(parts) > 3 {
			return bad("mask takes (head,tail) or (head,tail,domain).")
		}
		var n [2]uint8
		for i := range 2 {
			v, err := strconv.ParseUint(strings.TrimSpace(parts[i]), 10, 8)
			if err != nil || v > MaxKeep {
				return bad("mask counts must be whole numbers from 0 to %d.", MaxKeep)
			}
			n[i] = uint8(v)
		}
		op := Mask(n[0], n[1])
		if len(parts) == 3 {
			if strings.TrimSpace(parts[2]) != "domain" {
				return bad("the third mask parameter can only be domain.")
			}
			op.Domain = true
		}
		return op, nil
	case "generalize":
		if !hasArgs {
			return Op{Kind: OpGeneralize}, nil
		}
		arg := strings.TrimSpace(args)
		for l := LevelYear; int(l) < len(levelNames); l++ {
			if levelNames[l] == arg {
				return Generalize(l), nil
			}
		}
		return bad("generalize takes year, 1km, city or band10.")
	}
	return bad("unknown operator; use clear, mask, pseudonym, generalize or redact.")
}

// MaxKeep is the largest number of characters a mask may keep at either end.
const MaxKeep = 32

// AppendString appends the de-identified form of v to dst. It returns false
// when the value must be omitted: for [OpRedact], for [OpPseudonym] without
// a key, for a value that [OpGeneralize] cannot read at its level, and for
// the zero Op (which a decision never yields). The caller then writes no
// value (or null) for the field. It does not allocate when dst has room.
func (o Op) AppendString(dst []byte, v string, k *Pseudonymizer) ([]byte, bool) {
	return appendOp(o, dst, v, k)
}

// Append is [Op.AppendString] for a value held as bytes.
func (o Op) Append(dst, v []byte, k *Pseudonymizer) ([]byte, bool) {
	return appendOp(o, dst, v, k)
}

type text interface{ ~string | ~[]byte }

func appendOp[S text](o Op, dst []byte, v S, k *Pseudonymizer) ([]byte, bool) {
	switch o.Kind {
	case OpClear:
		return append(dst, v...), true
	case OpMask:
		return appendMask(dst, v, o), true
	case OpPseudonym:
		if k == nil {
			return dst, false
		}
		return appendPseudonym(k, dst, v), true
	case OpGeneralize:
		switch o.Level {
		case LevelYear:
			return appendYear(dst, v)
		case Level1km:
			return appendRounded(dst, v, 2)
		case LevelCity:
			return appendRounded(dst, v, 1)
		case LevelBand10:
			return appendBand(dst, v)
		}
	}
	return dst, false
}

// runeWidth returns the width of the rune starting at s[i], with the same
// rule for invalid bytes as utf8.DecodeRune (width 1).
func runeWidth[S text](s S, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, w := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
	return w
}

func runeCount[S text](s S) int {
	n := 0
	for i := 0; i < len(s); i += runeWidth(s, i) {
		n++
	}
	return n
}

// keep returns how many characters a mask keeps at each end of a value of
// n characters. When head+tail would reveal all of it, at most half of the
// value (rounded down) is kept, the start first, so a mask always hides at
// least one character of a non-empty value: 张三 with (1,1) gives 张*.
func keep(n, head, tail int) (int, int) {
	if head+tail >= n {
		allowed := n / 2
		head = min(head, allowed)
		tail = min(tail, allowed-head)
	}
	return head, tail
}

func appendMask[S text](dst []byte, v S, o Op) []byte {
	end := len(v)
	if o.Domain {
		for i := len(v) - 1; i >= 0; i-- {
			if v[i] == '@' {
				end = i
				break
			}
		}
	}
	local := v[:end]
	if isASCII(local) {
		head, tail := keep(len(local), int(o.Head), int(o.Tail))
		dst = append(dst, local[:head]...)
		dst = appendStars(dst, len(local)-head-tail)
		dst = append(dst, local[len(local)-tail:]...)
		return append(dst, v[end:]...)
	}
	n := runeCount(local)
	head, tail := keep(n, int(o.Head), int(o.Tail))
	i, r := 0, 0
	for ; r < head; r++ {
		i += runeWidth(local, i)
	}
	dst = append(dst, local[:i]...)
	dst = appendStars(dst, n-head-tail)
	for ; r < n-tail; r++ {
		i += runeWidth(local, i)
	}
	dst = append(dst, local[i:]...)
	return append(dst, v[end:]...)
}

const stars = "********************************"

func appendStars(dst []byte, n int) []byte {
	for n > len(stars) {
		dst = append(dst, stars...)
		n -= len(stars)
	}
	return append(dst, stars[:n]...)
}

func isASCII[S text](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// appendYear appends the year of a date: the first run of exactly four
// digits, or the first four of a leading run of eight (yyyymmdd).
func appendYear[S text](dst []byte, v S) ([]byte, bool) {
	for i := 0; i < len(v); {
		if !isDigit(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && isDigit(v[j]) {
			j++
		}
		if j-i == 4 || (j-i == 8 && i == 0) {
			if v[i] == '1' || v[i] == '2' {
				return append(dst, v[i:i+4]...), true
			}
			return dst, false
		}
		i = j
	}
	return dst, false
}

// appendRounded rounds every decimal number in v (coordinates such as
// "22.543096,114.057865") to places decimals, half away from zero, keeping
// separators. Values holding anything but numbers and the separators
// ", ; ( ) space tab" are omitted: free text must not pass through.
func appendRounded[S text](dst []byte, v S, places int) ([]byte, bool) {
	start := len(dst)
	numbers := 0
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ',' || c == ';' || c == ' ' || c == '\t' || c == '(' || c == ')':
			dst = append(dst, c)
			i++
			continue
		case c != '-' && c != '+' && !isDigit(c):
			return dst[:start], false
		}
		j := i
		if c == '-' || c == '+' {
			j++
		}
		intStart := j
		for j < len(v) && isDigit(v[j]) {
			j++
		}
		intEnd := j
		fracEnd := j
		if j < len(v) && v[j] == '.' {
			j++
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			fracEnd = j
		}
		if intEnd == intStart || (fracEnd > intEnd && fracEnd == intEnd+1) || intEnd-intStart > 3 {
			return dst[:start], false // a sign or dot alone, "1.", or not a coordinate
		}
		var ok bool
		if dst, ok = appendRoundedNumber(dst, v[i:fracEnd], intStart-i, intEnd-i, places); !ok {
			return dst[:start], false
		}
		numbers++
		i = fracEnd
	}
	if numbers == 0 {
		return dst[:start], false
	}
	return dst, true
}

// appendRoundedNumber rounds one number n = [sign] int [. frac]; intStart
// and intEnd bound its integer digits.
func appendRoundedNumber[S text](dst []byte, n S, intStart, intEnd, places int) ([]byte, bool) {
	if n[0] == '-' {
		dst = append(dst, '-')
	}
	var digits [8]byte // at most 3 integer digits + a carry + places (≤ 2) decimals
	d := append(digits[:0], '0')
	d = append(d, n[intStart:intEnd]...)
	frac := n[intEnd:]
	if len(frac) > 0 {
		frac = frac[1:]
	}
	kept := min(len(frac), places)
	d = append(d, frac[:kept]...)
	if len(frac) > places && frac[places] >= '5' {
		k := len(d) - 1
		for ; k >= 0 && d[k] == '9'; k-- {
			d[k] = '0'
		}
		d[k]++ // k ≥ 0: the leading '0' absorbs the last carry
	}
	intDigits := d[:len(d)-kept]
	if intDigits[0] == '0' && len(intDigits) > 1 {
		intDigits = intDigits[1:]
	}
	dst = append(dst, intDigits...)
	if kept > 0 {
		dst = append(dst, '.')
		dst = append(dst, d[len(d)-kept:]...)
	}
	return dst, true
}

// appendBand appends the 10-year band of an age in whole years.
func appendBand[S text](dst []byte, v S) ([]byte, bool) {
	i, j := 0, len(v)
	for i < j && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
		j--
	}
	if i == j || j-i > 3 {
		return dst, false
	}
	age := 0
	for k := i; k < j; k++ {
		if !isDigit(v[k]) {
			return dst, false
		}
		age = age*10 + int(v[k]-'0')
	}
	if age >= 150 {
		return dst, false
	}
	if age >= 100 {
		return append(dst, "100+"...), true
	}
	lo := age / 10 * 10
	dst = strconv.AppendInt(dst, int64(lo), 10)
	dst = append(dst, '-')
	return strconv.AppendInt(dst, int64(lo+9), 10), true
}
