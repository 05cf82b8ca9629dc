package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/sluice-gateway/sluice"
)

// signedIn finds the request's session and authenticates its key again.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*view, bool) {
	lang := language(r)
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return nil, false
	}
	s.mu.Lock()
	sess := s.sessions[c.Value]
	if sess != nil && !s.now().Before(sess.expires) {
		delete(s.sessions, c.Value)
		sess = nil
	}
	s.mu.Unlock()
	if sess == nil {
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		http.Redirect(w, r, "/ui/login?expired=1", http.StatusSeeOther)
		return nil, false
	}
	key, err := s.Keys.Authenticate(r.Context(), sess.token)
	if err != nil {
		s.endSession(c.Value)
		if sluice.ErrorCode(err) == sluice.EUNAUTHORIZED {
			http.Redirect(w, r, "/ui/login?expired=1", http.StatusSeeOther)
		} else {
			s.serverError(w, r, nil, err)
		}
		return nil, false
	}
	ctx := sluice.NewContextWithActor(r.Context(), &sluice.Actor{Org: key.Org, Role: key.Role, Key: key.ID, Regions: key.Regions})
	r = r.WithContext(ctx)
	return &view{r: r, w: w, sess: sess, key: key, lang: lang}, true
}

func (s *Server) endSession(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// newSession starts a session for token and sets its cookie.
func (s *Server) newSession(w http.ResponseWriter, r *http.Request, token string) {
	ttl := s.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	id, sess := randomToken(), &session{token: token, csrf: randomToken(), expires: s.now().Add(ttl)}
	s.mu.Lock()
	for k, o := range s.sessions { // drop the expired ones
		if !s.now().Before(o.expires) {
			delete(s.sessions, k)
		}
	}
	s.sessions[id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/ui/", Expires: sess.expires, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{}
	if r.URL.Query().Get("expired") != "" {
		data["NoticeKey"] = "login.expired"
	}
	s.renderLogin(w, r, http.StatusOK, data)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/ui/login", MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	data["LoginCSRF"] = token
	s.renderStatus(w, r, nil, status, "login", data)
}

// handleLogin exchanges an API key for a session. The form's CSRF token
// must match the sign-in cookie (a double-submit token: there is no
// session yet to hold it).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, map[string]any{"ErrorKey": "err.form"})
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		s.renderStatus(w, r, nil, http.StatusForbidden, "error", map[string]any{"MessageKey": "err.csrf"})
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("key"))
	if token == "" {
		s.renderLogin(w, r, http.StatusBadRequest, map[string]any{"Errors": map[string]string{"key": "err.key.required"}})
		return
	}
	if _, err := s.Keys.Authenticate(r.Context(), token); err != nil {
		if sluice.ErrorCode(err) != sluice.EUNAUTHORIZED {
			s.serverError(w, r, nil, err)
			return
		}
		s.renderLogin(w, r, http.StatusUnauthorized, map[string]any{"Errors": map[string]string{"key": "err.key.invalid"}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/ui/login", MaxAge: -1})
	s.newSession(w, r, token)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (s *Server) handleLogoutPage(v *view) { s.render(v, "logout", nil) }

func (s *Server) handleLogout(v *view) {
	if c, err := v.r.Cookie(sessionCookie); err == nil {
		s.endSession(c.Value)
	}
	http.SetCookie(v.w, &http.Cookie{Name: sessionCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: v.r.TLS != nil})
	http.Redirect(v.w, v.r, "/ui/login", http.StatusSeeOther)
}

// handleLang sets the language cookie and goes back to the page named by
// ?back= (a path under /ui/ only).
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if _, ok := catalogues[lang]; !ok {
		lang = "en"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/ui/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		back = "/ui/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
