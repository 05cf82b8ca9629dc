package classify

import (
	"strings"
	"testing"
	"time"
)

// euVerdict returns the kinds of identifiers the European pass validates
// in v, read on its own.
func euVerdict(v string) uint32 {
	s := DefaultCatalog().NewScanner()
	s.SetAsOf(time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC))
	col := s.Field("f")
	e := &euCol{}
	col.eu = e
	_, valid := s.euStructured(col, e, v, false)
	return valid &^ (1 << euPhoneNational) // national numbers depend on the field
}

// FuzzEuropeanIdentifiers checks properties of the European validators:
// a value a validator accepts has the documented structure and check
// characters, and the verdict on a token is the same when separators
// surround it.
func FuzzEuropeanIdentifiers(f *testing.F) {
	de := makeIBAN("DE", "370400440532013000")
	for _, s := range []string{
		de, printIBAN(de), makeIBAN("ES", esBBAN("2100", "0418", "0200051332")), makeIBAN("NL", "ABNA0417164300"),
		"12345678Z", "x1234567l", "RSSMRA85T10A562" + string(CodiceFiscaleCheck("RSSMRA85T10A562")),
		bsn("12345678"), pesel(1977, 4, 3, "1234"), pesel(2001, 2, 28, "0000"), nir("1840175056123"), spaced(nir("184092B099519")),
		"+49 151 23456789", "0049 30 12345678", "+33 6 12 34 56 78", "+49 (0)151 23456789", "++49 151 23456789", "+0049151",
		"DE89 3704 0044 0532 0130 00X", "ES86-2331-6009", "J45.9", "1 84 01 2A 099 519",
	} {
		f.Add(s)
	}
	asOf := time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if ValidIBAN(s) {
			c := strings.ReplaceAll(s, " ", "")
			if spec, ok := ibanFormats[c[:2]]; !ok || len(c) != spec.length || ibanMod97([]byte(c)) != 1 || strings.ToUpper(c) != c {
				t.Fatalf("ValidIBAN(%q) accepted a value without the IBAN structure", s)
			}
			if strings.Contains(s, " ") && printIBAN(c) != s {
				t.Fatalf("ValidIBAN(%q) accepted irregular grouping", s)
			}
		}
		if ValidSpanishID(s) {
			n := strings.NewReplacer("X", "0", "Y", "1", "Z", "2", "x", "0", "y", "1", "z", "2").Replace(s[:1]) + s[1:8]
			if len(s) != 9 || !allDigits(n) || upper(s[8]) != dniLetters[atoiN(n)%23] {
				t.Fatalf("ValidSpanishID(%q) accepted a bad control letter", s)
			}
		}
		if ValidCodiceFiscale(s) && (len(s) != 16 || CodiceFiscaleCheck(s[:15]) != s[15]) {
			t.Fatalf("ValidCodiceFiscale(%q) accepted a bad check letter", s)
		}
		if ValidBSN(s) {
			sum := 0
			for i := 0; i < 8; i++ {
				sum += (9 - i) * int(s[i]-'0')
			}
			if len(s) != 9 || (sum-int(s[8]-'0'))%11 != 0 {
				t.Fatalf("ValidBSN(%q) accepted a number failing the eleven test", s)
			}
		}
		if ValidPESEL(s, asOf) {
			y, m, d := peselDate(s)
			if len(s) != 11 || PESELCheck(s[:10]) != s[10] || !validCalendar(y, m, d) || y*10000+m*100+d > dateKey(asOf) {
				t.Fatalf("ValidPESEL(%q) accepted a bad date or check digit", s)
			}
		}
		if ValidNIR(s) {
			c := strings.ReplaceAll(s, " ", "")
			if len(c) != 15 || nir(c[:13]) != c {
				t.Fatalf("ValidNIR(%q) accepted a bad key", s)
			}
		}
		// The verdict on a token does not depend on the separators
		// around it.
		if strings.ContainsAny(s, "\n\r") || len(s) > 64 {
			return
		}
		want := euVerdict(s)
		for _, sep := range [][2]string{{" ", " "}, {"x: ", "; "}, {"(", ")"}, {"\t", ", "}, {"«", "»"}} {
			if sep[0] == "(" && strings.ContainsAny(s, "()") {
				continue // a parenthesis inside pairs with those around: "(021228000)0)" is another text
			}
			if got := euVerdict(sep[0] + s + sep[1]); got != want && !strings.ContainsAny(s[:1]+s[len(s)-1:], " ()-+.,;:/\t«»") {
				t.Fatalf("verdict on %q is %b alone and %b between %q and %q", s, want, got, sep[0], sep[1])
			}
		}
	})
}
