package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"kago/handlers"
	"kago/store"
)

// Issue 17: the checks every route must pass are tested on the router's own
// route table, so a route is covered the day it is added.

// csrfExempt are the POST routes, by path, that take requests without a
// CSRF token, with why. Each needs its own proof of origin, or must change
// nothing; the walk below checks that exactly these and the emulator's
// mounts are exempt.
var csrfExempt = map[string]string{
	"/csp-report":    "browsers send Content-Security-Policy reports without a token; they are only logged",
	"/amazonpay/ipn": "Amazon's notifications come without a token; each must carry a valid SNS signature, and the shop then reads the state from Amazon",
}

// mounted tells whether a path is the emulator's: its API and pages (posted
// to by the buyer as to Amazon's), and its console (an admin's, whose forms
// carry the console's own token).
func mounted(path string) bool {
	for _, p := range []string{handlers.EmulatorPath, handlers.EmulatorConsolePath} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// routes lists the registered routes of a method (every method when
// empty), one per method and path.
func (k *kit) routes(method string) []*echo.Route {
	e, ok := k.srv.Config.Handler.(*echo.Echo)
	if !ok {
		k.t.Fatalf("the kit serves %T, not the Echo router", k.srv.Config.Handler)
	}
	var out []*echo.Route
	for _, r := range e.Routes() {
		if (method == "" || r.Method == method) && r.Method != echo.RouteNotFound {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *echo.Route) int { return strings.Compare(a.Method+a.Path, b.Method+b.Path) })
	return slices.CompactFunc(out, func(a, b *echo.Route) bool { return a.Method == b.Method && a.Path == b.Path })
}

// concretePath fills a route's parameters with plausible values.
func concretePath(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case s == "*":
			segs[i] = "x"
		case strings.HasPrefix(s, ":"):
			segs[i] = map[string]string{":slug": "law", ":kind": "thanks", ":name": "cleanup", ":code": "4110901"}[s]
			if segs[i] == "" {
				segs[i] = "1"
			}
		}
	}
	return strings.Join(segs, "/")
}

// postRaw sends a form with the kit's cookies and extra headers, as given.
func (k *kit) postRaw(path string, form url.Values, header http.Header) response {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for name, v := range header {
		req.Header[name] = v
	}
	return k.do(req)
}

// TestEveryPostRouteNeedsTheCSRFToken: every POST route of the router
// refuses a form without the token, with a forged one, and one sent from
// another site, for a signed-in admin with a cart, before its handler
// runs. Only the emulator's mounts and csrfExempt are exempt.
func TestEveryPostRouteNeedsTheCSRFToken(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.putInCart(k.product(func(p store.Product) bool { return p.Stock > 10 }), 1)
	k.post("/checkout/order", merge(buyerValues(), paymentValues("bank")))
	k.loginAdmin()
	posts := k.routes(http.MethodPost)
	var paths []string
	for _, r := range posts {
		paths = append(paths, r.Path)
	}
	for _, must := range []string{"/cart/items", "/checkout/place", "/checkout/amazonpay/leave", "/admin/login", "/admin/orders/:id/payment", "/admin/settings", "/admin/amazonpay"} {
		if !slices.Contains(paths, must) {
			t.Fatalf("the route table lacks POST %s: %v", must, paths)
		}
	}
	token := k.csrfToken()
	for _, r := range posts {
		path := concretePath(r.Path)
		if mounted(r.Path) {
			continue
		}
		if why, ok := csrfExempt[r.Path]; ok {
			if res := k.postRaw(path, url.Values{}, nil); res.status == http.StatusForbidden {
				t.Errorf("POST %s is listed as exempt (%s) but refuses a form without a token", path, why)
			}
			continue
		}
		form := url.Values{"product_id": {"1"}, "quantity": {"1"}, "total": {"1"}}
		for _, tc := range []struct {
			name   string
			token  []string
			header http.Header
		}{
			{"no token", nil, nil},
			{"forged token", []string{"forged-" + token}, nil},
			{"from another site", []string{token}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}},
		} {
			f := merge(form)
			if tc.token != nil {
				f["_csrf"] = tc.token
			}
			res := k.postRaw(path, f, tc.header)
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "不正な送信") {
				t.Errorf("POST %s, %s: %d %s, want 403", path, tc.name, res.status, res.location)
			}
		}
	}
	if _, err := k.db.Order(t.Context(), 1); err == nil {
		t.Error("a refused 注文する made an order")
	}
	if !signedIn(k) {
		t.Error("a refused POST signed the admin out")
	}
	// The emulator's pages take the buyer's forms as Amazon's would.
	if res := k.postRaw(handlers.EmulatorPath+"/signin", url.Values{"amazonCheckoutSessionId": {"none"}}, nil); res.status == http.StatusForbidden {
		t.Errorf("the emulator's mount refused a form without a token: %d", res.status)
	}
}

// TestEveryAdminRouteNeedsAnAdmin: every route under /admin but the login
// page sends a visitor without an admin session to the login, whatever the
// method, even with a valid CSRF token.
func TestEveryAdminRouteNeedsAnAdmin(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	token := k.csrfToken()
	n := 0
	for _, r := range k.routes("") {
		if !strings.HasPrefix(r.Path, "/admin") || r.Path == "/admin/login" || r.Method == http.MethodConnect {
			continue
		}
		n++
		path := concretePath(r.Path)
		form := url.Values{"_csrf": {token}, "to": {"canceled"}, "paid": {"1"}}
		req, _ := http.NewRequest(r.Method, k.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		res := k.do(req)
		if res.status != http.StatusSeeOther || res.location != "/admin/login" {
			t.Errorf("%s %s without an admin: %d %s", r.Method, path, res.status, res.location)
		}
	}
	if n < 40 {
		t.Fatalf("only %d admin routes in the table", n)
	}
}
