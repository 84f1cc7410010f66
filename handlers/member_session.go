package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
)

// memberSession is the member's server-side session (shop.Sessions): the
// cookie carries only a random ID, which changes at every login.
var memberSession = newSessionCookie(model.SessionMember, "kago_member_sid", "/")

// Keys of the member's part of a request and of the shopper's session.
const (
	amazonStateKey = "amazon_state" // the state of an 「amazonでログイン」 round trip
	memberCtxKey   = "member"       // the loaded member, per request
)

// currentMember is the logged-in member of the request, loaded once. A
// session of a withdrawn or unknown member logs nobody in.
func (srv *Server) currentMember(c echo.Context) (model.Member, bool) {
	if m, ok := c.Get(memberCtxKey).(model.Member); ok {
		return m, m.ID != 0
	}
	var m model.Member
	ss, in, err := srv.signedIn(c, memberSession)
	if err != nil {
		srv.log.Error("member session", "err", err)
	}
	if in {
		got, err := srv.shop.Members.Member(c.Request().Context(), ss.SubjectID)
		if err == nil {
			m = got
		} else if !errors.Is(err, shop.ErrNotFound) {
			srv.log.Error("member session", "err", err)
		}
	}
	if m.ID == 0 {
		c.Set(memberCtxKey, nobody)
	} else {
		c.Set(memberCtxKey, m)
	}
	return m, m.ID != 0
}

// nobody is the request's member when no member is logged in, put in an
// interface once: a model.Member set in the echo context is copied to the
// heap (4% of a product page's allocations, per view).
var nobody any = model.Member{}

// isMember tells whether prices are member prices for this request.
func (srv *Server) isMember(c echo.Context) bool {
	_, ok := srv.currentMember(c)
	return ok
}

// loginMember starts a member's session with a new session ID (and a new
// CSRF token), ending the one the browser held: no session fixation.
func (srv *Server) loginMember(c echo.Context, m model.Member) error {
	if err := srv.signIn(c, memberSession, m.ID); err != nil {
		return err
	}
	c.Set(memberCtxKey, m)
	return srv.forgetAmazonLogin(c)
}

// forgetAmazonLogin clears the mark of a login from the Amazon account.
func (srv *Server) forgetAmazonLogin(c echo.Context) error {
	sess := srv.session(c, shopperCookie)
	if _, ok := sess.Values[amazonLoginKey]; !ok {
		return nil
	}
	delete(sess.Values, amazonLoginKey)
	return srv.saveSession(c, sess)
}

// logoutMember ends the member's session; the cart stays.
func (srv *Server) logoutMember(c echo.Context) error {
	if err := srv.signOut(c, memberSession); err != nil {
		return err
	}
	c.Set(memberCtxKey, nobody)
	return srv.forgetAmazonLogin(c)
}

// requireMember lets logged-in members through and sends others to the
// login page, which brings them back afterwards.
func (srv *Server) requireMember(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !srv.isMember(c) {
			return redirect(c, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return next(c)
	}
}

// localPath keeps a post-login destination on this shop: a path, never
// another host ("//evil.example", "/\evil.example").
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return fallback
	}
	return next
}

// newAmazonState starts an 「amazonでログイン」 round trip: a random value
// kept in the session and carried by the sign-in return URL, so a buyer
// token can only come back to the browser that asked for it (no login or
// link CSRF with someone else's Amazon account).
func (srv *Server) newAmazonState(c echo.Context) (string, error) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	state := base64.RawURLEncoding.EncodeToString(b)
	sess := srv.session(c, shopperCookie)
	sess.Values[amazonStateKey] = state
	return state, srv.saveSession(c, sess)
}

// takeAmazonState checks and spends the state of a sign-in return.
func (srv *Server) takeAmazonState(c echo.Context) (bool, error) {
	sess := srv.session(c, shopperCookie)
	want, _ := sess.Values[amazonStateKey].(string)
	got := c.QueryParam("state")
	if want == "" {
		return false, nil
	}
	delete(sess.Values, amazonStateKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1, srv.saveSession(c, sess)
}
