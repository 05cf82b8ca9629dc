package recordio

import (
	"bytes"
	"fmt"
)

// Delimiters are the field delimiters [SniffDelimiter] chooses between, in
// the order it prefers them on a tie: comma, semicolon (what spreadsheets
// write where the comma is the decimal mark: German, French, Polish
// exports), tab and pipe.
var Delimiters = []byte{',', ';', '\t', '|'}

// sniffRecords is how many records of the first bytes SniffDelimiter reads.
const sniffRecords = 50

// SniffDelimiter returns the field delimiter of delimited text whose first
// bytes are p (the first [DetectPrefixBytes] of it decide, decoded to
// UTF-8; a byte-order mark is skipped). It counts each candidate outside
// double quotes in every record, and picks the one whose count in the
// header is repeated by the most records; on a tie, the one with more
// fields, then the earlier in [Delimiters]. Text in which none of them
// appears in the header is comma-separated. Scan and ingest read a file
// with the delimiter this returns unless one is given.
func SniffDelimiter(p []byte) byte {
	if len(p) > DetectPrefixBytes {
		p = p[:DetectPrefixBytes]
	}
	p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
	var counts [sniffRecords][4]int
	n := 0
	var cur [4]int
	inQuote := false
	complete := false
	for i := 0; i < len(p) && n < sniffRecords; i++ {
		c := p[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n':
			counts[n] = cur
			n++
			cur = [4]int{}
			complete = true
			continue
		default:
			for k, d := range Delimiters {
				if c == d {
					cur[k]++
				}
			}
		}
		complete = false
	}
	if !complete && n < sniffRecords && !inQuote && len(p) < DetectPrefixBytes {
		// The whole text was given: its last line is a record too.
		counts[n] = cur
		n++
	}
	if n == 0 {
		return ','
	}
	best, bestAgree, bestFields := -1, 0, 0
	for k := range Delimiters {
		h := counts[0][k]
		if h == 0 {
			continue
		}
		agree := 0
		for r := 1; r < n; r++ {
			if counts[r][k] == h {
				agree++
			}
		}
		if best < 0 || agree > bestAgree || agree == bestAgree && h > bestFields {
			best, bestAgree, bestFields = k, agree, h
		}
	}
	if best < 0 {
		return ','
	}
	return Delimiters[best]
}

// ParseDelimiter returns the delimiter named by s: one of the
// [Delimiters] as itself, or by name ("comma", "semicolon", "tab", "\t",
// "pipe"); "" and "auto" return 0, which means sniff it.
func ParseDelimiter(s string) (byte, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "\t", `\t`, "tab":
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	}
	return 0, &Error{Kind: KindUnsupported, Msg: fmt.Sprintf("unsupported delimiter %q (want comma, semicolon, tab, pipe or auto)", s)}
}
