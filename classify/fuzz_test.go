package classify

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// separated reports whether FindAll finds exactly the token s, as
// detector det, when it stands between separators: a validator's verdict
// on a token does not change with the text around it.
func separated(s, det string) bool {
	for _, sep := range []string{" ", "，", "; "} {
		found := false
		for _, h := range FindAll(sep + s + sep) {
			if h.Detector == det && h.Start == len(sep) && h.End == len(sep)+len(s) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// The fuzz tests check properties that hold for any input: validators never
// panic and agree with their own check-character functions, and every span
// FindAll reports lies within the text and validates on its own.
//
//	go test ./classify -run '^$' -fuzz FuzzFindAll -fuzztime 30s

func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105491231002", "110105194912310021", "", "X", "999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := ValidResidentID(s)
		if ok && len(s) == 18 && ResidentIDCheck(s[:17]) != upper(s[17]) {
			t.Fatalf("ValidResidentID(%q) accepts a wrong check character", s)
		}
		if ok && len(s) != 18 && len(s) != 15 {
			t.Fatalf("ValidResidentID(%q) accepts length %d", s, len(s))
		}
		if ok && !separated(s, "cn_resident_id") {
			t.Fatalf("ValidResidentID(%q) but FindAll does not find it between separators", s)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "(0755)81234567", "0086-13812345678", "+8", "(0", "0-0 0-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidMobile(s) && (!ValidPhone(s) || !separated(s, "cn_phone") || !separated("+86 "+s, "cn_phone") || !separated("0086"+s, "cn_phone")) {
			t.Fatalf("ValidMobile(%q) but not ValidPhone, or not found between separators with or without a country code", s)
		}
		if ValidPhone(s) && !separated(s, "cn_phone") {
			t.Fatalf("ValidPhone(%q) but FindAll does not find it between separators", s)
		}
		ValidLandline(s, s)
	})
}

func FuzzCard(f *testing.F) {
	for _, s := range []string{"4111111111111111", "6217001234567890122", "378282246310005", "0", "", "35-209900-176148-1", "35 209900 176148 23"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CardIssuer(s) != IssuerNone && (!ValidLuhn(s) || len(s) < 13 || len(s) > 19) {
			t.Fatalf("CardIssuer(%q) accepts a number failing Luhn or of a bad length", s)
		}
		// An 18-digit number that is also a resident ID or a credit code
		// is read as those first.
		if ValidBankCard(s) && (len(s) < 16 || !separated(s, "bank_card") && !ValidUSCC(s) && !ValidResidentID(s)) {
			t.Fatalf("ValidBankCard(%q): short, or not found between separators", s)
		}
		if ValidIMEI(s) {
			d := strings.NewReplacer("-", "", " ", "").Replace(s)
			if len(d) != 15 && len(d) != 16 || !allDigits(d) || len(d) == 15 && !ValidLuhn(d) || !separated(s, "imei") {
				t.Fatalf("ValidIMEI(%q) accepts a bad IMEI, or FindAll misses it", s)
			}
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"a@b.cn", "a..b@c.com", "@", "a@", "x@y.z1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidEmail(s) && strings.Count(s, "@") != 1 {
			t.Fatalf("ValidEmail(%q) with %d @", s, strings.Count(s, "@"))
		}
		if ValidEmail(s) && (strings.Contains(s, "..") || strings.HasPrefix(s, ".")) {
			t.Fatalf("ValidEmail(%q) accepts a misplaced dot", s)
		}
		if ValidEmail(s) && isAlnum(s[0]) && !separated(s, "email") {
			t.Fatalf("ValidEmail(%q) but FindAll does not find it between separators", s)
		}
	})
}

func FuzzIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::1", "fe80::1%eth0", "1.2.3", "256.1.1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netip.ParseAddr(s)
		if v4 := ValidIPv4(s); v4 != (err == nil && a.Is4()) {
			t.Fatalf("ValidIPv4(%q) = %v, net/netip says %v (%v)", s, v4, !v4, err)
		}
		if ValidIPv4(s) && !separated(s, "ipv4") {
			t.Fatalf("ValidIPv4(%q) but FindAll does not find it between separators", s)
		}
		if ValidIPv6(s) && (err != nil || !a.Is6() || a.Zone() != "") {
			t.Fatalf("ValidIPv6(%q) accepts what net/netip does not read as an IPv6 address", s)
		}
		if ValidMAC(s) && (len(s) != 17 && len(s) != 14 || len(s) == 17 && strings.Count(s, s[2:3]) != 5 || len(s) == 14 && strings.Count(s, ".") != 2 || !separated(s, "mac")) {
			t.Fatalf("ValidMAC(%q) accepts a bad shape, or FindAll misses it", s)
		}
		if ValidUUID(s) && (len(s) != 36 || strings.Count(s, "-") != 4) {
			t.Fatalf("ValidUUID(%q) accepts a bad shape", s)
		}
		if ValidAndroidID(s) && (len(s) != 16 || !isHexWord(s)) {
			t.Fatalf("ValidAndroidID(%q) accepts a bad shape", s)
		}
	})
}

