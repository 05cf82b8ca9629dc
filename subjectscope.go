package sluice

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Subject keys are scoped per org: the key of a person in an org is
// HMAC-SHA-256, under a secret of that org's own, of the person's
// server-wide key (see [SubjectKeyer]); the org's secret is derived from
// the server's master secret and the org's id. A person's key in one org
// says nothing about their key in another, and nobody without the master
// secret can tell whether two orgs' keys are the same person's.

// ActionSubjectKeysRescope is the audit action of the one-off change of
// every stored subject key to its org-scoped form.
const ActionSubjectKeysRescope = "subject_keys.rescope"

// OrgSubjectSecret returns the secret under which org orgID's subject keys
// are derived from the server's master secret.
func OrgSubjectSecret(master []byte, orgID int64) []byte {
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("sluice subject key scope v1\x00"))
	mac.Write(strconv.AppendInt(nil, orgID, 10))
	return mac.Sum(nil)
}

// A SubjectScoper turns server-wide subject keys into org-scoped ones.
// It is not safe for concurrent use.
type SubjectScoper struct {
	master []byte
	orgs   map[int64][]byte
	buf    [sha256.Size]byte
	sum    []byte
}

// NewSubjectScoper returns a SubjectScoper for the master secret.
func NewSubjectScoper(master []byte) *SubjectScoper {
	return &SubjectScoper{master: master, orgs: map[int64][]byte{}}
}

// Scope returns org orgID's subject key for key, a server-wide subject
// key, or "" if key is not a subject key.
func (s *SubjectScoper) Scope(orgID int64, key string) string {
	if !IsSubjectKey(key) {
		return ""
	}
	hex.Decode(s.buf[:], []byte(key))
	return hex.EncodeToString(s.ScopeBytes(orgID, s.buf[:]))
}

// ScopeBytes returns org orgID's subject key for key, a server-wide
// subject key's 32 bytes, as its 32 bytes. The result is valid until the
// next call.
func (s *SubjectScoper) ScopeBytes(orgID int64, key []byte) []byte {
	secret, ok := s.orgs[orgID]
	if !ok {
		secret = OrgSubjectSecret(s.master, orgID)
		s.orgs[orgID] = secret
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(key)
	s.sum = mac.Sum(s.sum[:0])
	return s.sum
}

// NewOrgSubjectKeyer returns a SubjectKeyer whose keys are org orgID's:
// the org-scoped form of the server-wide key of each identifier.
func NewOrgSubjectKeyer(master []byte, orgID int64) *SubjectKeyer {
	k := NewSubjectKeyer(master)
	k.scope = newKeyMAC(OrgSubjectSecret(master, orgID))
	return k
}
