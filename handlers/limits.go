package handlers

import (
	"errors"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/httprate"
	"github.com/labstack/echo/v4"

	"kago/shop"
)

// Limits on what anyone can send, checked before any handler stores
// anything (issue 9 item 4: anonymous oversized drafts filled the disk).
// The shop's own rules per field (e.g. 備考 1000 characters) still apply
// after these coarse caps.
type FormLimits struct {
	MaxValues     int // values in one request, query included
	MaxValueBytes int // bytes in one value (a file upload is not a value)
}

var (
	// storefrontForms: the longest storefront field is 備考 (1000 characters,
	// up to 4 bytes each in UTF-8).
	storefrontForms = FormLimits{MaxValues: 100, MaxValueBytes: 4096}
	// adminForms: the longest admin field is a mail template body (10,000
	// characters). Only /admin/login is open to anyone there, and it stores
	// nothing but login counters.
	adminForms = FormLimits{MaxValues: 1000, MaxValueBytes: 64 << 10}
)

// PostLimit is the per-address limit on write requests (POST): Burst in
// any Burst/Rate seconds, so Burst at once, then about Rate per second.
type PostLimit struct {
	Rate  float64
	Burst int
}

// window is the span in which an address may send Burst forms: Burst/Rate
// seconds (30 s by default), at least one.
func (lim PostLimit) window() time.Duration {
	return max(time.Second, time.Duration(float64(lim.Burst)/lim.Rate*float64(time.Second)))
}

// retryAfter is the seconds an address over the limit waits for a post to
// be taken again: the window and one slot's worth of it (see limitPosts).
func (lim PostLimit) retryAfter() int {
	window := lim.window().Seconds()
	return int(math.Ceil(window + window/float64(lim.Burst)))
}

// DefaultPostLimit lets one address send 30 forms at once and one a second
// after that: a shopper sends about ten for an order.
var DefaultPostLimit = PostLimit{Rate: 1, Burst: 30}

// unlimitedPosts are write endpoints that other servers call, each checked
// by its own means: Amazon's notifications (IPN) carry a signature, and a
// burst of them comes from a few Amazon addresses.
var unlimitedPosts = map[string]bool{ipnPath: true}

// errTooMuchInput is a form with too many or too long values (413).
var errTooMuchInput = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "form values over the limit")

// errTooManyPosts is a client over the POST limit (429).
var errTooManyPosts = echo.NewHTTPError(http.StatusTooManyRequests, "too many posts")

// checkForms parses every form up front, before any handler runs, and
//   - refuses one whose values pass the caps of its area (storefront or
//     admin) with 413;
//   - refuses invalid UTF-8 in any value (form or query) with 400;
//   - cleans control characters out of every value (shop.CleanText), so
//     no handler sees them.
func (srv *Server) checkForms(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if srv.isMounted(req.URL.Path) {
			return next(c)
		}
		lim := storefrontForms
		if req.URL.Path == "/admin" || strings.HasPrefix(req.URL.Path, "/admin/") {
			lim = adminForms
		}
		if err := parseForm(req); err != nil {
			if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) { // over BodyLimit
				return echo.ErrStatusRequestEntityTooLarge
			}
			return echo.NewHTTPError(http.StatusBadRequest, "unreadable form").SetInternal(err)
		}
		n := 0
		for _, vals := range req.Form {
			for _, v := range vals {
				if n++; n > lim.MaxValues || len(v) > lim.MaxValueBytes {
					return errTooMuchInput
				}
				if !utf8.ValidString(v) {
					return errInvalidText
				}
			}
		}
		cleanValues(req.Form)
		cleanValues(req.PostForm)
		if req.MultipartForm != nil {
			cleanValues(req.MultipartForm.Value)
		}
		if q := req.URL.Query(); cleanValues(q) { // c.QueryParam reads the URL, not req.Form
			req.URL.RawQuery = q.Encode()
		}
		return next(c)
	}
}

// errInvalidText is a value that is not UTF-8 text (400): our pages are
// UTF-8, so only a broken or forged request sends one.
var errInvalidText = echo.NewHTTPError(http.StatusBadRequest, "form value is not UTF-8")

// multilineFields are the textareas: newlines and tabs stay in them.
// Every other field is one line. A new <textarea> adds its name here.
var multilineFields = map[string]bool{
	"notes":              true, // 備考 (checkout), 注意書き (Amazon Pay設定)
	"description":        true, // 商品説明
	"bank_details":       true, // 振込先
	"body":               true, // メール定型文の本文
	"private_key":        true, // Amazon Pay プライベートキー (PEM)
	"shipping_lead_time": true, // 発送の時期 (ショップ設定)
	"return_policy":      true, // 返品・キャンセルについて (ショップ設定)
	"csv":                true, // 商品CSVの取り込み: the checked text sent back
}

// multiline tells whether a field keeps its line breaks: the textareas
// above, and each item of the shop pages (item_*, 特定商取引法に基づく表記 ...).
func multiline(field string) bool {
	return multilineFields[field] || strings.HasPrefix(field, "item_")
}

// cleanValues cleans every value in place and reports whether any changed.
// Passwords are compared, never shown or stored as text: they stay as typed.
func cleanValues(vals url.Values) bool {
	changed := false
	for k, vs := range vals {
		if strings.Contains(k, "password") {
			continue
		}
		for i, v := range vs {
			if clean := shop.CleanText(v, multiline(k)); clean != v {
				vs[i], changed = clean, true
			}
		}
	}
	return changed
}

// parseForm reads a form body (URL-encoded or multipart) and the query into
// req.Form, so handlers read what was checked here.
func parseForm(req *http.Request) error {
	ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if ct == echo.MIMEMultipartForm {
		return req.ParseMultipartForm(32 << 20)
	}
	return req.ParseForm()
}

// limitPosts refuses write requests over the per-address limit with 429:
// at most lim.Burst in any lim.window(), counted in a sliding window
// (go-chi/httprate). Retry-After is the window and one more slot's worth
// of it: httprate weighs the last window by how much of it still overlaps,
// so a burst at the start of one window still fills the start of the next
// (a post 30.2 s after 30 at once was refused). The counters
// are per instance (in memory), enough against one client flooding one
// shop. httprate keeps them as two maps of integers keyed by a hash, this
// window's and the last, which the GC does not scan and which are dropped
// as windows pass. Echo's store kept a limiter object per address for 10
// minutes: after a flash sale from 55,000 addresses that was 10 MB of
// small objects, and marking them made every GC cycle three times as
// long (product page -15-23%, order page -20% until they expired; issue 15).
func (srv *Server) limitPosts(lim PostLimit) echo.MiddlewareFunc {
	retryAfter := strconv.Itoa(lim.retryAfter())
	limiter := httprate.NewRateLimiter(lim.Burst, lim.window(), httprate.WithResponseHeaders(httprate.ResponseHeaders{}))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Method != http.MethodPost || srv.isMountedAPI(req.URL.Path) || unlimitedPosts[req.URL.Path] {
				return next(c)
			}
			// The local counter never fails, so OnLimit answers nothing
			// itself: true only when the address is over its limit.
			if id := shop.ClientNetwork(c.RealIP()); limiter.OnLimit(c.Response(), req, id) {
				srv.log.Debug("post limit reached", "client", id, "path", req.URL.Path)
				c.Response().Header().Set("Retry-After", retryAfter)
				return errTooManyPosts
			}
			return next(c)
		}
	}
}
