package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/handlers"
	"kago/store"
)

// The storefront's pages over real HTTP, one shopper at a time: routing,
// middleware, session, the shop's reads and the render. Each iteration
// sends a fresh request (the jar adds the shopper's cookies) and reads the
// whole body; `make bench` measures the same pages under load.

// benchPage GETs path per iteration and checks the answer.
func benchPage(b *testing.B, k *kit, path string) {
	b.Helper()
	b.ReportAllocs()
	size := 0
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, k.srv.URL+path, nil)
		res, err := k.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %v", path, res.StatusCode, err)
		}
		size = int(n)
	}
	b.SetBytes(int64(size))
}

// benchCart is a kit whose shopper has three products in the cart.
func benchCart(b *testing.B) *kit {
	k := newKit(b)
	ps, err := k.db.Products(b.Context(), true)
	if err != nil || len(ps) < 3 {
		b.Fatalf("demo catalog: %v", err)
	}
	for _, p := range ps[:3] {
		if r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}}); r.status != http.StatusSeeOther {
			b.Fatalf("add to cart: %d", r.status)
		}
	}
	k.get("/cart") // the flash is shown once
	return k
}

// BenchmarkProductList measures the storefront's first page.
func BenchmarkProductList(b *testing.B) {
	benchPage(b, newKit(b), "/")
}

// BenchmarkProductPage measures a product page with its pictures.
func BenchmarkProductPage(b *testing.B) {
	k := newKit(b)
	benchPage(b, k, "/products/"+strconv.FormatInt(k.product(func(store.Product) bool { return true }).ID, 10))
}

// BenchmarkProductPageShopper measures the same page for a shopper with a
// cart of three, as `make bench` does: the session cookie is decoded and
// the header shows the cart's count.
func BenchmarkProductPageShopper(b *testing.B) {
	k := benchCart(b)
	benchPage(b, k, "/products/"+strconv.FormatInt(k.product(func(store.Product) bool { return true }).ID, 10))
}

// BenchmarkCartPage measures the cart with three products, its Amazon Pay
// button included.
func BenchmarkCartPage(b *testing.B) {
	benchPage(b, benchCart(b), "/cart")
}

// BenchmarkOrderPage measures the zero-step order page with a cart of
// three: session, draft, quote, the Amazon Pay button and the render.
func BenchmarkOrderPage(b *testing.B) {
	k := benchCart(b)
	k.get("/checkout/order") // the draft is made once
	benchPage(b, k, "/checkout/order")
}

// BenchmarkAddToCart measures 「カゴに入れる」 for a new shopper each time:
// a new cart, its line, the session cookie and the redirect.
func BenchmarkAddToCart(b *testing.B) {
	// One address posts thousands of times a second here: no POST limit.
	k := newKitWith(b, kitOptions{configure: func(cfg *handlers.Config) { cfg.PostLimit = handlers.PostLimit{Rate: 1e9, Burst: 1e9} }})
	body := url.Values{"product_id": {strconv.FormatInt(k.product(func(store.Product) bool { return true }).ID, 10)}, "quantity": {"1"}}.Encode()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/cart/items", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("add to cart: %d %v", res.StatusCode, err)
		}
	}
}

// BenchmarkAdminOrdersPage measures 受注一覧 for a signed-in admin: the
// server-side session is read on every request (and its idle expiry moved
// on at most once a minute).
func BenchmarkAdminOrdersPage(b *testing.B) {
	k := newKit(b)
	k.loginAdmin()
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+"/admin/orders", nil)
	for b.Loop() {
		res, err := k.client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
	}
}

// BenchmarkOrderFormPost measures sending the zero-step order form: the
// form check (caps, UTF-8, control characters), CSRF, the draft's
// validation and save.
func BenchmarkOrderFormPost(b *testing.B) {
	k := newKit(b)
	fillCart(b, k, 2)
	k.get("/checkout/order")
	form := merge(buyerValues(), paymentValues("cod"))
	form.Set("_csrf", k.csrfToken())
	form.Set("notes", "不在時は宅配ボックスへ\r\n午前中にお願いします")
	body := form.Encode()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/checkout/order", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := k.client.Do(req)
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
	}
}
