package shop_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"kago/shop"
	"kago/store"
)

// Issue 17: tests of what the shop computes, with amounts that do not
// divide evenly, so a rounding or a rate that is off shows.

// newProduct adds a published product through the admin's catalog service.
func newProduct(t *testing.T, s *shop.Shop, name string, price int64, rate int, stock int64) store.Product {
	t.Helper()
	p, err := s.Catalog.CreateProduct(context.Background(), shop.ProductInput{Name: name, Price: strconv.FormatInt(price, 10),
		TaxRate: strconv.Itoa(rate), Stock: strconv.FormatInt(stock, 10), Published: true}, nil)
	if err != nil {
		t.Fatalf("product %s: %v", name, err)
	}
	return p
}

// checkoutOf fills a cart with qty of each product and returns its draft,
// complete and valid for the payment method.
func checkoutOf(t *testing.T, s *shop.Shop, payment string, lines map[store.Product]int64) shop.Draft {
	t.Helper()
	ctx := context.Background()
	token := shop.NewCartToken()
	for p, qty := range lines {
		if err := s.AddToCart(ctx, token, p.ID, qty); err != nil {
			t.Fatal(err)
		}
	}
	cart, err := s.Cart(ctx, token, false)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.OpenCheckout(ctx, "", cart)
	if err != nil {
		t.Fatal(err)
	}
	d.Form = shop.CheckoutForm{Email: "taro@example.jp", Buyer: testBuyer, ShipTo: shop.ShipToBuyer,
		DeliveryMethod: shop.DeliveryTakkyubin, PaymentMethod: payment, Agree: true}
	if err := s.SaveDraft(ctx, &d, shop.PartAll); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTaxIncludedRoundsDown(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		rate   int
		want   int64
	}{
		{1000, 10, 90}, // 90.9
		{1050, 8, 77},  // 77.7
		{1100, 10, 100}, {1080, 8, 80}, {109, 8, 8}, {11, 10, 1}, {10, 10, 0}, {1, 8, 0},
		{1_000_000, 10, 90_909}, {1_000_000, 8, 74_074},
		{0, 10, 0}, {-1100, 10, 0},
	} {
		if got := shop.TaxIncluded(tc.amount, tc.rate); got != tc.want {
			t.Errorf("TaxIncluded(%d, %d) = %d, want %d", tc.amount, tc.rate, got, tc.want)
		}
	}
	// Every amount: the tax is the whole yen at or below amount×rate/(100+rate).
	for _, rate := range []int{shop.TaxStandard, shop.TaxReduced} {
		for amount := int64(1); amount <= 5000; amount++ {
			tax, r := shop.TaxIncluded(amount, rate), int64(rate)
			if tax*(100+r) > amount*r || (tax+1)*(100+r) <= amount*r {
				t.Fatalf("TaxIncluded(%d, %d) = %d is not rounded down", amount, rate, tax)
			}
		}
	}
}

