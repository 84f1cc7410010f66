package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
	"kago/static"
	"kago/views"
)

// Cookie names. The shopper's cookie is a gorilla session holding only IDs
// (cart token, checkout, last order) and flashes; the admin's cookie holds a
// server-side session ID (signIn), its flashes live in that session.
const (
	shopperCookie = "kago_shop"
	adminCookie   = "kago_admin_sid"
	csrfCookie    = "kago_csrf"
)

// sessionCookie is the cookie of one kind of server-side session
// (shop.Sessions). It carries only the random session ID. Members get their
// own: newSessionCookie(model.SessionMember, "kago_member_sid", "/").
type sessionCookie struct {
	kind string // model.SessionAdmin, model.SessionMember
	name string
	path string // the admin cookie is sent only to /admin
	// Keys in the request's echo context, made once: the ID signIn issued
	// and the session loaded.
	idKey, sessionKey string
}

// newSessionCookie describes the cookie name, sent to path, of a session of
// kind.
func newSessionCookie(kind, name, path string) sessionCookie {
	return sessionCookie{kind: kind, name: name, path: path, idKey: "session-id:" + name, sessionKey: "session:" + name}
}

var adminSession = newSessionCookie(model.SessionAdmin, adminCookie, "/admin")

// serverSessions maps a cookie name to its server-side session, for flashes.
var serverSessions = map[string]sessionCookie{adminCookie: adminSession}

func (srv *Server) setSessionCookie(c echo.Context, sc sessionCookie, id string, maxAge time.Duration) {
	ck := &http.Cookie{Name: sc.name, Value: id, Path: sc.path, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: srv.cfg.Secure, MaxAge: int(maxAge / time.Second)}
	if id == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

// signIn starts a session of sc's kind for subjectID. The session ID
// rotates (the browser's old session ends) and so does the CSRF token.
func (srv *Server) signIn(c echo.Context, sc sessionCookie, subjectID int64) error {
	old := ""
	if ck, err := c.Cookie(sc.name); err == nil {
		old = ck.Value
	}
	id, err := srv.shop.Sessions.Start(c.Request().Context(), sc.kind, subjectID, old)
	if err != nil {
		return err
	}
	srv.setSessionCookie(c, sc, id, srv.shop.Sessions.Policy(sc.kind).Max)
	c.Set(sc.idKey, id)
	c.Set(sc.sessionKey, nil)
	srv.rotateCSRF(c)
	return nil
}

// signedIn returns the browser's live session of sc's kind; ok is false
// when it is not signed in (no cookie, ended, expired).
func (srv *Server) signedIn(c echo.Context, sc sessionCookie) (model.Session, bool, error) {
	key := sc.sessionKey
	if ss, ok := c.Get(key).(model.Session); ok {
		return ss, true, nil
	}
	id := srv.sessionID(c, sc)
	ss, err := srv.shop.Sessions.Get(c.Request().Context(), sc.kind, id)
	if errors.Is(err, shop.ErrNotFound) {
		return ss, false, nil
	}
	if err != nil {
		return ss, false, err
	}
	c.Set(key, ss)
	return ss, true, nil
}

// sessionID is the browser's session ID of sc's kind: the one signIn just
// issued, or the cookie's; "" when none.
func (srv *Server) sessionID(c echo.Context, sc sessionCookie) string {
	if id, ok := c.Get(sc.idKey).(string); ok {
		return id
	}
	if ck, err := c.Cookie(sc.name); err == nil {
		return ck.Value
	}
	return ""
}

// signOut ends the browser's session of sc's kind and drops its cookie.
func (srv *Server) signOut(c echo.Context, sc sessionCookie) error {
	if err := srv.shop.Sessions.End(c.Request().Context(), srv.sessionID(c, sc)); err != nil {
		return err
	}
	srv.setSessionCookie(c, sc, "", 0)
	srv.rotateCSRF(c)
	return nil
}

// rotateCSRF gives the browser a new CSRF token (at sign-in and sign-out),
// replacing the cookie the CSRF middleware set earlier in this response.
// Browsers that send Sec-Fetch-Site are checked by that header instead.
func (srv *Server) rotateCSRF(c echo.Context) {
	h := c.Response().Header()
	var kept []string
	for _, v := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(v, csrfCookie+"=") {
			kept = append(kept, v)
		}
	}
	h.Del("Set-Cookie")
	for _, v := range kept {
		h.Add("Set-Cookie", v)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: srv.cfg.Secure, MaxAge: csrfMaxAge})
}

