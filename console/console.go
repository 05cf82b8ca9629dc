// Package console serves sluice's web console under /ui/: server-rendered
// pages over the same services as the JSON API, in Simplified Chinese and
// English, for a session signed in with an API key.
//
// A session sees what its key sees through the API: every page calls the
// services with the key's actor in the context, and the services decide.
// Sessions live in memory: a restart signs everyone out.
package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/auditlog"
	"github.com/sluice-gateway/sluice/sharing"
	"github.com/sluice-gateway/sluice/supervise"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultSessionTTL is how long a console session lasts.
const DefaultSessionTTL = 8 * time.Hour

// Cookie names.
const (
	sessionCookie = "sluice_session"
	loginCookie   = "sluice_login" // CSRF token of the sign-in form, before any session
	langCookie    = "sluice_lang"
)

// A Catalog describes fields from category keys and grades datasets, for
// the correction of a field's categories. classify.Catalog is one.
type Catalog interface {
	Describe(f *sluice.Field, keys []string) error
	sluice.DatasetGrader
}

// Server is the console. Set the services, then use Handler.
type Server struct {
	Keys       sluice.KeyService
	Orgs       sluice.OrgService
	Datasets   sluice.DatasetService
	Sharing    *sharing.Service
	Transfers  sluice.TransferService
	Supervise  *supervise.Service // reads for supervisors; nil: supervisors see nothing
	Log        *auditlog.Log
	Catalog    Catalog
	SessionTTL time.Duration    // 0 is DefaultSessionTTL
	Now        func() time.Time // nil is sluice.Now
	Logger     *slog.Logger

	once     sync.Once
	pages    map[string]*template.Template
	mu       sync.Mutex
	sessions map[string]*session
}

// A session is a signed-in browser: the key it signed in with (kept in
// memory only, authenticated again on every request so that a revoked key
// ends the session), its CSRF token and its expiry.
type session struct {
	token   string
	csrf    string
	expires time.Time
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return sluice.Now()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Server) init() {
	s.once.Do(func() {
		s.sessions = map[string]*session{}
		s.pages = map[string]*template.Template{}
		names, err := fs.Glob(templateFS, "templates/*.html")
		if err != nil {
			panic(err)
		}
		for _, n := range names {
			page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if page == "layout" {
				continue
			}
			s.pages[page] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
		}
	})
}

// Handler returns the console's routes: /ui/..., / (redirected to /ui/)
// and a styled 404 for any other path given to it. Mount it at "/" beside
// the API.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusFound) })
	mux.HandleFunc("GET /ui/login", s.handleLoginPage)
	mux.HandleFunc("POST /ui/login", s.handleLogin)
	mux.HandleFunc("GET /ui/lang", s.handleLang)
	mux.Handle("GET /ui/logout", s.pageAll(s.handleLogoutPage))
	mux.Handle("POST /ui/logout", s.formAll(s.handleLogout))
	mux.Handle("GET /ui/{$}", s.pageAll(s.handleOverview))
	mux.Handle("GET /ui/datasets", s.pageAll(s.handleDatasets))
	mux.Handle("GET /ui/datasets/{id}", s.pageAll(s.handleDataset))
	mux.Handle("POST /ui/datasets/{id}/fields", s.form(s.handleFieldForm))
	mux.Handle("POST /ui/datasets/{id}/catalog", s.form(s.handleCatalogForm))
	mux.Handle("GET /ui/grants", s.pageAll(s.handleGrants))
	mux.Handle("POST /ui/grants", s.form(s.handleGrantRequest))
	mux.Handle("POST /ui/grants/{id}/{action}", s.form(s.handleGrantAction))
	mux.Handle("GET /ui/transfers", s.pageAll(s.handleTransfers))
	mux.Handle("GET /ui/log", s.pageAll(s.handleLog))
	mux.Handle("GET /ui/log/proof/{index}", s.pageAll(s.handleProof))
	mux.Handle("POST /ui/log/verify", s.formAll(s.handleVerify))
	mux.Handle("GET /ui/subjects", s.page(s.handleSubjects))
	mux.Handle("POST /ui/subjects", s.form(s.handleSubjectLookup))
	mux.Handle("GET /ui/reports", s.page(s.handleReport))
	mux.Handle("GET /ui/catalog", s.pageAll(s.handleCatalog))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderStatus(w, r, nil, http.StatusNotFound, "notfound", nil)
	})
	return secure(mux)
}

// secure sets the headers every console answer carries: a strict content
// security policy (scripts and styles from /ui/static only, no inline
// script), no framing, no sniffing, no caching of pages with data.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/ui/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// A view is what a page handler gets: the request with the session's
// actor in its context, the session and the language.
type view struct {
	r    *http.Request
	w    http.ResponseWriter
	sess *session
	key  *sluice.APIKey
	lang string
}

