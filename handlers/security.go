package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"kago/model"
	"kago/shop"
)

// contentSecurityPolicy allows scripts, styles, images and fonts from the
// shop itself and Amazon Pay's hosts only, and no inline script or style:
// every behaviour lives in static/*.js (data-confirm, data-once), so an
// injected <script> or onclick does not run. Violations are reported to
// /csp-report and logged. Amazon Pay's hosts are allowed only where a
// shopper or merchant meets Amazon Pay (securityHeaders); elsewhere,
// ownOnlyCSP.
func (srv *Server) contentSecurityPolicy() string {
	h := srv.shop.AmazonPayHosts()
	if p := srv.csp.Load(); p != nil && slices.Equal(p.hosts.Script, h.Script) && slices.Equal(p.hosts.Other, h.Other) {
		return p.policy
	}
	p := &cspPolicy{hosts: h, policy: buildCSP(h)}
	srv.csp.Store(p)
	return p.policy
}

// cspPolicy is the Content-Security-Policy made for a set of hosts, kept
// until the Amazon Pay environment changes them.
type cspPolicy struct {
	hosts  shop.AmazonPayHosts
	policy string
}

// buildCSP is the policy allowing the shop and, beside it, Amazon Pay's
// hosts h (none: the shop alone). Directives that fall back to
// default-src (script, style, img, font, connect) are written only when
// they allow more than it, so the headers stay short.
func buildCSP(h shop.AmazonPayHosts) string {
	d := []string{"default-src 'self'"}
	if len(h.Script) > 0 {
		d = append(d, "script-src 'self' "+strings.Join(h.Script, " "))
	}
	frames, forms := "'none'", "'self'"
	if len(h.Other) > 0 {
		other := strings.Join(h.Other, " ")
		d = append(d, "img-src 'self' "+other, "connect-src 'self' "+other)
		frames, forms = other, forms+" "+other
	}
	return strings.Join(append(d, "frame-src "+frames, "form-action "+forms,
		"frame-ancestors 'self'", "base-uri 'none'", "object-src 'none'", "report-uri "+cspReportPath), "; ")
}

// ownOnlyCSP is the policy of the pages where Amazon Pay has no part (the
// catalog, the shop's legal pages): nothing but the shop's own files. It
// also keeps the product page's answer within net/http's 4 KB write
// buffer, one write instead of two (issue 15).
var ownOnlyCSP = buildCSP(shop.AmazonPayHosts{})

// privateAreas are the paths (and their subpaths) that show personal or
// order data no browser or proxy cache may keep: the admin, the cart and
// every checkout page, the member's pages, and the login, registration and
// password pages (their forms carry the session's CSRF token).
var privateAreas = []string{"/admin", "/cart", "/checkout", "/mypage", "/login", "/register", "/password"}

// privatePage tells whether path is in one of the privateAreas.
func privatePage(path string) bool {
	for _, a := range privateAreas {
		if path == a || strings.HasPrefix(path, a+"/") {
			return true
		}
	}
	return false
}

// securityHeaders sets the Content-Security-Policy (with Amazon Pay's
// hosts in the private areas, ownOnlyCSP elsewhere) on everything the shop
// serves, and Cache-Control: no-store on private pages and on any page
// drawn for a logged-in member (the header names them). The emulator's
// pages are Amazon's, not ours: they get no policy, and refuse framing by
// another site with X-Frame-Options, which frame-ancestors replaces on
// the shop's.
func (srv *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Request().URL.Path
		if srv.isMounted(path) {
			c.Response().Header().Set("X-Frame-Options", "SAMEORIGIN")
		} else {
			h := c.Response().Header()
			// A shopper or merchant meets Amazon Pay only in the private
			// areas: the cart and checkout (the button, Amazon's pages, its
			// redirects after 注文する), the login, registration and my page
			// (「Amazonでログイン」, the account link) and the admin.
			if privatePage(path) {
				h.Set("Content-Security-Policy", srv.contentSecurityPolicy())
				h.Set("Cache-Control", "no-store")
			} else {
				h.Set("Content-Security-Policy", ownOnlyCSP)
				c.Response().Before(func() {
					if m, ok := c.Get(memberCtxKey).(model.Member); ok && m.ID != 0 {
						h.Set("Cache-Control", "no-store")
					}
				})
			}
		}
		return next(c)
	}
}

// cspReport logs a browser's report of a blocked resource, so a page the
// policy breaks (say, a change in Amazon's button script) shows in the log.
func (srv *Server) cspReport(c echo.Context) error {
	var r struct {
		Report struct {
			Document  string `json:"document-uri"`
			Directive string `json:"violated-directive"`
			Blocked   string `json:"blocked-uri"`
			Source    string `json:"source-file"`
			Line      int    `json:"line-number"`
		} `json:"csp-report"`
	}
	if err := json.NewDecoder(io.LimitReader(c.Request().Body, 16<<10)).Decode(&r); err != nil {
		return c.NoContent(http.StatusBadRequest)
	}
	cut := func(s string) string { return shop.CleanText(s[:min(len(s), 200)], false) }
	srv.log.Warn("content security policy violation", "document", cut(r.Report.Document), "directive", cut(r.Report.Directive),
		"blocked", cut(r.Report.Blocked), "source", cut(r.Report.Source), "line", r.Report.Line)
	return c.NoContent(http.StatusNoContent)
}
