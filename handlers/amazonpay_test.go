package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/mail"
	"kago/shop"
	"kago/store"
)

var buttonAttr = regexp.MustCompile(`data-(merchant-id|public-key-id|product-type|payload|signature|algorithm)="([^"]*)"`)

// clickAmazonPay does what checkout.js does when the button is clicked: it
// posts the page's signed payload, verbatim, to the emulator.
func (k *kit) clickAmazonPay(page string) string {
	k.t.Helper()
	attrs := map[string]string{}
	for _, m := range buttonAttr.FindAllStringSubmatch(page, -1) {
		attrs[m[1]] = html.UnescapeString(m[2])
	}
	if attrs["payload"] == "" {
		k.t.Fatalf("no Amazon Pay button on the page:\n%s", page)
	}
	br := newClient()
	res, err := br.PostForm(k.srv.URL+"/amazonpay-emulator/checkout/button", url.Values{
		"merchantId": {attrs["merchant-id"]}, "publicKeyId": {attrs["public-key-id"]}, "algorithm": {attrs["algorithm"]},
		"payloadJSON": {attrs["payload"]}, "signature": {attrs["signature"]}, "productType": {attrs["product-type"]}, "sandbox": {"true"}})
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		k.t.Fatalf("button click: %d", res.StatusCode)
	}
	u, _ := url.Parse(res.Header.Get("Location"))
	return u.Query().Get("amazonCheckoutSessionId")
}

// signInAtAmazon picks a test buyer on the hosted pages and presses 「続行」;
// it returns the shop URL Amazon sends the buyer back to.
func (k *kit) signInAtAmazon(sessionID, buyerID string, payment int) string {
	k.t.Helper()
	br := newClient()
	res, err := br.PostForm(k.srv.URL+"/amazonpay-emulator/signin", url.Values{"amazonCheckoutSessionId": {sessionID}, "buyerId": {buyerID}})
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	res, err = br.PostForm(k.srv.URL+"/amazonpay-emulator/checkout/select", url.Values{"amazonCheckoutSessionId": {sessionID},
		"address": {"0"}, "payment": {strconv.Itoa(payment)}})
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		k.t.Fatalf("select: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// changeAtAmazon presses 「変更」 on Amazon's page for the checkout session
// and picks what choice names (address, payment, next); it returns where
// Amazon sends the buyer.
func (k *kit) changeAtAmazon(sessionID string, choice url.Values) string {
	k.t.Helper()
	form := url.Values{"amazonCheckoutSessionId": {sessionID}}
	for name, v := range choice {
		form[name] = v
	}
	res, err := newClient().PostForm(k.srv.URL+"/amazonpay-emulator/checkout/select", form)
	if err != nil {
		k.t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("Location")
}

// follow GETs a URL of the shop or the emulator with the shopper's cookies.
func (k *kit) follow(rawURL string) response {
	k.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	return k.do(req)
}

// amazonCheckout runs the shopper's journey up to the confirmation page and
// returns its form.
func amazonCheckout(t testing.TB, k *kit, buyerID string, payment int) url.Values {
	t.Helper()
	fillCart(t, k, 2)
	return amazonCheckoutCart(t, k, buyerID, payment)
}

// amazonCheckoutCart is amazonCheckout with the cart as it is.
func amazonCheckoutCart(t testing.TB, k *kit, buyerID string, payment int) url.Values {
	t.Helper()
	cart := k.get("/cart")
	mustContain(t, cart.body, "data-amazon-pay-button", `data-product-type="PayAndShip"`)
	session := k.clickAmazonPay(cart.body)
	back := k.signInAtAmazon(session, buyerID, payment)
	if !strings.HasPrefix(back, k.srv.URL+"/checkout/amazonpay/review?") {
		t.Fatalf("Amazon sent the buyer to %s", back)
	}
	r := k.follow(back)
	if r.status != http.StatusSeeOther {
		t.Fatalf("review return: %d %s", r.status, r.body)
	}
	page := k.get(r.location)
	mustContain(t, page.body, "お届け先（Amazonアカウント）", "Amazon Pay", "変更", "Amazon Payを利用せずに")
	buyer := url.Values{"email": {"taro@example.jp"}}
	for _, f := range []string{"buyer_family_name", "buyer_phone", "buyer_postal_code", "buyer_city", "buyer_address1"} {
		if m := regexp.MustCompile(`name="` + f + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page.body); m != nil {
			buyer.Set(f, html.UnescapeString(m[1]))
		}
	}
	if m := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindStringSubmatch(page.body); m != nil {
		buyer.Set("buyer_prefecture", m[1])
	}
	if buyer.Get("buyer_address1") == "" {
		buyer.Set("buyer_address1", "1-1")
	}
	pay := paymentValues("")
	pay.Del("payment_method")
	if r.location == "/checkout/step1" {
		if r := k.post("/checkout/step1", buyer); r.location != "/checkout/step2" {
			t.Fatalf("step1: %d %s", r.status, r.location)
		}
		mustContain(t, k.get("/checkout/step2").body, "Amazon Pay", "変更")
		r = k.post("/checkout/step2", pay)
	} else {
		r = k.post("/checkout/order", merge(buyer, pay))
	}
	if r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.location)
	}
	conf := k.get("/checkout/confirm")
	mustContain(t, conf.body, "Amazon Pay", "Amazon Payご利用時の注意事項")
	return confirmForm(t, conf.body)
}

// payAtAmazon presses 「注文する」 and follows Amazon's redirect back.
func payAtAmazon(t testing.TB, k *kit, form url.Values) response {
	t.Helper()
	r := k.post("/checkout/place", form)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/amazonpay-emulator/") {
		t.Fatalf("注文する: %d %s %s", r.status, r.location, r.body)
	}
	r = k.follow(r.location)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, k.srv.URL+"/checkout/amazonpay/result?") {
		t.Fatalf("Amazon processing: %d %s", r.status, r.location)
	}
	return k.follow(r.location)
}

