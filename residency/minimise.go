package residency

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// A minimiser applies an org's minimisation mode to one ingest. The
// pipeline classifies the first batch of records before it writes any,
// asks which fields are excess, and then drops them from every record
// (strip), refuses the upload without writing a record (reject), or keeps
// them and counts (warn). Once every record is read it checks again: a
// field found excess only later refuses a strip or reject ingest, which
// is then undone whole.
type minimiser struct {
	mode    sluice.MinimisationMode
	appType string
	check   func(fields []*sluice.Field) ([]sluice.Excess, error)

	decided  bool
	excess   []sluice.Excess
	excessAt []int // positions of the excess fields in the current names
	strip    map[string]bool
	subjects map[[sha256.Size]byte]struct{}
}

// minimise returns the minimiser of an ingest into d, or nil if d
// declares no app type or the server has no Minimiser.
func (s *RecordService) minimise(ctx context.Context, d *sluice.Dataset) (*minimiser, error) {
	if s.Minimiser == nil || d.AppType == "" {
		return nil, nil
	}
	mode := sluice.DefaultMinimisationMode
	if s.Settings != nil {
		st, err := s.Settings.FindSettings(ctx, d.OrgID)
		if err != nil {
			return nil, fmt.Errorf("org settings: %w", err)
		}
		mode = st.Minimisation
	}
	var cats []string
	if s.Purposes != nil {
		p, err := s.Purposes.FindPurposeByName(ctx, d.OrgID, d.Purpose)
		if err == nil {
			cats = p.Categories
		} else if sluice.ErrorCode(err) != sluice.ENOTFOUND {
			return nil, fmt.Errorf("purpose: %w", err)
		}
	}
	known := d.Fields
	m := &minimiser{mode: mode, appType: d.AppType, strip: map[string]bool{}, subjects: map[[sha256.Size]byte]struct{}{}}
	m.check = func(observed []*sluice.Field) ([]sluice.Excess, error) {
		present := map[string]bool{}
		for _, f := range observed {
			present[f.Name] = true
		}
		all := sluice.MergeFields(known, observed)
		all = slices.DeleteFunc(all, func(f *sluice.Field) bool { return !present[f.Name] })
		return s.Minimiser.Excess(d.AppType, cats, all)
	}
	return m, nil
}

// decide fixes the excess fields from the fields observed so far.
func (m *minimiser) decide(observed []*sluice.Field) error {
	ex, err := m.check(observed)
	if err != nil {
		return err
	}
	m.decided, m.excess = true, ex
	if m.mode == sluice.MinimisationStrip {
		for _, name := range sluice.ExcessFieldNames(ex) {
			m.strip[name] = true
		}
	}
	return nil
}

// count notes the subject of a record with a value in an excess field.
func (m *minimiser) count(names, values []string, subject *[sha256.Size]byte) {
	for i, name := range names {
		if values[i] != "" && m.isExcess(name) {
			m.subjects[*subject] = struct{}{}
			return
		}
	}
}

func (m *minimiser) isExcess(name string) bool {
	for _, e := range m.excess {
		if e.Field == name {
			return true
		}
	}
	return false
}

// keep returns names and values without the stripped fields, in buf.
func (m *minimiser) keep(names, values []string, buf *[2][]string) ([]string, []string) {
	if len(m.strip) == 0 {
		return names, values
	}
	n, v := buf[0][:0], buf[1][:0]
	for i, name := range names {
		if !m.strip[name] {
			n, v = append(n, name), append(v, values[i])
		}
	}
	buf[0], buf[1] = n, v
	return n, v
}

// finish checks the fields of the whole upload: excess found only after
// the first batch refuses a strip or reject ingest.
func (m *minimiser) finish(observed []*sluice.Field) error {
	ex, err := m.check(observed)
	if err != nil {
		return err
	}
	var late []sluice.Excess
	for _, e := range ex {
		if !m.isExcess(e.Field) {
			late = append(late, e)
		}
	}
	if len(late) == 0 {
		return nil
	}
	if m.mode == sluice.MinimisationWarn {
		m.excess = append(m.excess, late...)
		return nil
	}
	return sluice.Errorf(sluice.EINVALID, "Ingest refused: %s found beyond the first %d records, too late to %s them; nothing was stored. Send the upload again, or without those fields.",
		describeExcess(late), batchSize, m.mode)
}

// refusal is the error of a rejected ingest.
func (m *minimiser) refusal() error {
	return sluice.Errorf(sluice.EINVALID, "Ingest refused: %s; %d people affected. Nothing was stored.", describeExcess(m.excess), len(m.subjects))
}

// describeExcess lists excess fields with their categories and reference.
func describeExcess(ex []sluice.Excess) string {
	var b strings.Builder
	names := sluice.ExcessFieldNames(ex)
	fmt.Fprintf(&b, "%d field(s) hold personal information beyond the necessary scope of app type %q (%s): ", len(names), ex[0].AppType, ex[0].Ref)
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		var cats []string
		for _, e := range ex {
			if e.Field == name {
				cats = append(cats, e.Category)
			}
		}
		fmt.Fprintf(&b, "%s (%s)", name, strings.Join(cats, ", "))
	}
	return b.String()
}

// result is what the check found and did.
func (m *minimiser) result() *sluice.Minimisation {
	r := &sluice.Minimisation{Mode: m.mode, AppType: m.appType, Excess: m.excess, Subjects: int64(len(m.subjects))}
	if r.Excess == nil {
		r.Excess = []sluice.Excess{}
	}
	for _, name := range sluice.ExcessFieldNames(m.excess) {
		if m.strip[name] {
			r.Stripped = append(r.Stripped, name)
		}
	}
	return r
}
