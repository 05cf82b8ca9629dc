package classify

import (
	"encoding/json"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// A CategoryMatch is one category found in a field.
type CategoryMatch struct {
	Key     string  `json:"key"`
	Matches int64   `json:"matches"` // non-empty values holding the category
	Ratio   float64 `json:"ratio"`   // Matches over the field's non-empty values
}

// A FieldResult is the classification of one field.
type FieldResult struct {
	Name       string          `json:"name"`
	NonEmpty   int64           `json:"non_empty"`
	Categories []CategoryMatch `json:"categories"`
	// Sensitive reports sensitive personal information under the CN rules
	// (PIPL Art. 28); SensitiveIn lists the jurisdictions under whose law
	// the field is sensitive, sorted.
	Sensitive   bool     `json:"sensitive"`
	SensitiveIn []string `json:"sensitive_in"`
	// Minors counts dates of birth and resident IDs of people under 14 at
	// the reference date: personal information of minors under 14 is
	// sensitive under PIPL Art. 28 and needs a guardian's consent (Art. 31).
	Minors   int64    `json:"minors_under_14,omitempty"`
	Personal bool     `json:"personal"` // personal information under the CN rules
	Grade    string   `json:"grade"`
	Hinted   []string `json:"hinted,omitempty"` // categories the header suggested
	// Distinct estimates the number of distinct identifying values found
	// (HyperLogLog, about 1.6 % error), 0 when none were found.
	Distinct int64 `json:"distinct,omitempty"`
}

// Keys returns the category keys of the field.
func (f FieldResult) Keys() []string {
	keys := make([]string, len(f.Categories))
	for i, m := range f.Categories {
		keys[i] = m.Key
	}
	return keys
}

// colStats accumulates what the scanner saw in one field.
type colStats struct {
	name     string
	order    int
	hint     uint64 // categories the header suggests
	devices  bool   // header names a device ID
	latHint  bool   // header names a latitude
	lngHint  bool   // header names a longitude
	nonEmpty int64
	euSkip   int // values the European pass skips before its next sample (eu.go)
	match    [MaxCategories]int64
	attempt  [MaxCategories]int64

	// Whole-value statistics for dates of birth and coordinates.
	dates            int64
	minYear, maxYear int
	dobAgree         int64 // dates equal to the birth date of an ID in the same record
	idRowDates       int64 // dates in records that hold a resident ID
	minors           int64 // dates of birth or IDs of people under 14 at the reference date
	versionLike      int64 // IPv4 matches that read as versions (small numbers)
	versions         int64 // values shaped as versions: v1.2, 1.2.3
	notIP            bool  // the header names a version or firmware
	bareMAC          int64 // values of 12 hex digits, MACs when the column's other values are
	business         bool  // the header names a customer, order or transaction number
	sawIPv4          bool  // a dotted quad was seen: versions are counted from then on
	id15             int64 // 15-digit resident IDs found, which have no check character
	decimals         int64 // values that are decimal numbers
	latOK, lngOK     int64 // decimals within ±90 and ±180
	precise          int64 // decimals with 4 or more fraction digits

	hll *hll // distinct identifying values

	eu *euCol // European evidence (eu.go)

	// masks counts values by the detectors that tried and matched them,
	// for the first few distinct pairs seen since the last flush: a
	// column's values mostly repeat one shape, so a value costs one
	// comparison here instead of a category lookup per detector bit.
	masks  [maskSlots]maskCount
	nmasks int
}

// maskSlots is how many distinct detector patterns a column counts
// before flushing; values of other patterns are counted directly.
const maskSlots = 4

// A maskCount counts values that the detectors attempt tried and det
// matched.
type maskCount struct {
	attempt, det uint64
	n            int64
}

// addDistinct adds the hash of an identifying value to the field's sketch.
func (c *colStats) addDistinct(h uint64) {
	if c.hll == nil {
		c.hll = new(hll)
	}
	c.hll.add(h)
}

// count records a value that the detectors att tried and det matched.
func (c *colStats) count(cat *Catalog, att, det uint64) {
	for k := 0; k < c.nmasks; k++ {
		if m := &c.masks[k]; m.attempt == att && m.det == det {
			m.n++
			return
		}
	}
	if c.nmasks < maskSlots {
		c.masks[c.nmasks] = maskCount{att, det, 1}
		c.nmasks++
		return
	}
	c.addCategories(cat.categories(att), cat.categories(det), 1)
}

// flush moves the pattern counts into the category counts.
func (c *colStats) flush(cat *Catalog) {
	for _, m := range c.masks[:c.nmasks] {
		c.addCategories(cat.categories(m.attempt), cat.categories(m.det), m.n)
	}
	c.nmasks = 0
}

// addCategories counts n values in which the categories ca were
// attempted and cm matched.
func (c *colStats) addCategories(ca, cm uint64, n int64) {
	for m := ca; m != 0; m &= m - 1 {
		c.attempt[bits.TrailingZeros64(m)] += n
	}
	for m := cm; m != 0; m &= m - 1 {
		c.match[bits.TrailingZeros64(m)] += n
	}
}

// categories returns the categories of the detectors in mask.
func (c *Catalog) categories(mask uint64) uint64 {
	var cats uint64
	for m := mask; m != 0; m &= m - 1 {
		cats |= c.detCat[bits.TrailingZeros64(m)]
	}
	return cats
}

// A Scanner classifies the fields of one dataset as its records stream
// past. Create one with [Catalog.NewScanner], call Add for each record, and
// Fields at the end. A Scanner is not safe for concurrent use: give each
// worker its own and combine them with Merge.
type Scanner struct {
	cat   *Catalog
	cols  []*colStats // by position in the current names
	named map[string]*colStats
	order []*colStats
	last  []string // the names slice the column mapping was built for
	lastP unsafe.Pointer

	// The finder's state changes with every value. The padding keeps it
	// off the cache lines of whatever the allocator puts next to the
	// scanner, such as the scanner of another worker.
	_  [64]byte
	tf textFinder
	_  [64]byte

	eu euState // European detectors (eu.go), written per value
	_  [64]byte

	// generic turns the fast paths off (numeric), so that tests can check
	// them against the general scan.
	generic bool

	// The dates of the records being read, which are dates of birth when
	// they agree with the birth dates of the resident IDs of the same
	// record (tf.births); dateN counts them per record.
	rowDates []rowDate
	dateN    []uint8

	// Scratch space for matchBirths.
	birthOff, birthSorted, birthNext []int
}

type rowDate struct {
	col       *colStats
	rec, date int
}

// SetAsOf sets the reference date of the scan: birth dates after it are
// not valid, and people born less than 14 years before it are minors. The
// default is the date the scanner was made.
func (s *Scanner) SetAsOf(t time.Time) { s.tf.ref = DateInt(t) }

// AsOf returns the reference date as YYYYMMDD.
func (s *Scanner) AsOf() int { return s.tf.ref }

// NewScanner returns a scanner that classifies with c.
func (c *Catalog) NewScanner() *Scanner {
	s := &Scanner{cat: c, named: map[string]*colStats{}}
	s.tf.seed = c.seed
	s.tf.ref = Today()
	return s
}

// column returns the stats for a field, creating them on first sight.
func (s *Scanner) column(name string) *colStats {
	if c, ok := s.named[name]; ok {
		return c
	}
	c := &colStats{name: name, order: len(s.order), minYear: 1 << 30}
	c.hint = s.cat.headerHints(name)
	c.devices = c.hint&s.cat.deviceCats != 0
	c.notIP = versionHeader(name)
	c.business = businessHeader(name)
	c.latHint, c.lngHint = axisHints(name)
	s.named[name] = c
	s.order = append(s.order, c)
	return c
}

// mapColumns rebuilds the position-to-field mapping when the names change.
func (s *Scanner) mapColumns(names []string, n int) {
	p := unsafe.Pointer(unsafe.SliceData(names))
	if p == s.lastP && len(names) == len(s.last) && len(s.cols) >= n {
		return
	}
	same := len(names) == len(s.last) && len(s.cols) >= n
	for i := 0; same && i < len(names); i++ {
		same = names[i] == s.last[i]
	}
	if same {
		s.lastP = p
		return
	}
	s.cols = s.cols[:0]
	for _, name := range names {
		s.cols = append(s.cols, s.column(name))
	}
	for i := len(names); i < n; i++ {
		s.cols = append(s.cols, s.column("column "+strconv.Itoa(i+1)))
	}
	s.last = append(s.last[:0:0], names...)
	s.lastP = p
}

// Add classifies one record: values[i] is the value of field names[i].
// Values beyond the names are attributed to fields named "column N" (1-based
// position). Add keeps no reference to the values, so callers may reuse
// their buffers (or pass strings that alias them) after it returns; the
// names are copied when they change.
func (s *Scanner) Add(names, values []string) {
	s.mapColumns(names, len(values))
	s.addRecords(s.cols[:len(values)], values, 1)
}

// AddRecords classifies whole records lying back to back in values,
// len(names) values each (values[r*len(names)+i] is record r's value of
// field names[i]), exactly as Add would one record after another, and
// reports whether all of them are text, as AddChecked does. It reads them
// field by field rather than record by record: a field's values mostly
// take the same path through the detectors, which the processor then
// predicts. Records that are not text are classified too: a caller that
// stops at bad input discards the scanner. It panics if values do not
// hold whole records. Like Add it keeps no reference to the values.
func (s *Scanner) AddRecords(names, values []string) bool {
	w := len(names)
	if w == 0 || len(values)%w != 0 {
		if len(values) == 0 {
			return true
		}
		panic("classify: AddRecords: values do not hold whole records of the names")
	}
	s.tf.bad = false
	s.mapColumns(names, w)
	s.addRecords(s.cols[:w], values, len(values)/w)
	return !s.tf.bad
}

// addRecords classifies n records of len(cols) values each, field by
// field. What crosses fields within a record (the birth dates of resident
// IDs, and dates that may be dates of birth) is kept per record and
// matched at the end; a record's entries come in field order either way,
// so the per-record limits keep the same ones as a record-by-record read.
// The elements of an array make fields as they come, so from the first
// array on, the rest is read record by record (see addRest), and fields
// keep the order they first appear in.
func (s *Scanner) addRecords(cols []*colStats, values []string, n int) {
	w := len(cols)
	tf := &s.tf
	tf.births, s.rowDates = tf.births[:0], s.rowDates[:0]
	if cap(tf.birthN) < n {
		tf.birthN = make([]uint8, n)
		s.dateN = make([]uint8, n)
	}
	tf.birthN, s.dateN = tf.birthN[:n], s.dateN[:n]
	clear(tf.birthN)
	clear(s.dateN)
	for c, col := range cols {
		tf.sketch = col
		for r, k := 0, c; r < n; r, k = r+1, k+w {
			v := values[k]
			if v == "" { // an empty value counts for nothing
				continue
			}
			if v[0] == '[' && v[len(v)-1] == ']' {
				s.addRest(cols, values, n, c, r)
				goto done
			}
			tf.rec = r
			s.addValue(col, v)
		}
	}
done:
	if len(s.rowDates) > 0 && len(tf.births) > 0 {
		s.matchBirths(n)
	}
}

// addRest classifies, record by record, what addRecords has not: field c
// from record r0 on, and the fields after c. Each field still sees its
// values in record order, and each record its fields in order.
func (s *Scanner) addRest(cols []*colStats, values []string, n, c, r0 int) {
	w := len(cols)
	for r := 0; r < n; r++ {
		from := c + 1
		if r >= r0 {
			from = c
		}
		for i := from; i < w; i++ {
			v := values[r*w+i]
			if v == "" {
				continue
			}
			s.tf.rec = r
			if v[0] == '[' && v[len(v)-1] == ']' {
				// The elements are fields of their own; the array stays a
				// field too, so that what holds it is known to stores and
				// reads that address whole values.
				s.addArray(cols[i], v)
			}
			s.AddValue(cols[i], v)
		}
	}
}

// matchBirths counts, for each date of the records just read, whether its
// record holds a resident ID and whether one of them was born that day.
func (s *Scanner) matchBirths(n int) {
	births := s.tf.births
	if n > 1 {
		// Group the birth dates by record (they come field by field).
		off := s.birthOff[:0]
		at := 0
		for _, c := range s.tf.birthN {
			off = append(off, at)
			at += int(c)
		}
		off = append(off, at)
		s.birthOff = off
		sorted := s.birthSorted
		if cap(sorted) < len(births) {
			sorted = make([]int, len(births))
		}
		sorted = sorted[:len(births)]
		next := append(s.birthNext[:0], off[:n]...)
		for _, b := range births {
			sorted[next[b.rec]] = b.date
			next[b.rec]++
		}
		s.birthSorted, s.birthNext = sorted, next
		for _, d := range s.rowDates {
			if s.tf.birthN[d.rec] == 0 {
				continue
			}
			d.col.idRowDates++
			for _, b := range sorted[off[d.rec]:off[d.rec+1]] {
				if b == d.date {
					d.col.dobAgree++
					break
				}
			}
		}
		return
	}
	for _, d := range s.rowDates {
		d.col.idRowDates++
		for _, b := range births {
			if b.date == d.date {
				d.col.dobAgree++
				break
			}
		}
	}
}

// addArray classifies a JSON array, as JSONL readers pass them, by its
// elements: the scalars of array a go to field "a[]", the members of its
// objects to "a[].member" (nested objects as "a[].b.c", nested arrays as
// "a[].b[]"). It reports false, having done nothing, if v is not a JSON
// array.
func (s *Scanner) addArray(col *colStats, v string) bool {
	var elems []any
	d := json.NewDecoder(strings.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&elems); err != nil {
		return false
	}
	s.addElements(col.name+"[]", elems)
	return true
}

func (s *Scanner) addElements(name string, elems []any) {
	for _, e := range elems {
		s.addJSON(name, e)
	}
}

func (s *Scanner) addJSON(name string, x any) {
	switch x := x.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.addJSON(name+"."+k, x[k])
		}
	case []any:
		s.addElements(name+"[]", x) // a nested array: its elements

	case string:
		if x != "" {
			s.addScalar(name, x)
		}
	case json.Number:
		s.addScalar(name, string(x))
	case bool:
		s.addScalar(name, strconv.FormatBool(x))
	}
}

