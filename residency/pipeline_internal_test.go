package residency

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"strconv"
	"testing"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// rowSource yields n records of two fields; the value of "note" grows
// with i, so that batches differ in size.
type rowSource struct {
	n, i  int
	names []string
	rec   sluice.InputRecord
}

func (s *rowSource) Read() (*sluice.InputRecord, error) {
	if s.i == s.n {
		return nil, io.EOF
	}
	s.i++
	s.rec = sluice.InputRecord{Line: s.i + 1, Names: s.names, Values: []string{"138" + strconv.Itoa(10000000+s.i), "note " + strconv.Itoa(s.i)}}
	return &s.rec, nil
}

// A store that releases the records it has copied out gets the same
// records as one that does not, and one that reads the keys' bytes the
// same keys, however many batches the ingest takes.
func TestPipeline_Release(t *testing.T) {
	const n = (inFlight+4)*batchSize + 17
	names := []string{"phone", "note"}
	secret, org := []byte("pipeline secret"), int64(7)
	keyer := sluice.NewOrgSubjectKeyer(secret, org)
	for _, tt := range []struct {
		name             string
		release, rawKeys bool
	}{
		{"Keep", false, false},
		{"Release", true, false},
		{"ReleaseRawKeys", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(context.Background(), &rowSource{n: n, names: names}, "phone", "", secret, org, &countObserver{}, nil)
			defer p.stop()
			if tt.rawKeys {
				p.OmitSubjectKeys()
			}
			var kept []*sluice.Record // as a store that does not release keeps them
			i := 0
			for p.Next() {
				i++
				rec := p.Record()
				values := []string{"138" + strconv.Itoa(10000000+i), "note " + strconv.Itoa(i)}
				want := keyer.Key(values[0])
				if got := hex.EncodeToString(p.SubjectKeyBytes()); got != want {
					t.Fatalf("record %d: key bytes %s, want %s", i, got, want)
				}
				if tt.rawKeys && i > (inFlight+1)*batchSize && rec.SubjectKey != "" {
					t.Fatalf("record %d: a subject key in hex after OmitSubjectKeys", i)
				}
				if !tt.rawKeys && rec.SubjectKey != want {
					t.Fatalf("record %d: key %s, want %s", i, rec.SubjectKey, want)
				}
				if data := recordio.AppendStored(nil, names, values); !bytes.Equal(rec.Data, data) {
					t.Fatalf("record %d: data %s, want %s", i, rec.Data, data)
				}
				if tt.release {
					p.Release()
				} else {
					kept = append(kept, rec)
				}
			}
			if err := p.Err(); err != nil || i != n {
				t.Fatalf("%d records, %v; want %d", i, err, n)
			}
			for i, rec := range kept {
				values := []string{"138" + strconv.Itoa(10000000+i+1), "note " + strconv.Itoa(i+1)}
				if data := recordio.AppendStored(nil, names, values); !bytes.Equal(rec.Data, data) || rec.SubjectKey != keyer.Key(values[0]) {
					t.Fatalf("record %d kept: data %s, want %s", i+1, rec.Data, data)
				}
			}
		})
	}
}
