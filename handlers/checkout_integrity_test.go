package handlers_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/shop"
	"kago/store"
)

// Issue 8: what the shopper confirms is what Amazon charges. Each test is
// one kind of fault, driven through the emulator over HTTP.

// placeAtAmazon presses 「注文する」 and returns Amazon's processing URL
// without following it: the buyer is now on Amazon's page.
func placeAtAmazon(t *testing.T, k *kit, form url.Values) string {
	t.Helper()
	r := k.post("/checkout/place", form)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/amazonpay-emulator/") {
		t.Fatalf("注文する: %d %s %s", r.status, r.location, r.body)
	}
	return r.location
}

// finishAtAmazon follows Amazon's processing URL back to the shop's result
// URL and returns the shop's answer.
func finishAtAmazon(t *testing.T, k *kit, processURL string) response {
	t.Helper()
	r := k.follow(processURL)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, k.srv.URL+"/checkout/amazonpay/result?") {
		t.Fatalf("Amazon processing: %d %s", r.status, r.location)
	}
	return k.follow(r.location)
}

func stockOf(t testing.TB, k *kit, id int64) int64 {
	t.Helper()
	p, err := k.db.Product(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

func orderNumber(t *testing.T, k *kit, id int64) (store.Order, store.AmazonPayment) {
	t.Helper()
	ctx := context.Background()
	o, err := k.db.Order(ctx, id)
	if err != nil {
		t.Fatalf("order %d: %v", id, err)
	}
	var p store.AmazonPayment
	if o.PaymentMethod == shop.PayAmazon {
		p, _ = k.db.AmazonPayment(ctx, id)
	}
	return o, p
}

// Fault 1, first case: Amazon Pay → 注文する → back → leave Amazon Pay →
// 銀行振込 → 注文する makes a new bank order with its mail; the abandoned
// Amazon order is given up (stock back) and can no longer be paid.
func TestChangeAfterPlaceToBankMakesNewOrder(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	tea := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	before := stockOf(t, k, tea.ID)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	process := placeAtAmazon(t, k, form)
	if got := stockOf(t, k, tea.ID); got != before-2 {
		t.Fatalf("stock after 注文する %d, want %d", got, before-2)
	}
	// Browser back: the confirm page shows the same order again, so a
	// second 注文する of that page goes on with it.
	again := k.get("/checkout/confirm")
	if f := confirmForm(t, again.body); f.Get("digest") != form.Get("digest") || f.Get("checkout_id") != form.Get("checkout_id") {
		t.Fatalf("confirm page after back changed: %v vs %v", f, form)
	}
	// The shopper changes their mind.
	if r := k.post("/checkout/amazonpay/leave", nil); r.status != http.StatusSeeOther {
		t.Fatalf("leave: %d", r.status)
	}
	if r := k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank))); r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.location)
	}
	conf := k.get("/checkout/confirm")
	mustContain(t, conf.body, "銀行振込")
	bank := confirmForm(t, conf.body)
	if bank.Get("checkout_id") == form.Get("checkout_id") {
		t.Fatal("the changed checkout kept the placed one's ID")
	}
	if r := k.post("/checkout/place", bank); r.location != "/checkout/complete" {
		t.Fatalf("注文する (bank): %d %s", r.status, r.location)
	}
	done := k.get("/checkout/complete")
	mustContain(t, done.body, "100002", "銀行振込", yen(1296*2+880))
	if strings.Contains(done.body, "100001") {
		t.Fatal("the completion page shows the abandoned Amazon order")
	}
	amazonOrder, pay := orderNumber(t, k, 1)
	if amazonOrder.Status != store.OrderFailed || pay.ReasonCode != shop.ReasonShopperChangedOrder || pay.AmazonState != "" {
		t.Fatalf("abandoned order %s, payment %+v", amazonOrder.Status, pay)
	}
	bankOrder, _ := orderNumber(t, k, 2)
	if bankOrder.PaymentMethod != shop.PayBank || bankOrder.Status != store.OrderNew || bankOrder.Total != 1296*2+880 ||
		len(bankOrder.Lines) != 1 || bankOrder.Lines[0].Quantity != 2 {
		t.Fatalf("bank order %+v", bankOrder)
	}
	if got := stockOf(t, k, tea.ID); got != before-2 {
		t.Fatalf("stock %d, want %d: the abandoned order's stock came back and the bank order took it", got, before-2)
	}
	mails, _ := k.db.OrderMails(context.Background(), bankOrder.ID)
	if len(mails) != 2 || !strings.Contains(mails[0].Body, "銀行振込") {
		t.Fatalf("bank order mails %+v", mails)
	}
	if m, _ := k.db.OrderMails(context.Background(), 1); len(m) != 0 {
		t.Fatalf("the abandoned order sent %d mails", len(m))
	}
	mustContain(t, k.get("/cart").body, "カゴに商品が入っていません。")
	// Paying the abandoned session at Amazon afterwards completes nothing:
	// the shop never completes it, so Amazon charges nothing.
	late := finishAtAmazon(t, k, process)
	mustContain(t, late.body, "お支払いを完了できませんでした")
	if snap := k.emu.Snapshot(); len(snap.Charges) != 0 || len(snap.Permissions) != 0 {
		t.Fatalf("Amazon holds %d charges, %d permissions", len(snap.Charges), len(snap.Permissions))
	}
}