func (s *Scanner) addScalar(name, v string) {
	s.AddValue(s.column(name), v)
}

// AddChecked is Add, and reports whether the values are text: valid UTF-8
// without NUL bytes. Readers that hand over unchecked input use it to
// validate the text in the same pass that classifies it.
func (s *Scanner) AddChecked(names, values []string) bool {
	s.tf.bad = false
	s.Add(names, values)
	return !s.tf.bad
}

// A Field is a handle on one field of a scanner, for callers that feed
// values column by column (see [Scanner.Field] and [Scanner.AddValue]).
type Field = *colStats

// Field returns the handle for the named field, creating it if needed.
func (s *Scanner) Field(name string) Field { return s.column(name) }

// AddValue classifies one value of field f, which must come from this
// scanner's Field or Add. Like Add it keeps no reference to v.
func (s *Scanner) AddValue(f Field, v string) {
	s.tf.sketch = f
	s.addValue(f, v)
}

// addValue is AddValue for a finder whose sketch is f already: addRecords
// sets it once a field.
func (s *Scanner) addValue(f Field, v string) {
	if len(v) == 0 || v[0] <= ' ' || v[len(v)-1] <= ' ' {
		v = trimSpace(v)
	}
	if len(v) <= 4 && (len(v) == 0 || isNull(v)) {
		return
	}
	col := f
	col.nonEmpty++
	tf := &s.tf
	tf.reset()
	if c0 := v[0]; !isDigit(c0) || s.generic || !s.numeric(col, v) {
		tf.scan(v)
		if col.sawIPv4 {
			// Versions, in a column where dotted quads were seen.
			if tf.match&(1<<detIPv4) != 0 {
				if versionQuad(v) {
					col.versionLike++
				}
			} else if tf.match == 0 && versionShape(v) {
				col.versions++
			}
		} else if tf.match&(1<<detIPv4) != 0 {
			col.sawIPv4 = true
			if versionQuad(v) {
				col.versionLike++
			}
		}
		if tf.high {
			if tf.addr != 0 && tf.addr.isAddress(v) {
				tf.match |= 1 << detAddress
			}
			if len(v) >= 6 && len(v) <= 12 && isHanName(v) || len(v) > 12 && len(v) <= 60 && tf.match == 0 && isDottedName(v) {
				tf.match |= 1 << detName
			}
		}
		if len(v) <= 24 && tf.match == 0 && tf.attempt == 0 && (isAlpha(c0) || c0 >= utf8.RuneSelf && runeFlags[firstRune(v)]&rfLexical != 0) {
			if len(v) == 3 && (v == "男" || v == "女") {
				s.lexical(col, lexGender)
			} else if lx, ok := lexical[v]; ok {
				if lx&lexNull != 0 {
					col.nonEmpty-- // a placeholder for a missing value
					return
				}
				s.lexical(col, lx)
			}
		}
		if tf.match == 0 && masked(v) {
			// A masked value (张**, 138****5678): not a candidate of any
			// kind, and not evidence against one.
			col.nonEmpty--
			return
		}
		// Dates (8 to 17 bytes) and decimals, which the scan marked.
		if (isDigit(c0) || c0 == '-' && len(v) > 1) && (len(v) >= 8 && len(v) <= 17 || tf.decimal || tf.decOK || c0 == '-') {
			s.wholeNumber(col, v)
		}
	}
	s.euValue(col, v)
	det := tf.match
	att := tf.attempt | det
	if len(s.cat.user) == 0 {
		if att != 0 {
			if m := &col.masks[0]; col.nmasks > 0 && m.attempt == att && m.det == det {
				m.n++ // the column's usual pattern
			} else {
				col.count(s.cat, att, det)
			}
		}
		return
	}
	cm, ca := s.cat.categories(det), s.cat.categories(att)
	for _, u := range s.cat.user {
		s.userDetect(u, v, &cm, &ca)
	}
	col.addCategories(ca, cm, 1)
}

