package recordio

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// pieceReader hands out its data in pieces of random sizes.
type pieceReader struct {
	data []byte
	rng  *rand.Rand
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+r.rng.IntN(9000))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// The values of a CSV read over many fills of the buffer, kept until the
// end, are those encoding/csv reads, however the lines mix plain text,
// quotes, CRLF and blank lines.
func TestCSVReader_ValuesKept(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var in bytes.Buffer
	in.WriteString("id,name,note\n")
	for i := range 20000 {
		switch rng.IntN(10) {
		case 0:
			fmt.Fprintf(&in, "%d,\"quoted, %d\",\"two\nlines\"\n", i, i)
		case 1:
			fmt.Fprintf(&in, "%d,crlf %d,x\r\n", i, i)
		case 2:
			in.WriteString("\n")
			fmt.Fprintf(&in, "%d,after blank,%s\n", i, bytes.Repeat([]byte("长"), rng.IntN(3000)))
		default:
			fmt.Fprintf(&in, "%d,name %d,%s\n", i, i, bytes.Repeat([]byte("n"), rng.IntN(200)))
		}
	}
	want, err := csv.NewReader(bytes.NewReader(in.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readAllFrom(&pieceReader{data: in.Bytes(), rng: rng}, Options{Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want)-1 {
		t.Fatalf("%d records, want %d", len(got), len(want)-1)
	}
	for i := range got {
		if !slices.Equal(got[i].Values, want[i+1]) {
			t.Fatalf("record %d: %q, want %q", i+1, got[i].Values, want[i+1])
		}
	}
}
