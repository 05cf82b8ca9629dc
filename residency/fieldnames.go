package residency

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/classify"
)

// Field names go into the audit log and the field catalogue, so they must
// never be identifiers of people: a JSONL file keyed by phone number would
// otherwise put the numbers there. Only validators with a checksum or a
// strict structure decide (not the name heuristics, which match ordinary
// headers such as "phone").

// identifierName returns what kind of identifier name is, if a validator
// accepts it or one of its dotted segments.
func identifierName(name string) (kind string, ok bool) {
	if kind, ok := identifierKind(name); ok {
		return kind, true
	}
	if strings.Contains(name, ".") {
		for seg := range strings.SplitSeq(name, ".") {
			if kind, ok := identifierKind(seg); ok {
				return kind, true
			}
		}
	}
	return "", false
}

func identifierKind(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	digits := string(sluice.AppendNormalizedIdentifier(nil, s)) // phone punctuation and +86 dropped
	switch {
	case classify.ValidResidentID(strings.ToUpper(s)):
		return "a resident ID number", true
	case classify.ValidMobile(digits):
		return "a mobile number", true
	case classify.ValidEmail(s):
		return "an e-mail address", true
	case classify.ValidBankCard(digits) || classify.ValidCreditCard(digits):
		return "a card number", true
	case validIBAN(s):
		return "an IBAN", true
	}
	return "", false
}

// validIBAN reports whether s (spaces allowed) is an IBAN: a country code,
// two check digits and up to 30 letters and digits, whose ISO 7064 MOD
// 97-10 remainder is 1.
func validIBAN(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) < 15 || len(s) > 34 || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	r := 0
	for _, c := range []byte(s[4:] + s[:4]) {
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case isUpper(c):
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return r == 1
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// fieldAllowance is the room the ingest event takes per field beyond its
// name: the name again as the key of its categories, and a few category
// keys.
const fieldAllowance = 64

// eventBase is the room the ingest event takes beyond its fields.
const eventBase = 1024

// A fieldSet collects the field names of an ingest and checks them as
// they appear: none may be an identifier, and all of them must fit in the
// ingest's one audit entry (sluice.MaxEventSize).
type fieldSet struct {
	seen map[string]bool
	size int // the room the ingest event needs so far
}

// add checks the names of a record on line (its header for CSV) and
// records the new ones.
func (fs *fieldSet) add(names []string, line int) error {
	if fs.seen == nil {
		fs.seen, fs.size = map[string]bool{}, eventBase
	}
	for i, name := range names {
		if fs.seen[name] {
			continue
		}
		if kind, ok := identifierName(name); ok {
			// The name is never repeated: it is what must stay out.
			return &sluice.Error{Code: sluice.EINVALID, Line: line,
				Message: "line " + strconv.Itoa(line) + ", field " + strconv.Itoa(i+1) + ": the field's name is " + kind +
					", an identifier of a person; sluice keeps identifiers out of field names and the audit log. Rename the field, or nest such values under an ordinary name."}
		}
		b, _ := json.Marshal(name)
		fs.seen[name] = true
		fs.size += 2*len(b) + fieldAllowance
		if fs.size > sluice.MaxEventSize {
			return &sluice.Error{Code: sluice.EINVALID, Line: line,
				Message: "line " + strconv.Itoa(line) + ": the dataset has more fields (" + strconv.Itoa(len(fs.seen)) + " so far) than one audit entry of " +
					strconv.Itoa(sluice.MaxEventSize) + " bytes can list (each field takes its name twice and " + strconv.Itoa(fieldAllowance) +
					" bytes); split it into datasets with fewer fields."}
		}
	}
	return nil
}
