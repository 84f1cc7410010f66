// Package handlers is Kago's HTTP layer: it binds and validates input, calls
// the shop, and renders views. routes.go lists every URL.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"kago/shop"
	"kago/static"
	"kago/views"
)

// Config is what the HTTP layer needs besides the shop.
type Config struct {
	Log *slog.Logger
	// SessionKey signs (first 32 bytes) and encrypts (next 32) cookies.
	SessionKey []byte
	// Secure marks cookies Secure (the shop is served over TLS).
	Secure    bool
	UploadDir string
	// SMTP says how mail leaves the shop, for the dashboard.
	SMTP string
	// AmazonPayEmulator, if set, is the local Amazon Pay inside kago, served
	// at EmulatorPath (amazonpay_emulator.go).
	AmazonPayEmulator Emulator
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client. Empty: the connecting address is the client, and the header is
	// ignored (anyone could write it to dodge the per-address limits).
	TrustedProxies []*net.IPNet
	// PostLimit limits write requests per client address; zero means
	// DefaultPostLimit.
	PostLimit PostLimit
	// Pprof serves Go's profiles to the signed-in admin at
	// /admin/debug/pprof/ (off by default).
	Pprof bool
}

// Server is the HTTP side of the shop.
type Server struct {
	shop     *shop.Shop
	log      *slog.Logger
	sessions *sessions.CookieStore
	cfg      Config
	csp      atomic.Pointer[cspPolicy] // the last Content-Security-Policy made
}

// New builds the Echo application with its middleware and routes.
func New(s *shop.Shop, cfg Config) *echo.Echo {
	srv := &Server{shop: s, log: cfg.Log, cfg: cfg}
	srv.sessions = sessions.NewCookieStore(cfg.SessionKey[:32], cfg.SessionKey[32:64])
	srv.sessions.Options = &sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: cfg.Secure, MaxAge: 60 * 60 * 24 * 30}
	srv.sessions.MaxAge(srv.sessions.Options.MaxAge)
	for i, codec := range srv.sessions.Codecs {
		codec.(*securecookie.SecureCookie).SetSerializer(shopperCookieSerializer{})
		srv.sessions.Codecs[i] = newDecodedCookies(codec, srv.sessions.Options.MaxAge)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = srv.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Pre(routeHeadAsGet)
	e.Use(keepHead)
	e.Use(middleware.RequestID())
	e.Use(srv.logRequests)
	e.Use(middleware.Recover())
	// No X-XSS-Protection (browsers have dropped the filter it steered) and
	// no X-Frame-Options where the Content-Security-Policy's
	// frame-ancestors says the same (securityHeaders): a ninth header made
	// an answer's header map, and net/http's copy of it, outgrow Go's
	// small-map form; product page +7-10% (issue 15).
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff: "nosniff",
		ReferrerPolicy:     "same-origin", HSTSMaxAge: hstsAge(cfg.Secure),
	}))
	e.Use(srv.securityHeaders)
	e.Use(srv.compress())
	e.Use(middleware.BodyLimit("4M"))
	if cfg.PostLimit == (PostLimit{}) {
		cfg.PostLimit = DefaultPostLimit
	}
	e.Use(srv.limitPosts(cfg.PostLimit))
	e.Use(srv.checkForms)
	if cfg.AmazonPayEmulator != nil {
		cfg.AmazonPayEmulator.SetConsoleAccess(consoleGranted)
	}
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup: "form:_csrf,header:X-CSRF-Token", CookieName: csrfCookie, CookiePath: "/", CookieMaxAge: csrfMaxAge,
		CookieHTTPOnly: true, CookieSameSite: http.SameSiteLaxMode, CookieSecure: cfg.Secure,
		Skipper: func(c echo.Context) bool {
			// Browsers send CSP reports without a token; they change nothing.
			// Amazon posts notifications without one; each must verify
			// (ipn.go).
			path := c.Request().URL.Path
			return srv.isMounted(path) || path == cspReportPath || path == ipnPath
		},
	})
	e.Use(csrf)
	srv.routes(e)
	return e
}

// headKey marks, in the echo context, a HEAD request routed as GET.
const headKey = "head-request"