// numeric classifies v, which starts with a digit, when it has one of the
// common numeric shapes: digits only, a decimal d+.d+, four dotted groups
// of digits, or a date and time YYYY-MM-DD hh:mm:ss. It does in one pass
// exactly what the scan and the whole-value checks would, and reports
// false, having done nothing, for any other value.
func (s *Scanner) numeric(col *colStats, v string) bool {
	// The leading digits, eight at a time while eight bytes are left:
	// most values end their first run of digits within the first eight
	// bytes (2024-05-06, 37.979656, 192.168.1.1), found here in one step.
	n := len(v)
	i := 0
	for i+8 <= n {
		if m := nonDigits(load64(v, i)); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			goto run
		}
		i += 8
	}
	for i < n && isDigit(v[i]) {
		i++
	}
run:
	tf := &s.tf
	if i == n {
		// One word of digits: a candidate at 11 to 19 digits, and at 8 a
		// date YYYYMMDD.
		if n >= 11 && n <= 19 {
			tf.digitRun(v, 0, n)
		} else if n == 8 {
			s.wholeNumber(col, v)
		}
		return true
	}
	switch v[i] {
	case '.':
		// Groups of digits joined by single dots.
		var dots [3]int
		nd := 0
		for i < n && v[i] == '.' && nd < 3 {
			dots[nd] = i
			nd++
			j := i + 1
			for j < n && isDigit(v[j]) {
				j++
			}
			if j == i+1 {
				return false // a dot not followed by a digit
			}
			i = j
		}
		if i != n {
			return false
		}
		switch nd {
		case 1:
			// A decimal: what the scan marks and wholeNumber reads. A
			// decimal is never a date, and parseDecimal takes one to
			// three integer digits and at most 24 bytes.
			dot := dots[0]
			if n > 24 || dot > 3 {
				return true
			}
			frac := n - dot - 1
			ip := atoiN(v[:dot])
			if ip == 90 || ip == 180 || frac > 15 {
				// On a boundary the fraction decides, as parseDecimal
				// rounds it.
				x, _, _ := parseDecimal(v)
				col.addDecimal(x, frac)
				return true
			}
			// Elsewhere the integer part does: ip+f with 0 <= f < 1
			// stays on the same side of 90 and of 180 as ip, even
			// rounded.
			col.decimals++
			if ip < 90 {
				col.latOK++
			}
			if ip < 180 {
				col.lngOK++
			}
			if frac >= 4 {
				col.precise++
			}
			return true
		case 3:
			// An IPv4 address candidate; never a date (a date has two
			// separators and nothing after the day).
			tf.attempt |= 1 << detIPv4
			if octet(v, 0, dots[0]) && octet(v, dots[0]+1, dots[1]) && octet(v, dots[1]+1, dots[2]) && octet(v, dots[2]+1, n) {
				tf.hit(detIPv4, 0, n, v)
				col.sawIPv4 = true
				if dots[0] <= 2 && dots[1]-dots[0] <= 3 && dots[2]-dots[1] <= 3 && versionQuad(v) {
					col.versionLike++
				}
			}
			return true
		}
	case '-':
		// YYYY-MM-DD hh:mm:ss: the scan skips the date and the time and
		// finds nothing, and 19 bytes is too long for wholeNumber.
		return i == 4 && n == 19 && v[7] == '-' && v[10] == ' ' && v[13] == ':' && v[16] == ':' &&
			isDigit(v[5]) && isDigit(v[6]) && isDigit(v[8]) && isDigit(v[9]) && isDigit(v[11]) && isDigit(v[12]) &&
			isDigit(v[14]) && isDigit(v[15]) && isDigit(v[17]) && isDigit(v[18])
	}
	return false
}

