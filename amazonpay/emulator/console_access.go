package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The console (its pages, its forms and its JSON API under /console/api)
// captures, refunds, cancels, injects faults and moves the clock, so it is
// not for everyone who can reach the emulator's API and hosted pages:
//
//   - Who: Options.ConsoleAccess, or SetConsoleAccess, decides; by default
//     only clients on a loopback address (the standalone command). Kago
//     lets only a signed-in shop admin in.
//   - From where: a request that changes something must not come from
//     another site. Browsers say so (Sec-Fetch-Site, Origin), and
//     http.CrossOriginProtection refuses it; forms also carry a token that
//     must match the console's cookie (double submit), for browsers that
//     send neither header; the JSON API takes only application/json, which
//     a form of another site cannot send.

const (
	csrfCookie = "amazonpay_emulator_csrf"
	csrfField  = "csrf"
)

// loopbackOnly is the default console access: the client is on this host,
// and so is the name it asked for. The Host check stops DNS rebinding: a
// page of evil.example whose name turns to 127.0.0.1 reaches a loopback
// listener from the victim's own browser, but asks for evil.example.
func loopbackOnly(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && loopbackName(r.Host)
}

// loopbackName reports whether a Host header names this host: localhost
// or a loopback address, with or without a port.
func loopbackName(hostport string) bool {
	name := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	if strings.EqualFold(name, "localhost") {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}

// SetConsoleAccess sets who may use the console: allow reports whether a
// request may (nil restores the default, loopback clients only). A host
// that mounts the emulator calls it with its own login check.
func (e *Emulator) SetConsoleAccess(allow func(*http.Request) bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.consoleAccess = allow
}

func (e *Emulator) consoleAllowed(r *http.Request) bool {
	e.mu.Lock()
	allow := e.consoleAccess
	e.mu.Unlock()
	if allow == nil {
		allow = loopbackOnly
	}
	return allow(r)
}

// consoleToken returns the console's form token for the request, setting
// a new cookie for the console's path (root) when the browser has none.
func (e *Emulator) consoleToken(w http.ResponseWriter, r *http.Request, root string) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	path := root
	if u, err := url.Parse(root); err == nil {
		path = u.EscapedPath()
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: token, Path: path, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return token
}

var (
	errCrossSite = errors.New("コンソールへの他のサイトからの送信は受け付けません。")
	errToken     = errors.New("画面の有効期限が切れたか、不正な送信です。コンソールを開き直してから、もう一度操作してください。")
	errNotJSON   = errors.New("the console API takes Content-Type: application/json")
)

// checkConsoleWrite refuses a request that changes something from another
// site: a form without the token of the console's cookie, a JSON call that
// is not application/json.
func (e *Emulator) checkConsoleWrite(r *http.Request, form bool) error {
	if err := e.crossOrigin.Check(r); err != nil {
		return errCrossSite
	}
	if !form {
		if r.Method == http.MethodPost {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				return errNotJSON
			}
		}
		return nil
	}
	c, err := r.Cookie(csrfCookie)
	sent := r.PostFormValue(csrfField)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		return errToken
	}
	return nil
}
