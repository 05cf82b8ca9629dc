package classify

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestValidResidentID(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     bool
	}{
		{"OK", "11010519491231002X", true},
		{"OKLowerX", "11010519491231002x", true},
		{"OKDigitCheck", "440305199001011248", true},
		{"OKLegacy15", "110105491231002", true},
		{"ErrCheckChar", "110105194912310021", false},
		{"ErrRegion", "99010519491231002X", false},
		{"ErrPrefecture", "119905194912310029", false},
		{"ErrCountyZero", "110100194912310020", false},
		{"ErrDate", "110105194902300027", false},
		{"ErrFuture", "110105299912310027", false},
		{"ErrLength", "11010519491231002", false},
		{"ErrLetter", "1101051949123100AX", false},
		{"ErrLegacyDate", "110105491331002", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidResidentID(tc.in); got != tc.want {
				t.Errorf("ValidResidentID(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidPhone(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     bool
	}{
		{"OKMobile", "13812345678", true},
		{"OKPlus86", "+86 138 1234 5678", true},
		{"OK0086", "0086-13812345678", true},
		{"OK86", "8613812345678", true},
		{"OKDashes", "138-1234-5678", true},
		{"OKLandline", "010-62345678", true},
		{"OKLandline4", "0755 8123456", true},
		{"OKBrackets", "(0755)81234567", true},
		{"OKPlusArea", "+86 755 8123 4567", true},
		{"ErrUnallocated", "12812345678", false},
		{"ErrPrefix154", "15412345678", false},
		{"ErrTooLong", "138123456789", false},
		{"ErrForeign", "+1 415 555 2671", false},
		{"ErrSubscriberStartsWith1", "010-12345678", false},
		{"ErrTimestamp", "1700000000000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidPhone(tc.in); got != tc.want {
				t.Errorf("ValidPhone(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestCardIssuer(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"OKVisa", "4111111111111111", IssuerCredit},
		{"OKMastercard", "5555555555554444", IssuerCredit},
		{"OKAmex", "378282246310005", IssuerCredit},
		{"OKUnionPayDebit19", "6217001234567890122", IssuerUnionPay},
		{"OKUnionPayCredit", "6258021234567891", IssuerCredit},
		{"ErrLuhn", "4111111111111112", IssuerNone},
		{"ErrIssuer", "9111111111111111", IssuerNone},
		{"ErrShort", "411111111111", IssuerNone},
		{"ErrLetters", "41111111111111a1", IssuerNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CardIssuer(tc.in); got != tc.want {
				t.Errorf("CardIssuer(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"EmailOK", ValidEmail, "zhang.san+news@mail.example.com.cn", true},
		{"EmailErrNoDot", ValidEmail, "root@localhost", false},
		{"EmailErrDoubleDot", ValidEmail, "a..b@example.com", false},
		{"EmailErrNumericTLD", ValidEmail, "build@1.2", false},
		{"IPv4OK", ValidIPv4, "192.168.1.20", true},
		{"IPv4ErrRange", ValidIPv4, "10.0.19041.1", false},
		{"IPv4ErrLeadingZero", ValidIPv4, "01.2.3.4", false},
		{"IPv4ErrThreeParts", ValidIPv4, "3.2.1", false},
		{"IPv6OK", ValidIPv6, "240e:3a1:2c4:1::8", true},
		{"IPv6ErrTime", ValidIPv6, "12:30:45", false},
		{"MACOK", ValidMAC, "00:1A:2B:3C:4D:5E", true},
		{"MACOKDashes", ValidMAC, "00-1a-2b-3c-4d-5e", true},
		{"MACErrMixed", ValidMAC, "00:1A-2B:3C:4D:5E", false},
		{"IMEIOK", ValidIMEI, "490154203237518", true},
		{"IMEIErrLuhn", ValidIMEI, "490154203237519", false},
		{"UUIDOK", ValidUUID, "6F9619FF-8B86-D011-B42D-00C04FC964FF", true},
		{"UUIDErrZero", ValidUUID, "00000000-0000-0000-0000-000000000000", false},
		{"VINOK", ValidVIN, "LSVAM4187C2184847", true},
		{"VINOKNorthAmerica", ValidVIN, "1HGCM82633A004352", true},
		{"VINErrCheck", ValidVIN, "1HGCM82634A004352", false},
		{"VINErrLetterI", ValidVIN, "1HGCM8263IA004352", false},
		{"USCCOK", ValidUSCC, "91350100M000100Y43", true},
		{"USCCErrCheck", ValidUSCC, "91350100M000100Y44", false},
		{"USCCErrRegion", ValidUSCC, "91990100M000100Y43", false},
		{"PassportOK", ValidPassport, "E12345678", true},
		{"PassportOKLetter", ValidPassport, "EA1234567", true},
		{"PassportErrPrefix", ValidPassport, "X12345678", false},
		{"PermitOKHK", ValidTravelPermit, "C12345678", true},
		{"PermitOKHomeReturn", ValidTravelPermit, "H1234567890", true},
		{"PermitErr", ValidTravelPermit, "Q12345678", false},
		{"PlateOK", ValidPlate, "京A12345", true},
		{"PlateOKDot", ValidPlate, "沪B·6C789", true},
		{"PlateOKNewEnergy", ValidPlate, "粤BD12345", true},
		{"PlateOKCoach", ValidPlate, "苏A1234学", true},
		{"PlateErrProvince", ValidPlate, "中A12345", false},
		{"PlateErrLetterO", ValidPlate, "京O12345", false},
		{"PlateErrTooFewDigits", ValidPlate, "京AABCD1", false},
		{"LuhnOK", ValidLuhn, "79927398713", true},
		{"LuhnErr", ValidLuhn, "79927398710", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
			}
		})
	}
}

func TestFindAll(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // detector:text
	}{
		{"OKMixed", "客户张三 电话 +86 138-1234-5678，身份证11010519491231002X，邮箱 zhang.san@example.com。",
			[]string{"cn_phone:+86 138-1234-5678", "cn_resident_id:11010519491231002X", "email:zhang.san@example.com"}},
		{"OKTwoPhones", "138 1234 5678 139 1234 5678", []string{"cn_phone:138 1234 5678", "cn_phone:139 1234 5678"}},
		{"OKCoordinates", "位置 39.904211,116.407394 附近", []string{"coordinates_precise:39.904211,116.407394"}},
		{"OKImpreciseCoordinates", "at 39.90, 116.41", []string{"coordinates_imprecise:39.90, 116.41"}},
		{"OKPlateInText", "车牌粤BD12345违章", []string{"cn_plate:粤BD12345"}},
		{"OKCardGroups", "卡号 6217 0012 3456 7890 122", []string{"bank_card:6217 0012 3456 7890 122"}},
		{"OKIPv6", "from 240e:3a1:2c4:1::8 at noon", []string{"ipv6:240e:3a1:2c4:1::8"}},
		{"OKAfterDateTime", "2024-01-15 13:45:00 手机13812345678", []string{"cn_phone:13812345678"}},
		{"OKDashedCard", "4111-1111-1111-1111", []string{"credit_card:4111-1111-1111-1111"}},
		// Runs of digits that runes enclose, which the scan reads within
		// its loop over the runes.
		{"OKDigitsBetweenRunes", "手机13812345678号码，卡号6217001234567890122结束", []string{"cn_phone:13812345678", "bank_card:6217001234567890122"}},
		{"OKDigitsAfterHouseNumbers", "滨海大道66号18栋2438室电话13812345678", []string{"cn_phone:13812345678"}},
		{"OKDigitsAtTheEnd", "联系电话13812345678", []string{"cn_phone:13812345678"}},
		{"ErrDigitsBetweenRunesTooShort", "订单号1381234567号", nil},
		{"ErrPhoneInLongerRun", "订单13812345678901", nil},
		{"ErrPhoneAfterLetter", "A13812345678", nil},
		{"ErrPhoneInDecimal", "0.13812345678", nil},
		{"ErrIDWrongCheck", "订单号110105194912310021", nil},
		{"ErrTimestamp", "ts=1700000000000", nil},
		{"ErrVersion", "v1.2.3.4 and 10.0.19041.1", nil},
		{"ErrOutOfRange", "95.123456,200.123456", nil},
		{"ErrPlateProvince", "中A12345", nil},
		{"ErrUnderscore", "user_13812345678", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, h := range FindAll(tc.in) {
				got = append(got, h.Detector+":"+tc.in[h.Start:h.End])
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("FindAll(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLuhn(t *testing.T) {
	// luhn adds eight digits at a time; it must agree with the digit by
	// digit definition at every length.
	ref := func(d string) bool {
		sum, double := 0, false
		for i := len(d) - 1; i >= 0; i-- {
			n := int(d[i] - '0')
			if double {
				if n *= 2; n > 9 {
					n -= 9
				}
			}
			sum += n
			double = !double
		}
		return sum%10 == 0
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+r.IntN(30))
		for k := range b {
			b[k] = byte('0' + r.IntN(10))
		}
		if got, want := luhn(string(b)), ref(string(b)); got != want {
			t.Fatalf("luhn(%s) = %v, want %v", b, got, want)
		}
	}
}

// withLuhn appends the Luhn check digit to the digits d.
func withLuhn(d string) string {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(d + string(c)) {
			return d + string(c)
		}
	}
	panic("unreachable")
}

// withIDCheck appends the GB 11643 check character to 17 digits.
func withIDCheck(d string) string { return d + string(ResidentIDCheck(d)) }

func TestValidValuesOfEveryKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   func(string) bool
		in   string
		want bool
	}{
		{"PermitHongKong", ValidResidentID, withIDCheck("81000019900101123"), true},
		{"PermitMacau", ValidResidentID, withIDCheck("82000019851231456"), true},
		{"PermitTaiwan", ValidResidentID, withIDCheck("83000020000229789"), true},
		{"ErrPermitCounty", ValidResidentID, withIDCheck("81010019900101123"), false},
		{"ErrHongKongCounty", ValidResidentID, withIDCheck("81010119900101123"), false},
		{"ErrTaiwanCounty", ValidResidentID, withIDCheck("71010119900101123"), false},
		{"RetiredPrefecture", ValidResidentID, withIDCheck("14230119700101123"), true},
		{"ErrProvince91", ValidResidentID, withIDCheck("91010119700101123"), false},
		{"MobileDataSegment", ValidMobile, "14712345678", true},
		{"MobileVirtualSegment", ValidMobile, "17012345678", true},
		{"Mobile172", ValidMobile, "17212345678", true},
		{"ErrMobile12", ValidMobile, "12812345678", false},
		{"Phone0086", ValidPhone, "008613812345678", true},
		{"PhonePlus86Spaced", ValidPhone, "+86 138 0013 8000", true},
		{"ErrPhonePlusNo86", ValidPhone, "+13812345678", false},
		{"ErrPhoneDoubleCode", ValidPhone, "+86+8613812345678", false},
		{"BankCard16", ValidBankCard, withLuhn("621700123456789"), true},
		{"BankCard19", ValidBankCard, withLuhn("622202123456789012"), true},
		{"BankCardOnVisa", ValidBankCard, withLuhn("436742123456789012"), true},
		{"ErrBankCardPrefix95", ValidBankCard, withLuhn("955800123456789"), false},
		{"VisaIs13", ValidCreditCard, withLuhn("411111111111"), true},
		{"Mastercard2", ValidCreditCard, withLuhn("222100123456789"), true},
		{"Amex", ValidCreditCard, withLuhn("37828224631000"), true},
		{"JCB", ValidCreditCard, withLuhn("353011133330000"), true},
		{"Diners14", ValidCreditCard, withLuhn("3056930902590"), true},
		{"UnionPayCreditNotBank", ValidBankCard, withLuhn("625802123456789"), false},
		{"IMEIAnyBody", ValidIMEI, withLuhn("22127039015914"), true},
		{"ErrIPv6MACLike", ValidIPv6, "aa:bb:cc:dd:ee:ff:00:11", false},
		{"IPv6", ValidIPv6, "2408:866f::2bed:74c0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ok(tc.in); got != tc.want {
				t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
			}
		})
	}
}

// TestWholeTokens checks that a token is valid as a whole or not at all:
// no valid part of an invalid token is reported.
func TestWholeTokens(t *testing.T) {
	card := withLuhn("621700123456789")
	grouped := card[:4] + " " + card[4:8] + " " + card[8:12] + " " + card[12:]
	imei := withLuhn("35209900176148")
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"CardGrouped", grouped, []string{"bank_card:" + grouped}},
		{"ErrCardWithTail", grouped + " 897", nil},
		{"ErrCardLetterInside", grouped[:len(grouped)-1] + "a", nil},
		{"ErrPlusForeign", "+1 138 0013 8000", nil},
		{"ErrPlusNo86", "+13800138000", nil},
		{"ErrDoubleCountryCode", "0086+8613800138000", nil},
		{"OK0086", "电话008613800138000", []string{"cn_phone:008613800138000"}},
		{"ErrEmailDoubleDot", "zhang..san@x.com", nil},
		{"ErrEmailLeadingDot", ".zhang@x.com", nil},
		{"ErrEmailComma", "a@example,com", nil},
		{"ErrEmailCommaDomain", "a@example.com,cn", nil},
		{"OKEmailAfterSpaceDot", "见 .zhang@x.com", []string{"email:zhang@x.com"}},
		{"ErrIPv4Negative", "-10.1.2.3", nil},
		{"ErrIPv4FiveParts", "10.1.2.3.4", nil},
		{"OKIPv4SentenceEnd", "IP 10.1.2.3.", []string{"ipv4:10.1.2.3"}},
		{"ErrPlateHanziInside", "京A12中345", nil},
		{"IMEIHyphens", imei[:2] + "-" + imei[2:8] + "-" + imei[8:14] + "-" + imei[14:], []string{"imei:" + imei[:2] + "-" + imei[2:8] + "-" + imei[8:14] + "-" + imei[14:]}},
		{"IMEISV", "35-209900-176148-23", []string{"imei:35-209900-176148-23"}},
		{"MACCisco", "001a.2b3c.4d5e", []string{"mac:001a.2b3c.4d5e"}},
		{"MACDashes", "00-1A-2B-3C-4D-5E", []string{"mac:00-1A-2B-3C-4D-5E"}},
		{"ErrIPv6EUI64", "aa:bb:cc:dd:ee:ff:00:11", nil},
		{"ErrTime", "12:30:45", nil},
		{"ErrStaffNumber", "工号 10012345678", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, h := range FindAll(tc.in) {
				got = append(got, h.Detector+":"+tc.in[h.Start:h.End])
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("FindAll(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCardKindTable checks the four-digit table against the ranges read
// one by one: the longest matching range decides.
func TestCardKindTable(t *testing.T) {
	ref := func(s string) int {
		kind, best := cardNone, 0
		for _, r := range iinByPrefix[atoi2(s)] {
			if r.lens&(1<<len(s)) == 0 || r.digits < best {
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
		if kind == cardNone || !luhn(s) {
			return cardNone
		}
		return kind
	}
	r := rand.New(rand.NewPCG(7, 8))
	prefixes := []string{"62", "625", "628", "4", "436742", "4367", "51", "2221", "2720", "34", "37", "3528", "6011", "65", "300", "36", "38", "9", "0"}
	for i := 0; i < 200000; i++ {
		b := []byte(prefixes[r.IntN(len(prefixes))])
		n := 12 + r.IntN(9)
		for len(b) < n {
			b = append(b, byte('0'+r.IntN(10)))
		}
		s := string(b[:n-1])
		s = withLuhn(s)
		if got, want := cardKind(s), ref(s); got != want {
			t.Fatalf("cardKind(%s) = %d, want %d", s, got, want)
		}
	}
}

// TestEmailDotAtoms checks that addresses whose local parts use any RFC
// 5322 atext character are found whole, and that misplaced dots make the
// whole token no match.
func TestEmailDotAtoms(t *testing.T) {
	const atext = "abcxyz0189!#$%&'*+-/=?^_`{|}~"
	r := rand.New(rand.NewPCG(11, 12))
	atom := func() string {
		b := make([]byte, 1+r.IntN(6))
		for i := range b {
			b[i] = atext[r.IntN(len(atext))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		local := string("abcxyz"[r.IntN(6)]) + atom()
		for k := r.IntN(3); k > 0; k-- {
			local += "." + atom()
		}
		addr := local + "@mail-" + atom()[:1] + "x.example.cn"
		if strings.ContainsAny(addr[strings.IndexByte(addr, '@'):], "!#$%&'*+/=?^_`{|}~") {
			continue // the domain took a character only local parts may hold
		}
		if !ValidEmail(addr) {
			t.Fatalf("ValidEmail(%q) = false", addr)
		}
		hits := FindAll("邮箱 " + addr + " 已验证")
		if len(hits) != 1 || hits[0].Detector != "email" || hits[0].End-hits[0].Start != len(addr) {
			t.Fatalf("FindAll(%q) = %v, want the whole address", addr, hits)
		}
		for _, bad := range []string{"." + addr, strings.Replace(addr, "@", ".@", 1), strings.Replace(addr, "@", "..@", 1)} {
			if ValidEmail(bad) || len(FindAll(bad)) != 0 {
				t.Fatalf("%q: accepted, or a part of it found: %v", bad, FindAll(bad))
			}
		}
	}
}

// TestScanner_DotAtBeforeRune: a local part that opens with a dot before
// an '@' whose domain ends at a multi-byte rune is no address, and the
// text stays valid: the scan never steps into the middle of the rune.
func TestScanner_DotAtBeforeRune(t *testing.T) {
	for _, v := range []string{"杭市海淀区东风大道.@208号", "yong[.ma@1é26.cm", "x.@a,中"} {
		s := DefaultCatalog().NewScanner()
		if !s.AddChecked([]string{"c"}, []string{v}) {
			t.Errorf("%q: valid UTF-8 reported as bad text", v)
		}
		for _, f := range s.Fields() {
			for _, c := range f.Categories {
				if c.Key == "user.contact.email" {
					t.Errorf("%q: found an e-mail address", v)
				}
			}
		}
	}
}
