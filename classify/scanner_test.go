package classify

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// scannerState prints what a scanner counted, field by field, down to the
// sketch registers, for comparing two scanners.
func scannerState(s *Scanner) string {
	s.flushAll()
	var b strings.Builder
	for _, c := range s.order {
		fmt.Fprintf(&b, "%s: non-empty %d, match %v, attempt %v, dates %d (%d-%d), decimals %d lat %d lng %d precise %d\n",
			c.name, c.nonEmpty, c.match, c.attempt, c.dates, c.minYear, c.maxYear, c.decimals, c.latOK, c.lngOK, c.precise)
		if c.hll != nil {
			fmt.Fprintf(&b, "  sketch %x\n", c.hll.reg)
		}
	}
	return b.String()
}

// numericValues returns values of the shapes Scanner.numeric reads, and
// near misses: digits, decimals (on the ±90 and ±180 boundaries too),
// dotted groups, dates and times, negative numbers.
func numericValues(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	digits := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	out := []string{"13812345678", "11010519491231002X", "110105194912310021", "6222021234567890123", "19491231",
		"90.0", "90.000000000000001", "180.0000000000000001", "89.99999999999999999", "192.168.1.1", "256.1.1.1",
		"01.2.3.4", "2024-05-06 21:22:04", "2024-05-06 21:22", "2024-05-06T21:22:04", "12345678.5", "1..2", "1.", "0.5"}
	for len(out) < n {
		var v string
		switch r.IntN(7) {
		case 0:
			v = digits(1 + r.IntN(25))
		case 1:
			v = digits(1+r.IntN(5)) + "." + digits(1+r.IntN(22))
		case 2:
			for k := 2 + r.IntN(4); k > 0; k-- {
				v += digits(1+r.IntN(4)) + "."
			}
			v = strings.TrimSuffix(v, ".")
		case 3:
			v = fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", r.IntN(3000), r.IntN(14), r.IntN(33), r.IntN(25), r.IntN(61), r.IntN(61))
		case 4:
			v = fmt.Sprintf("%04d%02d%02d", 1890+r.IntN(150), r.IntN(14), r.IntN(33))
		case 5:
			v = []string{"90", "180", "89", "179", "91", "181", "0"}[r.IntN(7)] + "." + digits(1+r.IntN(17))
		case 6:
			v = "-" + digits(1+r.IntN(4)) + "." + digits(1+r.IntN(8))
		}
		if r.IntN(4) == 0 {
			b := []byte(v)
			b[r.IntN(len(b))] = "0.-: a\t@x"[r.IntN(9)]
			v = string(b)
		}
		out = append(out, v)
	}
	return out
}

func TestScanner_AddValue(t *testing.T) {
	// The fast path for numeric shapes counts exactly what the general
	// scan does, under headers that change how values count.
	values := numericValues(20000)
	for _, header := range []string{"x", "lat", "lng", "birthday", "phone", "device_id"} {
		t.Run("OK/"+header, func(t *testing.T) {
			fast, slow := DefaultCatalog().NewScanner(), DefaultCatalog().NewScanner()
			slow.generic = true
			for i, v := range values {
				fast.Add([]string{header}, []string{v})
				slow.Add([]string{header}, []string{v})
				if i%997 == 0 || i == len(values)-1 {
					if a, b := scannerState(fast), scannerState(slow); a != b {
						t.Fatalf("after %q: fast path\n%s\ngeneral scan\n%s", v, a, b)
					}
				}
			}
		})
	}
}

func TestScanner_AddChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		want   bool
	}{
		{"OK", []string{"张伟", "13812345678", "a@b.cn", "", "  "}, true},
		{"OKFourBytes", []string{"\U0001F600 ok", "é·"}, true},
		{"OKReplacementChar", []string{"\uFFFD"}, true},
		{"ErrNUL", []string{"张\x00伟"}, false},
		{"ErrNULInNumber", []string{"138\x0012345678"}, false},
		{"ErrInvalidByte", []string{"ok", "\xff"}, false},
		{"ErrTruncated", []string{"张\xe4\xb8"}, false},
		{"ErrSurrogate", []string{"\xed\xa0\x80"}, false},
		{"ErrOverlong", []string{"\xe0\x80\xaf"}, false},
		{"ErrStrayContinuation", []string{"a\x80b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultCatalog().NewScanner()
			names := make([]string, len(tc.values))
			for i := range names {
				names[i] = fmt.Sprint("f", i)
			}
			if got := s.AddChecked(names, tc.values); got != tc.want {
				t.Errorf("AddChecked(%q) = %v, want %v", tc.values, got, tc.want)
			}
			if !s.AddChecked(names[:1], []string{"ok"}) {
				t.Errorf("AddChecked after %q: a valid record reported bad", tc.values)
			}
		})
	}
}

func TestHLL_Estimate(t *testing.T) {
	// Identifiers that differ in a few digits spread over the sketch as
	// random values do: estimates within 5 % (the standard error is
	// about 1.6 %).
	for _, n := range []int{1000, 50000} {
		for _, format := range []string{"138%08d", "11010519491231%04d", "user%d@example.com"} {
			t.Run(fmt.Sprintf("OK/%s/%d", format, n), func(t *testing.T) {
				var h hll
				for i := 0; i < n; i++ {
					v := fmt.Sprintf(format, i)
					h.add(hashString(0x5eed, v))
					h.add(hashString(0x5eed, v)) // a repeat changes nothing
				}
				if e := h.estimate(); e < int64(float64(n)*0.95) || e > int64(float64(n)*1.05) {
					t.Errorf("estimate %d for %d distinct values", e, n)
				}
			})
		}
	}
}

func FuzzAddChecked(f *testing.F) {
	for _, s := range []string{"张伟", "\xff", "a\x00b", "\xed\xa0\x80", "\xe0\x80\xaf", "京A·12345", "\xf0\x9f\x98\x80", "138\xe4\xb8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s := DefaultCatalog().NewScanner()
		want := utf8.ValidString(v) && !strings.Contains(v, "\x00")
		if got := s.AddChecked([]string{"x"}, []string{v}); got != want {
			t.Fatalf("AddChecked(%q) = %v, want %v", v, got, want)
		}
	})
}
