// Command memfiles writes the inputs of bench/memory.sh: a zstd Parquet
// file of large, very compressible rows in one row group (a few MB on
// disk, GBs once decoded), and a CSV file of rows of about 1 MiB. They
// are made on demand, never committed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

type row struct {
	Phone string `parquet:"phone,zstd"`
	Note  string `parquet:"note,zstd"`
}

func main() {
	pq := flag.String("parquet", "", "Parquet file to write")
	pqRows := flag.Int("parquet-rows", 6000, "rows of the Parquet file")
	pqValue := flag.Int("parquet-value", 900<<10, "bytes of each row's note")
	csvPath := flag.String("csv", "", "CSV file to write")
	csvRows := flag.Int("csv-rows", 1000, "rows of the CSV file")
	csvValue := flag.Int("csv-value", 1000<<10, "bytes of each CSV row's note")
	flag.Parse()
	r := rand.New(rand.NewPCG(1, 2))
	block := func(n int) string { // 1 KiB of random letters repeated: compresses well
		b := make([]byte, 1024)
		for i := range b {
			b[i] = 'a' + byte(r.IntN(26))
		}
		return strings.Repeat(string(b), n/1024+1)[:n]
	}
	if *pq != "" {
		f, err := os.Create(*pq)
		check(err)
		w := parquet.NewGenericWriter[row](f, parquet.Compression(&zstd.Codec{}), parquet.PageBufferSize(1<<20),
			parquet.SkipPageBounds("note"), parquet.SkipPageStatistics("note"), parquet.DataPageStatistics(false),
			parquet.ColumnIndexSizeLimit(func([]string) int { return 16 }))
		for i := range *pqRows {
			_, err := w.Write([]row{{Phone: fmt.Sprintf("139%08d", i), Note: block(*pqValue)}})
			check(err)
		}
		check(w.Close()) // one row group: the whole file
		check(f.Close())
	}
	if *csvPath != "" {
		f, err := os.Create(*csvPath)
		check(err)
		bw := bufio.NewWriterSize(f, 1<<20)
		fmt.Fprintln(bw, "phone,note")
		for i := range *csvRows {
			fmt.Fprintf(bw, "139%08d,%s\n", i, block(*csvValue))
		}
		check(bw.Flush())
		check(f.Close())
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "memfiles:", err)
		os.Exit(1)
	}
}
