package recordio

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSniffDelimiter(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want byte
	}{
		{"Comma", "a,b,c\n1,2,3\n", ','},
		{"Semicolon", "Name;Vorname;Betrag\nMüller;Anna;1,50\nSchmidt;Hans;2,75\n", ';'},
		{"SemicolonDecimalCommas", "a;b\n1,5;2,25\n3,75;4\n", ';'},
		{"CommaWithQuotedSemicolons", "a,b\n\"x;y;z\",1\n\"p;q\",2\n", ','},
		{"Tab", "a\tb\tc\n1\t2\t3\n", '\t'},
		{"Pipe", "a|b|c\n1|2|3\n", '|'},
		{"QuotedNewline", "a;b\n\"x\ny;z\";2\n3;4\n", ';'},
		{"OneColumn", "name\nAnna\nHans\n", ','},
		{"Empty", "", ','},
		{"BOM", "\xef\xbb\xbfa;b\n1;2\n", ';'},
		{"NoFinalNewline", "a;b\n1;2", ';'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SniffDelimiter([]byte(tc.text)); got != tc.want {
				t.Fatalf("SniffDelimiter(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestNewReader_Delimiter(t *testing.T) {
	t.Run("OKSniffed", func(t *testing.T) {
		rd, err := NewReader(strings.NewReader("a;b\n\"x;y\";\"1,5\"\n"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.Values, "|"); got != "x;y|1,5" || rd.Format() != FormatCSV {
			t.Fatalf("values %q format %s, want x;y|1,5 as csv", got, rd.Format())
		}
	})
	t.Run("OKGiven", func(t *testing.T) {
		rd, err := NewReader(strings.NewReader("a;b,c\n1;2,3\n"), Options{Delimiter: ';'})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.Names, "|"); got != "a|b,c" {
			t.Fatalf("names %q, want a|b,c", got)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		if _, err := ParseDelimiter(":"); err == nil {
			t.Fatal("ParseDelimiter(\":\") succeeded")
		}
	})
}

// FuzzSniffDelimiter checks two properties: the delimiter is always one of
// Delimiters, and a table of cells that hold none of them (nor quotes) is
// read with the delimiter it was written with.
func FuzzSniffDelimiter(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b\n1,5;2\n", "a|b\n", "\"a;b\",c\n", "x\ty\n1\t2"} {
		f.Add([]byte(s), uint64(1), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, pick uint8) {
		if d := SniffDelimiter(data); bytes.IndexByte(Delimiters, d) < 0 {
			t.Fatalf("SniffDelimiter(%q) = %q, not a known delimiter", data, d)
		}
		d := Delimiters[int(pick)%len(Delimiters)]
		rng := rand.New(rand.NewPCG(seed, 7))
		cols := 2 + rng.IntN(6)
		var b strings.Builder
		for r := 0; r < 1+rng.IntN(20); r++ {
			for c := 0; c < cols; c++ {
				if c > 0 {
					b.WriteByte(d)
				}
				for k := rng.IntN(8); k > 0; k-- {
					b.WriteByte("abcXYZ019 .-_"[rng.IntN(13)])
				}
			}
			b.WriteByte('\n')
		}
		if got := SniffDelimiter([]byte(b.String())); got != d {
			t.Fatalf("table written with %q sniffed as %q:\n%s", d, got, b.String())
		}
	})
}
