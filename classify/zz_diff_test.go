package classify_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/classify"
	"sluice/classify/internal/evalgen"
	old "sluice/classify/internal/zzold"
)

type col struct {
	name string
	vals []string
}

func diffInputs(t *testing.T) []col {
	var cols []col
	files, _ := filepath.Glob("testdata/eval/*.csv")
	var buf bytes.Buffer
	evalgen.WriteBench(&buf, 2<<20, 7)
	add := func(name string, data []byte) {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(name, err)
		}
		for c := range recs[0] {
			cl := col{name: recs[0][c]}
			for _, r := range recs[1:] {
				if c < len(r) {
					cl.vals = append(cl.vals, r[c])
				}
			}
			cols = append(cols, cl)
		}
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		add(f, data)
	}
	add("bench", buf.Bytes())
	return cols
}

var seps = []string{" ", ",", "，", "-", ":", "", "号", "a", "_", ".", "@", "(", ")", "+", "\t", "·", "市", "/", "X", "x"}

func mutate(r *rand.Rand, pool []string) string {
	var b strings.Builder
	for k := r.IntN(4) + 1; k > 0; k-- {
		b.WriteString(pool[r.IntN(len(pool))])
		if k > 1 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
	}
	s := []byte(b.String())
	for k := r.IntN(4); k > 0 && len(s) > 0; k-- {
		i := r.IntN(len(s))
		switch r.IntN(5) {
		case 0:
			s[i] = byte('0' + r.IntN(10))
		case 1:
			s[i] = "+-.:@ (),xX_AaZz"[r.IntN(16)]
		case 2:
			s = append(s[:i], s[i+1:]...)
		case 3:
			s = append(s[:i], append([]byte{byte('0' + r.IntN(10))}, s[i:]...)...)
		case 4:
			if i+1 < len(s) {
				s = s[:i+1+r.IntN(len(s)-i-1)]
			}
		}
	}
	return string(s)
}

func TestZZDiff(t *testing.T) {
	cols := diffInputs(t)
	var pool []string
	for _, c := range cols {
		pool = append(pool, c.vals...)
	}
	r := rand.New(rand.NewPCG(1, 2))
	n := 400000
	if s := os.Getenv("ZZN"); s != "" {
		fmt.Sscan(s, &n)
	}
	var mut []string
	for i := 0; i < n; i++ {
		mut = append(mut, mutate(r, pool))
	}
	// FindAll.
	bad := 0
	for _, v := range append(pool, mut...) {
		a, _ := json.Marshal(classify.FindAll(v))
		b, _ := json.Marshal(old.FindAll(v))
		if !bytes.Equal(a, b) {
			bad++
			if bad < 10 {
				t.Errorf("FindAll(%q) = %s, old %s", v, a, b)
			}
		}
	}
	// Scanner counts.
	nc, oc := classify.DefaultCatalog(), old.DefaultCatalog()
	classify.DebugSetSeed(nc, old.DebugSeed(oc))
	headers := []string{"x", "device_id", "纬度", "lng", "religion", "民族", "birthday", "phone", "身份证号", "remark"}
	for _, h := range headers {
		for k := 0; k < len(mut); k += 5000 {
			ns, os := nc.NewScanner(), oc.NewScanner()
			for _, v := range mut[k:min(k+5000, len(mut))] {
				ns.Add([]string{h}, []string{v})
				os.Add([]string{h}, []string{v})
			}
			compareScanners(t, h, ns, os)
		}
		for _, c := range cols {
			ns, os := nc.NewScanner(), oc.NewScanner()
			for _, v := range c.vals {
				ns.Add([]string{h}, []string{v})
				os.Add([]string{h}, []string{v})
			}
			compareScanners(t, h+"/"+c.name, ns, os)
		}
	}
	for _, c := range cols {
		ns, os := nc.NewScanner(), oc.NewScanner()
		for _, v := range c.vals {
			ns.Add([]string{c.name}, []string{v})
			os.Add([]string{c.name}, []string{v})
		}
		compareScanners(t, c.name, ns, os)
	}
	// Single values, every header.
	for _, h := range headers {
		for _, v := range mut[:20000] {
			ns, os := nc.NewScanner(), oc.NewScanner()
			ns.Add([]string{h}, []string{v})
			os.Add([]string{h}, []string{v})
			if a, b := classify.DebugCounts(ns), old.DebugCounts(os); a != b {
				t.Fatalf("%s %q:\n%s\nold:\n%s", h, v, a, b)
			}
		}
	}
}

func compareScanners(t *testing.T, what string, ns *classify.Scanner, os *old.Scanner) {
	t.Helper()
	nf, of := ns.Fields(), os.Fields()
	for i := range nf {
		nf[i].Distinct = 0
	}
	for i := range of {
		of[i].Distinct = 0
	}
	a, _ := json.Marshal(nf)
	b, _ := json.Marshal(of)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s: fields\n%s\nold\n%s", what, a, b)
	}
	if a, b := classify.DebugCounts(ns), old.DebugCounts(os); a != b {
		t.Fatalf("%s: counts\n%s\nold:\n%s", what, a, b)
	}
	da, db := classify.DebugDistinct(ns), old.DebugDistinct(os)
	for i := range da {
		d := da[i] - db[i]
		if d < 0 {
			d = -d
		}
		if (da[i] < 0) != (db[i] < 0) || float64(d) > 0.06*float64(max(da[i], db[i]))+3 {
			t.Errorf("%s: distinct %v, old %v", what, da, db)
		}
	}
}
