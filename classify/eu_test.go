package classify

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// scanColumn classifies one field and returns its result.
func scanColumn(t *testing.T, header string, values []string) FieldResult {
	t.Helper()
	s := DefaultCatalog().NewScanner()
	s.SetAsOf(time.Date(2025, 12, 6, 0, 0, 0, 0, time.UTC))
	f := s.Field(header)
	for _, v := range values {
		s.AddValue(f, v)
	}
	return s.Fields()[0]
}

func hasKey(f FieldResult, key string) bool {
	for _, k := range f.Keys() {
		if k == key {
			return true
		}
	}
	return false
}

// repeatf returns n values made by fn from a seeded generator.
func repeatf(n int, fn func(r *rand.Rand) string) []string {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		out[i] = fn(r)
	}
	return out
}

func digitsN(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func TestScanner_European(t *testing.T) {
	ibans := repeatf(200, func(r *rand.Rand) string {
		s := makeIBAN("DE", digitsN(r, 18))
		if r.IntN(2) == 0 {
			return printIBAN(s)
		}
		return s
	})
	phones := repeatf(200, func(r *rand.Rand) string {
		switch r.IntN(4) {
		case 0:
			return "+49 151 " + digitsN(r, 8)
		case 1:
			return "0151 " + digitsN(r, 8)
		case 2:
			return "0151/" + digitsN(r, 8)
		}
		return "+4915" + strconv.Itoa(1+r.IntN(2)) + digitsN(r, 8)
	})
	spanish := repeatf(200, func(r *rand.Rand) string {
		return "6" + digitsN(r, 2) + " " + digitsN(r, 3) + " " + digitsN(r, 3)
	})
	dnis := repeatf(200, func(r *rand.Rand) string {
		n := r.IntN(100000000)
		return strconv.Itoa(100000000 + n)[1:] + string(dniLetters[n%23])
	})
	pesels := repeatf(200, func(r *rand.Rand) string {
		return pesel(1940+r.IntN(80), 1+r.IntN(12), 1+r.IntN(28), digitsN(r, 4))
	})
	streets := []string{"Hauptstraße 5", "Via Roma 10", "12 Rue de Rivoli", "ul. Długa 5", "Kerkstraat 12", "Calle Mayor 3", "Lindenallee 7a", "Piazza Garibaldi 4", "Avenida de América 45", "Uhlandstr. 20"}
	full := repeatf(200, func(r *rand.Rand) string {
		given := []string{"Anna", "Marco", "Sophie", "Jan", "Lucía", "Piotr", "Emma", "Lukas"}
		last := []string{"Keller", "Bianchi", "Lefèvre", "de Vries", "Navarro", "Kowalczyk", "Brandt", "Rinaldi"}
		return given[r.IntN(len(given))] + " " + last[r.IntN(len(last))] + strconv.Itoa(r.IntN(1000))[:0] + []string{"", "s", "i", "a", "o", "er", "en", "ski"}[r.IntN(8)]
	})
	unions := repeatf(200, func(r *rand.Rand) string {
		if r.IntN(10) < 6 {
			return "nessuna"
		}
		return []string{"FIOM-CGIL", "UILM-UIL", "FIM-CISL", "FILCAMS-CGIL"}[r.IntN(4)]
	})
	ean := repeatf(200, func(r *rand.Rand) string {
		d := "40" + digitsN(r, 10)
		sum := 0
		for i := 0; i < 12; i++ {
			w := 1
			if i%2 == 1 {
				w = 3
			}
			sum += w * int(d[i]-'0')
		}
		return d + strconv.Itoa((10-sum%10)%10)
	})
	vat := repeatf(200, func(r *rand.Rand) string { return "DE" + digitsN(r, 9) })
	invoices := repeatf(200, func(r *rand.Rand) string { return "RE-2024-" + digitsN(r, 6) })
	notes := repeatf(200, func(r *rand.Rand) string {
		if r.IntN(50) == 0 {
			return "Patient hatte Fieber, Rückruf morgen"
		}
		return "Lieferung an der Hintertür abgeben, Code " + digitsN(r, 4)
	})
	for _, tc := range []struct {
		name, header string
		values       []string
		want, not    string
	}{
		{"IBAN", "c1", ibans, keyIBAN, ""},
		{"Phones", "c2", phones, keyPhone, ""},
		{"NationalPhonesSpain", "c3", spanish, keyPhone, ""},
		{"DNI", "c4", dnis, keyNationID, ""},
		{"PESEL", "c5", pesels, keyNationID, ""},
		{"Addresses", "c6", streets, keyAddress, ""},
		{"FullNames", "c7", full, keyName, ""},
		{"Union", "c8", unions, keyUnion, ""},
		{"EANNotPhoneOrID", "c9", ean, "", keyPhone},
		{"EANNotID", "c9", ean, "", keyNationID},
		{"VATNotIBAN", "c10", vat, "", keyIBAN},
		{"VATNotID", "c10", vat, "", keyNationID},
		{"InvoiceNotPhone", "c11", invoices, "", keyPhone},
		{"StrayHealthWord", "c12", notes, "", keyHealth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := scanColumn(t, tc.header, tc.values)
			if tc.want != "" && !hasKey(f, tc.want) {
				t.Fatalf("%s: categories %v, want %s", tc.name, f.Categories, tc.want)
			}
			if tc.not != "" && hasKey(f, tc.not) {
				t.Fatalf("%s: categories %v, want no %s", tc.name, f.Categories, tc.not)
			}
		})
	}
}

