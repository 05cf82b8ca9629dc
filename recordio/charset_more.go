package recordio

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// More charsets: Big5 (Traditional Chinese) and Latin-1, read as the
// WHATWG encoding standard reads "latin1" (windows-1252).
const (
	CharsetBig5   Charset = "big5"
	CharsetLatin1 Charset = "latin1"
)

// charsetByName resolves a name the WHATWG encoding standard knows (its
// labels, through golang.org/x/text/encoding/htmlindex) to a charset
// sluice reads, or "" if it reads none under that name.
func charsetByName(name string) Charset {
	enc, err := htmlindex.Get(name)
	if err != nil {
		return ""
	}
	canonical, err := htmlindex.Name(enc)
	if err != nil {
		return ""
	}
	switch canonical {
	case "utf-8":
		return CharsetUTF8
	case "utf-16le":
		return CharsetUTF16LE
	case "utf-16be":
		return CharsetUTF16BE
	case "gbk", "gb18030":
		return CharsetGB18030
	case "big5":
		return CharsetBig5
	case "windows-1252":
		return CharsetLatin1
	}
	return ""
}

// latin1Decoder decodes windows-1252, in which every byte is a character.
type latin1Decoder struct{}

func (latin1Decoder) decode(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst == len(dst) {
				return nDst, nSrc, errShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r := charmap.Windows1252.DecodeByte(c)
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, errShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc++
	}
	return nDst, nSrc, nil
}

// big5Decoder decodes Big5 strictly: it stops at the first byte sequence
// that is not a Big5 character instead of writing U+FFFD for it.
type big5Decoder struct {
	t transform.Transformer
}

func newBig5Decoder() *big5Decoder {
	return &big5Decoder{t: traditionalchinese.Big5.NewDecoder()}
}

func (d *big5Decoder) decode(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = d.t.Transform(dst, src, atEOF)
	if err != nil && err != errShortSrc && err != errShortDst {
		return nDst, nSrc, err
	}
	if !bytes.Contains(dst[:nDst], utf8FFFD) {
		return nDst, nSrc, err
	}
	// Find the first character that decodes to U+FFFD, and decode up to
	// it only.
	var one [8]byte
	for i := 0; i < nSrc; {
		n := 1
		if src[i] >= 0x81 && src[i] <= 0xFE && i+1 < len(src) {
			n = 2
		}
		d.t.Reset()
		m, _, _ := d.t.Transform(one[:], src[i:i+n], true)
		if src[i] >= 0x80 && (n == 1 || bytes.Contains(one[:m], utf8FFFD)) {
			d.t.Reset()
			nDst, _, _ = d.t.Transform(dst, src[:i], true)
			d.t.Reset()
			return nDst, i, invalidBytes("Big5", src[i:i+n])
		}
		i += n
	}
	return nDst, nSrc, err
}

// utf16WithoutBOM reports the byte order of text that looks like UTF-16
// without a byte-order mark: most of its first characters are ASCII, so
// every other byte is zero (the odd bytes in little-endian order, the even
// ones in big-endian) and the others are not.
func utf16WithoutBOM(p []byte) (Charset, bool) {
	n := min(len(p), 4096) &^ 1
	if n < 8 {
		return "", false
	}
	var zeros [2]int
	for i := 0; i < n; i++ {
		if p[i] == 0 {
			zeros[i&1]++
		}
	}
	pairs := n / 2
	switch {
	case 10*zeros[1] >= 3*pairs && 20*zeros[0] < pairs:
		return CharsetUTF16LE, true
	case 10*zeros[0] >= 3*pairs && 20*zeros[1] < pairs:
		return CharsetUTF16BE, true
	}
	return "", false
}

// charsetNames lists the names ParseCharset accepts, for its error.
var charsetNames = strings.Join([]string{"auto", string(CharsetUTF8), string(CharsetUTF16LE), string(CharsetUTF16BE), string(CharsetGB18030), string(CharsetBig5), string(CharsetLatin1)}, ", ")
