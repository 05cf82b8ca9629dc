package recordio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const sampleCSV = "姓名,城市,备注\n张三,北京,\"常客, VIP\"\n李四,上海,€ 😀 \uFFFD\n"

var sampleRecords = []rec{
	{2, []string{"姓名", "城市", "备注"}, []string{"张三", "北京", "常客, VIP"}},
	{3, []string{"姓名", "城市", "备注"}, []string{"李四", "上海", "€ 😀 \uFFFD"}},
}

// cat returns a new slice holding a then b.
func cat(a []byte, b string) []byte {
	return append(append([]byte(nil), a...), b...)
}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	return toGB18030(t, []byte(s))
}

func TestReader_Charset(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		charset Charset
		want    Charset
	}{
		{"OKUTF8", []byte(sampleCSV), "", CharsetUTF8},
		{"OKUTF8BOM", append([]byte{0xEF, 0xBB, 0xBF}, sampleCSV...), "", CharsetUTF8},
		{"OKUTF16LE", utf16le([]byte(sampleCSV)), "", CharsetUTF16LE},
		{"OKUTF16BE", utf16be([]byte(sampleCSV)), "", CharsetUTF16BE},
		{"OKGB18030Detected", gb18030(t, sampleCSV), "", CharsetGB18030},
		{"OKGB18030BOM", gb18030(t, "\uFEFF"+sampleCSV), "", CharsetGB18030},
		{"OKForcedGB18030", gb18030(t, sampleCSV), CharsetGB18030, CharsetGB18030},
		{"OKForcedUTF8WithBOM", append([]byte{0xEF, 0xBB, 0xBF}, sampleCSV...), CharsetUTF8, CharsetUTF8},
		{"OKForcedUTF16LE", utf16le([]byte(sampleCSV)), CharsetUTF16, CharsetUTF16LE},
		{"OKForcedUTF16LENoBOM", utf16le([]byte(sampleCSV))[2:], CharsetUTF16LE, CharsetUTF16LE},
		{"OKForcedUTF16BENoBOM", utf16be([]byte(sampleCSV))[2:], CharsetUTF16, CharsetUTF16BE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll(tc.in, Options{Format: FormatCSV, Charset: tc.charset})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, sampleRecords)
			if r.Charset() != tc.want {
				t.Fatalf("Charset = %q, want %q", r.Charset(), tc.want)
			}
			for _, x := range got {
				for _, v := range x.Values {
					if strings.Contains(v, "\uFFFD") && v != "€ 😀 \uFFFD" {
						t.Fatalf("U+FFFD introduced: %q", v)
					}
				}
			}
		})
	}
}

