package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/sluice-gateway/sluice"
)

//go:embed rules/public_data_classes.json
var classesJSON []byte

// A DataClass is a sharing or opening class of public data and what it
// demands, with its legal reference.
type DataClass struct {
	Class              string `json:"class"`
	Requestable        bool   `json:"requestable,omitempty"`
	NeedsApproval      bool   `json:"needs_approval,omitempty"`
	NeedsJustification bool   `json:"needs_justification"`
	NeedsConditions    bool   `json:"needs_conditions,omitempty"`
	Text               string `json:"text"`
	Ref                string `json:"ref"`
}

// PublicDataClasses are the classes of public data
// (rules/public_data_classes.json) and the classes a new dataset starts
// with.
type PublicDataClasses struct {
	Version string      `json:"version"`
	Sharing []DataClass `json:"sharing"`
	Opening []DataClass `json:"opening"`
	// ExemptConsumers are the kinds of org whose requests the classes do
	// not limit: authorities ask under their own rules.
	ExemptConsumers struct {
		Kinds []sluice.OrgKind `json:"kinds"`
		Text  string           `json:"text"`
		Ref   string           `json:"ref"`
	} `json:"exempt_consumers"`
	Defaults struct {
		PublicBody sluice.CatalogEntry `json:"public_body"`
		Other      sluice.CatalogEntry `json:"other"`
	} `json:"defaults"`
}

// DefaultClasses returns the classes embedded in sluice.
func DefaultClasses() (*PublicDataClasses, error) {
	var c PublicDataClasses
	dec := json.NewDecoder(bytes.NewReader(classesJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("policy/rules/public_data_classes.json: %w", err)
	}
	for _, e := range []sluice.CatalogEntry{c.Defaults.PublicBody, c.Defaults.Other} {
		if err := c.Check(&e); err != nil {
			return nil, fmt.Errorf("policy/rules/public_data_classes.json: default %s/%s: %w", e.Sharing, e.Opening, err)
		}
	}
	return &c, nil
}

func find(list []DataClass, class string) *DataClass {
	for i := range list {
		if list[i].Class == class {
			return &list[i]
		}
	}
	return nil
}

// SharingClass returns the sharing class named class, or nil.
func (c *PublicDataClasses) SharingClass(class string) *DataClass { return find(c.Sharing, class) }

// OpeningClass returns the opening class named class, or nil.
func (c *PublicDataClasses) OpeningClass(class string) *DataClass { return find(c.Opening, class) }

// Check returns EINVALID, naming the field, unless e's classes are known
// and it carries the justification, legal basis and conditions they
// demand.
func (c *PublicDataClasses) Check(e *sluice.CatalogEntry) error {
	if err := e.CheckForm(); err != nil {
		return err
	}
	sh, op := c.SharingClass(e.Sharing), c.OpeningClass(e.Opening)
	if sh == nil || op == nil {
		return &sluice.Error{Code: sluice.EINVALID, Field: "sharing", Message: "Unknown class."}
	}
	for _, k := range []*DataClass{sh, op} {
		kind := "sharing"
		if k == op {
			kind = "opening"
		}
		if k.NeedsJustification && e.Justification == "" {
			return &sluice.Error{Code: sluice.EINVALID, Field: "justification", Message: fmt.Sprintf("%s %q needs a justification (%s).", kind, k.Class, k.Ref)}
		}
		if k.NeedsJustification && e.LegalBasis == "" {
			return &sluice.Error{Code: sluice.EINVALID, Field: "legal_basis", Message: fmt.Sprintf("%s %q needs a legal basis (%s).", kind, k.Class, k.Ref)}
		}
		if k.NeedsConditions && e.Conditions == "" {
			return &sluice.Error{Code: sluice.EINVALID, Field: "conditions", Message: fmt.Sprintf("%s %q needs its conditions stated (%s).", kind, k.Class, k.Ref)}
		}
	}
	return nil
}

// Default returns the entry a dataset of an org starts with.
func (c *PublicDataClasses) Default(owner *sluice.Org, datasetID int64) *sluice.CatalogEntry {
	e := c.Defaults.Other
	if owner != nil && owner.PublicBody {
		e = c.Defaults.PublicBody
	}
	e.DatasetID, e.Default = datasetID, true
	return &e
}