// Fault 1, second case: 1 item → 注文する → back → 2 more → the Amazon Pay
// button again → 注文する charges 4,768円 for 3 items, once.
func TestCartChangeAfterPlaceChargesTheNewCart(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	tea := fillCart(t, k, 1)
	first := amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)
	if first.Get("total") != "2176" {
		t.Fatalf("first confirm total %s", first.Get("total"))
	}
	placeAtAmazon(t, k, first)
	fillCart(t, k, 2) // back in the shop: two more
	second := amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)
	if second.Get("total") != "4768" {
		t.Fatalf("second confirm total %s, want 4768", second.Get("total"))
	}
	r := finishAtAmazon(t, k, placeAtAmazon(t, k, second))
	if r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o, p := orderNumber(t, k, 2)
	if o.Total != 4768 || len(o.Lines) != 1 || o.Lines[0].ProductID != tea.ID || o.Lines[0].Quantity != 3 || p.State != store.AmazonDone {
		t.Fatalf("order %+v payment %+v", o, p)
	}
	old, oldPay := orderNumber(t, k, 1)
	if old.Status != store.OrderFailed || oldPay.ReasonCode != shop.ReasonShopperChangedOrder {
		t.Fatalf("replaced order %s %+v", old.Status, oldPay)
	}
	snap := k.emu.Snapshot()
	if len(snap.Charges) != 1 || snap.Charges[0].ChargeAmount.Amount != "4768" {
		t.Fatalf("Amazon charges %+v", snap.Charges)
	}
	// A stale confirm page of the first checkout orders nothing new.
	if r := k.post("/checkout/place", first); r.status == http.StatusSeeOther && r.location == "/checkout/complete" {
		t.Fatal("the stale first page completed an order")
	}
	if len(k.emu.Snapshot().Charges) != 1 {
		t.Fatal("a stale page charged again")
	}
}

// Fault 1, the kind: a page that no longer shows the checkout (changed in
// another tab after the page was drawn) orders nothing, whatever changed.
func TestStaleConfirmPageOrdersNothing(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayBank)))
	page := confirmForm(t, k.get("/checkout/confirm").body)
	// Another tab changes the delivery time band: same total, other order.
	pay := paymentValues(shop.PayBank)
	pay.Set("delivery_time", "18-20")
	k.post("/checkout/order", merge(buyerValues(), pay))
	r := k.post("/checkout/place", page)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("stale page: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "ご注文内容が変更されています", "18時〜20時")
	if _, err := k.db.Order(context.Background(), 1); err == nil {
		t.Fatal("the stale page made an order")
	}
	// The page shown now orders, once, even when sent twice.
	now := confirmForm(t, r.body)
	for range 2 {
		if r := k.post("/checkout/place", now); r.location != "/checkout/complete" {
			t.Fatalf("current page: %d %s", r.status, r.location)
		}
	}
	if o, _ := orderNumber(t, k, 1); o.DeliveryTime != "18-20" {
		t.Fatalf("ordered time band %q", o.DeliveryTime)
	}
	if _, err := k.db.Order(context.Background(), 2); err == nil {
		t.Fatal("a resubmitted page made a second order")
	}
}

