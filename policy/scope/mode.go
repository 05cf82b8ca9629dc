package scope

import (
	"github.com/sluice-gateway/sluice"
)

// A Mode says what an organisation does with the excess [Provisions.Check]
// finds in data it ingests.
type Mode string

// Modes.
const (
	// Warn stores the records as sent and reports the excess fields.
	Warn Mode = "warn"
	// Strip drops the excess fields from each record before it is
	// stored, and records that it did.
	Strip Mode = "strip"
	// Reject refuses the ingest and answers with the excess fields.
	Reject Mode = "reject"
)

// DefaultMode is the mode of an organisation that has not chosen one: it
// reports without changing what is stored.
const DefaultMode = Warn

// Modes lists the modes in order of severity.
var Modes = []Mode{Warn, Strip, Reject}

// ParseMode returns the mode named s: "warn", "strip" or "reject". The
// empty string is an error: use [DefaultMode] for an unset mode.
func ParseMode(s string) (Mode, error) {
	m := Mode(s)
	if err := m.Validate(); err != nil {
		return "", err
	}
	return m, nil
}

// Validate returns EINVALID unless m is one of [Modes].
func (m Mode) Validate() error {
	switch m {
	case Warn, Strip, Reject:
		return nil
	case "":
		return sluice.Errorf(sluice.EINVALID, "Minimisation mode required: warn, strip or reject.")
	}
	return sluice.Errorf(sluice.EINVALID, "Minimisation mode %q is not warn, strip or reject.", string(m))
}

// String returns the mode's name.
func (m Mode) String() string { return string(m) }

// MarshalText encodes a valid mode as its name.
func (m Mode) MarshalText() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return []byte(m), nil
}

// UnmarshalText parses a mode's name, as [ParseMode] does.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
