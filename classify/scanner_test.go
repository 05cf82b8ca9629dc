package classify

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
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

// fieldKeys scans records of names and returns each field's category keys.
func fieldKeys(t *testing.T, s *Scanner, names []string, rows [][]string) map[string][]string {
	t.Helper()
	for _, r := range rows {
		s.Add(names, r)
	}
	out := map[string][]string{}
	for _, f := range s.Fields() {
		out[f.Name] = f.Keys()
	}
	return out
}

func TestScannerArrays(t *testing.T) {
	s := DefaultCatalog().NewScanner()
	var rows [][]string
	for i := 0; i < 20; i++ {
		rows = append(rows, []string{
			fmt.Sprintf(`[{"name":"张伟","phone":"1381234%04d"},{"name":"李娜","phone":"1391234%04d","tags":["a","b"]}]`, i, i),
			fmt.Sprintf(`["13812%06d",null]`, i),
		})
	}
	got := fieldKeys(t, s, []string{"guardians", "m11"}, rows)
	if k := got["guardians[].phone"]; len(k) != 1 || k[0] != "user.contact.phone_number" {
		t.Errorf("guardians[].phone: %v (fields %v)", k, got)
	}
	if k := got["guardians[].name"]; len(k) != 1 || k[0] != "user.name" {
		t.Errorf("guardians[].name: %v", k)
	}
	if _, ok := got["guardians[].tags[]"]; !ok {
		t.Errorf("nested array not reported as guardians[].tags[]: %v", got)
	}
	if k := got["m11[]"]; len(k) != 1 || k[0] != "user.contact.phone_number" {
		t.Errorf("m11[]: %v", k)
	}
	// The array stays a field, with what its elements hold.
	if k := got["guardians"]; strings.Join(k, ",") != "user.contact.phone_number,user.name" && strings.Join(k, ",") != "user.contact.phone_number" {
		t.Errorf("guardians: %v", k)
	}
}

func TestScannerDecoyColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var rows [][]string
	for i := 0; i < 200; i++ {
		y, m, d := 1960+r.IntN(40), 1+r.IntN(12), 1+r.IntN(28)
		id := fmt.Sprintf("110105%04d%02d%02d%03d", y, m, d, r.IntN(1000))
		id += string(ResidentIDCheck(id))
		rows = append(rows, []string{
			fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(12), r.IntN(20), r.IntN(10), r.IntN(100)),    // firmware
			fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), r.IntN(256)), // addresses
			fmt.Sprintf("%04d-%02d-%02d", 2000+r.IntN(25), 1+r.IntN(12), 1+r.IntN(28)),       // hire date
			id,
			fmt.Sprintf("%04d/%02d/%02d", y, m, d), // the ID's birth date, under a neutral header
			fmt.Sprintf("1%d%09d", r.IntN(3), r.IntN(1e9)), // staff number
			fmt.Sprint(1600000000000 + r.Int64N(1e11)),     // milliseconds
			fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Int64N(1<<48)),
		})
	}
	names := []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "trip_id"}
	got := fieldKeys(t, DefaultCatalog().NewScanner(), names, rows)
	want := map[string]string{"c1": "", "c2": "user.device.ip_address", "c3": "", "c4": "user.government_id.national_identification_number",
		"c5": "user.demographic.date_of_birth", "c6": "", "c7": "", "trip_id": ""}
	for n, w := range want {
		if k := strings.Join(got[n], ","); k != w {
			t.Errorf("%s: %q, want %q", n, k, w)
		}
	}
	// A header that names firmware decides even for addresses.
	got = fieldKeys(t, DefaultCatalog().NewScanner(), []string{"firmware_ver"}, [][]string{{"10.20.30.40"}, {"172.16.5.4"}})
	if k := got["firmware_ver"]; len(k) != 0 {
		t.Errorf("firmware_ver: %v", k)
	}
}

