package httpapi

import (
	"container/list"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxConns is the default cap on open connections.
const DefaultMaxConns = 4096

// A ConnLimiter caps the open connections of a listener. When a new
// connection would pass the cap, the connection that has sat longest
// without a request under way (idle between requests, or not yet done
// sending its first request's header) is closed to make room; only if
// every connection is serving a request is the new one closed at once.
// So sockets that say nothing can never keep a client, or a health check,
// out. Set the http.Server's ConnState to the limiter's ConnState.
type ConnLimiter struct {
	net.Listener
	Max int

	mu    sync.Mutex
	conns map[net.Conn]*list.Element // open connections; idle ones in idle
	idle  *list.List                 // of net.Conn, oldest first
	open  int
	// Evicted counts connections closed to make room, Refused those
	// closed at once because every connection was busy.
	Evicted, Refused int64
}

// LimitListener returns l with at most max connections open at once.
func LimitListener(l net.Listener, max int) *ConnLimiter {
	if max <= 0 {
		max = DefaultMaxConns
	}
	return &ConnLimiter{Listener: l, Max: max, conns: map[net.Conn]*list.Element{}, idle: list.New()}
}

// Accept accepts a connection, making room for it if needed.
func (l *ConnLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		var victim net.Conn
		if l.open >= l.Max {
			if front := l.idle.Front(); front != nil {
				victim = front.Value.(net.Conn)
				l.idle.Remove(front)
				l.conns[victim] = nil
				l.Evicted++
			} else {
				l.Refused++
				l.mu.Unlock()
				c.Close()
				continue
			}
		}
		l.open++
		l.conns[c] = l.idle.PushBack(c) // idle until its first request is read
		l.mu.Unlock()
		if victim != nil {
			victim.Close() // its ConnState(StateClosed) frees its place
		}
		return c, nil
	}
}

// ConnState tracks each connection's state; set it as the http.Server's
// ConnState.
func (l *ConnLimiter) ConnState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok { // served over TLS: the conn accepted is beneath
		c = tc.NetConn()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		if e != nil {
			l.idle.Remove(e)
			l.conns[c] = nil
		}
	case http.StateIdle:
		if e == nil {
			l.conns[c] = l.idle.PushBack(c)
		}
	case http.StateClosed, http.StateHijacked:
		if e != nil {
			l.idle.Remove(e)
		}
		delete(l.conns, c)
		l.open--
	}
}

// Open returns the number of open connections.
func (l *ConnLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// progressReader is a request body whose read deadline moves on while the
// client sends at least minRate bytes per second, measured over window:
// a slow or stalled upload fails instead of holding a connection and a
// store transaction for ever.
type progressReader struct {
	body    interface{ Read([]byte) (int, error) }
	rc      *http.ResponseController
	window  time.Duration
	minRate int64
	since   int64 // bytes read since the deadline last moved
	err     error // the deadline could not be set: no extension
}

// Defaults of the upload progress deadline.
const (
	// DefaultBodyWindow is how long a request body may go without
	// reaching DefaultMinBodyRate before its read fails.
	DefaultBodyWindow = 30 * time.Second
	// DefaultMinBodyRate is the slowest upload accepted, in bytes per
	// second over DefaultBodyWindow.
	DefaultMinBodyRate = 1024
)

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.body.Read(b)
	p.since += int64(n)
	if p.err == nil && p.since >= max(1, int64(float64(p.minRate)*p.window.Seconds())) {
		p.err = p.rc.SetReadDeadline(time.Now().Add(p.window))
		p.since = 0
	}
	return n, err
}

func (p *progressReader) Close() error {
	if c, ok := p.body.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// bodyDeadline gives every request body a read deadline that moves on
// while the upload keeps up the minimum rate.
func (s *Server) bodyDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			window, rate := s.BodyWindow, s.MinBodyRate
			if window <= 0 {
				window = DefaultBodyWindow
			}
			if rate <= 0 {
				rate = DefaultMinBodyRate
			}
			rc := http.NewResponseController(w)
			p := &progressReader{body: r.Body, rc: rc, window: window, minRate: rate}
			p.err = rc.SetReadDeadline(time.Now().Add(window))
			r.Body = p
		}
		h.ServeHTTP(w, r)
	})
}

// ErrShuttingDown is the cause of the cancellation of the requests still
// under way when a server stops waiting for them: they answer 503 and
// keep nothing.
var ErrShuttingDown = errors.New("httpapi: the server is shutting down")
