package shop_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"kago/mail"
	"kago/shop"
	"kago/store"
	"kago/store/storetest"
)

func newShop(t testing.TB) (*shop.Shop, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.URL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := shop.New(db, mail.NewOutbox(mail.SMTPConfig{}), slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	if _, err := s.SeedDemo(context.Background(), "/static/"); err != nil {
		t.Fatal(err)
	}
	return s, db
}

func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true}, {" 12 ", 12, true}, {"３", 3, true}, {"999", 999, true},
		{"0", 0, false}, {"-1", 0, false}, {"abc", 0, false}, {"", 0, false}, {"1000", 0, false},
		{"99999999999999999999", 0, false}, {"1.5", 0, false}, {"1e3", 0, false},
	} {
		got, err := shop.ParseQuantity(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseQuantity(%q) = %d, %v", tc.in, got, err)
		}
		if err != nil {
			if ie, ok := shop.AsInputError(err); !ok || ie.Fields["quantity"] == "" {
				t.Errorf("ParseQuantity(%q) error is not a quantity InputError: %v", tc.in, err)
			}
		}
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"1", "０", "-5", "999", "1000", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := shop.ParseQuantity(s)
		if err == nil && (q < 1 || q > shop.MaxQuantity) {
			t.Fatalf("accepted %q as %d", s, q)
		}
	})
}

func TestCartNeverExceedsStock(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	products, _ := db.Products(ctx, true)
	var low, soldOut store.Product
	for _, p := range products {
		switch {
		case p.Stock == 0:
			soldOut = p
		case p.Stock <= 5:
			low = p
		}
	}
	token := shop.NewCartToken()
	if err := s.AddToCart(ctx, token, low.ID, low.Stock); err != nil {
		t.Fatal(err)
	}
	if _, ok := shop.AsInputError(s.AddToCart(ctx, token, low.ID, 1)); !ok {
		t.Fatal("adding one more than the stock was accepted")
	}
	if _, ok := shop.AsInputError(s.AddToCart(ctx, token, soldOut.ID, 1)); !ok {
		t.Fatal("a sold-out product was added")
	}
	if _, ok := shop.AsInputError(s.AddToCart(ctx, token, 999999, 1)); !ok {
		t.Fatal("an unknown product was added")
	}
	if _, ok := shop.AsInputError(s.SetCartQuantity(ctx, token, low.ID, low.Stock+1)); !ok {
		t.Fatal("quantity above stock was set")
	}
	cart, err := s.Cart(ctx, token, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(cart.Lines) != 1 || cart.Lines[0].Quantity != low.Stock || !cart.Orderable() {
		t.Fatalf("cart %+v", cart)
	}
	// Stock sold elsewhere after the line was added: the line says so.
	if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(low.ID, 1) }); err != nil {
		t.Fatal(err)
	}
	cart, _ = s.Cart(ctx, token, false)
	if cart.Orderable() || cart.Lines[0].Problem == "" {
		t.Fatalf("a line above the remaining stock is orderable: %+v", cart.Lines[0])
	}
}

func TestCartTotalsPerRate(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	products, _ := db.Products(ctx, true)
	token := shop.NewCartToken()
	var want8, want10 int64
	for _, p := range products[:12] {
		if p.Stock < 2 {
			continue
		}
		if err := s.AddToCart(ctx, token, p.ID, 2); err != nil {
			t.Fatal(err)
		}
		if p.TaxRate == 8 {
			want8 += 2 * p.Price
		} else {
			want10 += 2 * p.Price
		}
	}
	cart, _ := s.Cart(ctx, token, false)
	if len(cart.RateTotals) != 2 || cart.RateTotals[0].Rate != 10 || cart.RateTotals[0].Total != want10 ||
		cart.RateTotals[1].Total != want8 || cart.Subtotal != want8+want10 {
		t.Fatalf("totals %+v subtotal %d; want 10%%=%d 8%%=%d", cart.RateTotals, cart.Subtotal, want10, want8)
	}
	if cart.RateTotals[0].Tax != shop.TaxIncluded(want10, 10) || shop.TaxIncluded(1080, 8) != 80 || shop.TaxIncluded(1100, 10) != 100 {
		t.Fatal("tax per rate is wrong")
	}
}

func TestMemberPriceApplies(t *testing.T) {
	s, db := newShop(t)
	ctx := context.Background()
	products, _ := db.Products(ctx, true)
	for _, p := range products {
		if !p.MemberPrice.Valid {
			continue
		}
		token := shop.NewCartToken()
		if err := s.AddToCart(ctx, token, p.ID, 1); err != nil {
			t.Fatal(err)
		}
		guest, _ := s.Cart(ctx, token, false)
		member, _ := s.Cart(ctx, token, true)
		if guest.Subtotal != p.Price || member.Subtotal != p.MemberPrice.Int64 {
			t.Fatalf("guest %d member %d for %+v", guest.Subtotal, member.Subtotal, p)
		}
		return
	}
	t.Fatal("the demo catalog has no member price")
}