func setSaleMethod(t testing.TB, k *kit, method, productType string) {
	t.Helper()
	a, _ := k.shop.AmazonPaySettings(context.Background())
	in := shop.AmazonPayInput{Environment: a.Environment, SaleMethod: method, ButtonColor: "DarkGray", ProductType: productType,
		DisplayStyle: "logo", NotesOnPayment: true, NotesOnThanks: true, EnabledTakkyubin: true, Notes: a.Notes}
	if err := k.shop.SaveAmazonPaySettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func TestAmazonPayOrderEachCartAndSaleMethod(t *testing.T) {
	t.Parallel()
	for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
		for _, tc := range []struct{ method, state string }{
			{shop.SaleAuthorizeWithCapture, "Captured"}, {shop.SaleAuthorize, "Authorized"}, {shop.SaleConfirm, "Chargeable"},
		} {
			t.Run(cart+"/"+tc.method, func(t *testing.T) {
				k := newKit(t)
				setCartType(t, k, cart)
				setSaleMethod(t, k, tc.method, "PayAndShip")
				form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
				r := payAtAmazon(t, k, form)
				if r.location != "/checkout/complete" {
					t.Fatalf("result return: %d %s\n%s", r.status, r.location, r.body)
				}
				mustContain(t, k.get("/checkout/complete").body, "ご注文ありがとうございました", "Amazon Pay")
				ctx := context.Background()
				o, err := k.db.Order(ctx, 1)
				if err != nil || o.Status != store.OrderNew || o.PaymentMethod != shop.PayAmazon || o.PaymentStatus != tc.state {
					t.Fatalf("order %+v %v", o, err)
				}
				p, _ := k.db.AmazonPayment(ctx, o.ID)
				if p.State != store.AmazonDone || !strings.HasPrefix(p.ChargePermissionID, "S03-") || p.SaleMethod != tc.method {
					t.Fatalf("payment %+v", p)
				}
				mails, _ := k.db.OrderMails(ctx, o.ID)
				if len(mails) != 2 || !strings.Contains(mails[0].Body, "Amazon Pay") || !strings.Contains(mails[0].Body, "Amazon Payでお支払いの場合も") || !strings.Contains(mails[0].Subject, "【テスト決済】") {
					t.Fatalf("mails %+v", mails)
				}
				mustContain(t, k.get("/cart").body, "カゴに商品が入っていません。", `class="test-banner"`, "お支払いは実際には行われません")
				// Reloading the result URL changes nothing.
				again := k.follow(k.srv.URL + "/checkout/amazonpay/result?amazonCheckoutSessionId=" + url.QueryEscape(p.CheckoutSessionID))
				if again.location != "/checkout/complete" {
					t.Fatalf("reload: %d %s", again.status, again.location)
				}
				if mails, _ := k.db.OrderMails(ctx, o.ID); len(mails) != 2 {
					t.Fatal("a reload sent the mails again")
				}
				// The merchant sees the reference ID and the yellow frame.
				k.loginAdmin()
				mustContain(t, k.get("/admin/orders").body, p.ChargePermissionID, "Amazon Pay", `badge test-payment">テスト決済`)
				mustContain(t, k.get("/admin/orders.csv").body, "Amazonリファレンス ID", p.ChargePermissionID)
				mustContain(t, k.get("/admin/orders/1").body, `amazon-frame yellow`, p.ChargePermissionID,
					shop.AmazonPayStatusLabel(tc.state, ""), shop.SaleMethodLabel(tc.method), `badge test-payment">テスト決済`)
				// Every later mail about a test payment is marked too,
				// whatever the merchant typed.
				if r := k.post("/admin/orders/1/mail", url.Values{"kind": {mail.KindFree}, "subject": {"ご連絡"}, "body": {"発送準備中です。"}}); r.status != http.StatusSeeOther {
					t.Fatalf("free mail: %d %s", r.status, r.body)
				}
				mails, _ = k.db.OrderMails(ctx, o.ID)
				free := 0
				for _, m := range mails {
					if m.Kind == mail.KindFree && m.Subject == "【テスト決済】ご連絡" {
						free++
					}
				}
				if free != 1 {
					t.Fatalf("the free mail of a test payment: %+v", mails)
				}
			})
		}
	}
}

