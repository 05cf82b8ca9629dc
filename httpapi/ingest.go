package httpapi

import (
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

// IngestResponse is the body of a successful POST /v1/datasets/{id}/records.
type IngestResponse struct {
	Ingest  *sluice.Ingest  `json:"ingest"`
	Charset string          `json:"charset"`
	Format  string          `json:"format"`
	Dataset *sluice.Dataset `json:"dataset"`
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.dataset(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	opts, err := readOptions(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	opts.MaxFieldBytes, opts.MaxRecordBytes = s.MaxFieldBytes, s.MaxRecordBytes
	max := s.MaxBodyBytes
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	body := &countingReader{r: http.MaxBytesReader(w, r.Body, max)}
	rd, cleanup, err := s.newReader(body, opts)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	defer cleanup()
	in, err := s.Records.IngestBatch(ctx, d.ID, r.Header.Get("Idempotency-Key"), recordSource{rd})
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if s.Metrics != nil && !in.Replayed {
		if after, err := s.Datasets.FindDatasetByID(ctx, d.ID); err == nil {
			s.Metrics.ingested(in.RecordCount, body.n, d, after)
		}
	}
	s.answerIngest(w, r, in, rd)
}

// readOptions takes the format from ?format= or Content-Type, the charset
// from ?charset= or Content-Type's charset parameter, and the CSV delimiter
// from ?delimiter= (sniffed when absent).
func readOptions(r *http.Request) (recordio.Options, error) {
	var opts recordio.Options
	q, ct := r.URL.Query(), r.Header.Get("Content-Type")
	var err error
	switch {
	case q.Get("format") != "":
		opts.Format, err = recordio.ParseFormat(q.Get("format"))
	case ct != "" && !strings.HasPrefix(ct, "application/octet-stream"):
		opts.Format, err = recordio.ParseFormat(ct)
	default:
		return opts, sluice.Errorf(sluice.EUNSUPPORTED, "Say the format: Content-Type text/csv, text/tab-separated-values, application/x-ndjson or application/vnd.apache.parquet, or ?format=csv|tsv|jsonl|parquet.")
	}
	if err != nil {
		return opts, err
	}
	switch {
	case q.Get("charset") != "":
		opts.Charset, err = recordio.ParseCharset(q.Get("charset"))
	case ct != "":
		opts.Charset, err = recordio.CharsetFromMediaType(ct)
	}
	if err == nil && q.Get("delimiter") != "" {
		opts.Delimiter, err = recordio.ParseDelimiter(q.Get("delimiter"))
	}
	return opts, err
}

// newReader returns a reader of body. Parquet needs random access, so a
// Parquet body is spooled to a temporary file first.
func (s *Server) newReader(body io.Reader, opts recordio.Options) (recordio.Reader, func(), error) {
	if opts.Format != recordio.FormatParquet {
		rd, err := recordio.NewReader(body, opts)
		return rd, func() {}, err
	}
	f, err := os.CreateTemp(s.TempDir, "sluice-upload-*.parquet")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, body); err != nil {
		cleanup()
		return nil, nil, err
	}
	rd, err := recordio.NewReader(f, opts)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return rd, cleanup, nil
}

// recordSource adapts a recordio.Reader to sluice.RecordSource.
type recordSource struct{ rd recordio.Reader }

func (s recordSource) Read() (*sluice.InputRecord, error) {
	rec, err := s.rd.Read()
	if err != nil {
		return nil, err
	}
	return (*sluice.InputRecord)(rec), nil
}