// TestReader_Testdata reads the sample files in testdata, which hold the
// same records in several charsets.
func TestReader_Testdata(t *testing.T) {
	for _, tc := range []struct {
		file, ref string
		charset   Charset
	}{
		{"people.gb18030.csv", "people.utf8.csv", CharsetGB18030},
		{"people.utf16le.csv", "people.utf8.csv", CharsetUTF16LE},
		{"people.utf16be.csv", "people.utf8.csv", CharsetUTF16BE},
		{"people.utf8bom.csv", "people.utf8.csv", CharsetUTF8},
		{"people.gb18030.tsv", "people.utf8.tsv", CharsetGB18030},
		{"people.gb18030.jsonl", "people.utf8.jsonl", CharsetGB18030},
		{"people.utf16le.jsonl", "people.utf8.jsonl", CharsetUTF16LE},
	} {
		t.Run("OK/"+tc.file, func(t *testing.T) {
			f, _ := FormatFromPath(tc.file)
			want, _, err := readAll(readFile(t, tc.ref), Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) < 2 {
				t.Fatalf("%s: %d records", tc.ref, len(want))
			}
			got, r, err := readAll(readFile(t, tc.file), Options{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, want)
			if r.Charset() != tc.charset {
				t.Fatalf("Charset = %q, want %q", r.Charset(), tc.charset)
			}
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	p, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// manyLines returns a CSV header and rows of Chinese text that pass
// DetectPrefixBytes, and the number of lines.
func manyLines() (string, int) {
	var b strings.Builder
	b.WriteString("姓名,城市\n")
	n := 1
	for b.Len() < 2*DetectPrefixBytes {
		b.WriteString("张三,北京\n")
		n++
	}
	return b.String(), n
}

func TestReader_CharsetErrors(t *testing.T) {
	prefix, n := manyLines()
	gbPrefix := gb18030(t, prefix)
	for _, tc := range []struct {
		name    string
		in      []byte
		charset Charset
		recs    int
		line    int
		kind    Kind
		msg     string
	}{
		{"ErrUTF8AfterPrefix", []byte(prefix + "王五,\xE5\x8C\n"), "", n - 1, n + 1, KindMalformed, "invalid UTF-8: bytes 0xE5"},
		{"ErrUTF8AtEOF", []byte(prefix + "王五,\xE5\x8C"), "", n - 1, n + 1, KindMalformed, "invalid UTF-8"},
		{"ErrGB18030AfterPrefix", cat(gbPrefix, "a,\xFF\n"), "", n - 1, n + 1, KindMalformed, "invalid GB18030: bytes 0xFF"},
		{"ErrGB18030BadTrail", cat(gbPrefix, "a,b\nc,\x81\x20\n"), "", n, n + 2, KindMalformed, "invalid GB18030: bytes 0x81 0x20"},
		{"ErrGB18030Lone80", cat(gbPrefix, "a,\x80\n"), "", n - 1, n + 1, KindMalformed, "invalid GB18030: bytes 0x80"},
		{"ErrGB18030Unassigned4Byte", cat(gbPrefix, "a,\x84\x31\xA5\x30\n"), "", n - 1, n + 1, KindMalformed, "invalid GB18030: bytes 0x84 0x31 0xA5 0x30"},
		{"ErrGB18030Truncated", cat(gbPrefix, "a,\xD5"), "", n - 1, n + 1, KindMalformed, "invalid GB18030"},
		{"ErrGB18030Forced", []byte("a,b\n1,\xFF\n"), CharsetGB18030, 0, 2, KindMalformed, "invalid GB18030"},
		{"ErrUTF16UnpairedSurrogate", append(utf16le([]byte("a,b\n1,2\n")), 0x3D, 0xD8, '3', 0, '\n', 0), "", 1, 3, KindMalformed, "unpaired surrogate"},
		{"ErrUTF16LoneLowSurrogate", append(utf16be([]byte("a,b\n1,")), 0xDC, 0x00), "", 0, 2, KindMalformed, "unpaired surrogate"},
		{"ErrUTF16OddLength", append(utf16le([]byte("a,b\n1,2\n3,4")), 'x'), "", 1, 3, KindMalformed, "odd number of bytes"},
		{"ErrNoCharset", []byte("a,b\n1,2\nx,\x81 \n"), "", 0, 3, KindMalformed, "neither UTF-8 (byte 0x81 is invalid), GB18030 nor Latin-1"},
		{"ErrUTF32", append([]byte{0xFF, 0xFE, 0, 0}, "a\x00\x00\x00"...), "", 0, 1, KindUnsupported, "UTF-32"},
		{"ErrBinary", []byte("PK\x03\x04\x14\x00\x00\x00"), "", 0, 1, KindMalformed, "NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := readAll(tc.in, Options{Format: FormatCSV, Charset: tc.charset})
			if len(got) != tc.recs {
				t.Fatalf("read %d records before the error, want %d", len(got), tc.recs)
			}
			wantErr(t, err, tc.line, "", tc.kind, tc.msg)
		})
	}
}

// TestReader_GB18030ReplacementCharacter checks that U+FFFD written in
// GB18030 is read as it is, not taken for a decoding error.
func TestReader_GB18030ReplacementCharacter(t *testing.T) {
	in := append(gb18030(t, "a,b\n张,"), 0x84, 0x31, 0xA4, 0x37, '\n')
	got, r, err := readAll(in, Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if r.Charset() != CharsetGB18030 {
		t.Fatalf("Charset = %q", r.Charset())
	}
	wantRecords(t, got, []rec{{2, []string{"a", "b"}, []string{"张", "\uFFFD"}}})
}

func TestDetect(t *testing.T) {
	long := bytes.Repeat([]byte("张"), 100)
	for _, tc := range []struct {
		name  string
		in    []byte
		atEOF bool
		want  Charset
	}{
		{"OKEmpty", nil, true, CharsetUTF8},
		{"OKASCII", []byte("a,b\n"), true, CharsetUTF8},
		{"OKUTF8CutRune", long[:len(long)-1], false, CharsetUTF8},
		{"OKGB18030", gb18030(t, "姓名,城市\n"), true, CharsetGB18030},
		{"OKGB18030CutChar", gb18030(t, "姓名,城市")[:5], false, CharsetGB18030},
		{"OKBOM16LE", []byte{0xFF, 0xFE, 'a', 0}, true, CharsetUTF16LE},
		{"OKBOM16BE", []byte{0xFE, 0xFF, 0, 'a'}, true, CharsetUTF16BE},
		{"OKBOMGB18030", []byte{0x84, 0x31, 0x95, 0x33, 'a'}, true, CharsetGB18030},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.in, tc.atEOF)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Detect = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("ErrUTF8CutAtEOF", func(t *testing.T) {
		_, err := Detect([]byte("a\n\xE5"), true)
		wantErr(t, err, 2, "", KindMalformed, "neither UTF-8")
	})
}

// TestGBDecoder_MatchesXText checks the strict GB18030 decoder against
// x/text on valid text: same output, and never an error.
func TestGBDecoder_MatchesXText(t *testing.T) {
	var b strings.Builder
	for r := rune(0x20); r < 0x30000; r += 7 {
		if r >= 0xD800 && r < 0xE000 {
			continue
		}
		b.WriteRune(r)
	}
	text := b.String()
	enc, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	want, err := simplifiedchinese.GB18030.NewDecoder().String(enc)
	if err != nil {
		t.Fatal(err)
	}
	in := "a\n\"" + strings.ReplaceAll(enc, `"`, `""`) + "\"\n"
	got, r, err := readAll([]byte(in), Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if r.Charset() != CharsetGB18030 || len(got) != 1 || !reflect.DeepEqual(got[0].Values, []string{want}) {
		t.Fatalf("decoded text differs from x/text's")
	}
	if strings.Contains(want, "\uFFFD") {
		t.Fatalf("x/text decoded U+FFFD")
	}
}

func TestParseCharset_More(t *testing.T) {
	for name, want := range map[string]Charset{
		"big5": CharsetBig5, "Big5-HKSCS": CharsetBig5, "latin1": CharsetLatin1, "ISO-8859-1": CharsetLatin1,
		"windows-1252": CharsetLatin1, "csbig5": CharsetBig5, "utf-16le": CharsetUTF16LE, "gbk": CharsetGB18030, "auto": CharsetDetect,
	} {
		got, err := ParseCharset(name)
		if err != nil || got != want {
			t.Errorf("ParseCharset(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := ParseCharset("shift_jis"); err == nil {
		t.Error("ParseCharset(shift_jis) succeeded; sluice does not read it")
	}
}

func TestNewReader_MoreCharsets(t *testing.T) {
	read := func(t *testing.T, data []byte, cs Charset) ([]string, Charset, error) {
		t.Helper()
		rd, err := NewReader(bytes.NewReader(data), Options{Format: FormatCSV, Charset: cs})
		if err != nil {
			return nil, "", err
		}
		rec, err := rd.Read()
		if err != nil {
			return nil, "", err
		}
		return append(rec.Names, rec.Values...), rd.Charset(), nil
	}
	t.Run("OKLatin1", func(t *testing.T) {
		got, _, err := read(t, []byte("nom,ville\nLef\xe8vre,Besan\xe7on \x80\n"), CharsetLatin1)
		if err != nil || strings.Join(got, "|") != "nom|ville|Lefèvre|Besançon €" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("OKBig5", func(t *testing.T) {
		got, _, err := read(t, []byte("name\n\xa4\xa4\xa4\xe5\n"), CharsetBig5) // 中文
		if err != nil || strings.Join(got, "|") != "name|中文" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("ErrBig5", func(t *testing.T) {
		_, _, err := read(t, []byte("name\n\xa4\xa4\xff\n"), CharsetBig5)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindMalformed {
			t.Fatalf("error %v, want invalid Big5", err)
		}
	})
	t.Run("OKUTF16WithoutBOM", func(t *testing.T) {
		text := "name,city\nAnna,Köln\n"
		var le, be []byte
		for _, r := range text {
			le = append(le, byte(r), byte(r>>8))
			be = append(be, byte(r>>8), byte(r))
		}
		for _, tc := range []struct {
			data []byte
			want Charset
		}{{le, CharsetUTF16LE}, {be, CharsetUTF16BE}} {
			got, cs, err := read(t, tc.data, CharsetDetect)
			if err != nil || cs != tc.want || strings.Join(got, "|") != "name|city|Anna|Köln" {
				t.Fatalf("got %q as %s, %v; want %s", got, cs, err, tc.want)
			}
		}
	})
}

// TestDetect_GB18030OrLatin1: Western European text in windows-1252 that
// also decodes as GB18030 ("Mü" is a valid two-byte GB18030 character) is
// read as Latin-1; Chinese text in GB18030 stays GB18030.
func TestDetect_GB18030OrLatin1(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("姓名,地址\n张三,北京市朝阳区建国路88号\n李四,上海市浦东新区世纪大道100号\n"))
	if err != nil {
		t.Fatal(err)
	}
	latin1 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name string
		in   []byte
		want Charset
	}{
		{"Chinese", gb, CharsetGB18030},
		{"GermanValidGB18030", latin1("Nachname;Straße\nMüller;Hauptstraße 5\nJäger;Bahnhofstraße 12\n"), CharsetLatin1},
		{"French", latin1("nom,adresse\nLefèvre,12 rue de l'Église\nGaëlle,3 allée des Érables\n"), CharsetLatin1},
		{"Spanish", latin1("nombre,ciudad\nNúñez,Logroño\nPeña,Cádiz\n"), CharsetLatin1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(c.in, true)
			if err != nil || got != c.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
