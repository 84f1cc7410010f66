package handlers

import (
	"errors"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

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

// PostLimit is the per-address limit on write requests (POST): Burst at
// once, then Rate per second.
type PostLimit struct {
	Rate  float64
	Burst int
}

// DefaultPostLimit lets one address send 30 forms at once and one a second
// after that: a shopper sends about ten for an order.
var DefaultPostLimit = PostLimit{Rate: 1, Burst: 30}

// unlimitedPosts are write endpoints that other servers call, each checked
// by its own means: Amazon's notifications (IPN) carry a signature, and a
// burst of them comes from a few Amazon addresses.
var unlimitedPosts = map[string]bool{"/amazonpay/ipn": true}

// errTooMuchInput is a form with too many or too long values (413).
var errTooMuchInput = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "form values over the limit")

// errTooManyPosts is a client over the POST limit (429).
var errTooManyPosts = echo.NewHTTPError(http.StatusTooManyRequests, "too many posts")

// limitForms parses every form up front and refuses one whose values pass
// the caps of its area (storefront or admin) with 413, before any handler
// runs.
func (srv *Server) limitForms(next echo.HandlerFunc) echo.HandlerFunc {
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
			}
		}
		return next(c)
	}
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

// limitPosts refuses write requests over the per-address limit with 429.
// The counters are per instance (in memory), enough against one client
// flooding one shop.
func (srv *Server) limitPosts(lim PostLimit) echo.MiddlewareFunc {
	retryAfter := strconv.Itoa(int(math.Ceil(1 / lim.Rate)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: func(c echo.Context) bool {
			path := c.Request().URL.Path
			return c.Request().Method != http.MethodPost || srv.isMounted(path) || unlimitedPosts[path]
		},
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(lim.Rate), Burst: lim.Burst, ExpiresIn: 10 * time.Minute}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return shop.ClientNetwork(c.RealIP()), nil },
		DenyHandler: func(c echo.Context, id string, err error) error {
			srv.log.Warn("post limit reached", "client", id, "path", c.Request().URL.Path)
			c.Response().Header().Set("Retry-After", retryAfter)
			return errTooManyPosts
		},
	})
}
