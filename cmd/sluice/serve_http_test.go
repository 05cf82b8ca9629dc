package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGate checks that /healthz answers from the first moment, and
// /readyz and the API only once the server is ready.
func TestGate(t *testing.T) {
	g := &gate{}
	srv := &http.Server{Handler: g}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz while starting: %d %s", code, body)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"starting"`) {
		t.Fatalf("readyz while starting: %d %s", code, body)
	}
	if code, _ := get("/v1/datasets"); code != 503 {
		t.Fatalf("the API while starting: %d", code)
	}
	g.ready(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readyz once ready: %d", code)
	}
	if code, _ := get("/v1/datasets"); code != 204 {
		t.Fatalf("the API once ready: %d", code)
	}
}

// TestDrain checks that a stopping server cancels the requests still under
// way once the drain time is over, and that they answer 503 first.
func TestDrain(t *testing.T) {
	g := &gate{}
	base, cancel := context.WithCancelCause(context.Background())
	started := make(chan struct{})
	g.ready(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // an upload that would go on for ever
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"cause": context.Cause(r.Context()).Error()})
	}))
	srv := &http.Server{Handler: g, BaseContext: func(net.Listener) context.Context { return base }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	type result struct {
		code int
		body string
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/v1/datasets/1/records", "text/csv", strings.NewReader("phone\n1\n"))
		if err != nil {
			done <- result{0, err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, string(b)}
	}()
	<-started
	if err := drain(srv, g, cancel, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.code != 503 || !strings.Contains(r.body, "shutting down") {
		t.Fatalf("the request under way: %d %s", r.code, r.body)
	}
}
