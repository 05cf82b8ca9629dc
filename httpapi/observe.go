package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-gateway/sluice"
)

// RequestIDHeader carries a request's id: taken from the request when the
// client sent a well-formed one, made otherwise, and echoed in the
// response and in every error body.
const RequestIDHeader = "Request-Id"

// Metrics are the API's Prometheus series. Their labels hold route
// patterns, status codes, category keys and org ids only: never a name, a
// key or an identifier.
type Metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	ingestRecords prometheus.Counter
	ingestBytes   prometheus.Counter
	matches       *prometheus.CounterVec
}

// NewMetrics registers the API's series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sluice_http_request_duration_seconds", Help: "HTTP request latency by route pattern, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method", "status"}),
		ingestRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_ingest_records_total", Help: "Records ingested (committed ingests).",
		}),
		ingestBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sluice_ingest_bytes_total", Help: "Bytes of uploads read by committed ingests.",
		}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_classification_matches_total", Help: "Values that matched a data category at ingest, by category key.",
		}, []string{"category"}),
	}
	reg.MustRegister(m.requests, m.duration, m.ingestRecords, m.ingestBytes, m.matches)
	return m
}

// ingested counts a committed ingest of n records read from size bytes,
// and the category matches it added to the dataset's fields.
func (m *Metrics) ingested(n, size int64, before, after *sluice.Dataset) {
	if m == nil {
		return
	}
	m.ingestRecords.Add(float64(n))
	m.ingestBytes.Add(float64(size))
	prev := categoryMatches(before)
	for key, v := range categoryMatches(after) {
		if d := v - prev[key]; d > 0 {
			m.matches.WithLabelValues(key).Add(float64(d))
		}
	}
}

func categoryMatches(d *sluice.Dataset) map[string]int64 {
	out := map[string]int64{}
	if d == nil {
		return out
	}
	for _, f := range d.Fields {
		for _, c := range f.Categories {
			out[c.Key] += c.Matches
		}
	}
	return out
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// observe gives every request an id, logs it in one structured line and
// counts it. Paths appear only as the route pattern that matched
// (/v1/datasets/{id}), never as sent: a path may hold a subject key.
func (s *Server) observe(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !requestIDRE.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w}
		mux.ServeHTTP(sw, r)
		route := r.Pattern // set by the mux on r
		if route == "" {
			route = "unmatched"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		if m := s.Metrics; m != nil {
			status := strconv.Itoa(sw.status)
			m.requests.WithLabelValues(route, r.Method, status).Inc()
			m.duration.WithLabelValues(route, r.Method, status).Observe(elapsed.Seconds())
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("duration", elapsed))
	})
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush flushes a streamed response.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
