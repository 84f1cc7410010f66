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
// /csp-report and logged.
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

func buildCSP(h shop.AmazonPayHosts) string {
	script, other := strings.Join(h.Script, " "), strings.Join(h.Other, " ")
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' " + script,
		"style-src 'self'",
		"img-src 'self' " + other,
		"font-src 'self'",
		"connect-src 'self' " + other,
		"frame-src " + other,
		"form-action 'self' " + other,
		"frame-ancestors 'self'",
		"base-uri 'none'",
		"object-src 'none'",
		"report-uri " + cspReportPath,
	}, "; ")
}

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

// securityHeaders sets the Content-Security-Policy on everything the shop
// serves (the emulator's pages are Amazon's, not ours) and
// Cache-Control: no-store on private pages and on any page drawn for a
// logged-in member (the header names them).
func (srv *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Request().URL.Path
		if !srv.isMounted(path) {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", srv.contentSecurityPolicy())
			if privatePage(path) {
				h.Set("Cache-Control", "no-store")
			} else {
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
