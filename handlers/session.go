package handlers

import (
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"kago/shop"
	"kago/static"
	"kago/views"
)

// Cookie names: shoppers and admins have separate sessions.
const (
	shopperCookie = "kago_shop"
	adminCookie   = "kago_admin"
)

// session returns the named cookie session, the same one for the whole
// request; a tampered or stale cookie yields a fresh, empty session.
func (srv *Server) session(c echo.Context, name string) *sessions.Session {
	key := "session:" + name
	if sess, ok := c.Get(key).(*sessions.Session); ok {
		return sess
	}
	sess, err := srv.sessions.Get(c.Request(), name)
	if err != nil {
		sess, _ = srv.sessions.New(c.Request(), name)
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

// setFlash stores a one-time message for the next page of that session.
func (srv *Server) setFlash(c echo.Context, cookie, msg string) error {
	sess := srv.session(c, cookie)
	sess.AddFlash(msg)
	return srv.saveSession(c, sess)
}

func (srv *Server) popFlash(c echo.Context, cookie string) string {
	sess := srv.session(c, cookie)
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return ""
	}
	_ = srv.saveSession(c, sess)
	msg, _ := flashes[0].(string)
	return msg
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}

// page builds the shared part of a storefront page.
func (srv *Server) page(c echo.Context, title string) views.Page {
	ctx := c.Request().Context()
	p := views.Page{Title: title, ShopName: srv.shopName(ctx), CSRF: csrfToken(c), StaticCSS: static.URL("kago.css")}
	if t := srv.cartToken(c); t != "" {
		p.CartCount, _ = srv.shop.DB().CartCount(ctx, t)
	}
	if m, ok := srv.currentMember(c); ok {
		p.Member = m.Address.FullName()
	}
	p.Flash = srv.popFlash(c, shopperCookie)
	return p
}

// redirect sends the browser on after a POST.
func redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