// Fault 2: two shops on one Amazon merchant account (or a restored
// database) number orders alike; keys built from Amazon's session IDs keep
// their completions apart, and the prefix tells their references apart.
func TestIdempotencyKeysUniqueAcrossShopsOnOneAccount(t *testing.T) {
	t.Parallel()
	a := newKit(t)
	if r := payAtAmazon(t, a, amazonCheckout(t, a, emulator.BuyerTaro, 0)); r.location != "/checkout/complete" {
		t.Fatalf("shop A: %d %s", r.status, r.location)
	}
	b := newKitWith(t, kitOptions{emu: a.emu})
	setReferencePrefix(t, b, "TEST-")
	if r := payAtAmazon(t, b, amazonCheckout(t, b, emulator.BuyerTaro, 0)); r.location != "/checkout/complete" {
		t.Fatalf("shop B, order 100001 again: %d %s %s", r.status, r.location, r.body)
	}
	oa, pa := orderNumber(t, a, 1)
	ob, pb := orderNumber(t, b, 1)
	if oa.Number != ob.Number || pa.State != store.AmazonDone || pb.State != store.AmazonDone || pa.ChargePermissionID == pb.ChargePermissionID {
		t.Fatalf("A %d %+v, B %d %+v", oa.Number, pa, ob.Number, pb)
	}
	refs := map[string]bool{}
	for _, p := range a.emu.Snapshot().Permissions {
		refs[p.MerchantMetadata.MerchantReferenceID] = true
	}
	if !refs["100001"] || !refs["TEST-100001"] || pb.MerchantReference != "TEST-100001" {
		t.Fatalf("merchant references at Amazon %v, shop B %q", refs, pb.MerchantReference)
	}
	if got := amazonpay.IdempotencyKey("complete", pa.CheckoutSessionID, "0"); got == amazonpay.IdempotencyKey("complete", pb.CheckoutSessionID, "0") {
		t.Fatal("both completions use one key")
	}
}

func setReferencePrefix(t *testing.T, k *kit, prefix string) {
	t.Helper()
	ctx := context.Background()
	a, _ := k.shop.AmazonPaySettings(ctx)
	in := shop.AmazonPayInput{Environment: a.Environment, SaleMethod: a.SaleMethod, ButtonColor: a.ButtonColor, ProductType: a.ProductType,
		DisplayStyle: a.DisplayStyle, NotesOnPayment: true, NotesOnThanks: true, EnabledTakkyubin: true, Notes: a.Notes, ReferencePrefix: prefix}
	if err := k.shop.SaveAmazonPaySettings(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// Fault 3: 山田花子's first card soft-declines, she picks Visa ****4444 at
// Amazon; the order records the card Amazon charged, not the review's.
func TestCardRecordedFromCompletedPayment(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerSoftDecline, 0)
	process := placeAtAmazon(t, k, form)
	r := k.follow(process)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "declined=1") {
		t.Fatalf("soft decline: %d %s", r.status, r.location)
	}
	u, _ := url.Parse(r.location)
	sid := u.Query().Get("amazonCheckoutSessionId")
	if back := finishAtAmazon(t, k, k.changeAtAmazon(sid, url.Values{"payment": {"1"}, "next": {"process"}})); back.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", back.status, back.location)
	}
	_, p := orderNumber(t, k, 1)
	if p.Instrument != "Visa ****4444" {
		t.Fatalf("recorded instrument %q, want Visa ****4444", p.Instrument)
	}
	k.loginAdmin()
	detail := k.get("/admin/orders/1").body
	mustContain(t, detail, "Visa ****4444")
	if strings.Contains(detail, "0301") {
		t.Fatal("受注明細 shows the declined card")
	}
}