func FuzzVIN(f *testing.F) {
	for _, s := range []string{"LSVAM4187C2184847", "1HGCM82633A004352", "WVWZZZ1JZXW000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidVIN(s) && (len(s) != 17 || strings.ContainsAny(s, "IOQ")) {
			t.Fatalf("ValidVIN(%q) accepts a bad shape", s)
		}
	})
}

func FuzzUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "ZZZZZZZZZZZZZZZZZZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidUSCC(s) && USCCCheck(s[:17]) != s[17] {
			t.Fatalf("ValidUSCC(%q) accepts a wrong check character", s)
		}
	})
}

func FuzzPlate(f *testing.F) {
	for _, s := range []string{"京A12345", "粤BD12345", "苏A1234学", "沪B·6C789", "京", "京A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidPlate(s) {
			r, size := utf8.DecodeRuneInString(s)
			if !strings.ContainsRune(plateProvinces, r) || len(s) <= size || !isUpper(s[size]) || strings.ContainsAny(s[size:], "IO") {
				t.Fatalf("ValidPlate(%q) accepts a plate without a province and an office letter, or with I or O", s)
			}
			if !separated(s, "cn_plate") {
				t.Fatalf("ValidPlate(%q) but FindAll does not find it between separators", s)
			}
		}
		if ValidPassport(s) && (len(s) != 9 || !isUpper(s[0]) || !allDigits(s[len(s)-7:])) {
			t.Fatalf("ValidPassport(%q) accepts a bad shape", s)
		}
		if ValidTravelPermit(s) && (len(s) != 9 && len(s) != 11 || !isUpper(s[0])) {
			t.Fatalf("ValidTravelPermit(%q) accepts a bad shape", s)
		}
	})
}

func FuzzFindAll(f *testing.F) {
	for _, s := range []string{
		"客户张三 电话 +86 138-1234-5678，身份证11010519491231002X，邮箱 zhang.san@example.com。",
		"(0755)8123-4567 6217 0012 3456 7890 122 39.904211,116.407394 粤BD12345",
		"fe80::1 00:1A:2B:3C:4D:5E 192.168.1.1 a@b@c.d", "++86 (0", "1-2-3-4-5-6-7-8-9-0-1", "\xe4\xb8", "京A·",
	} {
		f.Add(s)
	}
	validators := map[string]func(string) bool{
		"cn_resident_id": ValidResidentID, "cn_phone": ValidPhone, "email": ValidEmail, "ipv4": ValidIPv4,
		"ipv6": ValidIPv6, "mac": ValidMAC, "cn_plate": ValidPlate, "vin": ValidVIN, "cn_uscc": ValidUSCC,
		"cn_passport": ValidPassport, "cn_travel_permit": ValidTravelPermit, "imei": ValidIMEI,
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range FindAll(s) {
			if h.Start < 0 || h.End > len(s) || h.Start >= h.End {
				t.Fatalf("FindAll(%q): bad span %d..%d", s, h.Start, h.End)
			}
			m := s[h.Start:h.End]
			if v := validators[h.Detector]; v != nil && !v(m) {
				t.Fatalf("FindAll(%q): %s %q does not validate alone", s, h.Detector, m)
			}
			if h.Start > 0 && isWord(s[h.Start-1]) && isWord(s[h.Start]) || h.End < len(s) && isWord(s[h.End]) && isWord(s[h.End-1]) {
				t.Fatalf("FindAll(%q): %s %q is not at a word boundary", s, h.Detector, m)
			}
			if !separated(m, h.Detector) {
				t.Fatalf("FindAll(%q): %s %q is not found again between separators", s, h.Detector, m)
			}
		}
	})
}

func FuzzScanner(f *testing.F) {
	f.Add("phone", "13812345678", "身份证", "11010519491231002X")
	f.Add("", "", "x", "\xff\xfe")
	f.Add("lat", "39.904211", "lng", "116.407394")
	f.Add("ip", "192.168.1.1", "at", "2024-05-06 21:22:04")
	f.Add("birthday", "19491231", "x", "90.000000000000001")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		if n1 == n2 {
			n2 += "_2"
		}
		s := DefaultCatalog().NewScanner()
		slow := DefaultCatalog().NewScanner()
		slow.generic = true
		names := []string{n1, n2}
		for i := 0; i < 3; i++ {
			s.Add(names, []string{v1, v2})
			slow.Add(names, []string{v1, v2})
		}
		// The fast paths count what the general scan counts.
		if a, b := scannerState(s), scannerState(slow); a != b {
			t.Fatalf("fast path\n%s\ngeneral scan\n%s", a, b)
		}
		for _, fr := range s.Fields() {
			for _, m := range fr.Categories {
				if m.Matches > fr.NonEmpty || m.Ratio < 0 || m.Ratio > 1 {
					t.Fatalf("field %q: %+v over %d non-empty values", fr.Name, m, fr.NonEmpty)
				}
			}
			if !utf8.ValidString(fr.Name) && fr.Name != n1 && fr.Name != n2 {
				t.Fatalf("unexpected field %q", fr.Name)
			}
		}
	})
}
