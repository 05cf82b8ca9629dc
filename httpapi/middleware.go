package httpapi

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/sluice-gateway/sluice"
)

// Defaults of the limit on failed authentications per client address.
const (
	// DefaultAuthFailureRate is how many failed authentications per
	// second a client address may make in the long run.
	DefaultAuthFailureRate = 1.0
	// DefaultAuthFailureBurst is how many it may make at once.
	DefaultAuthFailureBurst = 10
)

// secure sets the headers every answer carries: no MIME sniffing, and
// for the API no caching of answers that hold data.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			w.Header().Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// bearerToken returns the token of an Authorization header of the Bearer
// scheme, matched case-insensitively (RFC 9110 section 11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// checkToken returns EUNAUTHORIZED for a token that cannot be a key: not
// UTF-8, or holding control characters. It is never passed to a store.
func checkToken(token string) error {
	if !utf8.ValidString(token) {
		return sluice.Errorf(sluice.EUNAUTHORIZED, "The API key is not valid UTF-8.")
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x20 || token[i] == 0x7f {
			return sluice.Errorf(sluice.EUNAUTHORIZED, "The API key holds a control character.")
		}
	}
	return nil
}

// An AuthLimiter limits failed authentications per client address: each
// address has a token bucket of Burst failures refilled at Rate per
// second; while it is empty the address gets 429 with Retry-After.
type AuthLimiter struct {
	Rate  rate.Limit
	Burst int

	// TrustedProxies are the addresses of the load balancers whose
	// X-Forwarded-For names the client; from any other peer the header is
	// ignored.
	TrustedProxies []netip.Prefix

	mu      sync.Mutex
	clients map[netip.Addr]*limiterEntry
	swept   time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewAuthLimiter returns an AuthLimiter with the default rate and burst.
func NewAuthLimiter() *AuthLimiter {
	return &AuthLimiter{Rate: DefaultAuthFailureRate, Burst: DefaultAuthFailureBurst}
}

// ParseTrustedProxies parses a comma-separated list of addresses and
// CIDR prefixes.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, sluice.Errorf(sluice.EINVALID, "Trusted proxy %q is neither an address nor a CIDR prefix.", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ClientAddr returns the address of the client of r: the peer, or, when
// the peer is a trusted proxy, the last address in X-Forwarded-For that
// is not itself a trusted proxy.
func (l *AuthLimiter) ClientAddr(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if l == nil || !l.trusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed chain: trust only what we saw
		}
		a = a.Unmap()
		if !l.trusted(a) {
			return a
		}
	}
	return peer
}

func (l *AuthLimiter) trusted(a netip.Addr) bool {
	for _, p := range l.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// blocked reports whether addr has no failures left, and how long until
// it has one.
func (l *AuthLimiter) blocked(addr netip.Addr, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.clients[addr]
	if e == nil || e.lim.TokensAt(now) >= 1 {
		return 0, false
	}
	wait := time.Duration((1 - e.lim.TokensAt(now)) / float64(e.lim.Limit()) * float64(time.Second))
	return max(wait, time.Second), true
}

// fail records a failed authentication from addr.
func (l *AuthLimiter) fail(addr netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients == nil {
		l.clients = map[netip.Addr]*limiterEntry{}
	}
	if now.Sub(l.swept) > time.Minute { // forget addresses whose bucket refilled
		for a, e := range l.clients {
			if e.lim.TokensAt(now) >= float64(e.lim.Burst()) {
				delete(l.clients, a)
			}
		}
		l.swept = now
	}
	e := l.clients[addr]
	if e == nil {
		r, b := l.Rate, l.Burst
		if r <= 0 {
			r = DefaultAuthFailureRate
		}
		if b <= 0 {
			b = DefaultAuthFailureBurst
		}
		e = &limiterEntry{lim: rate.NewLimiter(r, b)}
		l.clients[addr] = e
	}
	e.seen = now
	e.lim.AllowN(now, 1)
}

// authFailed logs a failed authentication, without any key material, and
// counts it against the client's address.
func (s *Server) authFailed(r *http.Request, reason string) {
	addr := s.AuthLimiter.ClientAddr(r)
	s.Logger.WarnContext(r.Context(), "authentication failed",
		slog.String("remote", addr.String()), slog.String("reason", reason),
		slog.String("method", r.Method), slog.String("path", r.URL.Path))
	if s.AuthLimiter != nil {
		s.AuthLimiter.fail(addr, time.Now())
	}
}

// authFailure names why a key was refused, for the log, without the key
// or its id.
func authFailure(err error) string {
	msg := sluice.ErrorMessage(err)
	switch {
	case strings.Contains(msg, "revoked"):
		return "revoked key"
	case strings.Contains(msg, "Malformed"):
		return "malformed key"
	case strings.Contains(msg, "UTF-8"), strings.Contains(msg, "control character"):
		return "key is not text"
	}
	return "unknown key or wrong secret"
}

// authBlocked answers 429 if the client's address has used up its failed
// authentications, and reports whether it did.
func (s *Server) authBlocked(w http.ResponseWriter, r *http.Request) bool {
	if s.AuthLimiter == nil {
		return false
	}
	wait, blocked := s.AuthLimiter.blocked(s.AuthLimiter.ClientAddr(r), time.Now())
	if !blocked {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	writeError(w, r, s.Logger, sluice.Errorf(sluice.ETOOMANY, "Too many failed authentications from this address; try again later."))
	return true
}
