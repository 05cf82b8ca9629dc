package recordio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// DetectPrefixBytes is how much of a stream is examined to detect its
// charset when it has no byte-order mark.
const DetectPrefixBytes = 64 << 10

// rawBufSize is the size of the buffer of undecoded input. It must be at
// least DetectPrefixBytes, which is read into it at once.
const rawBufSize = DetectPrefixBytes

var (
	errShortSrc = transform.ErrShortSrc
	errShortDst = transform.ErrShortDst
)

// A decoder turns bytes of one charset into UTF-8, like a
// transform.Transformer, except that it never replaces invalid input: it
// decodes up to the first invalid sequence and returns an *Error for it.
type decoder interface {
	decode(dst, src []byte, atEOF bool) (nDst, nSrc int, err error)
}

func newDecoder(cs Charset) decoder {
	switch cs {
	case CharsetUTF16LE:
		return utf16Decoder{}
	case CharsetUTF16BE:
		return utf16Decoder{be: true}
	case CharsetGB18030:
		return &gbDecoder{t: simplifiedchinese.GB18030.NewDecoder()}
	case CharsetBig5:
		return newBig5Decoder()
	case CharsetLatin1:
		return latin1Decoder{}
	}
	return utf8Decoder{}
}

// A source delivers the text of a stream as valid UTF-8 without NUL bytes,
// with a leading byte-order mark removed.
type source struct {
	r     io.Reader
	nread atomic.Int64
	cs    Charset
	dec   decoder
	raw   []byte // undecoded input is raw[rr:rw]
	rr    int
	rw    int
	rerr  error // error of r, after raw[rr:rw]
	err   error // sticky error, returned once the text before it is delivered
	bom   bool  // no text delivered yet: drop a leading U+FEFF
	zero  int   // consecutive empty reads
}

// newSource reads the first bytes of r and settles the charset: cs if
// given, else the byte-order mark, else UTF-8 if the first
// DetectPrefixBytes are valid UTF-8, else GB18030 if they are valid
// GB18030.
func newSource(r io.Reader, cs Charset) (*source, error) {
	s := &source{r: r, raw: make([]byte, rawBufSize), bom: true}
	for s.rw < DetectPrefixBytes && s.rerr == nil {
		s.readRaw()
	}
	if s.rerr != nil && s.rerr != io.EOF {
		return nil, s.rerr
	}
	cs, err := detect(s.raw[:s.rw], s.rerr != nil, cs)
	if err != nil {
		return nil, err
	}
	s.cs = cs
	s.dec = newDecoder(cs)
	return s, nil
}

// readRaw reads more undecoded input.
func (s *source) readRaw() {
	if s.rr > 0 {
		s.rw = copy(s.raw, s.raw[s.rr:s.rw])
		s.rr = 0
	}
	n, err := s.r.Read(s.raw[s.rw:])
	if n < 0 || n > len(s.raw)-s.rw {
		err = errors.New("recordio: reader returned an invalid count")
		n = 0
	}
	s.rw += n
	s.nread.Add(int64(n))
	if err != nil {
		s.rerr = err
	} else if n == 0 {
		if s.zero++; s.zero > 100 {
			s.rerr = io.ErrNoProgress
		}
	} else {
		s.zero = 0
	}
}

// fill writes decoded text into dst, which must hold at least utf8.UTFMax
// bytes. It returns n > 0 and a nil error, or 0 and an error: io.EOF at the
// end, an *Error without a line for bad text (the caller knows the line),
// or the error of the underlying reader.
func (s *source) fill(dst []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if s.rr < s.rw || s.rerr != nil {
			atEOF := s.rerr != nil
			nDst, nSrc, err := s.dec.decode(dst, s.raw[s.rr:s.rw], atEOF)
			s.rr += nSrc
			if s.bom && nDst > 0 {
				s.bom = false
				if bytes.HasPrefix(dst[:nDst], bomUTF8) {
					nDst = copy(dst, dst[len(bomUTF8):nDst])
				}
			}
			if i := bytes.IndexByte(dst[:nDst], 0); i >= 0 {
				nDst = i
				s.err = &Error{Kind: KindMalformed, Msg: "NUL byte in text (binary file, or UTF-16 without a byte-order mark?)"}
			}
			if err != nil && err != errShortSrc && err != errShortDst {
				if s.err == nil {
					s.err = err
				}
			}
			if nDst > 0 {
				return nDst, nil
			}
			if s.err != nil {
				return 0, s.err
			}
			if err == errShortDst {
				return 0, errors.New("recordio: fill buffer too small")
			}
			if atEOF && s.rr == s.rw {
				s.err = s.rerr
				return 0, s.err
			}
			if atEOF {
				// Cannot happen: a decoder consumes everything at EOF.
				s.err = errors.New("recordio: decoder stalled")
				return 0, s.err
			}
		}
		s.readRaw()
		if s.rerr != nil && s.rerr != io.EOF {
			s.err = s.rerr
		}
	}
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF32LE = []byte{0xFF, 0xFE, 0x00, 0x00}
	bomUTF32BE = []byte{0x00, 0x00, 0xFE, 0xFF}
	bomGB18030 = []byte{0x84, 0x31, 0x95, 0x33}
)