// Fault 4: a buyer who cancels is told so, not that their card failed; and
// each reason a session ends Canceled (BuyerCanceled, Declined, Expired)
// reaches the failure page and the red frame as Amazon gave it.
func TestCanceledSessionReasons(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, buyer, reason string
		expire              bool
	}{
		{"buyer cancels", emulator.BuyerCancels, "BuyerCanceled", false},
		{"hard decline", emulator.BuyerHardDecline, "Declined", false},
		{"session expires", emulator.BuyerTaro, "Expired", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			process := placeAtAmazon(t, k, amazonCheckout(t, k, tc.buyer, 0))
			result := "/checkout/amazonpay/result?amazonCheckoutSessionId=" + sessionOf(t, process)
			if tc.expire {
				k.emu.Advance(25 * time.Hour) // the buyer never came back; Amazon let the session expire
				k.emu.Sweep()
			} else {
				k.follow(process)
			}
			r := k.get(result)
			buyerMsg, adminMsg := shop.AmazonPayMessages(tc.reason)
			mustContain(t, r.body, "お支払いを完了できませんでした", html.EscapeString(buyerMsg))
			if tc.reason != "Declined" && strings.Contains(r.body, "選択された支払い方法に問題がありました") {
				t.Fatal("a cancel is told the card failed")
			}
			o, p := orderNumber(t, k, 1)
			if o.Status != store.OrderFailed || p.ReasonCode != tc.reason || p.AmazonState != amazonpay.StateCanceled {
				t.Fatalf("order %s payment %+v", o.Status, p)
			}
			k.loginAdmin()
			frame := k.get("/admin/orders/1").body
			mustContain(t, frame, "amazon-frame red", tc.reason, html.EscapeString(adminMsg))
			if regexp.MustCompile(`Amazonリファレンス ID</dt><dd[^>]*>(<strong>)?決済失敗`).MatchString(frame) {
				t.Fatal("the red frame calls 決済失敗 a reference ID")
			}
		})
	}
}