func (v *view) ctx() context.Context { return v.r.Context() }

// page wraps a handler of a signed-in page: no session, or an expired one,
// goes to the sign-in page with a message. A supervisor is refused: its
// actor has no org, and only the handlers given to pageAll read for it
// (through the supervise service).
func (s *Server) page(h func(v *view)) http.Handler { return s.pageAll(noSupervisor(s, h)) }

// pageAll is page for a handler that also serves supervisors.
func (s *Server) pageAll(h func(v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		h(v)
	})
}

func noSupervisor(s *Server, h func(v *view)) func(v *view) {
	return func(v *view) {
		if v.supervisor() {
			s.fail(v, sluice.Errorf(sluice.EFORBIDDEN, "A supervisor key only reads."))
			return
		}
		h(v)
	}
}

func (v *view) supervisor() bool { return v.key.Role == sluice.RoleSupervisor }

// form wraps a handler of a form post: signed in, and the form's CSRF
// token must be the session's. Supervisors are refused: they change
// nothing.
func (s *Server) form(h func(v *view)) http.Handler { return s.formAll(noSupervisor(s, h)) }

// formAll is form for a handler that also serves supervisors.
func (s *Server) formAll(h func(v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			s.renderStatus(w, r, nil, http.StatusBadRequest, "error", map[string]any{"Message": "bad form"})
			return
		}
		v, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		if !sameToken(r.PostForm.Get("csrf"), v.sess.csrf) {
			s.renderStatus(w, r, v, http.StatusForbidden, "error", map[string]any{"MessageKey": "err.csrf"})
			return
		}
		h(v)
	})
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// render writes page with data, status 200.
func (s *Server) render(v *view, page string, data map[string]any) {
	s.renderStatus(v.w, v.r, v, http.StatusOK, page, data)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, v *view, status int, page string, data map[string]any) {
	s.init()
	if data == nil {
		data = map[string]any{}
	}
	lang := language(r)
	data["Lang"] = lang
	data["Path"] = r.URL.Path
	data["Page"] = page
	if v != nil {
		data["CSRF"] = v.sess.csrf
		data["Role"] = string(v.key.Role)
		if v.key.Org != nil {
			data["OrgName"] = v.key.Org.Name
		} else {
			data["OrgName"] = fmt.Sprint(v.key.Regions)
		}
		data["SignedIn"] = true
	}
	t := s.pages[page]
	if t == nil {
		t = s.pages["error"]
	}
	var b strings.Builder
	if err := execute(t, lang, &b, data); err != nil {
		s.serverError(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail renders the page for a service error: not found, forbidden,
// invalid, or a server error with its request id.
func (s *Server) fail(v *view, err error) {
	switch sluice.ErrorCode(err) {
	case sluice.ENOTFOUND:
		s.renderStatus(v.w, v.r, v, http.StatusNotFound, "notfound", nil)
	case sluice.EFORBIDDEN, sluice.EUNAUTHORIZED:
		s.renderStatus(v.w, v.r, v, http.StatusForbidden, "error", map[string]any{"MessageKey": "err.forbidden"})
	case sluice.EINVALID, sluice.ECONFLICT:
		s.renderStatus(v.w, v.r, v, http.StatusBadRequest, "error", map[string]any{"Message": sluice.ErrorMessage(err)})
	default:
		s.serverError(v.w, v.r, v, err)
	}
}

// serverError logs err with a new request id and shows the id.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, v *view, err error) {
	id := randomToken()[:16]
	s.logger().ErrorContext(r.Context(), "console error", slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	t := s.pages["error"]
	lang := language(r)
	data := map[string]any{"Lang": lang, "MessageKey": "err.internal", "RequestID": id, "Path": r.URL.Path, "Page": "error"}
	var b strings.Builder
	if t == nil || execute(t, lang, &b, data) != nil {
		http.Error(w, "internal error, request id "+id, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(b.String()))
}

// forbidden answers 403 unless the viewer's role is one of roles.
func (s *Server) allowed(v *view, roles ...sluice.Role) bool {
	for _, r := range roles {
		if v.key.Role == r {
			return true
		}
	}
	s.fail(v, sluice.Errorf(sluice.EFORBIDDEN, "A %s key cannot do this.", v.key.Role))
	return false
}

var errNoService = errors.New("service not configured")

// execute runs a clone of t (the parsed originals are never executed, so
// that they can be cloned) with the label function of lang as "t".
func execute(t *template.Template, lang string, w io.Writer, data any) error {
	c, err := t.Clone()
	if err != nil {
		return err
	}
	return c.Funcs(template.FuncMap{"t": translator(lang)}).Execute(w, data)
}
