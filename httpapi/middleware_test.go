package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestAuthLimiter_ClientAddr(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	l := &AuthLimiter{TrustedProxies: proxies}
	for _, tt := range []struct{ peer, xff, want string }{
		{"203.0.113.9:5000", "", "203.0.113.9"},
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"}, // not a proxy: the header is ignored
		{"10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:5000", "198.51.100.1, 192.168.1.1", "198.51.100.1"},
		{"10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"}, // the client cannot choose
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:5000", "198.51.100.1", "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := l.ClientAddr(r); got != netip.MustParseAddr(tt.want) {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tt.peer, tt.xff, got, tt.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad proxy list parsed")
	}
}

func TestAuthLimiter_Blocked(t *testing.T) {
	l := &AuthLimiter{Rate: 1, Burst: 3}
	a, b := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		if _, blocked := l.blocked(a, now); blocked {
			t.Fatal("blocked before the burst is used")
		}
		l.fail(a, now)
	}
	if wait, blocked := l.blocked(a, now); !blocked || wait < time.Second {
		t.Fatalf("after the burst: %v, %v", wait, blocked)
	}
	if _, blocked := l.blocked(b, now); blocked {
		t.Fatal("another address is blocked")
	}
	if _, blocked := l.blocked(a, now.Add(2*time.Second)); blocked {
		t.Fatal("still blocked once the bucket refilled")
	}
}

func TestBearerToken(t *testing.T) {
	for h, want := range map[string]string{"Bearer k": "k", "bearer k": "k", "BEARER  k ": "k", "Basic k": "", "Bearer": "", "Bearer ": ""} {
		got, ok := bearerToken(h)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q, %v", h, got, ok)
		}
	}
}
