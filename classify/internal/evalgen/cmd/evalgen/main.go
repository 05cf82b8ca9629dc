// Command evalgen writes sluice's classification evaluation set, or a large
// CSV for throughput benchmarks.
//
//	go run ./classify/internal/evalgen/cmd/evalgen -eval classify/testdata/eval
//	go run ./classify/internal/evalgen/cmd/evalgen -bench 1100 -o /tmp/big.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluice-gateway/sluice/classify/internal/evalgen"
)

func main() {
	evalDir := flag.String("eval", "", "write the evaluation set and labels.json into `dir`")
	benchMB := flag.Int64("bench", 0, "write a benchmark CSV of at least `N` MB (10^6 bytes)")
	out := flag.String("o", "", "output `file` for -bench (default standard output)")
	seed := flag.Uint64("seed", 20251126, "random seed")
	flag.Parse()
	switch {
	case *evalDir != "":
		if _, err := evalgen.WriteEval(*evalDir, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "evalgen:", err)
			os.Exit(1)
		}
	case *benchMB > 0:
		w := os.Stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				fmt.Fprintln(os.Stderr, "evalgen:", err)
				os.Exit(1)
			}
			defer f.Close()
			w = f
		}
		rows, err := evalgen.WriteBench(w, *benchMB*1_000_000, *seed)
		if err != nil {
			fmt.Fprintln(os.Stderr, "evalgen:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "evalgen: %d rows\n", rows)
	default:
		flag.Usage()
		os.Exit(2)
	}
}
