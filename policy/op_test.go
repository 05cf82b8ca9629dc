package policy_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/policy"
)

func mustOp(tb testing.TB, s string) policy.Op {
	tb.Helper()
	op, err := policy.ParseOp(s)
	if err != nil {
		tb.Fatalf("ParseOp(%q): %v", s, err)
	}
	return op
}

func TestOp_AppendString(t *testing.T) {
	k := policy.NewPseudonymizer([]byte("server secret"), 100)
	for _, tt := range []struct {
		op, in, want string
		omitted      bool
	}{
		{op: "clear", in: "13812345678", want: "13812345678"},
		{op: "clear", in: "", want: ""},
		{op: "redact", in: "13812345678", omitted: true},

		{op: "mask(3,4)", in: "13812345678", want: "138****5678"},
		{op: "mask(1,1)", in: "张三丰", want: "张*丰"},
		{op: "mask(1,1)", in: "张三", want: "张*"},
		{op: "mask(1,1)", in: "欧阳娜娜", want: "欧**娜"},
		{op: "mask(1,1)", in: "张", want: "*"},
		{op: "mask(1,1)", in: "", want: ""},
		{op: "mask(3,4)", in: "123", want: "1**"},
		{op: "mask(3,4)", in: "1234567", want: "123****"},
		{op: "mask(3,4)", in: "12345678", want: "123*5678"},
		{op: "mask(0,0)", in: "abc", want: "***"},
		{op: "mask(0,4)", in: "abcdefgh", want: "****efgh"},
		{op: "mask(6,4)", in: "6222021234567890123", want: "622202*********0123"},
		{op: "mask(6,0)", in: "广东省深圳市福田区福华三路88号", want: "广东省深圳市**********"},
		{op: "mask(2,1)", in: "粤B12345", want: "粤B****5"},
		{op: "mask(1,0,domain)", in: "zhangsan@example.com", want: "z*******@example.com"},
		{op: "mask(1,0,domain)", in: "张三@例子.中国", want: "张*@例子.中国"},
		{op: "mask(1,0,domain)", in: "a@b.c", want: "*@b.c"},
		{op: "mask(1,0,domain)", in: "@b.c", want: "@b.c"},
		{op: "mask(1,0,domain)", in: "not-an-email", want: "n***********"},
		{op: "mask(1,0,domain)", in: "a@b@c.d", want: "a**@c.d"},
		{op: "mask(1,1)", in: "a\xffb\xfe", want: "a**\xfe"},

		{op: "generalize(year)", in: "1990-05-17", want: "1990"},
		{op: "generalize(year)", in: "19900517", want: "1990"},
		{op: "generalize(year)", in: "1990年5月17日", want: "1990"},
		{op: "generalize(year)", in: "17/05/1990", want: "1990"},
		{op: "generalize(year)", in: "1990/5/17", want: "1990"},
		{op: "generalize(year)", in: "", omitted: true},
		{op: "generalize(year)", in: "unknown", omitted: true},
		{op: "generalize(year)", in: "110101199003071234", omitted: true},
		{op: "generalize(year)", in: "5/17", omitted: true},

		{op: "generalize(1km)", in: "22.543096,114.057865", want: "22.54,114.06"},
		{op: "generalize(1km)", in: "22.545, 114.995", want: "22.55, 115.00"},
		{op: "generalize(1km)", in: "-33.868820;151.209296", want: "-33.87;151.21"},
		{op: "generalize(1km)", in: "99.999", want: "100.00"},
		{op: "generalize(1km)", in: "22.5", want: "22.5"},
		{op: "generalize(1km)", in: "POINT(114.0578 22.5430)", omitted: true},
		{op: "generalize(1km)", in: "(114.0578 22.5430)", want: "(114.06 22.54)"},
		{op: "generalize(1km)", in: "深圳市福田区", omitted: true},
		{op: "generalize(1km)", in: "", omitted: true},
		{op: "generalize(1km)", in: "-", omitted: true},
		{op: "generalize(1km)", in: "22.", omitted: true},
		{op: "generalize(1km)", in: "13812345678", omitted: true},
		{op: "generalize(city)", in: "22.543096,114.057865", want: "22.5,114.1"},

		{op: "generalize(band10)", in: "34", want: "30-39"},
		{op: "generalize(band10)", in: " 7 ", want: "0-9"},
		{op: "generalize(band10)", in: "0", want: "0-9"},
		{op: "generalize(band10)", in: "99", want: "90-99"},
		{op: "generalize(band10)", in: "104", want: "100+"},
		{op: "generalize(band10)", in: "150", omitted: true},
		{op: "generalize(band10)", in: "34岁", omitted: true},
		{op: "generalize(band10)", in: "", omitted: true},

		{op: "pseudonym", in: "110101199003071234", want: knownPseudonym("server secret", "100", "110101199003071234")},
		{op: "pseudonym", in: "张三", want: knownPseudonym("server secret", "100", "张三")},
	} {
		t.Run(tt.op+"/"+tt.in, func(t *testing.T) {
			op := mustOp(t, tt.op)
			got, ok := op.AppendString([]byte("prefix:"), tt.in, k)
			if !strings.HasPrefix(string(got), "prefix:") {
				t.Fatalf("dst overwritten: %q", got)
			}
			if ok == tt.omitted {
				t.Fatalf("ok = %v, want %v (got %q)", ok, !tt.omitted, got)
			}
			if tt.omitted {
				if string(got) != "prefix:" {
					t.Errorf("omitted value wrote %q", got)
				}
				return
			}
			if s := strings.TrimPrefix(string(got), "prefix:"); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
			// The []byte form agrees.
			got2, ok2 := op.Append(nil, []byte(tt.in), k)
			if !ok2 || string(got2) != tt.want {
				t.Errorf("Append = %q, %v", got2, ok2)
			}
		})
	}
}

