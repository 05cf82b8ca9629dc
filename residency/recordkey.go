package residency

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"

	"github.com/sluice-gateway/sluice"
)

// recordKeyLabel separates record keys from every other key derived from
// the subject-key secret.
const recordKeyLabel = "sluice record key v1"

// A recordKeyer computes the keys of records by a dataset's key field: an
// HMAC-SHA-256 of the field's value, so that a key (an order number, a
// trip id) is never stored in the clear beside the record.
type recordKeyer struct {
	field string
	mac   hash.Hash
	index int
	names []string
}

func newRecordKeyer(field string, secret []byte) *recordKeyer {
	k := hmac.New(sha256.New, secret)
	k.Write([]byte(recordKeyLabel))
	return &recordKeyer{field: field, mac: hmac.New(sha256.New, k.Sum(nil)), index: -1}
}

// key returns the record's key, or EINVALID naming the line if the
// record lacks the key field or leaves it empty.
func (k *recordKeyer) key(rec *sluice.InputRecord) (string, error) {
	if len(rec.Names) != len(k.names) || len(rec.Names) > 0 && &rec.Names[0] != &k.names[0] {
		k.names, k.index = rec.Names, -1
		for i, name := range rec.Names {
			if name == k.field {
				k.index = i
			}
		}
	}
	if k.index < 0 || rec.Values[k.index] == "" {
		return "", &sluice.Error{Code: sluice.EINVALID, Line: rec.Line, Field: k.field,
			Message: "line " + strconv.Itoa(rec.Line) + ", field \"" + k.field + "\": the dataset's key field is missing or empty, so the record cannot replace an earlier one."}
	}
	k.mac.Reset()
	k.mac.Write([]byte(rec.Values[k.index]))
	return hex.EncodeToString(k.mac.Sum(nil)), nil
}