// routeHeadAsGet lets a HEAD request find the GET route of its path (Echo
// routes only the methods registered; uptime monitors and link checkers
// ask with HEAD): it answers as GET would, and net/http sends no body for
// a HEAD request (RFC 9110 9.3.2). keepHead gives the request its method
// back once routed, so handlers, limits and logs see HEAD (a one-time
// message stays for the GET, popFlash); the pages Amazon returns to take
// only GET (amazonReturns).
func routeHeadAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if req := c.Request(); req.Method == http.MethodHead {
			req.Method = http.MethodGet
			c.Set(headKey, true)
		}
		return next(c)
	}
}

func keepHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if head, _ := c.Get(headKey).(bool); head {
			c.Request().Method = http.MethodHead
			if amazonReturns[c.Path()] {
				return echo.ErrMethodNotAllowed
			}
		}
		return next(c)
	}
}

// amazonReturns are the pages Amazon sends the buyer back to: their GET
// acts on what Amazon answers (reads the checkout session and fills the
// order form, completes the payment, signs in or links the account), so a
// HEAD there is refused instead of answered as GET.
var amazonReturns = map[string]bool{"/checkout/amazonpay/review": true, "/checkout/amazonpay/result": true,
	"/login/amazon": true, "/mypage/amazon/return": true}

// ipExtractor is how c.RealIP finds the client address, for the limits per
// address: the connection's, or the X-Forwarded-For entry added by the
// nearest trusted proxy.
func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// cspReportPath receives the browser's Content-Security-Policy reports.
const cspReportPath = "/csp-report"

// csrfMaxAge is the CSRF cookie's life in seconds (Echo's default).
const csrfMaxAge = 86400

func hstsAge(secure bool) int {
	if secure {
		return 31536000
	}
	return 0
}

// gzipMinLength is the smallest answer worth compressing: below about one
// packet, gzip saves no round trip and costs its header and the CPU.
const gzipMinLength = 1400

// compress gzips answers of at least gzipMinLength bytes to clients that
// accept it, except what skipGzip leaves out, with klauspost/compress's
// gzhttp: its writers take tens of KB, where Echo's gzip middleware pooled
// the standard library's at about 1.2 MB each, a quarter of kago's memory
// after a rush of Amazon Pay orders (issue 15). zstd stays off: its
// encoders are larger still, and every browser takes gzip.
func (srv *Server) compress() echo.MiddlewareFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(gzipMinLength), gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.EnableZstd(false))
	if err != nil {
		panic(err) // the options above are valid
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if srv.skipGzip(c) {
				return next(c)
			}
			res := c.Response()
			plain := res.Writer
			var err error
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				err = next(c)
			})).ServeHTTP(plain, c.Request())
			// An error page is drawn after this (handleError), on the
			// plain writer: the gzip writer is closed by now.
			res.Writer = plain
			return err
		}
	}
}

// skipGzip leaves out what gzip does not pay for: pictures (compressed
// already; uploads are pictures only), byte ranges of a file, profiles
// (compressed by pprof) and the mounted emulator (a test tool on loopback).
// Pages, CSS and JavaScript are compressed at gzip's fastest level, which
// shrinks a page about as much as the default level for a fraction of the
// CPU.
func (srv *Server) skipGzip(c echo.Context) bool {
	req := c.Request()
	path := req.URL.Path
	if req.Header.Get("Range") != "" || srv.isMounted(path) || strings.HasPrefix(path, shop.UploadURLPrefix) ||
		strings.HasPrefix(path, "/admin/debug/pprof") {
		return true
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff2", ".gz", ".zip":
		return true
	}
	return false
}

// isMounted reports whether a path is the mounted emulator's: Amazon's
// pages and API are posted to from other sites by nature, and its console
// checks its own form token (amazonpay_emulator.go).
func (srv *Server) isMounted(path string) bool {
	if srv.cfg.AmazonPayEmulator == nil {
		return false
	}
	for _, p := range [...]string{EmulatorPath, EmulatorConsolePath} {
		if rest, ok := strings.CutPrefix(path, p); ok && (rest == "" || rest[0] == '/') {
			return true
		}
	}
	return false
}