func TestScanner_EuropeanHeaders(t *testing.T) {
	surnames := []string{"Keller", "Brandt", "Wolfsberger", "Ostermann", "Zeiler", "Haberl"}
	f := scanColumn(t, "Nachname", surnames)
	if !hasKey(f, keyName) {
		t.Fatalf("Nachname: categories %v, want %s", f.Categories, keyName)
	}
	if f := scanColumn(t, "c1", surnames); hasKey(f, keyName) {
		t.Fatalf("surnames under a neutral header: %v, want no name (too little evidence)", f.Categories)
	}
	g := scanColumn(t, "Geschlecht", []string{"W", "M", "D", "W", "M", "W"})
	if !hasKey(g, keyGender) {
		t.Fatalf("Geschlecht: categories %v, want %s", g.Categories, keyGender)
	}
	h := scanColumn(t, "Vorerkrankungen", []string{"Diabetes mellitus Typ 2", "keine bekannt", "Asthma bronchiale", "Bluthochdruck", "keine bekannt", "Migräne"})
	if !hasKey(h, keyHealth) || !h.Sensitive || !DefaultCatalog().IsSensitive(keyHealth, JurisdictionEU) {
		t.Fatalf("Vorerkrankungen: %+v, want health, sensitive in the EU", h)
	}
	for _, k := range []string{keyPolitical, keyUnion, keyCriminal, keyReligion} {
		if !DefaultCatalog().IsSensitive(k, JurisdictionEU) {
			t.Errorf("%s is not sensitive in the EU (GDPR Art. 9/10)", k)
		}
	}
	icd := scanColumn(t, "c2", []string{"J45.9", "M54.5", "I10", "E11.9", "F32.1", "K29.7"})
	if !hasKey(icd, keyHealth) {
		t.Fatalf("ICD-10 codes: categories %v, want %s", icd.Categories, keyHealth)
	}
	church := scanColumn(t, "c3", []string{"ev", "rk", "--", "ev", "rk", "ak", "lt", "rk", "ev"})
	if !hasKey(church, keyReligion) {
		t.Fatalf("church-tax codes: categories %v, want %s", church.Categories, keyReligion)
	}
	party := scanColumn(t, "c4", []string{"SPD", "CDU", "Bündnis 90/Die Grünen", "FDP", "Die Linke", "CSU"})
	if !hasKey(party, keyPolitical) {
		t.Fatalf("party names: categories %v, want %s", party.Categories, keyPolitical)
	}
}

// TestScanner_DOBDayFirst checks that day-first dates are read as dates.
func TestScanner_DOBDayFirst(t *testing.T) {
	var vals []string
	for i := 0; i < 60; i++ {
		vals = append(vals, fmt.Sprintf("%02d.%02d.%d", 1+i%28, 1+i%12, 1940+i))
	}
	if f := scanColumn(t, "Geburtsdatum", vals); !hasKey(f, "user.demographic.date_of_birth") {
		t.Fatalf("Geburtsdatum: categories %v, want a date of birth", f.Categories)
	}
}