func TestAmazonPayDeclinedBuyerSeesFailureAndKeepsCart(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerHardDecline, 0)
	p := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	r := payAtAmazon(t, k, form)
	if r.status != http.StatusOK {
		t.Fatalf("declined result: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "お支払いを完了できませんでした", "別のお支払い方法を選ぶ")
	ctx := context.Background()
	o, _ := k.db.Order(ctx, 1)
	pay, _ := k.db.AmazonPayment(ctx, o.ID)
	if o.Status != store.OrderFailed || pay.State != store.AmazonFailed || pay.ReasonCode == "" {
		t.Fatalf("order %s payment %+v", o.Status, pay)
	}
	after, _ := k.db.Product(ctx, p.ID)
	if after.Stock != p.Stock {
		t.Fatalf("stock %d, want %d back", after.Stock, p.Stock)
	}
	// The merchant sees 決済失敗 in the list and the red frame with the reason.
	k.loginAdmin()
	mustContain(t, k.get("/admin/orders").body, "決済失敗")
	_, adminMsg := shop.AmazonPayMessages(pay.ReasonCode)
	mustContain(t, k.get("/admin/orders/1").body, "amazon-frame red", pay.ReasonCode, html.EscapeString(adminMsg))
	// The cart and what was typed are still there; another payment works.
	mustContain(t, k.get("/cart").body, p.Name)
	page := k.get("/checkout/order")
	mustContain(t, page.body, `value="taro@example.jp"`, "銀行振込")
	if strings.Contains(page.body, "お届け先（Amazonアカウント）") {
		t.Fatal("still in Amazon Pay mode after the failure")
	}
}

func TestAmazonPayConcurrentResultReturns(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	r := k.post("/checkout/place", form)
	proc := k.follow(r.location)
	result := proc.location
	var wg sync.WaitGroup
	locs := make(chan string, 10)
	for range 10 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, result, nil)
			res, err := k.client.Do(req)
			if err != nil {
				locs <- err.Error()
				return
			}
			res.Body.Close()
			locs <- res.Header.Get("Location")
		})
	}
	wg.Wait()
	close(locs)
	for l := range locs {
		if l != "/checkout/complete" {
			t.Errorf("a concurrent result return got %q", l)
		}
	}
	// Double 「注文する」 after completion finds the same order.
	if r := k.post("/checkout/place", form); r.status >= 500 {
		t.Fatalf("resubmit: %d", r.status)
	}
	ctx := context.Background()
	if _, err := k.db.Order(ctx, 2); err == nil {
		t.Fatal("a second order was made")
	}
	o, _ := k.db.Order(ctx, 1)
	mails, _ := k.db.OrderMails(ctx, o.ID)
	snap := k.emu.Snapshot()
	if len(mails) != 2 || len(snap.Charges) != 1 {
		t.Fatalf("mails %d charges %d", len(mails), len(snap.Charges))
	}
}

