package scan

import (
	"context"
	"os"
	"testing"

	"sluice/recordio"
)

type nopSink struct{ n int }

func (s *nopSink) Add(names, values []string) { s.n += len(values) }

func TestZZParse(t *testing.T) {
	data, err := os.ReadFile("/tmp/w7/small.csv")
	if err != nil {
		t.Skip()
	}
	for rep := 0; rep < 2; rep++ {
		p := newParser(',', make([]string, 15), withDefaults(recordioOpts()))
		var s nopSink
		p.parseChunk(data, 1, -1, nil, 0, func(v []string) { s.Add(nil, v) })
	}
	_ = context.Background()
}

func recordioOpts() (o recordio.Options) { return }