// octet reports whether the digits v[i:j] are an IPv4 octet: at most 255,
// without a leading zero.
func octet(v string, i, j int) bool {
	switch j - i {
	case 1:
		return true
	case 2:
		return v[i] != '0'
	case 3:
		return v[i] != '0' && int(v[i]-'0')*100+int(v[i+1]-'0')*10+int(v[i+2]-'0') <= 255
	}
	return false
}

func (s *Scanner) userDetect(u userDetector, v string, cm, ca *uint64) {
	for off := 0; off < len(v); {
		loc := u.re.FindStringIndex(v[off:])
		if loc == nil {
			return
		}
		*ca |= 1 << u.cat
		m := v[off+loc[0] : off+loc[1]]
		if u.validate == nil || u.validate(m) {
			*cm |= 1 << u.cat
			return
		}
		if loc[1] == 0 {
			off++
		} else {
			off += loc[1]
		}
	}
}

// lexical records a whole-value word match.
func (s *Scanner) lexical(col *colStats, lx uint8) {
	tf := &s.tf
	if lx&lexGender != 0 {
		tf.match |= 1 << detGender
	}
	if lx&lexEthnicity != 0 || lx&lexEthnicityBare != 0 && col.hint&s.cat.ethnicCat != 0 {
		tf.match |= 1 << detEthnicity
	}
	if lx&lexReligion != 0 || lx&lexNone != 0 && col.hint&s.cat.religionCat != 0 {
		tf.match |= 1 << detReligion
	}
}

