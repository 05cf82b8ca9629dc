package auditlog

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// Cache-Control values, per C2SP tlog-tiles: the checkpoint changes and
// must not be cached; a full tile or bundle never changes. A partial tile
// never changes either, but is soon superseded by a wider one and may be
// deleted once full, so it is cached briefly.
const (
	cacheCheckpoint = "no-store"
	cacheFull       = "public, max-age=31536000, immutable"
	cachePartial    = "public, max-age=60"
)

// Handler serves the log below its prefix (mount it with
// http.StripPrefix("/log", l.Handler())), per C2SP tlog-tiles:
//
//	GET /checkpoint                       text/plain; charset=utf-8
//	GET /tile/<L>/<N>[.p/<W>]              application/octet-stream
//	GET /tile/entries/<N>[.p/<W>]          application/octet-stream
//
// Only tiles and bundles of the tree of the latest checkpoint are served;
// an entry sequenced but not yet integrated is not.
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+CheckpointPath, l.serveCheckpoint)
	mux.HandleFunc("GET /tile/", l.serveTile)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	return mux
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	msg, err := l.Store.ReadCheckpoint(r.Context())
	if err != nil {
		l.serverError(w, r, err)
		return
	} else if msg == nil {
		http.Error(w, "no checkpoint yet", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", cacheCheckpoint)
	w.Write(msg)
}

func (l *Log) serveTile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	path := strings.TrimPrefix(r.URL.Path, "/")
	level, index, width, err := parseTilePath(path)
	if err != nil {
		http.Error(w, "malformed tile path", http.StatusBadRequest)
		return
	}
	// The size of the published tree bounds what exists.
	msg, err := l.Store.ReadCheckpoint(ctx)
	if err != nil {
		l.serverError(w, r, err)
		return
	}
	var size int64
	if msg != nil {
		cp, err := l.parseStored(msg)
		if err != nil {
			l.serverError(w, r, err)
			return
		}
		size = cp.Size
	}
	hashLevel := max(level, 0)
	if index*TileWidth+int64(width) > size>>(TileHeight*hashLevel) {
		http.Error(w, "no such tile in the tree of the latest checkpoint", http.StatusNotFound)
		return
	}
	var body []byte
	if level == entriesLevel {
		entries, err := l.Store.ReadEntries(ctx, index*TileWidth, int64(width))
		if err != nil {
			l.serverError(w, r, err)
			return
		} else if len(entries) != width {
			http.Error(w, "entries missing", http.StatusNotFound)
			return
		}
		for _, e := range entries {
			body = binary.BigEndian.AppendUint16(body, uint16(len(e)))
			body = append(body, e...)
		}
	} else {
		data, err := l.Store.ReadTile(ctx, level, index)
		if err != nil {
			l.serverError(w, r, err)
			return
		} else if len(data) < width*32 {
			l.serverError(w, r, errTileShort)
			return
		}
		body = data[:width*32]
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if width == TileWidth {
		h.Set("Cache-Control", cacheFull)
	} else {
		h.Set("Cache-Control", cachePartial)
	}
	if level == entriesLevel {
		h.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(body)
			zw.Close()
			return
		}
	}
	w.Write(body)
}

var errTileShort = errors.New("auditlog: stored tile is narrower than the tree says")

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// parseStored verifies and parses a stored checkpoint, remembering the
// last one: tile requests would otherwise verify it each time.
func (l *Log) parseStored(msg []byte) (*Checkpoint, error) {
	if cp := l.published.Load(); cp != nil && bytes.Equal(cp.Note, msg) {
		return cp, nil
	}
	cp, err := OpenCheckpoint(msg, l.Key.Verifier)
	if err != nil {
		return nil, err
	}
	l.published.Store(cp)
	return cp, nil
}

func (l *Log) serverError(w http.ResponseWriter, r *http.Request, err error) {
	l.logger().ErrorContext(r.Context(), "serve audit log", slog.String("path", r.URL.Path), slog.Any("err", err))
	http.Error(w, "internal error", http.StatusInternalServerError)
}