func TestScannerMinors(t *testing.T) {
	s := DefaultCatalog().NewScanner()
	s.SetAsOf(time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC))
	for _, d := range []string{"2012-01-01", "2011-11-21", "2011-11-22", "1990-05-05"} {
		s.Add([]string{"birthday"}, []string{d})
	}
	f := s.Fields()[0]
	// 2011-11-22 turns 14 on 2025-11-22: still a minor on the 21st.
	if f.Minors != 2 || !f.Sensitive || strings.Join(f.SensitiveIn, ",") != "CN" {
		t.Errorf("minors %d, sensitive %v in %v; want 2 minors, sensitive in CN", f.Minors, f.Sensitive, f.SensitiveIn)
	}
	s = DefaultCatalog().NewScanner()
	s.SetAsOf(time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	s.Add([]string{"birthday"}, []string{"2012-01-01"})
	if f := s.Fields()[0]; f.Minors != 0 {
		t.Errorf("as of 2040: %d minors", f.Minors)
	}
}

func TestScannerPlaceholdersAndMasks(t *testing.T) {
	s := DefaultCatalog().NewScanner()
	for _, v := range []string{"13812345678", "13912345678", "暂无", "未知", "#N/A", "?", "138****5678", "张**"} {
		s.Add([]string{"c1"}, []string{v})
	}
	f := s.Fields()[0]
	if f.NonEmpty != 2 || len(f.Categories) != 1 || f.Categories[0].Ratio != 1 {
		t.Errorf("non-empty %d, categories %+v; want the two phone numbers alone counted", f.NonEmpty, f.Categories)
	}
}

func TestScannerBareMACsInAMACColumn(t *testing.T) {
	s := DefaultCatalog().NewScanner()
	for i := 0; i < 30; i++ {
		v := fmt.Sprintf("a4:5e:60:%02x:%02x:1c", i, 255-i)
		if i%3 == 0 {
			v = fmt.Sprintf("a45e60%02x%02x1c", i, 255-i)
		}
		s.Add([]string{"c9"}, []string{v})
	}
	f := s.Fields()[0]
	if len(f.Categories) != 1 || f.Categories[0].Key != "user.device.device_id" || f.Categories[0].Matches != 30 {
		t.Errorf("%+v, want every value a device ID", f.Categories)
	}
	// Alone, 12 hex digits are no MAC.
	s = DefaultCatalog().NewScanner()
	s.Add([]string{"c9"}, []string{"a45e60aa551c"})
	if f := s.Fields()[0]; len(f.Categories) != 0 {
		t.Errorf("bare hex alone: %+v", f.Categories)
	}
}

func TestScannerNamesAndAddressesWithoutHeaders(t *testing.T) {
	for _, tc := range []struct {
		v   string
		det int
	}{
		{"买买提·艾力", detName},
		{"欧阳娜娜", detName},
		{"浙江省杭州市西湖区文三路 478 号", detAddress},
		{"甘肃省陇南市宕昌县阿坞镇", detAddress},
		{"广东省佛山市顺德区容桂街道某村12号", detAddress},
		{"深圳市南山区粤海街道科技园社区", detAddress},
	} {
		s := DefaultCatalog().NewScanner()
		s.AddValue(s.Field("x"), tc.v)
		if s.tf.match&(1<<tc.det) == 0 {
			t.Errorf("%q: not %s", tc.v, detectorNames[tc.det])
		}
	}
	for _, v := range []string{"南京市", "江苏省南京市玄武区", "北京某某科技有限公司", "张**"} {
		s := DefaultCatalog().NewScanner()
		s.AddValue(s.Field("x"), v)
		if s.tf.match&(1<<detAddress|1<<detName) != 0 {
			t.Errorf("%q: found as a name or an address", v)
		}
	}
}

