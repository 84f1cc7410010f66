// Package views renders Kago's pages with templ. Pages take a view model
// shaped like the page plus the shared Page; they never query anything.
package views

import (
	"strconv"
	"time"

	"kago/jp"
)

// Page is what every storefront page needs besides its own model.
type Page struct {
	Title     string
	ShopName  string
	CSRF      string
	CartCount int64
	Flash     string // a success message after a redirect
	Error     string // a message for the whole page
	StaticCSS string // versioned stylesheet URL
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
}

// Yen and Comma are jp's, so pages, mails and documents print amounts alike.
var (
	Yen   = jp.Yen
	Comma = jp.Comma
)

// DateTime shows a stored UTC time in Japan time as pages print it:
// 2026年12月5日（土）14:05, or — for none.
func DateTime(t time.Time) string { return jp.DateTime(t) }

// Itoa is strconv.FormatInt for templates.
func Itoa(v int64) string { return strconv.FormatInt(v, 10) }
