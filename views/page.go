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
	Member    string // the logged-in member's name; empty for a guest
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

var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return loc
}()

// DateTime shows a stored UTC time in Japan time.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(tokyo).Format("2006/01/02 15:04")
}

// Itoa is strconv.FormatInt for templates.
func Itoa(v int64) string { return strconv.FormatInt(v, 10) }