// knownPseudonym computes a pseudonym the long way: the grant key is
// HMAC-SHA-256(secret, "sluice pseudonym key v1\x00" + decimal grant ID),
// the pseudonym the first 16 bytes of HMAC-SHA-256(key, value) in hex.
func knownPseudonym(secret, grant, v string) string {
	kdf := hmac.New(sha256.New, []byte(secret))
	kdf.Write([]byte("sluice pseudonym key v1\x00" + grant))
	mac := hmac.New(sha256.New, kdf.Sum(nil))
	mac.Write([]byte(v))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func TestPseudonymizer(t *testing.T) {
	secret := []byte("server secret")
	a1 := policy.NewPseudonymizer(secret, 1)
	a2 := policy.NewPseudonymizer(secret, 1)
	b := policy.NewPseudonymizer(secret, 2)
	other := policy.NewPseudonymizer([]byte("another secret"), 1)
	v := "110101199003071234"
	t.Run("OKStableWithinGrant", func(t *testing.T) {
		p1, p2 := a1.AppendString(nil, v), a2.AppendString(nil, v)
		if string(p1) != string(p2) || string(a1.AppendString(nil, v)) != string(p1) {
			t.Errorf("%s != %s", p1, p2)
		}
		if len(p1) != 2*policy.PseudonymBytes {
			t.Errorf("len = %d", len(p1))
		}
	})
	t.Run("OKUnlinkableAcrossGrants", func(t *testing.T) {
		if string(a1.AppendString(nil, v)) == string(b.AppendString(nil, v)) {
			t.Error("same pseudonym under two grants")
		}
		if string(a1.AppendString(nil, v)) == string(other.AppendString(nil, v)) {
			t.Error("same pseudonym under two secrets")
		}
	})
	t.Run("OKNoKeyOmits", func(t *testing.T) {
		if _, ok := policy.Pseudonym.AppendString(nil, v, nil); ok {
			t.Error("pseudonym without a key was served")
		}
	})
}

func TestParseOp(t *testing.T) {
	for _, s := range []string{"clear", "redact", "pseudonym", "mask", "mask(3,4)", "mask(1,0,domain)", "generalize",
		"generalize(year)", "generalize(1km)", "generalize(city)", "generalize(band10)"} {
		t.Run("OK/"+s, func(t *testing.T) {
			op := mustOp(t, s)
			if op.String() != s {
				t.Errorf("String = %q", op.String())
			}
			var back policy.Op
			b, _ := op.MarshalText()
			if err := back.UnmarshalText(b); err != nil || back != op {
				t.Errorf("round trip: %v %v", back, err)
			}
		})
	}
	t.Run("OKDefault", func(t *testing.T) {
		for _, s := range []string{"", "default", " default "} {
			if op := mustOp(t, s); !op.IsZero() {
				t.Errorf("%q: %v", s, op)
			}
		}
	})
	for _, s := range []string{"mask(3)", "mask(3,4", "mask(a,b)", "mask(-1,2)", "mask(33,0)", "mask(1,1,email)", "mask(1,2,3,4)",
		"generalize(month)", "clear(1)", "shuffle", "redact()", "default(1)"} {
		t.Run("ErrInvalid/"+s, func(t *testing.T) {
			if _, err := policy.ParseOp(s); sluice.ErrorCode(err) != sluice.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// checkMask asserts the mask property: the output has the input's shape,
// each character is either the input's character at that place or '*',
// and no more than head+tail characters are kept (none of a 1-character
// value, at most half of a value shorter than head+tail+1).
func checkMask(t *testing.T, in string, head, tail uint8, out string) {
	t.Helper()
	ir, or := []rune(in), []rune(out)
	if !utf8.ValidString(in) {
		return // invalid bytes are counted as one character each; []rune would merge nothing but re-encode them
	}
	if len(ir) != len(or) {
		t.Fatalf("mask(%d,%d) of %q = %q: length changed", head, tail, in, out)
	}
	kept := 0
	for i := range ir {
		if or[i] == ir[i] && !(ir[i] == '*' && i >= int(head) && i < len(ir)-int(tail)) {
			kept++
		} else if or[i] != '*' {
			t.Fatalf("mask(%d,%d) of %q = %q: character %d invented", head, tail, in, out, i)
		}
	}
	limit := int(head) + int(tail)
	if limit >= len(ir) {
		limit = len(ir) / 2
	}
	if kept > limit && strings.Count(in, "*") == 0 {
		t.Fatalf("mask(%d,%d) of %q = %q reveals %d characters, limit %d", head, tail, in, out, kept, limit)
	}
}

func TestOp_MaskProperty(t *testing.T) {
	for _, in := range []string{"", "a", "ab", "abc", "张三", "张三丰", "13812345678", "💳💳💳💳💳💳"} {
		for head := uint8(0); head < 5; head++ {
			for tail := uint8(0); tail < 5; tail++ {
				out, _ := policy.Mask(head, tail).AppendString(nil, in, nil)
				checkMask(t, in, head, tail, string(out))
			}
		}
	}
}

func FuzzOp(f *testing.F) {
	f.Add("13812345678", uint8(3), uint8(4), false)
	f.Add("张三丰", uint8(1), uint8(1), false)
	f.Add("zhangsan@example.com", uint8(1), uint8(0), true)
	f.Add("22.543096,114.057865", uint8(0), uint8(0), false)
	f.Add("1990-05-17", uint8(2), uint8(2), false)
	f.Add("\xff\xfe@", uint8(9), uint8(9), true)
	f.Add("", uint8(0), uint8(0), false)
	k := policy.NewPseudonymizer([]byte("fuzz"), 1)
	f.Fuzz(func(t *testing.T, in string, head, tail uint8, domain bool) {
		head, tail = head%(policy.MaxKeep+1), tail%(policy.MaxKeep+1)
		m := policy.Mask(head, tail)
		m.Domain = domain
		out, ok := m.AppendString(nil, in, nil)
		if !ok {
			t.Fatal("mask omitted a value")
		}
		if !domain {
			checkMask(t, in, head, tail, string(out))
		} else if at := strings.LastIndexByte(in, '@'); at >= 0 && !strings.HasSuffix(string(out), in[at:]) {
			t.Fatalf("domain of %q lost: %q", in, out)
		}
		for _, s := range []string{"clear", "redact", "pseudonym", "generalize(year)", "generalize(1km)", "generalize(city)", "generalize(band10)"} {
			op := mustOp(t, s)
			got, ok := op.AppendString(nil, in, k)
			gotB, okB := op.Append(nil, []byte(in), k)
			if ok != okB || string(got) != string(gotB) {
				t.Fatalf("%s: string and []byte forms differ on %q", s, in)
			}
			if !ok || op.Kind != policy.OpGeneralize {
				continue
			}
			switch {
			case op.Level == policy.LevelYear && len(got) != 4,
				op.Level == policy.LevelBand10 && len(got) > len("90-99"),
				(op.Level == policy.Level1km || op.Level == policy.LevelCity) && len(got) > len(in)+1:
				t.Fatalf("%s of %q gave %q", s, in, got)
			}
		}
	})
}
