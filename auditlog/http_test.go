package auditlog_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/sluice-gateway/sluice/auditlog"
)

func TestLog_Handler(t *testing.T) {
	l := MustOpenLog(t, nil)
	l.Append(t, 626) // 2 full tiles and one of 114 at level 0; 2 hashes at level 1
	l.MustIntegrate(t)
	l.Append(t, 5) // sequenced, not integrated: not served
	prefix := l.Serve(t)

	for _, tt := range []struct {
		name   string
		path   string
		status int
		size   int    // body size, when 200
		cache  string // Cache-Control, when 200
	}{
		{"Checkpoint", "checkpoint", 200, -1, "no-store"},
		{"FullTile", "tile/0/000", 200, 256 * 32, "public, max-age=31536000, immutable"},
		{"PartialTile", "tile/0/002.p/114", 200, 114 * 32, "public, max-age=60"},
		{"OlderPartialTile", "tile/0/002.p/100", 200, 100 * 32, "public, max-age=60"},
		{"PartialOfFullTile", "tile/0/001.p/7", 200, 7 * 32, "public, max-age=60"},
		{"Level1", "tile/1/000.p/2", 200, 2 * 32, "public, max-age=60"},
		{"FullBundle", "tile/entries/001", 200, -1, "public, max-age=31536000, immutable"},
		{"PartialBundle", "tile/entries/002.p/114", 200, -1, "public, max-age=60"},
		{"ErrBeyondTree", "tile/0/002.p/115", 404, 0, ""},
		{"ErrNotIntegrated", "tile/entries/002.p/116", 404, 0, ""},
		{"ErrNoSuchTile", "tile/0/003", 404, 0, ""},
		{"ErrFullTileOfPartial", "tile/0/002", 404, 0, ""},
		{"ErrNoLevel2", "tile/2/000.p/1", 404, 0, ""},
		{"ErrLeadingZeroLevel", "tile/00/000", 400, 0, ""},
		{"ErrShortIndex", "tile/0/0", 400, 0, ""},
		{"ErrNonCanonicalIndex", "tile/0/x000/001", 400, 0, ""},
		{"ErrWidthZero", "tile/0/000.p/0", 400, 0, ""},
		{"ErrWidthFull", "tile/0/000.p/256", 400, 0, ""},
		{"ErrWidthLeadingZero", "tile/0/002.p/0114", 400, 0, ""},
		{"ErrLevel64", "tile/64/000", 400, 0, ""},
		{"ErrNoSuchPath", "nope", 404, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(prefix + "/" + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			if tt.size >= 0 && len(body) != tt.size {
				t.Errorf("%d bytes, want %d", len(body), tt.size)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			wantType := "application/octet-stream"
			if tt.path == "checkpoint" {
				wantType = "text/plain; charset=utf-8"
			}
			if got := resp.Header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type %q, want %q", got, wantType)
			}
		})
	}

	t.Run("BundleGzip", func(t *testing.T) {
		req, _ := http.NewRequest("GET", prefix+"/tile/entries/002.p/114", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("headers %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := auditlog.ParseBundle(b)
		if err != nil || len(entries) != 114 {
			t.Fatalf("%d entries, %v", len(entries), err)
		}
		want, _ := l.Store.ReadEntries(t.Context(), 2*256, 1)
		if string(entries[0]) != string(want[0]) {
			t.Fatalf("entry 512: %s, want %s", entries[0], want[0])
		}
	})
}
