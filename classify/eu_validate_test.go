package classify

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Test values are built here from their definitions (check digits
// computed by the functions under test's exported helpers or by hand), not
// taken from any data set.

// makeIBAN returns the IBAN of country cc and bban.
func makeIBAN(cc, bban string) string { return cc + IBANCheckDigits(cc, bban) + bban }

// printIBAN groups an IBAN by four.
func printIBAN(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// esBBAN builds a Spanish BBAN with its two account check digits.
func esBBAN(bank, branch, account string) string {
	d1 := esCheck([]byte("00" + bank + branch))
	d2 := esCheck([]byte(account))
	return bank + branch + string([]byte{d1, d2}) + account
}

// plBBAN builds a Polish BBAN: a sort code with its check digit, and the
// account.
func plBBAN(sort7, account string) string {
	w := [7]int{3, 9, 7, 1, 3, 9, 7}
	sum := 0
	for i := 0; i < 7; i++ {
		sum += w[i] * int(sort7[i]-'0')
	}
	return sort7 + strconv.Itoa((10-sum%10)%10) + account
}

// frBBAN builds a French BBAN with its RIB key.
func frBBAN(bank, branch, account string) string {
	var acc [11]byte
	for i := range acc {
		acc[i] = ribDigit(account[i])
	}
	r := (89*mod97Digits([]byte(bank)) + 15*mod97Digits([]byte(branch)) + 3*mod97Digits(acc[:])) % 97
	return bank + branch + account + strconv.Itoa(100 + 97 - r)[1:]
}

// beBBAN builds a Belgian BBAN: ten digits and their remainder modulo 97.
func beBBAN(ten string) string {
	r := mod97Digits([]byte(ten))
	if r == 0 {
		r = 97
	}
	return ten + strconv.Itoa(100 + r)[1:]
}

func TestValidIBAN(t *testing.T) {
	de := makeIBAN("DE", "370400440532013000")
	es := makeIBAN("ES", esBBAN("2100", "0418", "0200051332"))
	pl := makeIBAN("PL", plBBAN("1090101", "4000071219812874"))
	fr := makeIBAN("FR", frBBAN("20041", "01005", "0500013M026"))
	be := makeIBAN("BE", beBBAN("5390075470"))
	mt := makeIBAN("MT", "MALT011000012345MTLCAST001S")
	nl := makeIBAN("NL", "ABNA0417164300")
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OKGermany", de, true},
		{"OKPrint", printIBAN(de), true},
		{"OKSpain", es, true},
		{"OKPoland", pl, true},
		{"OKFrance", fr, true},
		{"OKBelgium", be, true},
		{"OKMalta", printIBAN(mt), true},
		{"OKNetherlands", nl, true},
		{"ErrDigitChanged", de[:10] + string('0'+(de[10]-'0'+1)%10) + de[11:], false},
		{"ErrTransposed", de[:6] + de[7:8] + de[6:7] + de[8:], false},
		{"ErrLowerCase", strings.ToLower(nl), false},
		{"ErrGroupsOfThree", de[:4] + " " + de[4:7] + " " + de[7:], false},
		{"ErrDashes", strings.ReplaceAll(printIBAN(de), " ", "-"), false},
		{"ErrDoubleSpace", strings.Replace(printIBAN(de), " ", "  ", 1), false},
		{"ErrLength", makeIBAN("DE", "3704004405320130001"), false},
		{"ErrUnknownCountry", makeIBAN("QQ", "370400440532013000"), false},
		{"ErrLetterInDigits", makeIBAN("DE", "37040044053201300A"), false},
		{"ErrSpanishAccountCheck", makeIBAN("ES", esBBAN("2100", "0418", "0200051332")[:10]+"0200051333"), false},
		{"ErrPolishSortCheck", makeIBAN("PL", "1090101"+string('0'+(plBBAN("1090101", "")[7]-'0'+1)%10)+"4000071219812874"), false},
		{"ErrFrenchKey", makeIBAN("FR", frBBAN("20041", "01005", "0500013M026")[:21]+"00"), false},
		{"ErrBelgianCheck", makeIBAN("BE", "539007547000"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidIBAN(tc.s); got != tc.want {
				t.Fatalf("ValidIBAN(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestValidSpanishID(t *testing.T) {
	dni := func(n int) string { s := strconv.Itoa(100000000 + n)[1:]; return s + string(dniLetters[n%23]) }
	nie := func(p byte, n int) string {
		s := strconv.Itoa(10000000 + n)[1:]
		return string(p) + s + string(dniLetters[(int(p-'X')*10000000+n)%23])
	}
	d := dni(12345678)
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OKDNI", d, true},
		{"OKLowerLetter", strings.ToLower(d), true},
		{"OKLeadingZeros", dni(345), true},
		{"OKNIEX", nie('X', 1234567), true},
		{"OKNIEZ", nie('Z', 7654321), true},
		{"ErrWrongLetter", d[:8] + string(dniLetters[(12345678+1)%23]), false},
		{"ErrSevenDigits", d[1:], false},
		{"ErrNineDigits", "1" + d, false},
		{"ErrLetterO", d[:8] + "O", false},
		{"ErrLetterFirst", d[8:] + d[:8], false},
		{"ErrNIEPrefix", "W" + nie('X', 1234567)[1:], false},
		{"ErrNoLetter", d[:8], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidSpanishID(tc.s); got != tc.want {
				t.Fatalf("ValidSpanishID(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestValidCodiceFiscale(t *testing.T) {
	cf := func(body string) string { return body + string(CodiceFiscaleCheck(body)) }
	base := cf("RSSMRA85T10A562")
	// Omocodia: the last digit of the place code as its letter (2 -> N).
	omo := cf("RSSMRA85T10A56N")
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OK", base, true},
		{"OKWoman", cf("BNCLRA90A41F205"), true},
		{"OKOmocodia", omo, true},
		{"ErrCheck", base[:15] + string('A'+(base[15]-'A'+1)%26), false},
		{"ErrMonth", cf("RSSMRA85F10A562"), false},
		{"ErrDay", cf("RSSMRA85T32A562"), false},
		{"ErrLower", strings.ToLower(base), false},
		{"ErrShort", base[:15], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidCodiceFiscale(tc.s); got != tc.want {
				t.Fatalf("ValidCodiceFiscale(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

// bsn completes eight digits into a BSN, or returns "" when no ninth digit
// passes the eleven test.
func bsn(eight string) string {
	sum := 0
	for i := 0; i < 8; i++ {
		sum += (9 - i) * int(eight[i]-'0')
	}
	d := sum % 11
	if d > 9 {
		return ""
	}
	return eight + strconv.Itoa(d)
}

func TestValidBSN(t *testing.T) {
	ok := bsn("12345678")
	if ok == "" {
		t.Fatal("no BSN for 12345678")
	}
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OK", ok, true},
		{"ErrDigitChanged", ok[:8] + strconv.Itoa((int(ok[8]-'0')+1)%10), false},
		{"ErrZeros", "000000000", false},
		{"ErrLength", ok[:8], false},
		{"ErrLetter", ok[:8] + "X", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidBSN(tc.s); got != tc.want {
				t.Fatalf("ValidBSN(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

// pesel builds a PESEL for a birth date and a serial of four digits.
func pesel(y, m, d int, serial string) string {
	mm := m
	switch {
	case y >= 2200:
		mm += 60
	case y >= 2100:
		mm += 40
	case y >= 2000:
		mm += 20
	case y < 1900:
		mm += 80
	}
	s := strconv.Itoa(100 + y%100)[1:] + strconv.Itoa(100 + mm)[1:] + strconv.Itoa(100 + d)[1:] + serial
	return s + string(PESELCheck(s))
}

func TestValidPESEL(t *testing.T) {
	asOf := time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OK1900s", pesel(1977, 4, 3, "1234"), true},
		{"OK2000s", pesel(2012, 11, 30, "0042"), true},
		{"OKLeapDay", pesel(2000, 2, 29, "5555"), true},
		{"OKAsOf", pesel(2025, 12, 6, "1111"), true},
		{"ErrFuture", pesel(2025, 12, 7, "1111"), false},
		{"ErrYear2100", pesel(2105, 1, 1, "1111"), false},
		{"ErrNotLeap", pesel(1999, 2, 29, "1111"), false},
		{"ErrMonth", "77130312345", false},
		{"ErrCheck", pesel(1977, 4, 3, "1234")[:10] + strconv.Itoa((int(pesel(1977, 4, 3, "1234")[10]-'0')+1)%10), false},
		{"ErrLength", pesel(1977, 4, 3, "1234")[:10], false},
		{"ErrLetter", "7704031234A", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidPESEL(tc.s, asOf); got != tc.want {
				t.Fatalf("ValidPESEL(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

// nir completes 13 characters into a NIR with its key.
func nir(s13 string) string {
	n := strings.NewReplacer("2A", "19", "2B", "18").Replace(s13[:7]) + s13[7:]
	r := mod97Digits([]byte(n))
	return s13 + strconv.Itoa(100 + 97 - r)[1:]
}

// spaced writes a NIR in groups 1 2 2 2 3 3 2.
func spaced(s string) string {
	return s[0:1] + " " + s[1:3] + " " + s[3:5] + " " + s[5:7] + " " + s[7:10] + " " + s[10:13] + " " + s[13:15]
}

func TestValidNIR(t *testing.T) {
	ok := nir("1840175056123")
	for _, tc := range []struct {
		name string
		s    string
		want bool
	}{
		{"OK", ok, true},
		{"OKSpaced", spaced(ok), true},
		{"OKCorsica2A", nir("290012A004123"), true},
		{"OKCorsica2B", spaced(nir("184092B099519")), true},
		{"OKAbroad", nir("1650299135001"), true},
		{"ErrKey", ok[:13] + strconv.Itoa(100 + (atoi2(ok[13:])+1)%97)[1:], false},
		{"ErrMonth", nir("1841375056123"), false},
		{"ErrSex", nir("5840175056123"), false},
		{"ErrCorsicaAsDigits", nir("2900120004123")[:5] + "2A" + nir("2900120004123")[7:], false},
		{"ErrSpacing", ok[:1] + " " + ok[1:], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidNIR(tc.s); got != tc.want {
				t.Fatalf("ValidNIR(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestValidICD10(t *testing.T) {
	for s, want := range map[string]bool{
		"J45.9": true, "M54.5": true, "I10": true, "E11.90": true, "F32.1": true, "Z00.0": true,
		"D49": false, "U99": false, "j45.9": false, "J4.5": false, "J45.": false, "J45.123": false, "J45-9": false,
	} {
		if got := ValidICD10(s); got != want {
			t.Errorf("ValidICD10(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestBirthDates(t *testing.T) {
	asOf := time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC)
	cf := "RSSMRA85T10A562"
	cf += string(CodiceFiscaleCheck(cf))
	woman := "BNCLRA12A41F205"
	woman += string(CodiceFiscaleCheck(woman))
	for _, tc := range []struct {
		got, want int
	}{
		{CodiceFiscaleBirth(cf, asOf), 19851210},
		{CodiceFiscaleBirth(woman, asOf), 20120101},
		{CodiceFiscaleBirth(cf[:15]+"A", asOf), 0},
		{PESELBirth(pesel(2012, 11, 30, "0042"), asOf), 20121130},
		{PESELBirth(pesel(2026, 1, 1, "0042"), asOf), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("birth date %d, want %d", tc.got, tc.want)
		}
	}
}
