package handlers_test

import (
	"context"
	"encoding/json"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/handlers"
	"kago/shop"
	"kago/store"
)

// Issue 17: the Amazon Pay rules that cost money when they break: the
// session belongs to its checkout, a declined charge fails the order, the
// 1 to 1,000,000円 limit, and idempotency keys Amazon can rely on.

// another is a second shopper's browser on the kit's shop.
func (k *kit) another() *kit {
	return &kit{t: k.t, dir: k.dir, srv: k.srv, shop: k.shop, db: k.db, emu: k.emu, client: newClient(), opts: k.opts}
}

var payloadRe = regexp.MustCompile(`data-payload="([^"]+)"`)

// reviewKey is the checkout key in the review URL of the button on a page:
// the shopper's own checkout ID.
func reviewKey(t *testing.T, page string) string {
	t.Helper()
	m := payloadRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Amazon Pay button on the page")
	}
	var p amazonpay.CreateCheckoutSessionRequest
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &p); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.WebCheckoutDetails.CheckoutReviewReturnURL)
	if err != nil || u.Query().Get("k") == "" {
		t.Fatalf("review URL %q", p.WebCheckoutDetails.CheckoutReviewReturnURL)
	}
	return u.Query().Get("k")
}

// TestAmazonSessionBelongsToItsCheckout: shopper B comes back from Amazon
// with shopper A's checkout session and B's own checkout key. The shop
// refuses it and shows B nothing of A: name, e-mail, address, card.
func TestAmazonSessionBelongsToItsCheckout(t *testing.T) {
	t.Parallel()
	a := newKit(t)
	fillCart(t, a, 1)
	session := a.clickAmazonPay(a.get("/cart").body)
	back := a.signInAtAmazon(session, emulator.BuyerTaro, 0)

	b := a.another()
	fillCart(t, b, 1)
	key := reviewKey(t, b.get("/cart").body)
	r := b.get("/checkout/amazonpay/review?amazonCheckoutSessionId=" + url.QueryEscape(session) + "&k=" + url.QueryEscape(key))
	if r.status != http.StatusSeeOther || r.location != "/checkout/order" {
		t.Fatalf("B with A's session: %d %s", r.status, r.location)
	}
	page := b.get("/checkout/order").body
	mustContain(t, page, "Amazon Payのお手続き情報を確認できませんでした")
	for _, of := range []string{"判図", "hanzu.taro@example.jp", "駿東郡清水町", "411-0901", "新宿823-1", "0559750000", "Visa ****1111", "お届け先（Amazonアカウント）"} {
		if strings.Contains(page, of) {
			t.Errorf("B's order page shows A's %q", of)
		}
	}
	if conf := b.get("/checkout/confirm"); conf.status != http.StatusSeeOther || conf.location != "/checkout/order" {
		t.Errorf("B's checkout went on to the confirm page: %d %s", conf.status, conf.location)
	}
	// A's own return still works.
	r = a.follow(back)
	mustContain(t, a.get(r.location).body, "お届け先（Amazonアカウント）", "駿東郡清水町")
}

