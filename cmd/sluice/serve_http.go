package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-gateway/sluice/httpapi"
)

// Defaults of the HTTP server.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	// DefaultDrainTimeout is how long a stopping server waits for the
	// requests under way (uploads among them) before it cancels them.
	DefaultDrainTimeout = 30 * time.Second
)

// A gate serves /healthz from the first moment and the API once it is
// ready: until then /readyz and every other path answer 503 "starting".
// It counts the requests under way, so that a stopping server can wait
// for them.
type gate struct {
	api      atomic.Pointer[http.Handler]
	inflight sync.WaitGroup
}

func (g *gate) ready(h http.Handler) { g.api.Store(&h) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api := g.api.Load()
	switch r.URL.Path {
	case "/healthz":
		writeStatus(w, http.StatusOK, "ok")
		return
	case "/readyz":
		if api == nil {
			writeStatus(w, http.StatusServiceUnavailable, "starting")
		} else {
			writeStatus(w, http.StatusOK, "ready")
		}
		return
	}
	if api == nil {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(httpapi.ErrorResponse{Error: httpapi.ErrorBody{Code: "unavailable", Message: "sluice is starting: recovering its stores. Try again shortly."}})
		return
	}
	g.inflight.Add(1)
	defer g.inflight.Done()
	(*api).ServeHTTP(w, r)
}

func writeStatus(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"status": s})
}

// drain stops srv: it stops accepting, waits up to timeout for the
// requests under way, then cancels those left (they answer 503 and keep
// nothing: an ingest rolls back) and waits for them to finish.
func drain(srv *http.Server, g *gate, cancel context.CancelCauseFunc, timeout time.Duration) error {
	ctx, stop := context.WithTimeout(context.Background(), timeout)
	defer stop()
	err := srv.Shutdown(ctx)
	cancel(httpapi.ErrShuttingDown)
	g.inflight.Wait()
	if err == context.DeadlineExceeded {
		return nil // the requests left were cancelled, and have answered
	}
	return err
}
