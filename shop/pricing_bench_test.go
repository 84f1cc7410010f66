package shop

import (
	"database/sql"
	"testing"

	"kago/store"
)

// BenchmarkPricing measures pricing a cart of three lines at both tax
// rates (member prices, stock problems, totals per rate) and quoting it for
// an order: shipping by region, cash-on-delivery fee, the total. No
// database: the numbers only.
func BenchmarkPricing(b *testing.B) {
	lines := []store.CartLine{
		{Product: store.Product{ID: 1, Name: "深蒸し煎茶 100g", Price: 1296, MemberPrice: sql.NullInt64{Int64: 1180, Valid: true}, TaxRate: 8, Stock: 40, Published: true}, Quantity: 2},
		{Product: store.Product{ID: 2, Name: "宇治抹茶 30g", Price: 2160, TaxRate: 8, Stock: 1, Published: true}, Quantity: 3},
		{Product: store.Product{ID: 3, Name: "急須 常滑焼", Price: 5500, TaxRate: 10, Stock: 5, Published: true}, Quantity: 1},
	}
	st := DefaultSettings()
	st.ShippingMode = ShippingRegion
	d := Draft{Form: CheckoutForm{ShipTo: ShipToBuyer, PaymentMethod: PayCOD}}
	d.Form.Buyer.Prefecture = "北海道"
	b.ReportAllocs()
	for b.Loop() {
		q := quote(priceCart("token", lines, true), d, st)
		if q.Total == 0 || len(q.RateTotals) != 2 {
			b.Fatalf("quote: %+v", q)
		}
	}
}