// wholeNumber records dates and decimal numbers for the column-level
// detectors (dates of birth, latitude and longitude columns).
func (s *Scanner) wholeNumber(col *colStats, v string) {
	if date, ok := parseDate(v); ok {
		y := date / 10000
		col.dates++
		if y < col.minYear {
			col.minYear = y
		}
		if y > col.maxYear {
			col.maxYear = y
		}
		if y >= 1900 && date <= s.tf.ref {
			s.tf.match |= 1 << detDOB
			if minor(date, s.tf.ref) {
				col.minors++
			}
		}
		if r := s.tf.rec; r < len(s.dateN) && s.dateN[r] < 64 {
			s.dateN[r]++
			s.rowDates = append(s.rowDates, rowDate{col, r, date})
		}
		return
	}
	if len(v) > 24 || s.tf.match&(1<<detCoordPrecise|1<<detCoordImprecise) != 0 {
		return
	}
	if !s.tf.decimal && !(v[0] == '-' && len(v) > 2 && isDigit(v[1])) {
		return
	}
	x, frac, ok := s.tf.decX, s.tf.decFrac, s.tf.decOK
	if s.tf.decNo {
		return
	}
	if !ok {
		if x, frac, ok = parseDecimal(v); !ok {
			return
		}
	}
	col.addDecimal(x, frac)
}

