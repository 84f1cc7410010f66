package shop_test

import (
	"context"
	"testing"

	"kago/shop"
	"kago/store"
)

// BenchmarkPlaceOrder measures order creation: draft, quote, the writer
// transaction with stock, order, lines, history and two outbox mails.
func BenchmarkPlaceOrder(b *testing.B) {
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
	for b.Loop() {
		token := shop.NewCartToken()
		if err := s.AddToCart(ctx, token, p.ID, 2); err != nil {
			b.Fatal(err)
		}
		d, _, err := s.OpenCheckout(ctx, "", token, false)
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
		if _, err := s.PlaceOrder(ctx, shop.Confirmation{CheckoutID: d.ID, CartToken: token, Total: q.Total, Digest: shop.CheckoutDigest(d, q)}); err != nil {
			b.Fatal(err)
		}
	}
}