// Detect returns the charset of text that begins with prefix, by the rules
// a [Reader] uses when no charset is forced: a byte-order mark decides;
// otherwise valid UTF-8 is UTF-8, and other text is GB18030 or
// windows-1252 (Latin-1) as charset_guess.go tells them apart. atEOF says that prefix is the whole text; if not, a
// character cut at its end is not held against it. Text that is neither is
// an *[Error] of kind [KindMalformed] naming the line of the first byte
// that is not UTF-8.
func Detect(prefix []byte, atEOF bool) (Charset, error) {
	return detect(prefix, atEOF, CharsetDetect)
}

func detect(p []byte, atEOF bool, forced Charset) (Charset, error) {
	switch forced {
	case CharsetUTF8, CharsetUTF16LE, CharsetUTF16BE, CharsetGB18030, CharsetBig5, CharsetLatin1:
		return forced, nil
	case CharsetUTF16:
		if bytes.HasPrefix(p, bomUTF16LE) {
			return CharsetUTF16LE, nil
		}
		return CharsetUTF16BE, nil
	case CharsetDetect:
	default:
		return "", &Error{Kind: KindUnsupported, Msg: fmt.Sprintf("unsupported charset %q", forced)}
	}
	switch {
	case bytes.HasPrefix(p, bomUTF8):
		return CharsetUTF8, nil
	case bytes.HasPrefix(p, bomUTF32LE), bytes.HasPrefix(p, bomUTF32BE):
		return "", &Error{Kind: KindUnsupported, Line: 1, Msg: "UTF-32 text is not supported (convert it to UTF-8)"}
	case bytes.HasPrefix(p, bomUTF16LE):
		return CharsetUTF16LE, nil
	case bytes.HasPrefix(p, bomUTF16BE):
		return CharsetUTF16BE, nil
	case bytes.HasPrefix(p, bomGB18030):
		return CharsetGB18030, nil
	}
	if cs, ok := utf16WithoutBOM(p); ok {
		return cs, nil
	}
	bad := firstInvalidUTF8(p, atEOF)
	if bad < 0 {
		return CharsetUTF8, nil
	}
	gb := gbValid(p, atEOF)
	switch {
	case gb && gbPlausible(p):
		return CharsetGB18030, nil
	case latin1Plausible(p):
		return CharsetLatin1, nil // see charset_guess.go
	case gb:
		return CharsetGB18030, nil
	}
	line := 1 + bytes.Count(p[:bad], nl)
	return "", &Error{Kind: KindMalformed, Line: line, Msg: fmt.Sprintf(
		"text is neither UTF-8 (byte 0x%02X is invalid), GB18030 nor Latin-1; if it is UTF-16 without a byte-order mark, or another charset, give it with --charset", p[bad])}
}

var nl = []byte{'\n'}

// firstInvalidUTF8 returns the offset of the first byte of p that is not
// valid UTF-8, or -1. Unless atEOF, a rune cut at the end of p is valid.
func firstInvalidUTF8(p []byte, atEOF bool) int {
	if !atEOF {
		p = p[:completeUTF8(p)]
	}
	if utf8.Valid(p) {
		return -1
	}
	for i := 0; i < len(p); {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// completeUTF8 returns the length of p without a rune cut at its end.
func completeUTF8(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		if c := p[i]; c < utf8.RuneSelf {
			return len(p)
		} else if c >= 0xC0 {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			return len(p)
		}
	}
	return len(p)
}

// gbValid reports whether p decodes strictly as GB18030.
func gbValid(p []byte, atEOF bool) bool {
	d := &gbDecoder{t: simplifiedchinese.GB18030.NewDecoder()}
	var dst [4096]byte
	for len(p) > 0 {
		_, n, err := d.decode(dst[:], p, atEOF)
		p = p[n:]
		switch {
		case err == nil:
			return true
		case err == errShortSrc:
			return !atEOF
		case err != errShortDst:
			return false
		}
	}
	return true
}

func invalidBytes(cs string, p []byte) *Error {
	var b bytes.Buffer
	for i, c := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "0x%02X", c)
	}
	return &Error{Kind: KindMalformed, Msg: fmt.Sprintf("invalid %s: bytes %s", cs, b.String())}
}

// utf8Decoder validates UTF-8 and copies it.
type utf8Decoder struct{}