// session returns the named cookie session, the same one for the whole
// request (kept in the echo context, not in gorilla's registry); a request
// without the cookie gets a fresh, empty session without any decoding, and
// a tampered or stale cookie yields one too.
func (srv *Server) session(c echo.Context, name string) *sessions.Session {
	key := "session:" + shopperCookie // the one cookie session; its key made once
	if name != shopperCookie {
		key = "session:" + name
	}
	if sess, ok := c.Get(key).(*sessions.Session); ok {
		return sess
	}
	sess, err := srv.sessions.New(c.Request(), name)
	if err != nil {
		// Nothing of a cookie that failed to decode is kept.
		sess = sessions.NewSession(srv.sessions, name)
		opts := *srv.sessions.Options
		sess.Options, sess.IsNew = &opts, true
	}
	c.Set(key, sess)
	return sess
}

func (srv *Server) saveSession(c echo.Context, sess *sessions.Session) error {
	return sess.Save(c.Request(), c.Response())
}

// cartToken is the shopper's cart token, or "" when there is none yet.
func (srv *Server) cartToken(c echo.Context) string {
	t, _ := srv.session(c, shopperCookie).Values["cart"].(string)
	if !shop.ValidCartToken(t) {
		return ""
	}
	return t
}

// ensureCartToken returns the cart token, creating and saving one if needed.
func (srv *Server) ensureCartToken(c echo.Context) (string, error) {
	if t := srv.cartToken(c); t != "" {
		return t, nil
	}
	sess := srv.session(c, shopperCookie)
	t := shop.NewCartToken()
	sess.Values["cart"] = t
	return t, srv.saveSession(c, sess)
}

// setFlash stores a one-time message for the next page of that session;
// for a server-side session (the admin's) it is kept in the session.
func (srv *Server) setFlash(c echo.Context, cookie, msg string) error {
	if sc, ok := serverSessions[cookie]; ok {
		if _, in, err := srv.signedIn(c, sc); !in {
			return err
		}
		return srv.shop.Sessions.SetFlash(c.Request().Context(), srv.sessionID(c, sc), msg)
	}
	sess := srv.session(c, cookie)
	sess.AddFlash(msg)
	return srv.saveSession(c, sess)
}

func (srv *Server) popFlash(c echo.Context, cookie string) string {
	if c.Request().Method == http.MethodHead {
		return "" // no body shows it: it waits for the GET
	}
	if sc, ok := serverSessions[cookie]; ok {
		ss, in, _ := srv.signedIn(c, sc)
		if !in {
			return ""
		}
		msg, _ := srv.shop.Sessions.TakeFlash(c.Request().Context(), ss)
		return msg
	}
	sess := srv.session(c, cookie)
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return ""
	}
	_ = srv.saveSession(c, sess)
	// Every message since the last page is shown (e.g. 「数量を変更しました。」
	// and that Amazon Pay must be started again), each once.
	var msgs []string
	for _, f := range flashes {
		if m, ok := f.(string); ok && m != "" && !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	return strings.Join(msgs, " ")
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}

// page builds the shared part of a storefront page.
func (srv *Server) page(c echo.Context, title string) views.Page {
	ctx := c.Request().Context()
	p := views.Page{Title: title, CSRF: csrfToken(c), StaticCSS: static.URL("kago.css"), StaticJS: static.URL("kago.js"),
		Meta: views.Meta{Type: "website", Favicon: static.URL("favicon.svg"), PostalJS: static.URL("postal.js")}}
	p.ShopName, p.Meta.Description = srv.shop.ShopName(ctx)
	if base := srv.shop.BaseURL(); base != "" {
		p.Meta.URL = base + c.Request().URL.RequestURI()
	}
	if cart, ok := c.Get(cartCtxKey).(shop.Cart); ok {
		p.CartCount = cart.Count // the page read the cart
	} else if t := srv.cartToken(c); t != "" {
		p.CartCount, _ = srv.shop.DB().CartCount(ctx, t)
	}
	if m, ok := srv.currentMember(c); ok {
		p.Member = m.Address.FullName()
	}
	p.Flash = srv.popFlash(c, shopperCookie)
	p.TestMode = srv.shop.TestMode(ctx)
	return p
}

// redirect sends the browser on after a POST.
func redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
