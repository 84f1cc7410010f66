package shop_test

import (
	"context"
	"testing"

	"kago/shop"
	"kago/store"
)

// benchCheckout is a shop with plenty of stock and a filled order form.
func benchCheckout(b *testing.B) (*shop.Shop, store.Product, shop.CheckoutForm) {
	s, db := newShop(b)
	ctx := context.Background()
	products, _ := db.Products(ctx, true)
	p := products[0]
	p.Stock = 1_000_000
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.UpdateProduct(p) }); err != nil {
		b.Fatal(err)
	}
	form := shop.CheckoutForm{Email: "taro@example.jp", ShipTo: shop.ShipToBuyer, DeliveryMethod: shop.DeliveryTakkyubin,
		PaymentMethod: shop.PayBank, Agree: true, Buyer: store.Address{FamilyName: "判図", GivenName: "太郎", FamilyKana: "ハンズ",
			GivenKana: "タロウ", Phone: "0559750000", PostalCode: "411-0901", Prefecture: "静岡県", City: "駿東郡清水町", Address1: "新宿823-1"}}
	return s, p, form
}

// confirmCheckout fills a new cart and checkout up to the confirmation page
// and returns the 「注文する」 that page would send.
func confirmCheckout(b *testing.B, s *shop.Shop, p store.Product, form shop.CheckoutForm) shop.Confirmation {
	ctx := context.Background()
	token := shop.NewCartToken()
	if err := s.AddToCart(ctx, token, p.ID, 2); err != nil {
		b.Fatal(err)
	}
	cart, err := s.Cart(ctx, token, false)
	if err != nil {
		b.Fatal(err)
	}
	d, _, err := s.OpenCheckout(ctx, "", cart)
	if err != nil {
		b.Fatal(err)
	}
	d.Form = form
	if err := s.SaveDraft(ctx, &d, shop.PartAll); err != nil {
		b.Fatal(err)
	}
	q, err := s.Quote(ctx, d, false)
	if err != nil {
		b.Fatal(err)
	}
	return shop.Confirmation{CheckoutID: d.ID, CartToken: token, Total: q.Total, Digest: shop.CheckoutDigest(d, q)}
}

// BenchmarkBankCheckout measures a whole order by bank transfer as the
// shop makes it: add to a new cart, open the checkout (a new draft), save
// the form, quote, and place the order.
func BenchmarkBankCheckout(b *testing.B) {
	s, p, form := benchCheckout(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PlaceOrder(context.Background(), confirmCheckout(b, s, p, form)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceOrder measures order creation alone, 「注文する」 on a
// confirmed checkout: the writer transaction that checks the total and the
// digest, takes the stock, writes the order, its lines and history, takes
// the lines from the cart and queues two mails.
func BenchmarkPlaceOrder(b *testing.B) {
	s, p, form := benchCheckout(b)
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		in := confirmCheckout(b, s, p, form)
		b.StartTimer()
		if _, err := s.PlaceOrder(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