func TestAmazonPayReviewBadInput(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	cart := k.get("/cart")
	session := k.clickAmazonPay(cart.body)
	back := k.signInAtAmazon(session, emulator.BuyerTaro, 0)
	u, _ := url.Parse(back)
	key := u.Query().Get("k")
	for _, q := range []string{
		"",                                   // nothing
		"amazonCheckoutSessionId=" + session, // no checkout key
		"amazonCheckoutSessionId=../../etc&k=" + key,                            // garbage ID
		"amazonCheckoutSessionId=00000000-0000-0000-0000-000000000000&k=" + key, // unknown at Amazon
		"amazonCheckoutSessionId=" + session + "&k=someone-else",                // another shopper's key
	} {
		r := k.get("/checkout/amazonpay/review?" + q)
		if r.status != http.StatusSeeOther || r.location != "/checkout/order" {
			t.Fatalf("%q: %d %s", q, r.status, r.location)
		}
		page := k.get("/checkout/order")
		mustContain(t, page.body, "Amazon Payのお手続き情報を確認できませんでした")
		if strings.Contains(page.body, "お届け先（Amazonアカウント）") {
			t.Fatalf("%q put the checkout in Amazon Pay mode", q)
		}
	}
	// Another shopper (another cart) cannot use this shopper's session.
	other := newClient()
	k2 := &kit{t: t, srv: k.srv, shop: k.shop, db: k.db, client: other, emu: k.emu}
	fillCart(t, k2, 1)
	k2.get("/cart")
	r := k2.follow(back)
	mustContain(t, k2.get(r.location).body, "Amazon Payのお手続き情報を確認できませんでした")
	// The right shopper still can.
	r = k.follow(back)
	mustContain(t, k.get(r.location).body, "お届け先（Amazonアカウント）")
}

func TestAmazonPayUndeliverableAddress(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	session := k.clickAmazonPay(k.get("/cart").body)
	r := k.follow(k.signInAtAmazon(session, emulator.BuyerUndeliverable, 0))
	page := k.get(r.location)
	mustContain(t, page.body, "ご指定のお届け先は利用できません。別のお届け先を選択してください", "変更")
	if r := k.get("/checkout/confirm"); r.location != "/checkout/order" {
		t.Fatalf("confirm with an unusable address: %d %s", r.status, r.location)
	}
}

