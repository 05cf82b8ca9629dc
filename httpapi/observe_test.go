package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkObserve measures what a request pays for its id, its log line
// and its metrics, against the bare mux:
//
//	go test ./httpapi -run '^$' -bench Observe -count 6 | tee new.txt
func BenchmarkObserve(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/datasets/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"id": r.PathValue("id")})
	})
	s := &Server{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: NewMetrics(prometheus.NewRegistry())}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", mux}, {"observed", s.observe(mux)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", "/v1/datasets/7", nil)
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// TestObserve_RequestID: a well-formed client id is kept, anything else
// replaced; the route is the pattern.
func TestObserve_RequestID(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {})
	s := &Server{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	h := s.observe(mux)
	for in, keep := range map[string]bool{"abc-123_X.y": true, "": false, "has space": false, "<script>": false} {
		req := httptest.NewRequest("GET", "/x/1", nil)
		req.Header.Set(RequestIDHeader, in)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		got := w.Header().Get(RequestIDHeader)
		if keep && got != in || !keep && (got == in || len(got) != 24) {
			t.Errorf("Request-Id %q → %q", in, got)
		}
	}
}
