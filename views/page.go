// Package views renders Kago's pages with templ. Pages take a view model
// shaped like the page plus the shared Page; they never query anything.
package views

import (
	"strconv"

	"kago/jp"
)

// Page is what every storefront page needs besides its own model.
type Page struct {
	Title     string
	ShopName  string
	CSRF      string
	CartCount int64
	Member    string // the logged-in member's name; empty for a guest
	Flash     string // a success message after a redirect
	Error     string // a message for the whole page
	StaticCSS string // versioned stylesheet URL
	StaticJS  string // versioned kago.js URL (confirm dialogs, send-once buttons)
	// TestMode is set while Amazon Pay runs against the emulator or the
	// sandbox: a banner says no real payment takes place.
	TestMode bool
	Meta     Meta
}

// Meta is what a storefront page tells search engines and link previews:
// the meta description and the OGP tags (Open Graph protocol).
type Meta struct {
	Description string
	URL         string // the page's absolute URL (og:url)
	Image       string // an absolute picture URL (og:image), or ""
	Type        string // og:type: "website" or "product"
	Favicon     string // versioned icon URL
	PostalJS    string // versioned URL of the 住所検索 script
}

// AdminPage is what every admin page needs.
type AdminPage struct {
	Title     string
	ShopName  string
	CSRF      string
	Admin     string // the signed-in admin's e-mail
	Nav       string // the active menu entry
	Flash     string
	Error     string
	StaticCSS string
	StaticJS  string
}

// Yen and Comma are jp's, so pages, mails and documents print amounts alike.
var (
	Yen   = jp.Yen
	Comma = jp.Comma
)

// DateTime shows a stored UTC time in Japan time as jp.DateTime does:
// 2026年12月5日（土）14:05.
var DateTime = jp.DateTime

// Itoa is strconv.FormatInt for templates.
func Itoa(v int64) string { return strconv.FormatInt(v, 10) }