// addDecimal counts a decimal value x with frac fraction digits.
func (c *colStats) addDecimal(x float64, frac int) {
	c.decimals++
	if x >= -90 && x <= 90 {
		c.latOK++
	}
	if x >= -180 && x <= 180 {
		c.lngOK++
	}
	if frac >= 4 {
		c.precise++
	}
}

// minor reports whether someone born on date (YYYYMMDD) is under 14 on
// the reference date ref (PIPL Art. 28 and 31).
func minor(date, ref int) bool { return date <= ref && ref-date < 140000 }

// versionQuad reports whether v, a valid dotted quad, reads as a four-part
// version number (4.12.0.3, 10.2.1.7): its first three parts are small.
func versionQuad(v string) bool {
	parts, n := 0, 0
	for i := 0; i < len(v); i++ {
		if v[i] == '.' {
			if n > 30 {
				return false
			}
			parts++
			n = 0
			if parts == 3 {
				return true
			}
			continue
		}
		n = n*10 + int(v[i]-'0')
	}
	return false
}

// versionShape reports whether v is written as a version: v or V and a
// dotted number (v2.1), or three dotted numbers (1.2.3).
func versionShape(v string) bool {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && isDigit(v[1]) {
		v = v[1:]
	}
	dots := 0
	if len(v) > 4 && allDigits(v[:4]) {
		return false // a year: a date, not a version
	}
	for i := 0; i < len(v); i++ {
		switch {
		case isDigit(v[i]):
		case v[i] == '.' && i > 0 && i+1 < len(v) && isDigit(v[i+1]):
			dots++
		default:
			return false
		}
	}
	return dots >= 1 && dots <= 3 && len(v) > 0
}

// parseDate recognises YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (one- or
// two-digit month and day), YYYYMMDD, YYYY年M月D日 and, European,
// DD.MM.YYYY, DD/MM/YYYY and DD-MM-YYYY, and returns the date as YYYYMMDD.
func parseDate(v string) (int, bool) {
	if len(v) == 10 && !isDigit(v[2]) {
		return parseDateDMY(v)
	}
	if len(v) < 8 || len(v) > 17 || !isDigit(v[1]) || !isDigit(v[2]) || !isDigit(v[3]) {
		return 0, false
	}
	if c := v[4]; isDigit(c) && len(v) != 8 || !isDigit(c) && c != '-' && c != '/' && c != '.' && c != 0xE5 {
		return 0, false
	}
	y := atoiN(v[:4])
	if len(v) == 8 && allDigits(v) {
		m, d := atoiN(v[4:6]), atoiN(v[6:8])
		return y*10000 + m*100 + d, validCalendar(y, m, d)
	}
	rest := v[4:]
	var sep string
	switch {
	case rest[0] == '-' || rest[0] == '/' || rest[0] == '.':
		sep = rest[:1]
	case len(rest) > 3 && rest[:3] == "年":
		sep = "年"
	default:
		return 0, false
	}
	rest = rest[len(sep):]
	m, rest, ok := leadingNumber(rest)
	if !ok {
		return 0, false
	}
	if sep == "年" {
		if len(rest) < 3 || rest[:3] != "月" {
			return 0, false
		}
		rest = rest[3:]
	} else {
		if len(rest) == 0 || rest[:1] != sep {
			return 0, false
		}
		rest = rest[1:]
	}
	d, rest, ok := leadingNumber(rest)
	if !ok {
		return 0, false
	}
	if sep == "年" && rest == "日" {
		rest = ""
	}
	return y*10000 + m*100 + d, rest == "" && validCalendar(y, m, d)
}

func leadingNumber(s string) (int, string, bool) {
	if len(s) == 0 || !isDigit(s[0]) {
		return 0, s, false
	}
	if len(s) > 1 && isDigit(s[1]) {
		return atoiN(s[:2]), s[2:], true
	}
	return int(s[0] - '0'), s[1:], true
}

func validCalendar(y, m, d int) bool {
	return y >= 1000 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

func trimSpace(v string) string {
	if len(v) > 0 && v[0] > ' ' && v[len(v)-1] > ' ' {
		return v
	}
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == '\r' || v[0] == '\n') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[len(v)-1] == '\r' || v[len(v)-1] == '\n') {
		v = v[:len(v)-1]
	}
	return v
}