func sessionOf(t *testing.T, processURL string) string {
	t.Helper()
	u, err := url.Parse(processURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("amazonCheckoutSessionId")
}

// Fault 5: the summary follows the shopper's choices. Regional shipping,
// 1 item of 1,100円, 沖縄県: 送料 1,650円 / 合計 2,750円; 代金引換 adds 330円;
// Step1 of the three-step cart prices an Okinawa recipient alike; without
// JavaScript 「金額を再計算」 shows the same.
func TestSummaryFollowsChoices(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	regional(t, k)
	towel := k.product(func(p store.Product) bool { return p.Price == 1100 })
	k.post("/cart/items", url.Values{"product_id": {strconv.FormatInt(towel.ID, 10)}, "quantity": {"1"}})
	k.get("/checkout/order")
	quote := func(q string) map[string]any {
		t.Helper()
		r := k.get("/checkout/quote?" + q)
		if r.status != http.StatusOK {
			t.Fatalf("quote %s: %d", q, r.status)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct{ q, shipping, fee, total string }{
		{"buyer_prefecture=" + url.QueryEscape("東京都") + "&ship_to=buyer&payment_method=bank", "880円", "", "1,980円"},
		{"buyer_prefecture=" + url.QueryEscape("沖縄県") + "&ship_to=buyer&payment_method=bank", "1,650円", "", "2,750円"},
		{"buyer_prefecture=" + url.QueryEscape("沖縄県") + "&ship_to=buyer&payment_method=cod", "1,650円", "330円", "3,080円"},
		{"buyer_prefecture=" + url.QueryEscape("東京都") + "&ship_to=other&dest_prefecture=" + url.QueryEscape("沖縄県"), "1,650円", "", "2,750円"},
	} {
		got := quote(tc.q)
		if got["shipping"] != tc.shipping || got["fee"] != tc.fee || got["total"] != tc.total {
			t.Errorf("%s: %v, want %s / %s / %s", tc.q, got, tc.shipping, tc.fee, tc.total)
		}
	}
	// The quote saves nothing: the draft is as it was.
	if page := k.get("/checkout/order"); strings.Contains(page.body, `value="沖縄県" selected`) {
		t.Fatal("the quote changed the draft")
	}
	// Without JavaScript.
	form := merge(buyerValues(), paymentValues(shop.PayCOD), url.Values{"buyer_prefecture": {"沖縄県"}, "recalc": {"1"}, "agree": {""}})
	r := k.post("/checkout/order", form)
	if r.status != http.StatusOK {
		t.Fatalf("recalc: %d %s", r.status, r.location)
	}
	mustContain(t, r.body, "1,650円", "330円", "3,080円")
	if strings.Contains(r.body, `class="field-error"`) {
		t.Fatal("recalc showed validation messages")
	}
	// Three-step Step1: an Okinawa recipient.
	setCartType(t, k, shop.CartThreeStep)
	step1 := merge(buyerValues(), url.Values{"ship_to": {"other"}, "dest_family_name": {"比嘉"}, "dest_phone": {"098-000-0000"},
		"dest_postal_code": {"900-0001"}, "dest_prefecture": {"沖縄県"}, "dest_city": {"那覇市"}, "dest_address1": {"1-1"}, "recalc": {"1"}})
	r = k.post("/checkout/step1", step1)
	mustContain(t, r.body, "1,650円")
}

func regional(t *testing.T, k *kit) {
	t.Helper()
	ctx := context.Background()
	st, _ := k.shop.Settings(ctx)
	in := st.Input()
	in.ShippingMode = shop.ShippingRegion
	if err := k.shop.SaveSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
}

// Fault 6: after 「変更」 to 判図太郎's Tokyo address the buyer block keeps his
// own (billing) address and phone, the delivery is Tokyo's, and a romaji
// address keeps its separators.
func TestAmazonBuyerAndDeliveryKeptApart(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	session := k.clickAmazonPay(k.get("/cart").body)
	back := k.signInAtAmazon(session, emulator.BuyerTaro, 0)
	k.follow(back)
	// 「変更」 at Amazon: the Tokyo address.
	k.follow(k.changeAtAmazon(session, url.Values{"address": {"1"}}))
	page := k.get("/checkout/order").body
	mustContain(t, page, `name="buyer_phone"`, `value="0559750000"`, `value="駿東郡清水町"`, "〒100-0005", "東京都千代田区丸の内1-1-1 丸の内ビル12階")
	if strings.Contains(page, `name="buyer_city" type="text" value="千代田区"`) || strings.Contains(page, `value="千代田区"`) {
		t.Fatal("the delivery address became the buyer's")
	}
	form := url.Values{"email": {"hanzu.taro@example.jp"}}
	for _, f := range []string{"buyer_family_name", "buyer_phone", "buyer_postal_code", "buyer_city", "buyer_address1"} {
		if m := regexp.MustCompile(`name="` + f + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page); m != nil {
			form.Set(f, html.UnescapeString(m[1]))
		}
	}
	form.Set("buyer_prefecture", "静岡県")
	pay := paymentValues("")
	pay.Del("payment_method")
	if r := k.post("/checkout/order", merge(form, pay)); r.location != "/checkout/confirm" {
		t.Fatalf("order page: %d %s", r.status, r.location)
	}
	if r := payAtAmazon(t, k, confirmForm(t, k.get("/checkout/confirm").body)); r.location != "/checkout/complete" {
		t.Fatalf("result: %d %s", r.status, r.location)
	}
	o, _ := orderNumber(t, k, 1)
	b, d := o.Buyer, o.Destination.Address
	if b.Prefecture != "静岡県" || b.City != "駿東郡清水町" || b.Phone != "0559750000" || o.Destination.SameAsBuyer ||
		d.Prefecture != "東京都" || d.City != "千代田区" || d.Phone != "0312345678" {
		t.Fatalf("buyer %+v, destination %+v", b, o.Destination)
	}

	// Romaji: 東京都 Shibuya-ku Jingumae 1-2-3, never glued.
	k2 := newKit(t)
	k2.post("/cart/items", url.Values{"product_id": {"1"}, "quantity": {"1"}})
	amazonCheckoutCart(t, k2, emulator.BuyerRomaji, 0)
	conf := k2.get("/checkout/confirm").body
	mustContain(t, conf, "東京都 Shibuya-ku Jingumae 1-2-3 Harajuku Mansion 101")
	if strings.Contains(conf, "東京都Shibuya-ku") || strings.Contains(conf, "Shibuya-kuJingumae") {
		t.Fatal("a romaji address is glued")
	}
}

// Fault 7: the button sends checkoutCancelUrl and the shop's name; the
// waiting page checks again by itself.
func TestButtonPayloadAndWaitingPage(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 1)
	m := regexp.MustCompile(`data-payload="([^"]+)"`).FindStringSubmatch(k.get("/cart").body)
	if m == nil {
		t.Fatal("no button")
	}
	var payload amazonpay.CreateCheckoutSessionRequest
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &payload); err != nil {
		t.Fatal(err)
	}
	st, _ := k.shop.Settings(context.Background())
	if payload.WebCheckoutDetails.CheckoutCancelURL != k.srv.URL+"/checkout" || payload.MerchantMetadata == nil ||
		payload.MerchantMetadata.MerchantStoreName != st.ShopName {
		t.Fatalf("payload %+v", payload)
	}
	// Amazon is down when the buyer comes back: the waiting page refreshes
	// itself to the result URL.
	form := amazonCheckoutCart(t, k, emulator.BuyerTaro, 0)
	if err := k.emu.AddFault(emulator.Fault{Operation: "CompleteCheckoutSession", Status: 503}); err != nil {
		t.Fatal(err)
	}
	process := placeAtAmazon(t, k, form)
	r := finishAtAmazon(t, k, process)
	if r.status != http.StatusAccepted {
		t.Fatalf("waiting: %d", r.status)
	}
	mustContain(t, r.body, `http-equiv="refresh"`, "5;url=/checkout/amazonpay/result?amazonCheckoutSessionId="+sessionOf(t, process))
}

// Fault 8: the final confirmation screen shows what 特定商取引法 12条の6 asks:
// quantities and prices (the summary), payment time and method, delivery
// time, the cancellation and return policy, and links that exist.
func TestConfirmPageShowsPurchaseTerms(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	fillCart(t, k, 2)
	st, _ := k.shop.Settings(context.Background())
	for _, tc := range []struct{ method, timing string }{
		{shop.PayBank, "ご注文日から7日以内"},
		{shop.PayCOD, "商品のお届け時に、配達員に現金でお支払いください"},
	} {
		pay := paymentValues(tc.method)
		pay.Set("delivery_date", shop.DeliveryDates(time.Now())[0])
		k.post("/checkout/order", merge(buyerValues(), pay))
		page := k.get("/checkout/confirm").body
		mustContain(t, page, "お支払いの時期と方法", tc.timing, "商品のお届け時期", html.EscapeString(st.ShippingLeadTime),
			"返品・キャンセル", html.EscapeString(st.ReturnPolicy), ">2<", "1,296円", `href="/law"`, `href="/terms"`, `href="/privacy"`)
	}
	page := k.get("/checkout/confirm").body
	for _, link := range regexp.MustCompile(`href="(/(?:law|terms|privacy))"`).FindAllStringSubmatch(page, -1) {
		if r := k.get(link[1]); r.status != http.StatusOK {
			t.Errorf("%s: %d", link[1], r.status)
		}
	}
	// Amazon Pay's timing follows the sale method.
	k2 := newKit(t)
	setSaleMethod(t, k2, shop.SaleAuthorize, "PayAndShip")
	amazonCheckout(t, k2, emulator.BuyerTaro, 0)
	mustContain(t, k2.get("/checkout/confirm").body, "商品の発送時に請求されます")
}

// Fault 9: one date form, and the words.
func TestDatesAndWords(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	empty := k.get("/cart").body
	if n := strings.Count(empty, "カゴに商品が入っていません"); n != 1 {
		t.Errorf("empty cart message %d times", n)
	}
	if r := k.get("/checkout/order"); r.location != "/cart" {
		t.Fatalf("empty checkout: %d %s", r.status, r.location)
	}
	if n := strings.Count(k.get("/cart").body, "カゴに商品が入っていません"); n != 1 {
		t.Errorf("empty cart message %d times after the redirect", n)
	}
	fillCart(t, k, 1)
	order := k.get("/checkout/order").body
	mustContain(t, order, "メールに記載の口座へ", "代引き手数料330円がかかります。")
	if strings.Count(order, "Amazonアカウントに登録されたお届け先・お支払い方法") != 1 {
		t.Error("the Amazon help text is said more than once")
	}
	day := shop.DeliveryDates(time.Now())[2]
	pay := paymentValues(shop.PayBank)
	pay.Set("delivery_date", day)
	k.post("/checkout/order", merge(buyerValues(), pay))
	conf := k.get("/checkout/confirm").body
	d, _ := time.ParseInLocation(time.DateOnly, day, shop.Japan)
	want := d.Format("1月2日") + "（" + []string{"日", "月", "火", "水", "木", "金", "土"}[d.Weekday()] + "） 午前中"
	mustContain(t, conf, want)
	for _, page := range []string{empty, order, conf} {
		if strings.Contains(page, day) && !strings.Contains(page, `value="`+day+`"`) {
			t.Errorf("a page shows %s", day)
		}
		if regexp.MustCompile(`[^\s>]  ?（`).MatchString(html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, ""))) &&
			strings.Contains(page, " （") {
			t.Error("a half-width space before a full-width bracket")
		}
	}
	if r := k.post("/checkout/place", confirmForm(t, conf)); r.location != "/checkout/complete" {
		t.Fatalf("place: %d %s", r.status, r.location)
	}
	k.loginAdmin()
	detail := k.get("/admin/orders/1").body
	mustContain(t, detail, d.Format("2006年1月2日"))
	if strings.Contains(detail, day) {
		t.Errorf("受注明細 shows %s", day)
	}
}

