package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"kago/handlers"
	"kago/shop"
	"kago/static"
	"kago/store"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A shopper who closes the tab while a page is being made cancels the
// request; that is logged once, quietly, as 499, and never as a 500 error.
func TestClientDisconnectIsNotAnError(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.Log = log }})
	for _, path := range []string{"/", "/cart", "/products/1"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // gone before the shop could read anything
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		k.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Body.Len() != 0 {
			t.Errorf("%s: a page was written for a client that left: %d %q", path, rec.Code, rec.Body.String())
		}
	}
	got := logs.String()
	if strings.Contains(got, "level=ERROR") || strings.Contains(got, "status=500") {
		t.Fatalf("a disconnect was logged as an error:\n%s", got)
	}
	if n := strings.Count(got, "status=499"); n != 3 {
		t.Fatalf("want one 499 line per request, got %d:\n%s", n, got)
	}
}

// get sends a GET with the given Accept-Encoding and returns the raw answer.
func getEncoded(t *testing.T, k *kit, path, encoding string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+path, nil)
	req.Header.Set("Accept-Encoding", encoding)
	res, err := k.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// Pages, CSS and scripts go gzip-compressed to browsers that accept it;
// pictures (compressed already) and tiny answers do not, and a client
// without gzip gets plain pages.
func TestGzipWherePays(t *testing.T) {
	k := newKit(t)
	res, body := getEncoded(t, k, "/", "gzip, deflate, br")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("the product list is not compressed: %v", res.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(page), "商品一覧") || len(body)*3 > len(page) {
		t.Fatalf("compressed page: %d bytes from %d, %v", len(body), len(page), err)
	}
	if res, _ := getEncoded(t, k, static.URL("kago.css"), "gzip"); res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the stylesheet is not compressed")
	}
	// An uploaded picture (random bytes: incompressible, as a JPEG is).
	picture := make([]byte, 8<<10)
	_, _ = rand.Read(picture)
	if err := os.MkdirAll(filepath.Join(k.dir, "uploads"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(k.dir, "uploads", "bench.jpg"), picture, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{shop.UploadURLPrefix + "bench.jpg", "/healthz"} {
		if res, _ := getEncoded(t, k, path, "gzip"); res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: %d, compressed %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
	}
	res, body = getEncoded(t, k, "/", "")
	if res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(body), "商品一覧") {
		t.Errorf("a client without gzip got %q", res.Header.Get("Content-Encoding"))
	}
	// The plain page is sent whole with its length, not in chunks.
	if res.ContentLength != int64(len(body)) || len(res.TransferEncoding) != 0 {
		t.Errorf("plain page: Content-Length %d for %d bytes, Transfer-Encoding %v", res.ContentLength, len(body), res.TransferEncoding)
	}
}

// Go's profiles are off by default; with the switch on they are served to
// the signed-in admin only.
func TestPprofOnlyForAdminWhenSwitchedOn(t *testing.T) {
	off := newKit(t)
	off.loginAdmin()
	if r := off.get("/admin/debug/pprof/"); r.status != http.StatusNotFound {
		t.Fatalf("profiles without the switch: %d", r.status)
	}
	on := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.Pprof = true }})
	if r := on.get("/admin/debug/pprof/heap?debug=1"); r.status == http.StatusOK || strings.Contains(r.body, "heap profile") {
		t.Fatalf("profiles for a visitor: %d", r.status)
	}
	on.loginAdmin()
	if r := on.get("/admin/debug/pprof/"); r.status != http.StatusOK || !strings.Contains(r.body, "goroutine") {
		t.Fatalf("the index for the admin: %d", r.status)
	}
	if r := on.get("/admin/debug/pprof/heap?debug=1"); r.status != http.StatusOK || !strings.Contains(r.body, "heap profile") {
		t.Fatalf("the heap profile for the admin: %d", r.status)
	}
}

// HEAD answers as GET would, without the body: a page, a static file, a
// page that is not there; a path that takes only POST, and the pages
// Amazon returns the buyer to (their GET acts at Amazon), take no HEAD.
func TestHeadAnswersAsGet(t *testing.T) {
	k := newKit(t)
	for _, tc := range []struct {
		path   string
		status int
	}{{"/", http.StatusOK}, {static.URL("kago.css"), http.StatusOK}, {"/nope", http.StatusNotFound}, {"/cart/items", http.StatusMethodNotAllowed},
		{"/checkout/amazonpay/result", http.StatusMethodNotAllowed}, {"/login/amazon", http.StatusMethodNotAllowed}} {
		res, body := head(t, k, tc.path)
		if tc.status == http.StatusMethodNotAllowed {
			// handleError answers a method a path does not take as 404.
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("HEAD %s: %d for a path that takes no HEAD, want 404", tc.path, res.StatusCode)
			}
			continue
		}
		get := k.get(tc.path)
		if res.StatusCode != tc.status || get.status != tc.status || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes, GET %d; want %d and no body", tc.path, res.StatusCode, len(body), get.status, tc.status)
		}
		if res.Header.Get("Content-Type") != get.header.Get("Content-Type") {
			t.Errorf("HEAD %s: Content-Type %q, GET %q", tc.path, res.Header.Get("Content-Type"), get.header.Get("Content-Type"))
		}
		if tc.status == http.StatusOK && res.ContentLength > 0 && res.ContentLength != int64(len(get.body)) {
			t.Errorf("HEAD %s: Content-Length %d, GET's body %d bytes", tc.path, res.ContentLength, len(get.body))
		}
	}
}

// A HEAD leaves the one-time message for the GET that shows it.
func TestHeadLeavesTheMessage(t *testing.T) {
	k := newKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 0 })
	k.get("/products/" + strconv.FormatInt(p.ID, 10))
	if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", r.status)
	}
	head(t, k, "/cart")
	mustContain(t, k.get("/cart").body, "カゴに商品を入れました。")
}

func head(t *testing.T, k *kit, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, k.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := k.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}
