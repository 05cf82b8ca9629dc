package classify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice/scan"
)

// The evaluation set in testdata/eval is written by the generator in
// internal/evalgen; regenerate it (deterministically) with
//
//go:generate go run ./internal/evalgen/cmd/evalgen -eval testdata/eval

// evalFloor is the precision and recall every category must reach on the
// evaluation set.
const evalFloor = 0.95

// TestEval classifies every file of the evaluation set, as `sluice scan`
// does, and checks precision and recall per category over fields.
func TestEval(t *testing.T) {
	dir := filepath.Join("testdata", "eval")
	data, err := os.ReadFile(filepath.Join(dir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var labels map[string]map[string][]string
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatal(err)
	}
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	get := func(k string) *counts {
		if per[k] == nil {
			per[k] = &counts{}
		}
		return per[k]
	}
	var errs []string
	err = scan.Paths(context.Background(), []string{dir}, nil, scan.Options{Workers: 2}, func(r *scan.Result, err error) {
		if err != nil {
			t.Errorf("scan: %v", err)
			return
		}
		file := filepath.Base(r.Path)
		want, ok := labels[file]
		if !ok {
			t.Errorf("%s: no labels", file)
			return
		}
		seen := map[string]bool{}
		for _, f := range r.Fields {
			seen[f.Name] = true
			wantSet := map[string]bool{}
			for _, k := range want[f.Name] {
				wantSet[k] = true
			}
			got := map[string]bool{}
			for _, m := range f.Categories {
				got[m.Key] = true
				if wantSet[m.Key] {
					get(m.Key).tp++
				} else {
					get(m.Key).fp++
					errs = append(errs, fmt.Sprintf("FP %s %s: %s (%d matches, ratio %.3f)", file, f.Name, m.Key, m.Matches, m.Ratio))
				}
			}
			for k := range wantSet {
				if !got[k] {
					get(k).fn++
					errs = append(errs, fmt.Sprintf("FN %s %s: %s", file, f.Name, k))
				}
			}
		}
		for name := range want {
			if !seen[name] {
				t.Errorf("%s: field %q not reported", file, name)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(errs)
	for _, e := range errs {
		t.Log(e)
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-52s %4s %4s %4s %9s %6s\n", "category", "TP", "FP", "FN", "precision", "recall")
	for _, k := range keys {
		c := per[k]
		p, r := ratio(c.tp, c.tp+c.fp), ratio(c.tp, c.tp+c.fn)
		fmt.Fprintf(&b, "%-52s %4d %4d %4d %9.3f %6.3f\n", k, c.tp, c.fp, c.fn, p, r)
		if p < evalFloor || r < evalFloor {
			t.Errorf("%s: precision %.3f, recall %.3f; want both >= %.2f", k, p, r, evalFloor)
		}
	}
	t.Log(b.String())
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
