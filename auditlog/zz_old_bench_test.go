package auditlog_test

import (
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"sluice"
	"sluice/auditlog"
)

func oldSetSubjects(e *sluice.Event, keys []string) error {
	for _, k := range keys {
		if !sluice.IsSubjectKey(k) {
			return sluice.Errorf(sluice.EINVALID, "%q is not a subject key.", k)
		}
	}
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	e.Subjects, e.SubjectSet = nil, nil
	if len(keys) <= auditlog.MaxInlineSubjects {
		if len(keys) > 0 {
			e.Subjects = keys
		}
		return nil
	}
	hashes, err := oldSubjectSetHashes(keys)
	if err != nil {
		return err
	}
	root, err := tlog.TreeHash(int64(len(keys)), hashes)
	if err != nil {
		return err
	}
	e.SubjectSet = &sluice.SubjectSet{Count: int64(len(keys)), Root: base64.StdEncoding.EncodeToString(root[:]), Keys: keys}
	return nil
}

// oldSubjectHashes is the stored hashes of a subject set's tree, in memory.
type oldSubjectHashes []tlog.Hash

// ReadHashes implements tlog.HashReader.
func (s oldSubjectHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, errors.New("auditlog: hash not in the subject set")
		}
		out[i] = s[x]
	}
	return out, nil
}

// oldSubjectSetHashes returns the stored hashes of the tree over the sorted
// keys, each leaf the key's 64 hex characters.
func oldSubjectSetHashes(keys []string) (oldSubjectHashes, error) {
	hs := make(oldSubjectHashes, 0, tlog.StoredHashCount(int64(len(keys))))
	for i, k := range keys {
		h, err := tlog.StoredHashes(int64(i), []byte(k), hs)
		if err != nil {
			return nil, err
		}
		hs = append(hs, h...)
	}
	return hs, nil
}

func oldProveSubject(keys []string, key string) (*auditlog.SetProof, error) {
	pos, ok := slices.BinarySearch(keys, key)
	if !ok {
		return nil, sluice.Errorf(sluice.ENOTFOUND, "Subject key not in the set.")
	}
	hs, err := oldSubjectSetHashes(keys)
	if err != nil {
		return nil, err
	}
	proof, err := tlog.ProveRecord(int64(len(keys)), int64(pos), hs)
	if err != nil {
		return nil, err
	}
	return &auditlog.SetProof{Position: int64(pos), Proof: proof}, nil
}


func BenchmarkZZOldSetSubjects(b *testing.B) {
	keys := subjectKeys(90_000)
	b.ReportAllocs()
	for b.Loop() {
		var e sluice.Event
		if err := oldSetSubjects(&e, keys); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(keys)*b.N)/b.Elapsed().Seconds(), "keys/s")
}
func BenchmarkZZOldSubjectKeys(b *testing.B) {
	var e sluice.Event
	oldSetSubjects(&e, subjectKeys(90_000))
	b.ReportAllocs()
	for b.Loop() {
		auditlog.SubjectKeys(&e)
	}
}
func BenchmarkZZOldProveSubject(b *testing.B) {
	keys := slices.Sorted(slices.Values(subjectKeys(90_000)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := oldProveSubject(keys, keys[12345]); err != nil {
			b.Fatal(err)
		}
	}
}
