package sluice

import "regexp"

// A Region is a jurisdiction whose data must stay in its own record store,
// written as a short upper-case code such as "CN" or "EU".
type Region string

// DefaultRegions are the regions sluice knows out of the box. Operators add
// more by configuration.
var DefaultRegions = []Region{"CN", "EU", "US"}

var regionRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,15}$`)

// Validate returns EINVALID unless r is a well-formed region code.
func (r Region) Validate() error {
	if !regionRE.MatchString(string(r)) {
		return Errorf(EINVALID, "Region %q is not a region code (2-16 upper-case letters, digits or _, e.g. CN).", string(r))
	}
	return nil
}