// TestDeclinedChargeAfterCompletion: Amazon completes the checkout session
// with a pending authorization that is declined by the time the shop reads
// the charge. The order fails, its stock comes back, no thanks mail goes
// out, and the buyer is told and keeps the cart.
func TestDeclinedChargeAfterCompletion(t *testing.T) {
	t.Parallel()
	// Amazon settles the authorization right after answering the
	// completion: declined before the shop reads the charge.
	var k *kit
	k = tapped(t, &amazonTap{after: func(c apiCall) {
		if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/complete") {
			k.emu.Advance(settleTime)
		}
	}})
	setSaleMethod(t, k, shop.SaleAuthorize, "PayAndShip")
	tea := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	before := tea.Stock
	r := payAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerPendingNG, 0))
	if r.status != http.StatusOK {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	buyerMsg, _ := shop.AmazonPayMessages("HardDeclined")
	mustContain(t, r.body, "お支払いを完了できませんでした", html.EscapeString(buyerMsg))
	snap := k.emu.Snapshot()
	if len(snap.Charges) != 1 || snap.Charges[0].StatusDetails.State != amazonpay.StateDeclined {
		t.Fatalf("Amazon's charges %+v", snap.Charges)
	}
	o, p := orderNumber(t, k, 1)
	if o.Status != store.OrderFailed || p.State != store.AmazonFailed || p.AmazonState != amazonpay.StateDeclined || p.ReasonCode != "HardDeclined" {
		t.Fatalf("order %s, payment %+v", o.Status, p)
	}
	if got := stockOf(t, k, tea.ID); got != before {
		t.Fatalf("stock %d, want %d back", got, before)
	}
	if mails, _ := k.db.OrderMails(context.Background(), o.ID); len(mails) != 0 {
		t.Fatalf("%d mails for a declined payment", len(mails))
	}
	mustContain(t, k.get("/cart").body, tea.Name)
}

