package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkOrderPageRender measures the zero-step order page with a cart:
// session, draft, quote, Amazon Pay button signing and the templ render.
func BenchmarkOrderPageRender(b *testing.B) {
	k := newKit(b)
	fillCart(b, k, 2)
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+"/checkout/order", nil)
	for b.Loop() {
		res, err := k.client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
	}
}

// BenchmarkProductList measures the storefront's first page.
func BenchmarkProductList(b *testing.B) {
	k := newKit(b)
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+"/", nil)
	for b.Loop() {
		res, err := k.client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
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
