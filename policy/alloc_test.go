package policy_test

import (
	"testing"

	"github.com/sluice-gateway/sluice/policy"
)

// TestEngine_DecideField_NoAlloc holds the hot path to zero allocations:
// the per-field decision, the per-record consent check and the operators.
func TestEngine_DecideField_NoAlloc(t *testing.T) {
	eng := policy.NewEngine(mustRules(t), benchGrants(t, 100), nil)
	req := benchRequest(100)
	consent := policy.Consent{Kind: policy.ConsentSeparate}
	if n := testing.AllocsPerRun(100, func() {
		d := eng.DecideField(req, &benchPhone)
		d.Admits(consent, req.Now)
	}); n != 0 {
		t.Errorf("DecideField+Admits: %v allocs", n)
	}
	p := eng.Plan(req, []policy.Field{benchPhone})
	if n := testing.AllocsPerRun(100, func() { p.Withheld(consent) }); n != 0 {
		t.Errorf("Withheld: %v allocs", n)
	}
	k := policy.NewPseudonymizer([]byte("s"), 1)
	buf := make([]byte, 0, 256)
	for _, s := range []string{"clear", "mask(3,4)", "mask(1,1)", "mask(1,0,domain)", "pseudonym", "generalize(year)", "generalize(1km)", "generalize(band10)"} {
		op := mustOp(t, s)
		for _, v := range []string{"13812345678", "张三丰", "a@b.cn", "22.543096,114.057865", "1990-05-17", "34"} {
			vb := []byte(v)
			if n := testing.AllocsPerRun(50, func() {
				buf, _ = op.AppendString(buf[:0], v, k)
				buf, _ = op.Append(buf[:0], vb, k)
			}); n != 0 {
				t.Errorf("%s on %q: %v allocs", s, v, n)
			}
		}
	}
}
