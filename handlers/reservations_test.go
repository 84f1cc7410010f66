package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/shop"
	"kago/store"
)

// visitor gives the kit a new browser (cookies, CSRF token): another
// shopper on the same address.
func (k *kit) visitor() {
	k.client, k.csrf = newClient(), ""
}

// Issue 9 item 2: three 「注文する」 with Amazon Pay that never continue to
// Amazon took a product's stock from 3 to 0 for 24 hours. Now a visitor's
// unpaid reservations are bounded, lapse after the reservation time (stock
// back), and a late payment is honoured while the stock is there and never
// completed (no charge) when it is gone.
func TestUnpaidReservationsLapseAndAreBounded(t *testing.T) {
	t.Parallel()
	clock := &kitClock{t: time.Now()}
	k := newKitWith(t, kitOptions{now: clock.now})
	chasen := k.product(func(p store.Product) bool { return p.Stock == 3 })
	processes := make([]string, 0, 3)
	browsers := make([]*http.Client, 0, 3)
	for range 3 {
		k.visitor()
		browsers = append(browsers, k.client)
		k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(chasen.ID, 10)}, "quantity": {"1"}})
		processes = append(processes, placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)))
	}
	if got := stockOf(t, k, chasen.ID); got != 0 {
		t.Fatalf("stock with three unpaid orders %d, want 0", got)
	}
	// A fourth unpaid order from the same address is refused.
	k.visitor()
	fillCart(t, k, 1)
	r := k.post("/checkout/place", amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("fourth unpaid order: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "お支払いが済んでいないAmazon Payのご注文が多いため")

	ctx := context.Background()
	// Not yet lapsed: nothing is released.
	clock.add(29 * time.Minute)
	if n, err := k.shop.ReleaseLapsedReservations(ctx); err != nil || n != 0 {
		t.Fatalf("released %d early (%v)", n, err)
	}
	clock.add(2 * time.Minute)
	if n, err := k.shop.ReleaseLapsedReservations(ctx); err != nil || n != 3 {
		t.Fatalf("released %d, want 3 (%v)", n, err)
	}
	if got := stockOf(t, k, chasen.ID); got != 3 {
		t.Fatalf("stock after the reservations lapsed %d, want 3", got)
	}
	if n, _ := k.shop.ReleaseLapsedReservations(ctx); n != 0 {
		t.Fatalf("released %d twice", n)
	}
	for id := int64(1); id <= 3; id++ {
		if o, p := orderNumber(t, k, id); o.Status != store.OrderPending || !p.StockReleased {
			t.Fatalf("order %d: %s %+v", id, o.Status, p)
		}
	}
	// The first buyer pays late: honoured, the stock is taken again.
	k.client = browsers[0]
	if r := finishAtAmazon(t, k, processes[0]); r.location != "/checkout/complete" {
		t.Fatalf("late payment with stock: %d %s", r.status, r.location)
	}
	if got := stockOf(t, k, chasen.ID); got != 2 {
		t.Fatalf("stock after the late payment %d, want 2", got)
	}
	// Someone buys the other two meanwhile; the second buyer pays late:
	// the order is not completed and Amazon charges nothing for it.
	if err := k.db.WithTx(ctx, func(tx *store.Tx) error { return tx.TakeStock(chasen.ID, 2) }); err != nil {
		t.Fatal(err)
	}
	k.client = browsers[1]
	late := finishAtAmazon(t, k, processes[1])
	buyer, _ := shop.AmazonPayMessages(shop.ReasonReservationLapsed)
	mustContain(t, late.body, buyer)
	if o, p := orderNumber(t, k, 2); o.Status != store.OrderFailed || p.ReasonCode != shop.ReasonReservationLapsed {
		t.Fatalf("order 2: %s %+v", o.Status, p)
	}
	if got := stockOf(t, k, chasen.ID); got != 0 {
		t.Fatalf("stock %d: a failed late order gave back stock it did not hold", got)
	}
	if charges := k.emu.Snapshot().Charges; len(charges) != 1 {
		t.Fatalf("Amazon holds %d charges, want the one honoured", len(charges))
	}
}

// Issue 9 item 6: whoever opens another shopper's result URL first sees a
// neutral page (the payment is still completed); the shopper sees theirs.
func TestResultURLShowsTheOrderOnlyToItsShopper(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	process := placeAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerTaro, 0))
	r := k.follow(process)
	result := r.location
	stranger := newClient()
	res, err := stranger.Get(result)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "お支払い手続きを受け付けました") {
		t.Fatalf("stranger: %d %s", res.StatusCode, body)
	}
	o, _ := orderNumber(t, k, 1)
	for _, secret := range []string{strconv.FormatInt(o.Number, 10), o.Email, yen(o.Total)} {
		if strings.Contains(body, secret) {
			t.Errorf("the stranger sees %q", secret)
		}
	}
	if o.Status != store.OrderNew {
		t.Fatalf("order %s after the stranger's visit", o.Status)
	}
	if r := k.follow(result); r.location != "/checkout/complete" {
		t.Fatalf("the shopper: %d %s", r.status, r.location)
	}
	mustContain(t, k.get("/checkout/complete").body, strconv.FormatInt(o.Number, 10), o.Email)
}