func (utf8Decoder) decode(dst, src []byte, atEOF bool) (int, int, error) {
	n := min(len(dst), len(src))
	p := src[:n]
	if !atEOF || n < len(src) {
		p = p[:completeUTF8(p)]
	}
	if bad := firstInvalidUTF8(p, true); bad >= 0 {
		copy(dst, p[:bad])
		end := bad + 1
		return bad, bad, invalidBytes("UTF-8", p[bad:end])
	}
	copy(dst, p)
	switch {
	case len(p) == len(src):
		return len(p), len(p), nil
	case n < len(src):
		return len(p), len(p), errShortDst
	}
	return len(p), len(p), errShortSrc
}

// utf16Decoder decodes UTF-16 strictly: an unpaired surrogate or an odd
// trailing byte is an error.
type utf16Decoder struct{ be bool }

func (d utf16Decoder) decode(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	unit := func(i int) rune {
		if d.be {
			return rune(src[i])<<8 | rune(src[i+1])
		}
		return rune(src[i+1])<<8 | rune(src[i])
	}
	for nSrc+1 < len(src) {
		r := unit(nSrc)
		if r < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, errShortDst
			}
			dst[nDst] = byte(r)
			nDst++
			nSrc += 2
			continue
		}
		size := 2
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if nSrc+3 >= len(src) {
				if atEOF {
					return nDst, nSrc, invalidBytes("UTF-16 (unpaired surrogate)", src[nSrc:])
				}
				return nDst, nSrc, errShortSrc
			}
			r2 := unit(nSrc + 2)
			if r2 < 0xDC00 || r2 >= 0xE000 {
				return nDst, nSrc, invalidBytes("UTF-16 (unpaired surrogate)", src[nSrc:nSrc+2])
			}
			r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
			size = 4
		case r >= 0xDC00 && r < 0xE000:
			return nDst, nSrc, invalidBytes("UTF-16 (unpaired surrogate)", src[nSrc:nSrc+2])
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, errShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	if nSrc < len(src) {
		if atEOF {
			return nDst, nSrc, invalidBytes("UTF-16 (odd number of bytes)", src[nSrc:])
		}
		return nDst, nSrc, errShortSrc
	}
	return nDst, nSrc, nil
}

// gbDecoder decodes GB18030 strictly. The x/text decoder replaces invalid
// input with U+FFFD and decodes a lone 0x80 as the euro sign (as web
// browsers do); gbDecoder runs it and, when its output holds U+FFFD or its
// input holds 0x80, checks the input character by character and stops at
// the first one that is not GB18030.
type gbDecoder struct {
	t transform.Transformer
}

var (
	utf8FFFD = []byte("\uFFFD")
	gbFFFD   = []byte{0x84, 0x31, 0xA4, 0x37} // U+FFFD in GB18030
)

func (d *gbDecoder) decode(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = d.t.Transform(dst, src, atEOF)
	if err != nil && err != errShortSrc && err != errShortDst {
		return nDst, nSrc, err
	}
	in := src[:nSrc]
	mapped := !bytes.Contains(dst[:nDst], utf8FFFD)
	if mapped && bytes.IndexByte(in, 0x80) < 0 {
		return nDst, nSrc, err
	}
	bad, size := d.firstInvalid(src, nSrc, !mapped)
	if bad < 0 {
		return nDst, nSrc, err
	}
	// Decode again, up to the bad character only.
	d.t.Reset()
	nDst, _, _ = d.t.Transform(dst, in[:bad], true)
	d.t.Reset()
	return nDst, bad, invalidBytes("GB18030", src[bad:bad+size])
}

// firstInvalid returns the offset and length of the first character of p
// starting before limit that is not valid GB18030, or -1. It checks the
// structure of the characters, and only if mapping is set also that each
// decodes to a character other than U+FFFD (which is slow).
func (d *gbDecoder) firstInvalid(p []byte, limit int, mapping bool) (int, int) {
	var one [8]byte
	for i := 0; i < limit; {
		c := p[i]
		if c < 0x80 {
			i++
			continue
		}
		if c == 0x80 || c == 0xFF || i+1 >= len(p) {
			return i, 1
		}
		n := 0
		switch c1 := p[i+1]; {
		case c1 >= 0x40 && c1 <= 0x7E, c1 >= 0x80 && c1 <= 0xFE:
			n = 2
		case c1 >= 0x30 && c1 <= 0x39:
			if i+3 >= len(p) || p[i+2] < 0x81 || p[i+2] > 0xFE || p[i+3] < 0x30 || p[i+3] > 0x39 {
				return i, min(len(p)-i, 4)
			}
			n = 4
		default:
			return i, 2
		}
		ch := p[i : i+n]
		if mapping && !bytes.Equal(ch, gbFFFD) {
			d.t.Reset()
			m, _, err := d.t.Transform(one[:], ch, true)
			if err != nil || utf8.RuneCount(one[:m]) != 1 || bytes.Equal(one[:m], utf8FFFD) {
				return i, n
			}
		}
		i += n
	}
	return -1, 0
}
