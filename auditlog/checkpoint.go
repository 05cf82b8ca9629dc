package auditlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A Checkpoint is a signed statement of the log's tree at one size, per
// C2SP tlog-checkpoint: the origin line, the tree size and the root hash.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash

	// Note is the signed note the checkpoint was read from, as served.
	Note []byte
}

// String returns the summary that sluice verify prints.
func (c *Checkpoint) String() string {
	return fmt.Sprintf("size=%d root=%s", c.Size, c.Root)
}

// FormatCheckpoint returns the note text of a checkpoint: origin, size and
// base64 root hash, each on its own line.
func FormatCheckpoint(origin string, size int64, root tlog.Hash) []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// ParseCheckpoint parses the text of a checkpoint note (without its
// signatures). It is strict: a non-empty origin, a size in decimal with no
// leading zeros, a root of exactly 32 bytes in standard base64, and
// optional extension lines, which must not be empty and are ignored.
func ParseCheckpoint(text []byte) (*Checkpoint, error) {
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, errors.New("checkpoint: text does not end in a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint: %d lines, want at least 3 (origin, size, root)", len(lines))
	}
	for i, l := range lines {
		if l == "" {
			return nil, fmt.Errorf("checkpoint: line %d is empty", i+1)
		}
	}
	origin := lines[0]
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return nil, fmt.Errorf("checkpoint: tree size %q is not a decimal number without leading zeros", lines[1])
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return nil, fmt.Errorf("checkpoint: root hash %q is not 32 bytes in base64", lines[2])
	}
	c := &Checkpoint{Origin: origin, Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// OpenCheckpoint verifies a signed checkpoint note with v and parses it.
// Signatures by other keys are ignored, as the signed-note spec says; at
// least one by v must verify.
func OpenCheckpoint(msg []byte, v note.Verifier) (*Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			return nil, fmt.Errorf("checkpoint is not signed by %s", v.Name())
		}
		return nil, fmt.Errorf("checkpoint signature: %w", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return nil, err
	}
	c.Note = msg
	return c, nil
}

// signCheckpoint returns the signed checkpoint of a tree.
func signCheckpoint(k *Key, size int64, root tlog.Hash) (*Checkpoint, error) {
	text := FormatCheckpoint(k.Origin(), size, root)
	msg, err := note.Sign(&note.Note{Text: string(text)}, k.Signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return &Checkpoint{Origin: k.Origin(), Size: size, Root: root, Note: msg}, nil
}

// A Key is the log's Ed25519 note key. Its name is the log's origin.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier

	// VerifierKey is the public key in note format
	// (name+hash+base64), what verifiers are given.
	VerifierKey string
}

// Origin returns the log's origin: the key's name.
func (k *Key) Origin() string { return k.Signer.Name() }

// GenerateKey makes a new Ed25519 note key named origin and returns it in
// the note package's private key format ("PRIVATE+KEY+…"), to be kept
// secret.
func GenerateKey(origin string) (string, error) {
	if err := CheckOrigin(origin); err != nil {
		return "", err
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	return skey, err
}

// ParseKey parses a private key made by GenerateKey.
func ParseKey(skey string) (*Key, error) {
	skey = strings.TrimSpace(skey)
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	// PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 || seed>
	f := strings.SplitN(skey, "+", 5) // the base64 may hold '+' too
	raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("log key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return &Key{Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}

// CheckOrigin returns an error unless origin can name a log: non-empty,
// printable, without spaces or '+' (it is also the key's name).
func CheckOrigin(origin string) error {
	if origin == "" {
		return errors.New("log origin is empty")
	}
	for _, r := range origin {
		if unicode.IsSpace(r) || r == '+' || !unicode.IsPrint(r) {
			return fmt.Errorf("log origin %q has a space, '+' or unprintable character", origin)
		}
	}
	return nil
}