// A completion tried before the buyer finished at Amazon (the result URL
// opened early, or the recovery job asking) is refused by Amazon; the next
// attempt uses a new key, so the buyer who then pays is not answered with
// the stored refusal forever.
func TestEarlyCompletionDoesNotBlockThePayment(t *testing.T) {
	t.Parallel()
	for _, early := range []string{"result URL", "recovery"} {
		t.Run(early, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			process := placeAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerTaro, 0))
			if early == "result URL" {
				if r := k.get("/checkout/amazonpay/result?amazonCheckoutSessionId=" + sessionOf(t, process)); r.status != http.StatusAccepted {
					t.Fatalf("early result URL: %d %s", r.status, r.location)
				}
			} else if n, err := k.shop.RecoverAmazonOrders(context.Background(), 0); err != nil || n != 0 {
				t.Fatalf("recovery settled %d (%v) before the buyer paid", n, err)
			}
			if r := finishAtAmazon(t, k, process); r.location != "/checkout/complete" {
				t.Fatalf("the buyer paid, then: %d %s", r.status, r.location)
			}
			if o, p := orderNumber(t, k, 1); o.Status != store.OrderNew || p.State != store.AmazonDone {
				t.Fatalf("order %s, payment %s", o.Status, p.State)
			}
		})
	}
}