// isMountedAPI reports whether a path is the mounted emulator's API, which
// the shop's own Amazon Pay client calls (from loopback, as fast as orders
// come). The emulator's hosted pages and the button's POST are a browser's
// and count against the client's POST limit like the shop's own forms.
func (srv *Server) isMountedAPI(path string) bool {
	if !srv.isMounted(path) {
		return false
	}
	rest := strings.TrimPrefix(path, EmulatorPath)
	for _, p := range []string{"/v2/", "/sandbox/v2/", "/live/v2/"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

// statusClientClosed is the status logged for a request whose client went
// away before the answer (nginx's 499); nothing is sent.
const statusClientClosed = 499

func (srv *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		level := slog.LevelDebug
		if res.Status >= 500 {
			level = slog.LevelError
		}
		srv.log.Log(req.Context(), level, "http", "method", req.Method, "path", req.URL.Path, "status", res.Status,
			"dur_ms", time.Since(start).Milliseconds(), "request_id", res.Header().Get(echo.HeaderXRequestID))
		return nil
	}
}

// render writes a component into a buffer first, so a failed render becomes
// a clean error page instead of half a document. The page goes with its
// Content-Length (the gzip middleware drops it when it compresses):
// without one, net/http sends a page over 2 KB in chunks, one more write
// to the connection per page.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// handleError is the one error handler: safe Japanese messages for people,
// the detail in the log.
func (srv *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	// A client that disconnects cancels the request's context, and the
	// query or call under way fails with that: nobody is there to answer
	// and nothing went wrong in the shop.
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		c.Response().Status = statusClientClosed
		return
	}
	status, heading, message := http.StatusInternalServerError, "エラーが発生しました",
		"申し訳ございません。処理中にエラーが発生しました。時間をおいてもう一度お試しください。"
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			status, heading, message = http.StatusNotFound, "ページが見つかりません", "お探しのページは見つかりませんでした。URLをご確認ください。"
		case http.StatusForbidden, http.StatusBadRequest:
			if strings.Contains(strings.ToLower(he.Error()), "csrf") {
				status, heading, message = http.StatusForbidden, "もう一度お試しください", "画面の有効期限が切れたか、不正な送信です。お手数ですが、前の画面に戻って再読み込みしてから、もう一度操作してください。"
			} else {
				heading, message = "リクエストを処理できません", "送信された内容を確認できませんでした。前の画面に戻ってもう一度お試しください。"
				if he == errInvalidText {
					message = "送信された内容に、文字として読み取れないデータが含まれています。前の画面に戻り、入力し直してからもう一度お試しください。"
				}
			}
		case http.StatusRequestEntityTooLarge:
			heading, message = "送信サイズが大きすぎます", "送信できるのは4MBまでです。ファイルを小さくしてもう一度お試しください。"
			if he == errTooMuchInput {
				message = "入力された内容が長すぎるか、項目が多すぎます。前の画面に戻って内容を短くしてから、もう一度お試しください。"
			}
		case http.StatusTooManyRequests:
			heading, message = "アクセスが集中しています", "短い時間にたくさんの送信がありました。少し時間をおいてから、もう一度お試しください。"
		}
	case errors.Is(err, shop.ErrNotFound):
		status, heading, message = http.StatusNotFound, "ページが見つかりません", "お探しのページは見つかりませんでした。"
	}
	if status >= 500 {
		srv.log.Error("request failed", "err", err, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		message += "（お問い合わせ番号：" + c.Response().Header().Get(echo.HeaderXRequestID) + "）"
	}
	page := views.Page{Title: heading, ShopName: srv.shopName(c.Request().Context()), StaticCSS: static.URL("kago.css"), StaticJS: static.URL("kago.js")}
	if rerr := render(c, status, views.ErrorPage(page, heading, message)); rerr != nil {
		_ = c.String(status, message)
	}
}

func (srv *Server) shopName(ctx context.Context) string {
	st, err := srv.shop.Settings(ctx)
	if err != nil {
		return shop.DefaultSettings().ShopName
	}
	return st.ShopName
}