func TestScannerBusinessIdentifiers(t *testing.T) {
	var rows [][]string
	for i := 0; i < 50; i++ {
		rows = append(rows, []string{fmt.Sprintf("C%08d", 10000000+i*7919), fmt.Sprintf("C%08d", 20000000+i*7919), fmt.Sprintf("TRX%014d", 34906953740231+int64(i)*7919)})
	}
	got := fieldKeys(t, DefaultCatalog().NewScanner(), []string{"customer_id", "港澳通行证", "c3"}, rows)
	if k := got["customer_id"]; len(k) != 0 {
		t.Errorf("customer_id: %v, want no category", k)
	}
	if k := got["港澳通行证"]; strings.Join(k, ",") != "user.government_id.immigration" {
		t.Errorf("港澳通行证: %v", k)
	}
	if k := got["c3"]; len(k) != 0 {
		t.Errorf("transaction numbers: %v, want no category", k)
	}
}

func TestScannerIMEISVUnderADeviceHeader(t *testing.T) {
	got := fieldKeys(t, DefaultCatalog().NewScanner(), []string{"imeisv", "c2"}, [][]string{{"3520990017614823", "3520990017614823"}, {"3520990017614831", "3520990017614831"}})
	if k := strings.Join(got["imeisv"], ","); k != "user.device.device_id" {
		t.Errorf("imeisv: %q", k)
	}
	if k := strings.Join(got["c2"], ","); k == "user.device.device_id" {
		t.Errorf("16 digits without a device header read as a device ID")
	}
}

// TestScannerMinorsNotFromPESELShapedPhones checks that a Chinese mobile
// that also passes a PESEL's check (15210112348: a child born in 2015, read
// as a PESEL) counts no minor: only resident IDs and dates of birth do, so
// that the count does not depend on which values the European pass samples.
func TestScannerMinorsNotFromPESELShapedPhones(t *testing.T) {
	if !ValidPESEL("15210112348", time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("15210112348 should pass the PESEL check for this test to mean anything")
	}
	s := DefaultCatalog().NewScanner()
	s.SetAsOf(time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC))
	for range 300 {
		s.Add([]string{"remark"}, []string{"请联系 15210112348 确认送货时间"})
	}
	if f := s.Fields()[0]; f.Minors != 0 {
		t.Errorf("remark: %d minors from phone numbers", f.Minors)
	}
}

// TestSeqFlags checks the rune loop's table and decoding against
// runeFlags: for every three-byte sequence of the pattern 1110xxxx 10xxxxxx
// 10xxxxxx (overlong ones and surrogates included, which runeFlags marks
// bad), the flags looked up by its bytes are the rune's, and the rune
// decoded from the four bytes read at once is the rune.
func TestSeqFlags(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		b := string([]byte{byte(0xE0 | r>>12), byte(0x80 | r>>6&0x3F), byte(0x80 | r&0x3F), 'A'})
		y := bits.ReverseBytes32(load32(b, 0))
		if y&0xF0C0C000 != 0xE0808000 {
			t.Fatalf("U+%04X: % x not taken for a three-byte sequence", r, b[:3])
		}
		if got, want := seqFlags[y>>8&0xFFFFF], runeFlags[r]; got != want {
			t.Fatalf("U+%04X: seqFlags %08b, runeFlags %08b", r, got, want)
		}
		x := load32(b, 0)
		if got := rune(x&0x0F)<<12 | rune(x>>2)&0xFC0 | rune(x>>16)&0x3F; got != r {
			t.Fatalf("U+%04X decoded as U+%04X", r, got)
		}
		if byte(x>>24) != 'A' || byte(y) != 'A' {
			t.Fatalf("U+%04X: the byte after the sequence is lost", r)
		}
		// A value's last rune, read with the byte before it.
		c := "x" + b[:3]
		if got := load32(c, 0) >> 8; got != x&0xFFFFFF {
			t.Fatalf("U+%04X: last rune read as %06x, want %06x", r, got, x&0xFFFFFF)
		}
	}
}