// isNull reports the short spellings of a missing value; longer ones are
// in the lexicon (placeholders).
func isNull(v string) bool {
	switch len(v) {
	case 1:
		return v == "-" || v == "?" || v == "/"
	case 2:
		return v == `\N` || v == "--" || v == "NA" || v == "na"
	case 3:
		return v == "N/A" || v == "n/a" || v == "nil" || v == "NaN" || v == "？"
	case 4:
		return v == "NULL" || v == "null" || v == "Null" || v == "#N/A"
	}
	return false
}

// masked reports whether v hides characters behind a run of asterisks or
// bullets, as masked identifiers and names do.
func masked(v string) bool {
	for i := strings.IndexByte(v, '*'); i >= 0 && i+1 < len(v); {
		if v[i+1] == '*' {
			return true
		}
		k := strings.IndexByte(v[i+1:], '*')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	// ●● (E2 97 8F twice) and ×× (C3 97 twice).
	return strings.IndexByte(v, 0xE2) >= 0 && strings.Contains(v, "●●") || strings.IndexByte(v, 0xC3) >= 0 && strings.Contains(v, "××")
}

// flushAll moves every field's pattern counts into its category counts.
func (s *Scanner) flushAll() {
	for _, c := range s.order {
		c.flush(s.cat)
	}
}

// Merge adds o's counts to s. Both must come from the same catalog. o must
// not be used afterwards.
func (s *Scanner) Merge(o *Scanner) {
	o.flushAll()
	for _, oc := range o.order {
		c := s.column(oc.name)
		c.nonEmpty += oc.nonEmpty
		for i := range c.match {
			c.match[i] += oc.match[i]
			c.attempt[i] += oc.attempt[i]
		}
		c.dates += oc.dates
		c.dobAgree += oc.dobAgree
		c.idRowDates += oc.idRowDates
		c.minors += oc.minors
		c.versionLike += oc.versionLike
		c.versions += oc.versions
		c.bareMAC += oc.bareMAC
		c.sawIPv4 = c.sawIPv4 || oc.sawIPv4
		c.id15 += oc.id15
		c.minYear = min(c.minYear, oc.minYear)
		c.maxYear = max(c.maxYear, oc.maxYear)
		c.decimals += oc.decimals
		c.latOK += oc.latOK
		c.lngOK += oc.lngOK
		c.precise += oc.precise
		if oc.eu != nil {
			if c.eu == nil {
				c.eu = &euCol{}
			}
			c.eu.merge(oc.eu)
		}
		if oc.hll != nil {
			if c.hll == nil {
				c.hll = new(hll)
			}
			c.hll.merge(oc.hll)
		}
	}
}

// DistinctSubjects estimates how many people the dataset is about: the
// largest number of distinct values in any field holding an identifying
// category (resident ID, phone, e-mail, passport, …).
func (s *Scanner) DistinctSubjects() int64 {
	var n int64
	for _, f := range s.Fields() {
		n = max(n, f.Distinct)
	}
	return n
}

// Fields returns the classification of every field seen, in the order
// fields first appeared.
func (s *Scanner) Fields() []FieldResult {
	s.flushAll()
	out := make([]FieldResult, 0, len(s.order))
	coord := make([]int, len(s.order)) // 1 latitude-like, 2 longitude-like
	for i, c := range s.order {
		coord[i] = s.coordShape(c)
	}
	for i, c := range s.order {
		out = append(out, s.field(c, coord, i))
	}
	return out
}

// coordShape reports whether a column's values are precise-looking decimal
// coordinates: 1 if all lie within ±90, 2 if within ±180.
func (s *Scanner) coordShape(c *colStats) int {
	if c.nonEmpty == 0 || float64(c.decimals) < 0.9*float64(c.nonEmpty) {
		return 0
	}
	switch {
	case float64(c.latOK) >= 0.98*float64(c.decimals):
		return 1
	case float64(c.lngOK) >= 0.98*float64(c.decimals):
		return 2
	}
	return 0
}

func (s *Scanner) field(c *colStats, coord []int, pos int) FieldResult {
	cat := s.cat
	fr := FieldResult{Name: c.name, NonEmpty: c.nonEmpty, Categories: []CategoryMatch{}, Grade: GradeGeneral}
	for m := c.hint; m != 0; m &= m - 1 {
		fr.Hinted = append(fr.Hinted, cat.cats[bits.TrailingZeros64(m)].Key)
	}
	if c.nonEmpty == 0 {
		return fr
	}
	ne := float64(c.nonEmpty)
	var found uint64
	matches := map[int]int64{}
	match := c.match
	if b, cr := cat.bankCat, cat.creditCat; b >= 0 && cr >= 0 && match[cr] > match[b] && match[b] > 0 {
		// A column of credit cards: its cards in the UnionPay range are
		// UnionPay credit cards, whatever their BIN.
		match[cr] += match[b]
	}
	if d := cat.macCat; d >= 0 && c.bareMAC > 0 && match[d] > c.bareMAC {
		// MACs without separators, in a column of MACs written with them.
		match[d] += c.bareMAC
	}
	for i := range cat.cats {
		bit := uint64(1) << i
		m := match[i]
		if m == 0 {
			continue
		}
		d := cat.cats[i].Decision
		hinted := c.hint&bit != 0
		if d.RequiresHint && !hinted {
			continue
		}
		share := float64(m) / ne
		minShare := d.MinShare
		if hinted {
			minShare = d.HintedMinShare
		}
		if share < minShare || share == 0 {
			continue
		}
		if bit&cat.lexicalCats == 0 {
			minRate := d.MinRate
			if minRate == 0 {
				minRate = DefaultMinRate
			}
			if hinted {
				minRate = d.HintedMinRate
				if minRate == 0 {
					minRate = DefaultHintedMinRate
				}
			}
			if a := c.attempt[i]; a > 0 && float64(m)/float64(a) < minRate {
				mc := m
				if bit&cat.idCats != 0 {
					// 15-digit IDs carry no check character: a fair share
					// of 15-digit numbers after a region code read as one.
					mc -= c.id15
				}
				if d.Chance == 0 || float64(mc) < max(3, ChanceFactor*d.Chance*float64(a)) {
					continue
				}
			}
		}
		if bit&cat.dobCats != 0 && !hinted && (c.dobAgree < 3 || 2*c.dobAgree < c.idRowDates) {
			// A date column, but neither the header nor the resident IDs
			// of the same records say birth: registration, hire or
			// policy dates are not dates of birth.
			continue
		}
		if bit&cat.weakCats != 0 && c.business {
			continue // a business's own numbers, shaped like a passport or a permit
		}
		if bit&cat.ipCats != 0 && (c.notIP || 5*(c.versionLike+c.versions) >= 4*(m+c.versions)) {
			continue // version or firmware numbers, which are also valid dotted quads
		}
		found |= bit
		matches[i] = m
	}
	// Latitude and longitude columns.
	if shape := coord[pos]; shape != 0 && !(c.latHint && shape != 1) && !(c.lngHint && shape == 0) {
		hinted := c.hint&cat.coordCats != 0
		partner := pos > 0 && coord[pos-1] != 0 && coord[pos-1] != shape || pos+1 < len(coord) && coord[pos+1] != 0 && coord[pos+1] != shape
		precise := float64(c.precise) >= 0.5*float64(c.decimals)
		if hinted || partner && precise && float64(c.precise) >= 0.8*float64(c.decimals) {
			n := c.latOK
			if shape == 2 {
				n = c.lngOK
			}
			i := cat.vagueCat
			if precise {
				i = cat.preciseCat
			}
			if i >= 0 {
				found |= 1 << i
				matches[i] = max(matches[i], n)
			}
		}
	}
	s.euField(c, &found, matches)
	sens := map[string]bool{}
	for m := found; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		k := cat.cats[i]
		fr.Categories = append(fr.Categories, CategoryMatch{Key: k.Key, Matches: matches[i], Ratio: float64(matches[i]) / ne})
		fr.Grade = MaxGrade(fr.Grade, k.Grade)
		for j, r := range k.Jurisdictions {
			if r.Sensitive {
				sens[j] = true
			}
		}
		if k.Jurisdictions[JurisdictionCN].PI {
			fr.Personal = true
		}
		if k.Identifies && c.hll != nil {
			fr.Distinct = max(fr.Distinct, c.hll.estimate())
		}
	}
	if c.minors > 0 && found&(cat.dobCats|cat.idCats) != 0 {
		// Personal information of minors under 14 (PIPL Art. 28).
		fr.Minors = c.minors
		sens[JurisdictionCN] = true
	}
	fr.SensitiveIn = []string{}
	for j := range sens {
		fr.SensitiveIn = append(fr.SensitiveIn, j)
	}
	sort.Strings(fr.SensitiveIn)
	fr.Sensitive = sens[JurisdictionCN]
	sort.Slice(fr.Categories, func(a, b int) bool { return fr.Categories[a].Key < fr.Categories[b].Key })
	return fr
}

// axisHints reports whether a header names a latitude or a longitude.
func axisHints(header string) (lat, lng bool) {
	lower := strings.ToLower(header)
	if strings.Contains(lower, "纬度") {
		lat = true
	}
	if strings.Contains(lower, "经度") {
		lng = true
	}
	for _, w := range headerWords(header) {
		switch w {
		case "lat", "latitude", "wd":
			lat = true
		case "lng", "lon", "long", "longitude", "jd":
			lng = true
		}
	}
	if lat && lng {
		return false, false // "lat_lng": a pair, either axis
	}
	return lat, lng
}

// firstRune returns the first rune of v if it is in the BMP, else 0.
func firstRune(v string) rune {
	if r, ok := rune3(v, 0); ok {
		return r
	}
	r, _ := decodeRune(v, 0)
	if r >= 65536 {
		return 0
	}
	return r
}