// Issue 9 item 8: items added while the buyer is at Amazon stay in the cart
// when the Amazon order completes; only the ordered lines leave.
func TestItemsAddedWhileAtAmazonStay(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	tea := fillCart(t, k, 1)
	process := placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	towel := k.product(func(p store.Product) bool { return p.Price == 1100 })
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(towel.ID, 10)}, "quantity": {"2"}})
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(tea.ID, 10)}, "quantity": {"1"}})
	if r := finishAtAmazon(t, k, process); r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o, _ := orderNumber(t, k, 1)
	co, err := k.db.Checkout(context.Background(), o.CheckoutID)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := k.db.CartLines(context.Background(), co.CartToken)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, l := range lines {
		got[l.Product.ID] = l.Quantity
	}
	if len(got) != 2 || got[towel.ID] != 2 || got[tea.ID] != 1 {
		t.Fatalf("cart after the order %v, want the towel ×2 and the tea ×1 added meanwhile", got)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The dashboard counts the Amazon Pay orders whose deadline is near, as
// 受注一覧's deadline filter lists them.
func TestDashboardCountsPaymentDeadlines(t *testing.T) {
	t.Parallel()
	clock := &kitClock{t: time.Now()}
	k := newKitWith(t, kitOptions{now: clock.now})
	setSaleMethod(t, k, shop.SaleAuthorize, "PayAndShip")
	if r := payAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerTaro, 0)); r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	k.loginAdmin()
	count := func() string {
		t.Helper()
		r := k.get("/admin")
		page := r.body
		i := strings.Index(page, "期限が近いAmazon Payの決済")
		if i < 0 {
			t.Fatalf("the dashboard lacks the deadline count: %d %s", r.status, r.location)
		}
		return regexp.MustCompile(`class="big">(\d+)<`).FindStringSubmatch(page[i:])[1]
	}
	if got := count(); got != "0" {
		t.Fatalf("a fresh authorization counts %s", got)
	}
	clock.add(24 * 24 * time.Hour) // the 30-day authorization has 6 days left
	k.loginAdmin()                 // the session did not last 24 days
	if got := count(); got != "1" {
		t.Fatalf("an authorization 6 days from its end counts %s", got)
	}
	mustContain(t, k.get("/admin/orders?deadline=near").body, "100001")
}

// The recovery job never holds stock for a lapsed order nobody has paid,
// and a late payment honoured takes the stock again and says so.
func TestRecoveryHoldsNoStockForUnpaidLapsedOrders(t *testing.T) {
	t.Parallel()
	clock := &kitClock{t: time.Now()}
	k := newKitWith(t, kitOptions{now: clock.now})
	ctx := context.Background()
	tea := fillCart(t, k, 2)
	before := stockOf(t, k, tea.ID)
	process := placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	clock.add(31 * time.Minute)
	if n, err := k.shop.ReleaseLapsedReservations(ctx); err != nil || n != 1 {
		t.Fatalf("released %d (%v)", n, err)
	}
	for range 3 { // the recovery job asks, again and again
		if _, err := k.shop.RecoverAmazonOrders(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if got := stockOf(t, k, tea.ID); got != before {
			t.Fatalf("stock %d while nobody paid, want %d", got, before)
		}
	}
	history, _ := k.db.OrderHistory(ctx, 1)
	for _, h := range history {
		if h.Action == "在庫を再確保" {
			t.Fatal("the history says the stock was taken again before anyone paid")
		}
	}
	if r := finishAtAmazon(t, k, process); r.location != "/checkout/complete" {
		t.Fatalf("late payment: %d %s", r.status, r.location)
	}
	if got := stockOf(t, k, tea.ID); got != before-2 {
		t.Fatalf("stock after the late payment %d, want %d", got, before-2)
	}
	if _, p := orderNumber(t, k, 1); p.State != store.AmazonDone || p.StockReleased {
		t.Fatalf("payment %+v: the stock is held again", p)
	}
	history, _ = k.db.OrderHistory(ctx, 1)
	found := false
	for _, h := range history {
		found = found || h.Action == "在庫を再確保"
	}
	if !found {
		t.Fatal("the history does not say the stock was taken again")
	}
}

// One visitor's unpaid Amazon Pay orders hold at most half of a product
// (or 5), and a lapsed reservation still counts until Amazon ends it.
func TestUnpaidShareOfAProduct(t *testing.T) {
	t.Parallel()
	clock := &kitClock{t: time.Now()}
	k := newKitWith(t, kitOptions{now: clock.now})
	cup := k.product(func(p store.Product) bool { return p.Stock == 30 })
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(cup.ID, 10)}, "quantity": {"30"}})
	r := k.post("/checkout/place", amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("30 of 30 unpaid: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "お支払いが済むまでに確保できる数（15点）を超えています")
	if got := stockOf(t, k, cup.ID); got != 30 {
		t.Fatalf("stock %d after the refusal", got)
	}
	// Half is fine.
	k.visitor()
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(cup.ID, 10)}, "quantity": {"15"}})
	placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	// More from the same address on top is refused, also after the lapse.
	k.visitor()
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(cup.ID, 10)}, "quantity": {"1"}})
	form := amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)
	if r := k.post("/checkout/place", form); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("one more while 15 are held: %d %s", r.status, r.location)
	}
	clock.add(31 * time.Minute)
	if n, _ := k.shop.ReleaseLapsedReservations(context.Background()); n != 1 {
		t.Fatalf("released %d", n)
	}
	for range 2 {
		k.visitor()
		fillCart(t, k, 1)
		placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	}
	k.visitor()
	fillCart(t, k, 1)
	if r := k.post("/checkout/place", amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a fourth unpaid order after a lapse: %d %s", r.status, r.location)
	}
}