// TestQuoteTaxPerRate: one order with both rates, shipping and the COD fee.
// Shipping and the fee are taxed at 10%; the tax is computed once per rate
// on the rate's total, never per line and summed.
func TestQuoteTaxPerRate(t *testing.T) {
	s, _ := newShop(t)
	ctx := context.Background()
	a := newProduct(t, s, "手ぬぐい 藍", 1000, 10, 50)
	b := newProduct(t, s, "手ぬぐい 紅", 1000, 10, 50)
	c := newProduct(t, s, "ほうじ茶 100g", 1050, 8, 50)
	for _, tc := range []struct {
		payment           string
		shipping, fee     int64
		total10, tax10    int64
		total8, tax8      int64
		total, perLineTax int64
	}{
		// 2,000 + 880 + 330 = 3,210 at 10%: 291 (per line 90+90+80+30 = 290).
		{shop.PayCOD, 880, 330, 3210, 291, 1050, 77, 4260, 290},
		// 2,000 + 880 = 2,880 at 10%: 261 (per line 90+90+80 = 260).
		{shop.PayBank, 880, 0, 2880, 261, 1050, 77, 3930, 260},
	} {
		d := checkoutOf(t, s, tc.payment, map[store.Product]int64{a: 1, b: 1, c: 1})
		q, err := s.Quote(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []shop.RateTotal{{Rate: 10, Total: tc.total10, Tax: tc.tax10}, {Rate: 8, Total: tc.total8, Tax: tc.tax8}}
		if q.ShippingFee != tc.shipping || q.CODFee != tc.fee || q.Total != tc.total || len(q.RateTotals) != 2 ||
			q.RateTotals[0] != want[0] || q.RateTotals[1] != want[1] {
			t.Errorf("%s: shipping %d fee %d total %d rates %+v; want %d %d %d %+v", tc.payment, q.ShippingFee, q.CODFee, q.Total,
				q.RateTotals, tc.shipping, tc.fee, tc.total, want)
		}
		if q.RateTotals[0].Tax == tc.perLineTax {
			t.Errorf("%s: the 10%% tax was summed per line", tc.payment)
		}
		if q.RateTotals[0].Total+q.RateTotals[1].Total != q.Total {
			t.Errorf("%s: the rate totals %+v do not add up to the total %d", tc.payment, q.RateTotals, q.Total)
		}
	}
	// Goods at 8% only: shipping and the fee still make a 10% line.
	d := checkoutOf(t, s, shop.PayCOD, map[store.Product]int64{c: 2})
	q, _ := s.Quote(ctx, d, false)
	if want := []shop.RateTotal{{Rate: 10, Total: 1210, Tax: 110}, {Rate: 8, Total: 2100, Tax: 155}}; len(q.RateTotals) != 2 ||
		q.RateTotals[0] != want[0] || q.RateTotals[1] != want[1] {
		t.Errorf("8%% goods with COD: %+v, want %+v", q.RateTotals, want)
	}
}

// TestFreeShippingThreshold: 送料無料 from the setting's amount on (8,000円
// in the demo), not above it.
func TestFreeShippingThreshold(t *testing.T) {
	s, _ := newShop(t)
	ctx := context.Background()
	p := newProduct(t, s, "風呂敷", 1000, 10, 50)
	for qty, shipping := range map[int64]int64{7: 880, 8: 0, 9: 0} {
		q, err := s.Quote(ctx, checkoutOf(t, s, shop.PayBank, map[store.Product]int64{p: qty}), false)
		if err != nil {
			t.Fatal(err)
		}
		if q.ShippingFee != shipping || q.Total != 1000*qty+shipping {
			t.Errorf("%d円 of goods: shipping %d total %d, want shipping %d", 1000*qty, q.ShippingFee, q.Total, shipping)
		}
	}
}

// TestOrderKeepsTaxPerRate: the order stores each rate's total and tax as
// quoted, and the thanks mail shows them.
func TestOrderKeepsTaxPerRate(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	a := newProduct(t, s, "手ぬぐい 藍", 1000, 10, 50)
	c := newProduct(t, s, "ほうじ茶 100g", 1050, 8, 50)
	d := checkoutOf(t, s, shop.PayCOD, map[store.Product]int64{a: 2, c: 1})
	q, _ := s.Quote(ctx, d, false)
	o, err := s.PlaceOrder(ctx, shop.Confirmation{CheckoutID: d.ID, CartToken: d.CartToken, Total: q.Total, Digest: shop.CheckoutDigest(d, q)})
	if err != nil {
		t.Fatal(err)
	}
	// 2,000 + 880 + 330 = 3,210 at 10%: 291; 1,050 at 8%: 77.
	o, _ = db.Order(ctx, o.ID)
	if o.Total10 != 3210 || o.Tax10 != 291 || o.Total8 != 1050 || o.Tax8 != 77 || o.Total != 4260 || o.Subtotal != 3050 {
		t.Fatalf("order: 10%% %d/%d, 8%% %d/%d, total %d, subtotal %d", o.Total10, o.Tax10, o.Total8, o.Tax8, o.Total, o.Subtotal)
	}
	mails, _ := db.OrderMails(ctx, o.ID)
	if len(mails) != 2 {
		t.Fatalf("%d mails", len(mails))
	}
	for _, m := range mails {
		for _, want := range []string{"（10%対象 3,210円 内消費税 291円）", "（8%対象 1,050円 内消費税 77円）", "4,260円"} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s lacks %q:\n%s", m.Kind, want, m.Body)
			}
		}
	}
}

// TestPlaceOrderRefusesAnotherTotal: 「注文する」 orders only the total the
// server computes, whether the page showed more or less; nothing is
// written and no stock is taken.
func TestPlaceOrderRefusesAnotherTotal(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	p := newProduct(t, s, "急須", 3300, 10, 5)
	d := checkoutOf(t, s, shop.PayBank, map[store.Product]int64{p: 1})
	q, _ := s.Quote(ctx, d, false)
	for _, shown := range []int64{q.Total + 1, q.Total - 1, q.Total + 1000, 0} {
		_, err := s.PlaceOrder(ctx, shop.Confirmation{CheckoutID: d.ID, CartToken: d.CartToken, Total: shown, Digest: shop.CheckoutDigest(d, q)})
		if ie, ok := shop.AsInputError(err); !ok || !strings.Contains(ie.Message, "金額が変更されました") {
			t.Errorf("a page showing %d (server %d): %v", shown, q.Total, err)
		}
	}
	if _, err := db.Order(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an order was written: %v", err)
	}
	if got, _ := db.Product(ctx, p.ID); got.Stock != 5 {
		t.Fatalf("stock %d, want 5", got.Stock)
	}
	if _, err := s.PlaceOrder(ctx, shop.Confirmation{CheckoutID: d.ID, CartToken: d.CartToken, Total: q.Total, Digest: shop.CheckoutDigest(d, q)}); err != nil {
		t.Fatalf("the server's total: %v", err)
	}
}

// TestPointsPayOnlyTheGoodsAndLeaveOneYen: a member's points (and coupon)
// take off at most the goods, never the shipping, and leave at least 1円
// to pay (Amazon Pay takes no 0-yen order, seed 002).
func TestPointsPayOnlyTheGoodsAndLeaveOneYen(t *testing.T) {
	s, _ := newShop(t)
	ctx := context.Background()
	p := newProduct(t, s, "風呂敷 藍", 1000, 10, 50)
	for _, tc := range []struct {
		qty                      int64
		shipping, discount, paid int64
	}{
		{1, 880, 1000, 880}, // the goods only: the shipping is paid
		{8, 0, 7999, 1},     // free shipping (8,000円): 1円 stays
	} {
		d := checkoutOf(t, s, shop.PayBank, map[store.Product]int64{p: tc.qty})
		d.Member = &shop.MemberCheckout{Points: 100_000}
		q, err := s.Quote(ctx, d, true)
		if err != nil {
			t.Fatal(err)
		}
		if q.ShippingFee != tc.shipping || q.Discount.Points != tc.discount || q.Total != tc.paid {
			t.Errorf("%d円 of goods with 100,000 points: shipping %d, points used %d, total %d; want %d, %d, %d",
				1000*tc.qty, q.ShippingFee, q.Discount.Points, q.Total, tc.shipping, tc.discount, tc.paid)
		}
	}
}
