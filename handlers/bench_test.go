package handlers_test

import (
	"net/http"
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