// A change of the checkout itself after 注文する gives the placed order up at
// once: the old tab paying afterwards completes nothing, and Amazon
// charges nothing.
func TestDraftChangeAfterPlaceGivesTheOrderUp(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	process := placeAtAmazon(t, k, form)
	// The shopper goes back and changes the time band (and must restart
	// Amazon Pay: the session belonged to the order).
	page := k.get("/checkout/order").body
	fields := url.Values{"email": {"taro@example.jp"}}
	for _, f := range []string{"buyer_family_name", "buyer_phone", "buyer_postal_code", "buyer_city", "buyer_address1"} {
		if m := regexp.MustCompile(`name="` + f + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page); m != nil {
			fields.Set(f, html.UnescapeString(m[1]))
		}
	}
	fields.Set("buyer_prefecture", "静岡県")
	pay := paymentValues("")
	pay.Del("payment_method")
	pay.Set("delivery_time", "18-20")
	r := k.post("/checkout/order", merge(fields, pay))
	if r.status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", r.status, r.location)
	}
	if o, p := orderNumber(t, k, 1); o.Status != store.OrderFailed || p.ReasonCode != shop.ReasonShopperChangedOrder {
		t.Fatalf("the changed order is %s / %s", o.Status, p.ReasonCode)
	}
	// The old tab pays, and the old confirm page is sent again.
	late := finishAtAmazon(t, k, process)
	mustContain(t, late.body, "お支払いを完了できませんでした")
	if r := k.post("/checkout/place", form); r.location == "/checkout/complete" || strings.Contains(r.location, "/amazonpay-emulator/") {
		t.Fatalf("the old confirm page went on: %d %s", r.status, r.location)
	}
	if snap := k.emu.Snapshot(); len(snap.Charges) != 0 || len(snap.Permissions) != 0 {
		t.Fatalf("Amazon holds %d charges", len(snap.Charges))
	}
}

