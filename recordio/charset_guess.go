package recordio

// # Telling GB18030 from Latin-1
//
// Almost any Western European text in windows-1252 (Latin-1) that is not
// UTF-8 also decodes as GB18030: an accented letter followed by an ASCII
// letter ("Mü" is 0x4D 0xFC 0x6C…) is a valid two-byte GB18030 character,
// of the rare kind. Chinese text is the other way round: nearly all of its
// two-byte characters lie in the GB2312 block (both bytes 0xA1–0xFE). So,
// without a charset given, text that is not UTF-8 is GB18030 when it
// decodes as GB18030 and its two-byte characters are mostly GB2312 ones;
// else windows-1252 when it reads as windows-1252 letters next to ASCII
// letters; else GB18030 if it decodes as GB18030 at all; else an error.

// gbPlausible reports whether p, valid GB18030, reads as Chinese text:
// at least 90% of its two-byte characters are in the GB2312 block.
func gbPlausible(p []byte) bool {
	var pairs, gb2312 int
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x80 {
			continue
		}
		if i+1 >= len(p) {
			break
		}
		t := p[i+1]
		if t >= 0x30 && t <= 0x39 { // four-byte character
			i += 3
			continue
		}
		pairs++
		if c >= 0xA1 && c <= 0xF7 && t >= 0xA1 && t <= 0xFE {
			gb2312++
		}
		i++
	}
	return pairs > 0 && gb2312*10 >= pairs*9
}

// latin1Plausible reports whether p reads as windows-1252 text: no byte
// that windows-1252 leaves undefined, and at least half of its accented
// letters (0xC0–0xFF but × and ÷) next to an ASCII letter, as in
// "Müller", "Straße", "café".
func latin1Plausible(p []byte) bool {
	var letters, inWords int
	for i, c := range p {
		switch {
		case c < 0x80:
			continue
		case c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D:
			return false
		case c < 0xC0 || c == 0xD7 || c == 0xF7:
			continue // punctuation, symbols, no-break space
		}
		letters++
		if i > 0 && asciiLetter(p[i-1]) || i+1 < len(p) && asciiLetter(p[i+1]) {
			inWords++
		}
	}
	return letters > 0 && inWords*2 >= letters
}

func asciiLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