func TestAmazonPayCartChangedAfterReview(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	// Another tab adds to the cart after the confirmation was shown.
	fillCart(t, k, 1)
	r := k.post("/checkout/place", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("changed cart: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "金額が変更されました")
	if _, err := k.db.Order(context.Background(), 1); err == nil {
		t.Fatal("an order was written")
	}
	if snap := k.emu.Snapshot(); len(snap.Charges) != 0 {
		t.Fatal("Amazon was charged")
	}
}

func TestAmazonPayErrorsAndTimeouts(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	// Amazon answers 503 to Complete every time: the order is not lost, the
	// shopper is told it is being confirmed, and a later return completes it.
	if err := k.emu.AddFault(emulator.Fault{Operation: "CompleteCheckoutSession", Status: 503}); err != nil {
		t.Fatal(err)
	}
	r := k.post("/checkout/place", form)
	proc := k.follow(r.location)
	res := k.follow(proc.location)
	if res.status != http.StatusAccepted {
		t.Fatalf("while Amazon is down: %d %s", res.status, res.location)
	}
	mustContain(t, res.body, "ただいまお支払いを確認しています", "二重にご請求することはありません")
	o, _ := k.db.Order(context.Background(), 1)
	if o.Status != store.OrderPending {
		t.Fatalf("order %s while Amazon is down", o.Status)
	}
	k.emu.ClearFaults()
	if again := k.follow(proc.location); again.location != "/checkout/complete" {
		t.Fatalf("after Amazon came back: %d %s", again.status, again.location)
	}
	if snap := k.emu.Snapshot(); len(snap.Charges) != 1 {
		t.Fatalf("charges %d", len(snap.Charges))
	}

	// Update fails (500 on every retry): Amazon may or may not have taken
	// it, so the order waits; the shopper is told and presses 注文する again
	// once Amazon is back, which goes on with the same order.
	k2 := newKit(t)
	form = amazonCheckout(t, k2, emulator.BuyerTaro, 0)
	if err := k2.emu.AddFault(emulator.Fault{Operation: "UpdateCheckoutSession", Status: 500}); err != nil {
		t.Fatal(err)
	}
	r = k2.post("/checkout/place", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("update failing: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "ただいまAmazon Payに接続できません")
	o, _ = k2.db.Order(context.Background(), 1)
	if o.Status != store.OrderPending {
		t.Fatalf("order %s while Amazon is down", o.Status)
	}
	k2.emu.ClearFaults()
	r = k2.post("/checkout/place", form)
	proc = k2.follow(r.location)
	if res := k2.follow(proc.location); res.location != "/checkout/complete" {
		t.Fatalf("after Amazon came back: %d %s", res.status, res.location)
	}
	if o, _ = k2.db.Order(context.Background(), 1); o.Status != store.OrderNew {
		t.Fatalf("order %s", o.Status)
	}
	if _, err := k2.db.Order(context.Background(), 2); err == nil {
		t.Fatal("a second order was written")
	}
}

// TestAmazonPayPendingAuthorization follows a pending authorization to its
// end. Amazon completes the session with the charge
// AuthorizationInitiated: the order is taken (新規受付, stock held, thanks
// mail) and records that state. Later Amazon settles the charge, Authorized
// for 鈴木三郎's card and Declined (HardDeclined) for 高橋四郎's, and sends a
// notification for it to the shop's IPN URL (the one shown on Amazon Pay設定),
// which reads the outcome into the order's ledger without the merchant
// looking (F-53). What a decline does to the order is
// TestIPNPendingAuthorizationEndsDeclined's.
func TestAmazonPayPendingAuthorization(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, buyer, state, reason string }{
		{"then Authorized", emulator.BuyerPendingOK, amazonpay.StateAuthorized, ""},
		{"then Declined", emulator.BuyerPendingNG, amazonpay.StateDeclined, "HardDeclined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newIPNKit(t) // pending until the test moves the emulator's clock
			setSaleMethod(t, k, shop.SaleAuthorize, "PayAndShip")
			tea := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
			if r := payAtAmazon(t, k, amazonCheckout(t, k, tc.buyer, 0)); r.location != "/checkout/complete" {
				t.Fatalf("pending buyer: %d %s", r.status, r.location)
			}
			ctx := context.Background()
			o, p := orderNumber(t, k, 1)
			if o.Status != store.OrderNew || o.PaymentStatus != amazonpay.StateAuthorizationInitiated || p.State != store.AmazonDone || p.ChargeID == "" {
				t.Fatalf("order %s / %s, payment %s, charge %q", o.Status, o.PaymentStatus, p.State, p.ChargeID)
			}
			if l := ledger(t, k, 1); len(l.Charges) != 1 || l.Charges[0].State != amazonpay.StateAuthorizationInitiated {
				t.Fatalf("the ledger's charges %+v", l.Charges)
			}
			if got := stockOf(t, k, tea.ID); got != tea.Stock-2 {
				t.Fatalf("stock %d, want %d", got, tea.Stock-2)
			}
			k.settleNotifications()
			if mails, _ := k.db.OrderMails(ctx, o.ID); len(mails) != 2 {
				t.Fatalf("%d mails", len(mails))
			}

			// Amazon settles the authorization and tells the shop.
			k.emu.Advance(settleTime)
			if c := amazonCharge(t, k, p.ChargeID); c.StatusDetails.State != tc.state || c.StatusDetails.ReasonCode != tc.reason {
				t.Fatalf("Amazon's charge %+v, want %s %s", c.StatusDetails, tc.state, tc.reason)
			}
			wait, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := k.emu.WaitIdle(wait); err != nil {
				t.Fatalf("notifications still in flight: %v", err)
			}
			told := false
			for _, d := range k.emu.Deliveries() {
				told = told || (d.Message.ObjectType == amazonpay.ObjectTypeCharge && d.Message.ObjectID == p.ChargeID &&
					d.Message.ChargePermissionID == p.ChargePermissionID && d.URL == k.shop.IPNURL() && d.Attempts > 0)
			}
			if !told {
				t.Fatalf("no notification of the charge was sent to %s: %+v", k.shop.IPNURL(), k.emu.Deliveries())
			}
			// The shop reads the outcome the notification names.
			k.settleNotifications()
			if l := ledger(t, k, 1); len(l.Charges) != 1 || l.Charges[0].State != tc.state || l.Charges[0].ReasonCode != tc.reason {
				t.Fatalf("the ledger's charges after the notification: %+v, want %s %s", l.Charges, tc.state, tc.reason)
			}
			// Neither outcome is a payment without an order: no
			// 受注未作成通知 is even noted (a declined order was told so).
			if alerts, err := k.db.OpenAlerts(ctx, 10); err != nil || len(alerts) != 0 {
				t.Fatalf("alerts noted: %+v %v", alerts, err)
			}
		})
	}
}

func TestAmazonPayPayOnlyZeroStep(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	setSaleMethod(t, k, shop.SaleAuthorizeWithCapture, "PayOnly")
	fillCart(t, k, 1)
	cart := k.get("/cart")
	mustContain(t, cart.body, `data-product-type="PayOnly"`)
	r := k.follow(k.signInAtAmazon(k.clickAmazonPay(cart.body), emulator.BuyerTaro, 0))
	page := k.get(r.location)
	if strings.Contains(page.body, "お届け先（Amazonアカウント）") {
		t.Fatal("PayOnly showed Amazon's address")
	}
	mustContain(t, page.body, "注文者の住所へ届ける", "Amazon Pay")
	form := merge(buyerValues(), paymentValues(""))
	form.Del("payment_method")
	if r := k.post("/checkout/order", form); r.location != "/checkout/confirm" {
		t.Fatalf("PayOnly order page: %d %s", r.status, r.location)
	}
	if r := payAtAmazon(t, k, confirmForm(t, k.get("/checkout/confirm").body)); r.location != "/checkout/complete" {
		t.Fatalf("PayOnly result: %d %s", r.status, r.location)
	}
	// The three-step cart always asks Amazon for the address.
	setCartType(t, k, shop.CartThreeStep)
	fillCart(t, k, 1)
	mustContain(t, k.get("/cart").body, `data-product-type="PayAndShip"`)
}

// TestAmazonPayRecovery: a buyer who paid and closed the tab before the
// result return still gets an order (Magento #1107); a buyer who walked away
// at Amazon leaves a pending order until Amazon expires the session, then
// it fails and its stock comes back.
func TestAmazonPayRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	r := k.post("/checkout/place", form)
	if proc := k.follow(r.location); !strings.Contains(proc.location, "/checkout/amazonpay/result") {
		t.Fatalf("processing: %s", proc.location)
	}
	if n, err := k.shop.RecoverAmazonOrders(ctx, 0); err != nil || n != 1 {
		t.Fatalf("recovered %d, %v", n, err)
	}
	o, _ := k.db.Order(ctx, 1)
	mails, _ := k.db.OrderMails(ctx, o.ID)
	if o.Status != store.OrderNew || len(mails) != 2 || len(k.emu.Snapshot().Charges) != 1 {
		t.Fatalf("order %s, %d mails, %d charges", o.Status, len(mails), len(k.emu.Snapshot().Charges))
	}
	if n, _ := k.shop.RecoverAmazonOrders(ctx, 0); n != 0 {
		t.Fatal("a settled order was recovered again")
	}

	k2 := newKit(t)
	p := k2.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	form = amazonCheckout(t, k2, emulator.BuyerTaro, 0)
	if r := k2.post("/checkout/place", form); r.status != http.StatusSeeOther {
		t.Fatalf("注文する: %d", r.status)
	}
	if n, err := k2.shop.RecoverAmazonOrders(ctx, 0); err != nil || n != 0 {
		t.Fatalf("an order whose buyer is still at Amazon was settled: %d %v", n, err)
	}
	if o, _ := k2.db.Order(ctx, 1); o.Status != store.OrderPending {
		t.Fatalf("order %s while the buyer is at Amazon", o.Status)
	}
	k2.emu.Advance(25 * time.Hour)
	if n, err := k2.shop.RecoverAmazonOrders(ctx, 0); err != nil || n != 1 {
		t.Fatalf("after expiry: %d %v", n, err)
	}
	o, _ = k2.db.Order(ctx, 1)
	after, _ := k2.db.Product(ctx, p.ID)
	if o.Status != store.OrderFailed || after.Stock != p.Stock {
		t.Fatalf("order %s, stock %d (want %d)", o.Status, after.Stock, p.Stock)
	}
}

// The buyer returns from Amazon while the shop's database is down: they
// have paid, so they get the page that waits and asks again (503 with
// Retry-After), never an error page that invites a second purchase; once
// the database is back, the same URL places the one order.
func TestAmazonPayResultReturnWhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	r := k.post("/checkout/place", form)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/amazonpay-emulator/") {
		t.Fatalf("注文する: %d %s", r.status, r.location)
	}
	r = k.follow(r.location)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, k.srv.URL+"/checkout/amazonpay/result?") {
		t.Fatalf("Amazon processing: %d %s", r.status, r.location)
	}
	result := strings.TrimPrefix(r.location, k.srv.URL)
	k.db.Close()
	down := k.get(result)
	if down.status != http.StatusServiceUnavailable || down.header.Get("Retry-After") == "" {
		t.Fatalf("database down: %d %v", down.status, down.header)
	}
	mustContain(t, down.body, "ただいまお支払いを確認しています", "二重にご請求することはありません", `content="5;url=`+html.EscapeString(result))
	k.opts.emu = k.emu // "Amazon" keeps its sessions across the shop's restart
	k.restart()
	if back := k.get(result); back.location != "/checkout/complete" {
		t.Fatalf("database back: %d %s", back.status, back.location)
	}
	if orders, err := k.db.CountOrders(context.Background(), store.OrderFilter{}); err != nil || orders != 1 {
		t.Fatalf("%d orders %v, want 1", orders, err)
	}
}