// TestFreeCODSaysSo: a shop that charges no 代引き手数料 says so where the
// shopper chooses and confirms, and never shows a 0円 fee.
func TestFreeCODSaysSo(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	in := threeStepSettings(t, k)
	in.CartType = shop.CartZeroStep
	in.CODFee = "0"
	if err := k.shop.SaveSettings(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	fillCart(t, k, 1)
	order := k.get("/checkout/order").body
	mustContain(t, order, "代引き手数料はかかりません。")
	if strings.Contains(order, "代引き手数料0円") {
		t.Error("the order page offers a 0円 fee")
	}
	k.post("/checkout/order", merge(buyerValues(), paymentValues(shop.PayCOD)))
	conf := k.get("/checkout/confirm").body
	mustContain(t, conf, "配達員に現金でお支払いください。代引き手数料はかかりません。", `<dt data-sum-fee hidden>`)
}

// Two tabs: tab B is on the confirm page with the Shizuoka address from
// Amazon; in tab A the shopper starts Amazon Pay again and picks the Tokyo
// address. 注文する in B is sent back (the checkout changed), and the page
// it gets shows the address the order then ships to, in either cart.
func TestConfirmShowsTheAmazonAddressAnotherTabChose(t *testing.T) {
	t.Parallel()
	for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
		k := newKit(t)
		setCartType(t, k, cart)
		form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
		mustContain(t, k.get("/checkout/confirm").body, "〒411-0901")
		session := k.clickAmazonPay(k.get("/cart").body)
		k.signInAtAmazon(session, emulator.BuyerTaro, 0)
		k.follow(k.changeAtAmazon(session, url.Values{"address": {"1"}}))
		r := k.post("/checkout/place", form)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: 注文する after the other tab: %d %s", cart, r.status, r.location)
		}
		dest := regexp.MustCompile(`(?s)<dt>お届け先</dt>\s*<dd class="pre">(.*?)</dd>`).FindStringSubmatch(r.body)
		if dest == nil || !strings.Contains(dest[1], "〒100-0005") || strings.Contains(dest[1], "〒411-0901") {
			t.Fatalf("%s: the page sent back shows お届け先 %q, the Tokyo address is ordered", cart, dest)
		}
		if r := payAtAmazon(t, k, confirmForm(t, r.body)); r.location != "/checkout/complete" {
			t.Fatalf("%s: second 注文する: %d %s", cart, r.status, r.location)
		}
		o, _ := orderNumber(t, k, 1)
		if o.Destination.Address.PostalCode != "100-0005" {
			t.Fatalf("%s: the order ships to %+v", cart, o.Destination.Address)
		}
	}
}

// Two tabs: tab B is on the confirm page with Amazon's one-field name; in
// tab A the shopper leaves Amazon Pay, which asks for the given name and
// kana again. 注文する in B goes back to the form, and the form marks what
// is missing instead of only saying that something is.
func TestSentBackFromConfirmTheFormMarksWhatIsWrong(t *testing.T) {
	t.Parallel()
	for _, cart := range []string{shop.CartZeroStep, shop.CartThreeStep} {
		k := newKit(t)
		setCartType(t, k, cart)
		form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
		if r := k.post("/checkout/amazonpay/leave", nil); r.status != http.StatusSeeOther {
			t.Fatalf("%s: leave Amazon Pay: %d", cart, r.status)
		}
		r := k.post("/checkout/place", form)
		if r.status != http.StatusSeeOther || r.location == "" || r.location == "/checkout/confirm" {
			t.Fatalf("%s: 注文する after leaving Amazon Pay: %d %s", cart, r.status, r.location)
		}
		page := k.get(r.location).body
		mustContain(t, page, "入力内容に誤りがあります", `id="buyer_given_name" name="buyer_given_name"`, `id="err-buyer_given_name"`)
		if !regexp.MustCompile(`id="buyer_given_name"[^>]* aria-invalid="true"`).MatchString(page) {
			t.Errorf("%s: the form says something is wrong but marks no field", cart)
		}
		// Marked once: the next view of the form is as the shopper left it.
		if strings.Contains(k.get(r.location).body, `id="err-buyer_given_name"`) {
			t.Errorf("%s: the marks stay on every later view", cart)
		}
	}
}
