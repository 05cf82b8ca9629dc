package classify_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-gateway/sluice/classify"
	"github.com/sluice-gateway/sluice/classify/internal/evalgen"
)

// recordSets returns tables to classify: the evaluation set's CSV files,
// the benchmark table, and generated records that put resident IDs and
// dates (of birth or not) in several fields, some over the per-record
// limits, with arrays and bytes that are not text here and there.
func recordSets(t *testing.T) map[string][][]string {
	sets := map[string][][]string{}
	files, _ := filepath.Glob(filepath.Join("testdata", "eval", "*.csv"))
	if len(files) == 0 {
		t.Fatal("no evaluation files")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		sets[filepath.Base(f)] = recs
	}
	var buf bytes.Buffer
	if _, err := evalgen.WriteBench(&buf, 1<<20, 7); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sets["bench"] = recs

	r := rand.New(rand.NewPCG(3, 4))
	id := func(date string) string {
		d := "110105" + date + fmt.Sprintf("%03d", r.IntN(1000))
		return d + string(classify.ResidentIDCheck(d))
	}
	date := func() string {
		return fmt.Sprintf("%04d%02d%02d", 1950+r.IntN(70), 1+r.IntN(12), 1+r.IntN(28))
	}
	names := []string{"id", "birthday", "ids", "dates", "phone", "note", "joined", "tags"}
	mixed := [][]string{names}
	for k := 0; k < 3000; k++ {
		d := date()
		rec := make([]string, len(names))
		rec[0] = id(d)
		if r.IntN(4) > 0 {
			rec[1] = d[:4] + "-" + d[4:6] + "-" + d[6:]
		} else {
			rec[1] = date()
		}
		var ids, dates []string
		for j := r.IntN(3) * 40; j > 0; j-- {
			ids = append(ids, id(date()))
			dates = append(dates, date())
		}
		rec[2] = strings.Join(ids, " ")
		rec[3] = strings.Join(dates, ";")
		rec[4] = fmt.Sprintf("13%09d", r.IntN(1e9))
		switch r.IntN(40) {
		case 0:
			rec[5] = "bad \xff text"
		case 1:
			rec[5] = "NUL\x00"
		default:
			rec[5] = []string{"", "张伟 北京市朝阳区建国路88号", "n/a", "user@example.com"}[r.IntN(4)]
		}
		rec[6] = date()
		if k == 15 || r.IntN(500) == 0 {
			rec[7] = fmt.Sprintf(`[{"who":"%s","born":"%s"}]`, id(d), d)
		}
		if k == 10 || k == 20 || r.IntN(700) == 0 {
			// Arrays in an earlier field too, whose members first appear
			// after the later field's.
			rec[5] = fmt.Sprintf(`[{"k%d":"%s"}]`, r.IntN(5), id(date()))
		}
		mixed = append(mixed, rec)
	}
	sets["mixed"] = mixed
	return sets
}

// TestScanner_AddRecords checks that reading records field by field
// counts exactly what reading them one by one does, in batches of any
// size.
func TestScanner_AddRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for name, recs := range recordSets(t) {
		t.Run(name, func(t *testing.T) {
			header, rows := recs[0], recs[1:]
			w := len(header)
			one := classify.DefaultCatalog().NewScanner()
			var oneOK []bool
			for _, row := range rows {
				oneOK = append(oneOK, one.AddChecked(header, row))
			}
			want := classify.FullState(one)
			// In batches of random sizes, and all in one.
			for _, whole := range []bool{false, true} {
				batch := classify.DefaultCatalog().NewScanner()
				for i := 0; i < len(rows); {
					n := 1 + r.IntN(300)
					if r.IntN(3) == 0 {
						n = 1 + r.IntN(4)
					}
					if whole {
						n = len(rows)
					}
					n = min(n, len(rows)-i)
					var flat []string
					ok := true
					for _, row := range rows[i : i+n] {
						if len(row) != w {
							// A ragged record: on its own, as Add takes it.
							if len(flat) > 0 {
								ok = batch.AddRecords(header, flat) && ok
								flat = flat[:0]
							}
							ok = batch.AddChecked(header, row) && ok
							continue
						}
						flat = append(flat, row...)
					}
					ok = batch.AddRecords(header, flat) && ok
					want := true
					for _, o := range oneOK[i : i+n] {
						want = want && o
					}
					if ok != want {
						t.Fatalf("records %d to %d: AddRecords reports text %v, AddChecked %v", i, i+n, ok, want)
					}
					i += n
				}
				if got := classify.FullState(batch); got != want {
					t.Fatalf("record by record:\n%s\nfield by field (all in one batch: %v):\n%s", want, whole, got)
				}
			}
		})
	}
}

func TestScanner_AddRecordsNotWhole(t *testing.T) {
	s := classify.DefaultCatalog().NewScanner()
	if !s.AddRecords([]string{"a", "b"}, nil) {
		t.Fatal("no records: not text")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AddRecords took three values for two names")
		}
	}()
	s.AddRecords([]string{"a", "b"}, []string{"1", "2", "3"})
}
