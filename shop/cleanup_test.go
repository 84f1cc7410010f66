package shop_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"kago/model"
	"kago/shop"
	"kago/store"
)

// TestCleanupDeletesWhatIsAbandoned: drafts after 3 days (never one whose
// Amazon Pay order is still open), carts after 30, expired sessions and old
// login counters; nothing younger.
func TestCleanupDeletesWhatIsAbandoned(t *testing.T) {
	s, db, clk := newClockShop(t)
	ctx := context.Background()
	if _, err := s.SeedDemo(ctx, "/static/"); err != nil {
		t.Fatal(err)
	}
	products := demoProducts(t, db, 1)
	cart := shop.NewCartToken()
	if err := s.AddToCart(ctx, cart, products[0].ID, 1); err != nil {
		t.Fatal(err)
	}
	priced, err := s.Cart(ctx, cart, false)
	if err != nil {
		t.Fatal(err)
	}
	abandoned, _, err := s.OpenCheckout(ctx, "", priced)
	if err != nil {
		t.Fatal(err)
	}
	open, _, err := s.OpenCheckout(ctx, "", priced)
	if err != nil {
		t.Fatal(err)
	}
	// An Amazon Pay order still waiting for its buyer keeps its draft.
	if err := db.WithTx(ctx, func(tx *store.Tx) error {
		o := store.Order{CheckoutID: open.ID, Status: store.OrderPending, PaymentMethod: shop.PayAmazon, PaymentStatus: store.AmazonPending,
			Email: "taro@example.jp", Buyer: testBuyer, Destination: store.Destination{SameAsBuyer: true}, DeliveryMethod: "宅配便",
			Subtotal: products[0].Price, Total: products[0].Price,
			Lines: []store.OrderLine{{ProductID: products[0].ID, Name: products[0].Name, UnitPrice: products[0].Price, TaxRate: 8, Quantity: 1}}}
		if err := tx.InsertOrder(&o, "購入者"); err != nil {
			return err
		}
		return tx.InsertAmazonPayment(store.AmazonPayment{OrderID: o.ID, CheckoutSessionID: "session-open", State: store.AmazonPending,
			SaleMethod: shop.SaleAuthorizeWithCapture, ProductType: "PayAndShip", Amount: o.Total, Snapshot: []byte("{}")})
	}); err != nil {
		t.Fatal(err)
	}
	session, _ := s.Sessions.Start(ctx, model.SessionAdmin, 1, "")
	var checks atomic.Int64
	_ = attempt(s, &checks, "someone@example.jp", "192.0.2.9", false)

	if n, err := s.Cleanup(ctx); err != nil || n != 0 {
		t.Fatalf("fresh data: deleted %d (%v)", n, err)
	}
	clk.add(shop.AbandonedDraftAge + time.Second)
	if n, err := s.Cleanup(ctx); err != nil || n != 4 {
		t.Fatalf("after 3 days: deleted %d (%v), want 4 (a draft, a session, two login counters)", n, err)
	}
	if _, err := db.Checkout(ctx, abandoned.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the abandoned draft is still there: %v", err)
	}
	if _, err := db.Checkout(ctx, open.ID); err != nil {
		t.Fatalf("the draft of an open Amazon Pay order was deleted: %v", err)
	}
	if _, err := s.Sessions.Get(ctx, model.SessionAdmin, session); !errors.Is(err, shop.ErrNotFound) {
		t.Fatal("the expired session is back")
	}
	if n, _ := db.CartCount(ctx, cart); n != 1 {
		t.Fatalf("a 3-day-old cart lost its items: %d", n)
	}
	clk.add(shop.AbandonedCartAge)
	if n, err := s.Cleanup(ctx); err != nil || n != 1 {
		t.Fatalf("after 30 days: deleted %d (%v), want the cart", n, err)
	}
	if n, _ := db.CartCount(ctx, cart); n != 0 {
		t.Fatalf("the abandoned cart still holds %d items", n)
	}
}