// TestAmazonPayLimits: Amazon Pay takes orders of 1 to 1,000,000円 (seed
// 001). The button is offered within the limits only, and 「注文する」 of a
// checkout that grew (or shrank) past them after the buyer chose Amazon Pay
// is refused with the reason, before Amazon is asked for anything.
func TestAmazonPayLimits(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ctx := context.Background()
	for total, offered := range map[int64]bool{0: false, 1: true, 1_000_000: true, 1_000_001: false} {
		offer, err := k.shop.AmazonPayOffer(ctx, "checkout-1", total, shop.CartZeroStep, "Cart")
		if err != nil || (offer.Button != nil) != offered || (offer.Reason != "") == offered {
			t.Errorf("button for %d円: %+v %v", total, offer, err)
		}
	}
	big := k.newProduct("有田焼 大皿", 500_000, 10, 10)
	k.putInCart(big, 1)
	form := amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)
	if form.Get("total") != "500000" {
		t.Fatalf("confirm total %s", form.Get("total"))
	}
	// Two more in another tab: 1,500,000円. No button on the cart, and the
	// confirm page of the Amazon Pay checkout cannot be ordered.
	k.putInCart(big, 2)
	cart := k.get("/cart").body
	mustContain(t, cart, "Amazon Payは、ご注文金額が1円から1,000,000円までの場合にご利用いただけます。")
	if strings.Contains(cart, "data-amazon-pay-button") {
		t.Error("the cart offers Amazon Pay for 1,500,000円")
	}
	over := confirmForm(t, k.get("/checkout/confirm").body)
	if over.Get("total") != "1500000" {
		t.Fatalf("confirm total %s", over.Get("total"))
	}
	r := k.post("/checkout/place", over)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("注文する for 1,500,000円: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "Amazon Payは、ご注文金額が1円から1,000,000円までの場合にご利用いただけます。")
	if _, err := k.db.Order(ctx, 1); err == nil {
		t.Fatal("an order was written")
	}
	if got := stockOf(t, k, big.ID); got != 10 {
		t.Fatalf("stock %d, want 10", got)
	}
	// Exactly 1,000,000円 is within the limit: ordered and paid.
	if r := k.post("/cart/items/"+strconv.FormatInt(big.ID, 10), url.Values{"quantity": {"2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("quantity 2: %d", r.status)
	}
	max := confirmForm(t, k.get("/checkout/confirm").body)
	if r := payAtAmazon(t, k, max); r.location != "/checkout/complete" {
		t.Fatalf("1,000,000円: %d %s", r.status, r.location)
	}
	if snap := k.emu.Snapshot(); len(snap.Charges) != 1 || snap.Charges[0].ChargeAmount.Amount != "1000000" {
		t.Fatalf("Amazon's charges %+v", snap.Charges)
	}

	// A checkout that fell to 0円 after the buyer chose Amazon Pay (a price
	// changed to 0 and no shipping) is refused too.
	k2 := newKit(t)
	free := k2.newProduct("試供品", 500, 10, 10)
	settings, _ := k2.shop.Settings(ctx)
	in := settings.Input()
	in.ShippingFlatFee, in.FreeShippingOver = "0", "0"
	if err := k2.shop.SaveSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	k2.putInCart(free, 1)
	amazonCheckoutCart(t, k2, emulator.BuyerTaro, 0)
	free.Price = 0
	if err := k2.db.WithTx(ctx, func(tx *store.Tx) error { return tx.UpdateProduct(free) }); err != nil {
		t.Fatal(err)
	}
	zero := confirmForm(t, k2.get("/checkout/confirm").body)
	if zero.Get("total") != "0" {
		t.Fatalf("confirm total %s", zero.Get("total"))
	}
	r = k2.post("/checkout/place", zero)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("注文する for 0円: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "Amazon Payは、ご注文金額が1円から1,000,000円までの場合にご利用いただけます。")
	if _, err := k2.db.Order(ctx, 1); err == nil {
		t.Fatal("a 0円 Amazon Pay order was written")
	}
}

// apiCall is one request the shop sent to Amazon.
type apiCall struct {
	Method, Path, Key string
}

// amazonTap stands in front of the emulator: it notes every request that
// reaches it, as Amazon would receive it, and runs after (if set) once the
// emulator has answered a call.
type amazonTap struct {
	handlers.Emulator
	mu    sync.Mutex
	calls []apiCall
	after func(apiCall)
}

func (a *amazonTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := apiCall{Method: r.Method, Path: r.URL.Path, Key: r.Header.Get("x-amz-pay-idempotency-key")}
	a.mu.Lock()
	a.calls = append(a.calls, call)
	a.mu.Unlock()
	a.Emulator.ServeHTTP(w, r)
	if a.after != nil {
		a.after(call)
	}
}

// tapped is a kit whose emulator is behind tap.
func tapped(t *testing.T, tap *amazonTap) *kit {
	return newKitWith(t, kitOptions{configure: func(c *handlers.Config) {
		tap.Emulator = c.AmazonPayEmulator
		c.AmazonPayEmulator = tap
	}})
}

// isCompletion tells whether a call completes the checkout session id.
func (c apiCall) isCompletion(sessionID string) bool {
	return c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/checkoutSessions/"+sessionID+"/complete")
}

// completions returns the idempotency keys of the completions of a
// session, in the order Amazon received them.
func (a *amazonTap) completions(sessionID string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, c := range a.calls {
		if c.isCompletion(sessionID) {
			out = append(out, c.Key)
		}
	}
	return out
}

// TestCompletionIdempotencyKeys: each order's completion carries a key of
// its own, and every retry of it (the client's, and a later return of the
// buyer after Amazon failed) carries the same key, so Amazon never
// completes a session twice nor mixes two orders up.
func TestCompletionIdempotencyKeys(t *testing.T) {
	t.Parallel()
	rec := &amazonTap{}
	k := tapped(t, rec)
	// Order 1: Amazon fails every try of the first return; the buyer's
	// next return completes it.
	first := placeAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerTaro, 0))
	if err := k.emu.AddFault(emulator.Fault{Operation: "CompleteCheckoutSession", Status: 503}); err != nil {
		t.Fatal(err)
	}
	if r := finishAtAmazon(t, k, first); r.status != http.StatusAccepted {
		t.Fatalf("while Amazon fails: %d %s", r.status, r.location)
	}
	k.emu.ClearFaults()
	result := "/checkout/amazonpay/result?amazonCheckoutSessionId=" + url.QueryEscape(sessionOf(t, first))
	if r := k.get(result); r.location != "/checkout/complete" {
		t.Fatalf("the next return: %d %s", r.status, r.location)
	}
	// Order 2: the answer to the completion is lost after Amazon made it.
	second := placeAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerTaro, 0))
	if err := k.emu.AddFault(emulator.Fault{Operation: "CompleteCheckoutSession", Drop: emulator.DropAfter, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if r := finishAtAmazon(t, k, second); r.location != "/checkout/complete" {
		t.Fatalf("lost answer: %d %s", r.status, r.location)
	}
	one, two := rec.completions(sessionOf(t, first)), rec.completions(sessionOf(t, second))
	if len(one) < 2 || len(two) < 2 {
		t.Fatalf("completions seen by Amazon: %d and %d, want retries of each", len(one), len(two))
	}
	for _, keys := range [][]string{one, two} {
		for _, key := range keys {
			if key != keys[0] || !amazonpay.ValidIdempotencyKey(key) {
				t.Fatalf("the completions of one order carry keys %q", keys)
			}
		}
	}
	if one[0] == two[0] {
		t.Fatalf("two orders' completions share the key %q", one[0])
	}
	if snap := k.emu.Snapshot(); len(snap.Charges) != 2 || len(snap.Permissions) != 2 {
		t.Fatalf("Amazon holds %d charges and %d permissions, want 2 and 2", len(snap.Charges), len(snap.Permissions))
	}
	for id := int64(1); id <= 2; id++ {
		if o, p := orderNumber(t, k, id); o.Status != store.OrderNew || p.State != store.AmazonDone {
			t.Fatalf("order %d: %s %+v", id, o.Status, p)
		}
	}
}

// forwardedFor sends every request as if from addr through a trusted proxy.
type forwardedFor struct {
	addr string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(r)
}

// TestUnpaidReservationsCountedPerAddress: the bound on unpaid Amazon Pay
// orders is per visitor's address (a keyed hash of it): three from one
// address stop a fourth from it, never an order from another address.
func TestUnpaidReservationsCountedPerAddress(t *testing.T) {
	t.Parallel()
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	k := newKitWith(t, kitOptions{configure: func(c *handlers.Config) { c.TrustedProxies = []*net.IPNet{loopback} }})
	from := func(addr string) {
		k.visitor()
		k.client.Transport = forwardedFor{addr: addr, next: http.DefaultTransport}
		fillCart(t, k, 1)
	}
	for range 3 {
		from("203.0.113.1")
		placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
	}
	from("203.0.113.1")
	if r := k.post("/checkout/place", amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a fourth unpaid order from one address: %d %s", r.status, r.location)
	}
	from("198.51.100.7")
	placeAtAmazon(t, k, amazonCheckoutCart(t, k, emulator.BuyerTaro, 0))
}

// TestResultURLOfAnotherShopperWithACart: a shopper who has a cart of their
// own opens another shopper's result URL, of a paid and of a declined
// payment. They see the neutral page or the failure page without the order:
// no number, e-mail or total of the other shopper's order.
func TestResultURLOfAnotherShopperWithACart(t *testing.T) {
	t.Parallel()
	for _, buyer := range []string{emulator.BuyerTaro, emulator.BuyerHardDecline} {
		k := newKit(t)
		r := k.follow(placeAtAmazon(t, k, amazonCheckout(t, k, buyer, 0)))
		result := r.location
		stranger := k.another()
		fillCart(t, stranger, 1)
		seen := stranger.follow(result)
		if seen.location == "/checkout/complete" {
			seen = stranger.get(seen.location)
		}
		o, _ := orderNumber(t, k, 1)
		for _, secret := range []string{strconv.FormatInt(o.Number, 10), o.Email, yen(o.Total)} {
			if strings.Contains(seen.body, secret) {
				t.Errorf("%s: the other shopper sees %q", buyer, secret)
			}
		}
		mine := k.follow(result)
		if mine.location == "/checkout/complete" {
			mine = k.get(mine.location)
		}
		mustContain(t, mine.body, strconv.FormatInt(o.Number, 10))
	}
}
