package processing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"time"

	"github.com/sluice-gateway/sluice"
)

//go:embed rules/pipia.json
var pipiaJSON []byte

// legalRef is the reference beside every rule entry.
type legalRef struct {
	Instrument    string `json:"instrument"`
	Article       string `json:"article"`
	Confidence    string `json:"confidence"`
	EffectiveFrom string `json:"effective_from"`
	Note          string `json:"note,omitempty"`
}

func (r legalRef) ref() string { return r.Instrument + " " + r.Article }

func (r legalRef) check(entry string) error {
	switch {
	case r.Instrument == "" || r.Article == "":
		return sluice.Errorf(sluice.EINVALID, "PIPIA rules: %s: instrument and article required.", entry)
	case r.Confidence != "checked" && r.Confidence != "summary" && r.Confidence != "unverified":
		return sluice.Errorf(sluice.EINVALID, "PIPIA rules: %s: confidence %q is not one of checked, summary, unverified.", entry, r.Confidence)
	}
	if _, err := time.Parse(time.DateOnly, r.EffectiveFrom); err != nil {
		return sluice.Errorf(sluice.EINVALID, "PIPIA rules: %s: effective_from %q is not a YYYY-MM-DD date.", entry, r.EffectiveFrom)
	}
	return nil
}

type pipiaFile struct {
	Version     string `json:"version"`
	Description string `json:"description"`
	Keep        struct {
		Years int `json:"years"`
		legalRef
	} `json:"keep"`
	Contents []struct {
		Key  string `json:"key"`
		Text string `json:"text"`
		legalRef
	} `json:"contents"`
	Triggers   []*trigger `json:"triggers"`
	ToComplete []string   `json:"to_complete"`
	Risks      []struct {
		ID        string `json:"id"`
		When      string `json:"when"`
		Threshold int64  `json:"threshold,omitempty"`
		Text      string `json:"text"`
		legalRef
	} `json:"risks"`
}

type trigger struct {
	Kind       string   `json:"kind"`
	Text       string   `json:"text"`
	ToComplete []string `json:"to_complete"`
	legalRef
}

// PIPIARules say which processings need an impact assessment (PIPL Art.
// 55), what it covers and how long it is kept (Art. 56), and the risks
// sluice can see; from rules/pipia.json.
type PIPIARules struct{ file pipiaFile }

// The conditions a risk entry may name, each a fact sluice establishes.
var riskConditions = map[string]bool{"sensitive": true, "minors": true, "subjects_at_least": true, "abroad": true,
	"identified": true, "automated_decision": true, "beyond_purpose": true}

// The processings sluice finds (see [Assessment]).
var assessmentKinds = map[string]bool{"export": true, "provide_sensitive": true, "automated_decision": true}

// DefaultPIPIARules returns the embedded rules (rules/pipia.json).
func DefaultPIPIARules() (*PIPIARules, error) { return LoadPIPIARules(pipiaJSON) }

// LoadPIPIARules parses and checks a rule file: every entry with its
// instrument, article, confidence and effective date; known kinds and
// conditions; a keeping period of at least one year.
func LoadPIPIARules(data []byte) (*PIPIARules, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r PIPIARules
	if err := dec.Decode(&r.file); err != nil {
		return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: %v.", err)
	}
	f := &r.file
	if f.Version == "" {
		return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: version required.")
	}
	if f.Keep.Years < 1 {
		return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: keep: years must be at least 1.")
	}
	if err := f.Keep.check("keep"); err != nil {
		return nil, err
	}
	for _, c := range f.Contents {
		if c.Key == "" || c.Text == "" {
			return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: contents: key and text required.")
		}
		if err := c.check("contents " + c.Key); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, t := range f.Triggers {
		if !assessmentKinds[t.Kind] || seen[t.Kind] {
			return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: trigger kind %q is unknown or listed twice (export, provide_sensitive, automated_decision).", t.Kind)
		}
		seen[t.Kind] = true
		if err := t.check("trigger " + t.Kind); err != nil {
			return nil, err
		}
	}
	for k := range assessmentKinds {
		if !seen[k] {
			return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: no trigger for %s.", k)
		}
	}
	for _, x := range f.Risks {
		if !riskConditions[x.When] {
			return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: risk %s: condition %q is not one sluice knows.", x.ID, x.When)
		}
		if (x.When == "subjects_at_least") != (x.Threshold > 0) {
			return nil, sluice.Errorf(sluice.EINVALID, "PIPIA rules: risk %s: a threshold goes with subjects_at_least, and only there.", x.ID)
		}
		if err := x.check("risk " + x.ID); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func (r *PIPIARules) trigger(kind string) *trigger {
	for _, t := range r.file.Triggers {
		if t.Kind == kind {
			return t
		}
	}
	return nil
}

// risk returns the risks of condition when, naming fields.
func (r *PIPIARules) risk(when string, fields []string) []Risk {
	var out []Risk
	for _, x := range r.file.Risks {
		if x.When == when {
			out = append(out, Risk{ID: x.ID, Text: x.Text, Ref: x.ref(), Fields: fields})
		}
	}
	return out
}

// volume returns the risks of scale that n people reach.
func (r *PIPIARules) volume(n int64) []Risk {
	var out []Risk
	for _, x := range r.file.Risks {
		if x.When == "subjects_at_least" && n >= x.Threshold {
			out = append(out, Risk{ID: x.ID, Text: x.Text, Ref: x.ref()})
		}
	}
	return out
}

// KeepYears is how many years an assessment is kept (Art. 56 ¶2).
func (r *PIPIARules) KeepYears() int { return r.file.Keep.Years }
