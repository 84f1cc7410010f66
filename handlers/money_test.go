package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
	"kago/store"
)

// Issue 17: what the shop computes and refuses, shown where the shopper and
// the merchant read it, with amounts that do not divide evenly.

// newProduct adds a published product through the catalog service.
func (k *kit) newProduct(name string, price int64, rate int, stock int64) store.Product {
	k.t.Helper()
	p, err := k.shop.Catalog.CreateProduct(context.Background(), shop.ProductInput{Name: name, Price: strconv.FormatInt(price, 10),
		TaxRate: strconv.Itoa(rate), Stock: strconv.FormatInt(stock, 10), Published: true}, nil)
	if err != nil {
		k.t.Fatalf("product %s: %v", name, err)
	}
	return p
}

// putInCart puts qty of a product in the kit's cart.
func (k *kit) putInCart(p store.Product, qty int) {
	k.t.Helper()
	r := k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {strconv.Itoa(qty)}})
	if r.status != http.StatusSeeOther {
		k.t.Fatalf("add %s to the cart: %d %s", p.Name, r.status, r.body)
	}
}

// TestTaxLinesWherePeopleReadThem: one order with both rates and 代金引換.
// The per-rate lines are the same on the cart, the order page's summary,
// the confirm page, the order, the thanks mail and its copy, and 受注明細:
// shipping and the fee at 10%, the tax rounded down once per rate.
func TestTaxLinesWherePeopleReadThem(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.putInCart(k.newProduct("手ぬぐい 藍", 1000, 10, 20), 1)
	k.putInCart(k.newProduct("手ぬぐい 紅", 1000, 10, 20), 1)
	k.putInCart(k.newProduct("ほうじ茶 100g", 1050, 8, 20), 1)
	// Goods only: 2,000 at 10% holds 181 (per line it would be 90+90).
	mustContain(t, k.get("/cart").body, "2,000円（内消費税181円）", "1,050円（内消費税77円）")

	// 2,000 + 880 + 330 = 3,210 at 10%: 291; 1,050 at 8%: 77.
	ten, eight := "3,210円（内消費税291円）", "1,050円（内消費税77円）"
	k.get("/checkout/order")
	r := k.get("/checkout/quote?payment_method=cod&buyer_prefecture=" + url.QueryEscape("静岡県"))
	var quote struct {
		Total string
		Rates []struct{ Label, Value string }
	}
	if err := json.Unmarshal([]byte(r.body), &quote); err != nil {
		t.Fatal(err)
	}
	if quote.Total != "4,260円" || len(quote.Rates) != 2 || quote.Rates[0].Label != "10%対象" || quote.Rates[0].Value != ten ||
		quote.Rates[1].Label != "8%対象" || quote.Rates[1].Value != eight {
		t.Fatalf("quote %+v", quote)
	}
	if r := k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayCOD))); r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.location)
	}
	conf := k.get("/checkout/confirm").body
	mustContain(t, conf, ten, eight, "4,260円")
	if r := k.post("/checkout/place", confirmForm(t, conf)); r.location != "/checkout/complete" {
		t.Fatalf("注文する: %d %s", r.status, r.location)
	}
	o, _ := orderNumber(t, k, 1)
	if o.Total10 != 3210 || o.Tax10 != 291 || o.Total8 != 1050 || o.Tax8 != 77 || o.Total != 4260 {
		t.Fatalf("order: 10%% %d/%d, 8%% %d/%d, total %d", o.Total10, o.Tax10, o.Total8, o.Tax8, o.Total)
	}
	mails, _ := k.db.OrderMails(context.Background(), o.ID)
	if len(mails) != 2 {
		t.Fatalf("%d mails", len(mails))
	}
	for _, m := range mails {
		mustContain(t, m.Body, "（10%対象 3,210円 内消費税 291円）", "（8%対象 1,050円 内消費税 77円）")
	}
	k.loginAdmin()
	mustContain(t, k.get("/admin/orders/1").body, ten, eight, "4,260円")
}

// TestPlaceRefusesAnotherTotal: a confirm page whose total is above or
// below the server's orders nothing, even with the digest of the page the
// server drew; the page shown again carries the server's total.
func TestPlaceRefusesAnotherTotal(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	p := k.newProduct("急須", 3300, 10, 5)
	k.putInCart(p, 1)
	k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank)))
	page := confirmForm(t, k.get("/checkout/confirm").body)
	if page.Get("total") != "4180" {
		t.Fatalf("confirm total %s, want 4180", page.Get("total"))
	}
	for _, shown := range []string{"4181", "4179", "41800", "0"} {
		form := merge(page, url.Values{"total": {shown}})
		r := k.post("/checkout/place", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("a page showing %s円: %d %s", shown, r.status, r.location)
		}
		mustContain(t, r.body, "金額が変更されました")
		if got := confirmForm(t, r.body); got.Get("total") != "4180" {
			t.Fatalf("the page shown again carries %s", got.Get("total"))
		}
	}
	if _, err := k.db.Order(context.Background(), 1); err == nil {
		t.Fatal("an order was written")
	}
	if got := stockOf(t, k, p.ID); got != 5 {
		t.Fatalf("stock %d, want 5", got)
	}
	if r := k.post("/checkout/place", page); r.location != "/checkout/complete" {
		t.Fatalf("the server's total: %d %s", r.status, r.location)
	}
}

// TestPlaceWithAnotherShoppersCheckout: shopper B posts 「注文する」 with
// shopper A's confirm page (checkout, digest and total) and the same goods
// in B's own cart. Nothing is ordered with A's name or address, and A's
// page still orders, once.
func TestPlaceWithAnotherShoppersCheckout(t *testing.T) {
	t.Parallel()
	a := newKit(t)
	fillCart(t, a, 1)
	a.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank)))
	page := confirmForm(t, a.get("/checkout/confirm").body)

	b := a.another()
	fillCart(t, b, 1)
	r := b.post("/checkout/place", merge(page))
	if r.location == "/checkout/complete" {
		t.Fatal("B ordered with A's checkout")
	}
	for _, of := range []string{"判図", "taro@example.jp", "駿東郡清水町"} {
		if strings.Contains(r.body, of) || strings.Contains(b.get(r.location).body, of) {
			t.Errorf("B was shown A's %q", of)
		}
	}
	if _, err := a.db.Order(context.Background(), 1); err == nil {
		t.Fatal("an order was written from B's request")
	}
	if r := a.post("/checkout/place", page); r.location != "/checkout/complete" {
		t.Fatalf("A's own page: %d %s", r.status, r.location)
	}
	if o, _ := orderNumber(t, a, 1); o.Buyer.FamilyName != "判図" {
		t.Fatalf("order 1 is %+v", o.Buyer)
	}
	if _, err := a.db.Order(context.Background(), 2); err == nil {
		t.Fatal("a second order was written")
	}
}
