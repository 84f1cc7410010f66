package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/mail"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// newIPNKit is a kit whose emulator delivers its notifications to the
// shop's IPN URL, as make run does.
func newIPNKit(t *testing.T) *kit { return newKitWith(t, kitOptions{ipn: true}) }

// settleNotifications waits until the emulator has delivered every
// notification and the shop has processed them (a processing may make
// Amazon notify again: it goes round until all is quiet).
func (k *kit) settleNotifications() {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 3 {
		if err := k.emu.WaitIdle(ctx); err != nil {
			k.t.Fatal(err)
		}
		k.shop.Wait()
		if _, err := k.shop.AmazonPay.ProcessNotifications(ctx); err != nil {
			k.t.Fatal(err)
		}
	}
}

// mailsOf lists an order's mails of a kind.
func mailsOf(t testing.TB, k *kit, orderID int64, kind string) []store.Mail {
	t.Helper()
	all, err := k.db.OrderMails(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Mail
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// ipnMailWith checks that exactly one IPN mail of the order carries the
// detail text.
func ipnMailWith(t testing.TB, k *kit, orderID int64, detail string) {
	t.Helper()
	n := 0
	for _, m := range mailsOf(t, k, orderID, mail.KindAmazonIPN) {
		if strings.Contains(m.Body, "詳細："+detail) {
			n++
			if !strings.HasPrefix(m.Subject, "【注文番号：") || !strings.HasSuffix(m.Subject, "】Amazon Payインスタント決済通知（IPN）受信メール") {
				t.Errorf("IPN mail subject %q", m.Subject)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d IPN mails say %q, want 1", n, detail)
	}
}

// eventsBy lists an order's events of a kind by an actor kind.
func eventsBy(t testing.TB, k *kit, orderID int64, kind, actor string) []model.Event {
	t.Helper()
	all, err := k.db.Events(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []model.Event
	for _, e := range all {
		if e.Kind == kind && e.Actor.Kind == actor {
			out = append(out, e)
		}
	}
	return out
}

// TestIPNPendingAuthorizationEndsDeclined is the 高橋四郎: with
// オーソリのみ his authorization stays pending at the order and Amazon later
// declines it (HardDeclined). The notification makes the order 決済失敗,
// its stock comes back, the buyer gets the decline mail and the shop the
// IPN mail, each once.
func TestIPNPendingAuthorizationEndsDeclined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := newIPNKit(t)
	p := k.product(func(p store.Product) bool { return p.Stock > 20 && p.TaxRate == 8 })
	setSaleMethod(t, k, shop.SaleAuthorize, "PayAndShip")
	if r := payAtAmazon(t, k, amazonCheckout(t, k, emulator.BuyerPendingNG, 0)); r.location != "/checkout/complete" {
		t.Fatalf("pending buyer: %d %s", r.status, r.location)
	}
	k.settleNotifications()
	if o, _ := k.db.Order(ctx, 1); o.Status != store.OrderNew || o.PaymentStatus != model.StateAuthorizationInitiated {
		t.Fatalf("before Amazon decides: %s / %s", o.Status, o.PaymentStatus)
	}
	k.emu.Advance(settleTime)
	k.settleNotifications()
	o, _ := k.db.Order(ctx, 1)
	ap, _ := k.db.AmazonPayment(ctx, 1)
	after, _ := k.db.Product(ctx, p.ID)
	if o.Status != store.OrderFailed || ap.State != store.AmazonFailed || ap.ReasonCode != "HardDeclined" || after.Stock != p.Stock {
		t.Fatalf("order %s, payment %s %s, stock %d (want %d)", o.Status, ap.State, ap.ReasonCode, after.Stock, p.Stock)
	}
	declined := mailsOf(t, k, 1, mail.KindPaymentDeclined)
	if len(declined) != 1 || declined[0].To != o.Email || !strings.Contains(declined[0].Body, "このご注文は成立しておりません") {
		t.Fatalf("decline mails %+v", declined)
	}
	ipnMailWith(t, k, 1, "オーソリもしくは売上請求に失敗しました。購入者に連絡して別のお支払い方法を選択してもらう必要があります。")
	failed := eventsBy(t, k, 1, model.EventOrderStatus, model.ActorAmazon)
	if len(failed) != 1 || failed[0].To != store.OrderFailed || len(failed[0].Items) != 1 {
		t.Fatalf("status events by Amazon %+v", failed)
	}
	// More notifications, and the settlement job, change nothing again.
	k.emu.Advance(24 * time.Hour)
	k.settleNotifications()
	if _, err := k.shop.AmazonPay.SettlePending(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(mailsOf(t, k, 1, mail.KindPaymentDeclined)); n != 1 {
		t.Fatalf("%d decline mails", n)
	}
	k.loginAdmin()
	mustContain(t, k.get("/admin/orders/1").body, "amazon-frame red", "決済失敗", "Amazon通知", "Amazon Pay通知（IPN）の受信")
}

// TestSettlementReadsPendingPayments: without notifications, the
// settlement job reads a pending authorization on its schedule (backing
// off) until Amazon settles it; a pending one that ends Declined fails
// its order as a notification would (F-45, F-51).
func TestSettlementReadsPendingPayments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		buyer, want, status string
	}{
		{emulator.BuyerPendingOK, model.StateAuthorized, store.OrderNew},
		{emulator.BuyerPendingNG, model.StateDeclined, store.OrderFailed},
	} {
		c := &clock{}
		k := newKitAt(t, c)
		setSaleMethod(t, k, shop.SaleAuthorize, "PayAndShip")
		if r := payAtAmazon(t, k, amazonCheckout(t, k, tc.buyer, 0)); r.location != "/checkout/complete" {
			t.Fatalf("checkout: %d %s", r.status, r.location)
		}
		if n, err := k.shop.AmazonPay.SettlePending(ctx); err != nil || n != 0 {
			t.Fatalf("still pending at Amazon: settled %d, %v", n, err)
		}
		k.emu.Advance(settleTime)
		if n, err := k.shop.AmazonPay.SettlePending(ctx); err != nil || n != 0 {
			t.Fatalf("read again before its backoff: settled %d, %v", n, err)
		}
		c.advance(time.Minute)
		if n, err := k.shop.AmazonPay.SettlePending(ctx); err != nil || n != 1 {
			t.Fatalf("after the backoff: settled %d, %v", n, err)
		}
		l := ledger(t, k, 1)
		o, _ := k.db.Order(ctx, 1)
		if l.Charges[0].State != tc.want || o.Status != tc.status {
			t.Fatalf("%s: charge %s, order %s", tc.buyer, l.Charges[0].State, o.Status)
		}
		if changes := eventsBy(t, k, 1, model.EventAmazonState, model.ActorSystem); len(changes) == 0 {
			t.Fatal("no history row by 自動処理")
		}
		if n := len(mailsOf(t, k, 1, mail.KindAmazonIPN)); n != 0 {
			t.Fatalf("%d IPN mails without notifications", n)
		}
		if n, _ := k.shop.AmazonPay.SettlePending(ctx); n != 0 {
			t.Fatal("a settled payment was read again")
		}
	}
}

// TestIPNAmazonSideChanges (F-81): a capture, refund, cancel and close made
// in the emulator's console (its Seller Central) reach the order through
// the notification and the fetch, with history rows by Amazon通知 and the
// seed's IPN mails; the order's status stays the merchant's.
func TestIPNAmazonSideChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := newIPNKit(t)
	first := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.settleNotifications()
	ipnMailWith(t, k, first, "オーソリが正常に処理されました。")
	charge := chargeID(t, k, first, 1)
	if err := k.emu.AmazonCapture(charge); err != nil {
		t.Fatal(err)
	}
	k.settleNotifications()
	if c := ledger(t, k, first).Charges[0]; c.State != model.StateCaptured || c.Captured == 0 {
		t.Fatalf("after Amazon's capture: %+v", c)
	}
	ipnMailWith(t, k, first, "売上請求が正常に処理されました。")
	if _, err := k.emu.AmazonRefund(charge, 500); err != nil {
		t.Fatal(err)
	}
	k.emu.Advance(settleTime)
	k.settleNotifications()
	l := ledger(t, k, first)
	o, _ := k.db.Order(ctx, first)
	if len(l.Refunds) != 1 || l.Refunds[0].State != model.StateRefunded || o.Status != store.OrderNew || o.PaymentStatus != shop.AmazonPayPartiallyRefunded {
		t.Fatalf("after Amazon's refund: %+v, order %s / %s", l.Refunds, o.Status, o.PaymentStatus)
	}
	ipnMailWith(t, k, first, "返金の申請が正常に処理されました。")
	if n := len(eventsBy(t, k, first, model.EventAmazonState, model.ActorAmazon)); n < 2 {
		t.Fatalf("%d state changes by Amazon通知", n)
	}
	mustContain(t, k.get(orderPath(first)).body, "Amazon通知", "返金済み")

	second := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	if err := k.emu.AmazonCancel(chargeID(t, k, second, 1)); err != nil {
		t.Fatal(err)
	}
	k.settleNotifications()
	ipnMailWith(t, k, second, "Amazonによってオーソリの取消が行われました。")
	if err := k.emu.AmazonClose(ledger(t, k, second).Permission.ID); err != nil {
		t.Fatal(err)
	}
	k.settleNotifications()
	ipnMailWith(t, k, second, "Amazonによって決済の破棄が行われたため、再オーソリも不可となります。")
	if l := ledger(t, k, second); l.Permission.State != model.StateClosed || l.Permission.ReasonCode != "AmazonClosed" {
		t.Fatalf("after Amazon's close: %+v", l.Permission)
	}
	if o, _ := k.db.Order(ctx, second); o.Status != store.OrderNew {
		t.Fatalf("Amazon's cancel changed the order to %s", o.Status)
	}
	// The shop's own オーソリキャンセル is notified too: no mail (the seed
	// mails only what Amazon or the buyer did) and no second history row
	// for what the operation already recorded.
	third := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.settleNotifications()
	before := len(eventsBy(t, k, third, model.EventAmazonState, model.ActorAmazon))
	mustOK(t, k, third, payOp(t, k, third, model.OpCancel, url.Values{"charge": {chargeID(t, k, third, 1)}}))
	k.settleNotifications()
	if after := len(eventsBy(t, k, third, model.EventAmazonState, model.ActorAmazon)); after != before {
		t.Fatalf("the notification of the shop's own オーソリキャンセル wrote %d history rows", after-before)
	}
	for _, m := range mailsOf(t, k, third, mail.KindAmazonIPN) {
		if strings.Contains(m.Body, "Canceled") {
			t.Fatalf("IPN mail for the shop's オーソリキャンセル: %s", m.Body)
		}
	}
}

// TestIPNNeverRevivesACanceledOrder (WooCommerce #233): an authorization
// expiry notice 30 days after a canceled order, or the decline of a
// pending authorization, leaves the order canceled.
func TestIPNNeverRevivesACanceledOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, buyer := range []string{emulator.BuyerTaro, emulator.BuyerPendingNG} {
		k := newIPNKit(t)
		id := paidOrderAnyState(t, k, shop.SaleAuthorize, buyer)
		k.settleNotifications()
		r := k.post(orderPath(id)+"/status", url.Values{"from": {store.OrderNew}, "to": {store.OrderCanceled}, "payment": {""}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d %s", r.status, excerpt(r.body))
		}
		k.emu.Advance(31 * 24 * time.Hour)
		k.settleNotifications()
		o, _ := k.db.Order(ctx, id)
		c := ledger(t, k, id).Charges[0]
		if o.Status != store.OrderCanceled || (c.State != model.StateCanceled && c.State != model.StateDeclined) {
			t.Fatalf("%s: order %s, charge %s %s", buyer, o.Status, c.State, c.ReasonCode)
		}
		if n := len(mailsOf(t, k, id, mail.KindPaymentDeclined)); n != 0 {
			t.Fatalf("%s: a canceled order's buyer got %d decline mails", buyer, n)
		}
	}
}

// paidOrderAnyState is paidOrder for a buyer whose authorization may stay
// pending (the ledger may not be final).
func paidOrderAnyState(t testing.TB, k *kit, method, buyer string) int64 {
	t.Helper()
	setSaleMethod(t, k, method, "PayAndShip")
	if r := payAtAmazon(t, k, amazonCheckout(t, k, buyer, 0)); r.location != "/checkout/complete" {
		t.Fatalf("checkout: %d %s", r.status, r.location)
	}
	k.loginAdmin()
	return 1
}

// TestIPNRacesTheResultReturn (Magento #1280): the buyer's result return
// completes the checkout at Amazon but every answer is lost, so the page
// says 確認中; Amazon's notification of the new payment arrives and
// completes the order; the buyer's reloads, racing the notifications, find
// it completed. One order, one set of mails.
func TestIPNRacesTheResultReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{}
	k := newKitWith(t, kitOptions{ipn: true, now: c.Now})
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	r := k.post("/checkout/place", form)
	proc := k.follow(r.location)
	if err := k.emu.AddFault(emulator.Fault{Operation: "CompleteCheckoutSession", Drop: emulator.DropAfter, Times: amazonpay.DefaultMaxRetries + 1}); err != nil {
		t.Fatal(err)
	}
	if res := k.follow(proc.location); res.status != http.StatusAccepted || !strings.Contains(res.body, "ただいまお支払いを確認しています") {
		t.Fatalf("result return with every answer lost: %d %s", res.status, res.location)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, proc.location, nil)
			if res, err := k.client.Do(req); err == nil {
				res.Body.Close()
			}
		})
	}
	k.settleNotifications()
	wg.Wait()
	// A notification that came while the completion was held elsewhere
	// waits a few seconds, then is processed.
	c.advance(time.Minute)
	k.settleNotifications()
	if res := k.follow(proc.location); res.location != "/checkout/complete" {
		t.Fatalf("reload after the notification: %d %s", res.status, res.location)
	}
	o, _ := k.db.Order(ctx, 1)
	if o.Status != store.OrderNew {
		t.Fatalf("order %s", o.Status)
	}
	if _, err := k.db.Order(ctx, 2); err == nil {
		t.Fatal("a second order")
	}
	if len(mailsOf(t, k, 1, mail.KindThanks)) != 1 || len(mailsOf(t, k, 1, mail.KindOrderCopy)) != 1 {
		t.Fatal("the thanks mail was not sent exactly once")
	}
	ipnMailWith(t, k, 1, "売上請求が正常に処理されました。")
	if snap := k.emu.Snapshot(); len(snap.Permissions) != 1 || len(snap.Charges) != 1 {
		t.Fatalf("%d permissions, %d charges at Amazon", len(snap.Permissions), len(snap.Charges))
	}
}

// signedNotification is a notification signed as the kit's emulator signs
// them, about an object of the order's payment, sent at ts.
func (k *kit) signedNotification(t testing.TB, objectType, objectID, permissionID, messageID string, ts time.Time) []byte {
	t.Helper()
	msg, _ := json.Marshal(amazonpay.IPNMessage{MerchantID: "KAGOEMULATOR01", ObjectType: objectType, ObjectID: objectID,
		ChargePermissionID: permissionID, NotificationType: amazonpay.NotificationTypeStateChange, NotificationID: messageID + "-n",
		NotificationVersion: "V2"})
	certURL, err := k.emu.SigningCertURL()
	if err != nil {
		t.Fatal(err)
	}
	n := amazonpay.Notification{Type: "Notification", MessageID: messageID, TopicArn: "arn:aws:sns:ap-northeast-1:000000000000:test",
		Message: string(msg), Timestamp: ts.UTC().Format("2006-01-02T15:04:05.000Z"), SignatureVersion: "1", SigningCertURL: certURL}
	if err := amazonpay.SignNotification(&n, testSNSKey(t)); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(n)
	return b
}

// postIPN posts a notification body as Amazon does and returns the status.
func (k *kit) postIPN(t testing.TB, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.srv.URL+"/amazonpay/ipn", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	res, err := k.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode
}

// TestIPNDuplicatesAndOutOfOrder: every notification sent twice (as SNS
// may), the same one sent again later, and an old one arriving after a
// newer one change nothing twice: the shop reads the object's state now.
func TestIPNDuplicatesAndOutOfOrder(t *testing.T) {
	t.Parallel()
	k := newIPNKit(t)
	k.emu.SetDuplicateNotifications(true)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	k.settleNotifications()
	l := ledger(t, k, id)
	charge := l.Charges[0].ID
	older := k.signedNotification(t, amazonpay.ObjectTypeCharge, charge, l.Permission.ID, "older-00000001", time.Now())
	if err := k.emu.AmazonCapture(charge); err != nil {
		t.Fatal(err)
	}
	k.settleNotifications()
	events := len(eventsBy(t, k, id, model.EventAmazonState, model.ActorAmazon))
	newer := k.signedNotification(t, amazonpay.ObjectTypeCharge, charge, l.Permission.ID, "newer-00000002", time.Now())
	for _, body := range [][]byte{newer, older, newer, older} {
		if status := k.postIPN(t, body); status != http.StatusOK {
			t.Fatalf("a verified notification: %d", status)
		}
	}
	k.settleNotifications()
	if c := ledger(t, k, id).Charges[0]; c.State != model.StateCaptured {
		t.Fatalf("an old notification moved the charge back to %s", c.State)
	}
	if after := len(eventsBy(t, k, id, model.EventAmazonState, model.ActorAmazon)); after != events {
		t.Fatalf("%d more history rows from notifications that changed nothing", after-events)
	}
	ipnMailWith(t, k, id, "オーソリが正常に処理されました。")
	ipnMailWith(t, k, id, "売上請求が正常に処理されました。")
}

// TestConcurrentPlaceAndReloads: 100 「注文する」 at once on one checkout,
// then 50 reloads of the result URL at once, make one order, one payment
// at Amazon and one set of mails.
func TestConcurrentPlaceAndReloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := newKit(t)
	form := amazonCheckout(t, k, emulator.BuyerTaro, 0)
	form.Set("_csrf", k.csrfToken())
	send := func(n int, do func() (*http.Response, error)) []string {
		var wg sync.WaitGroup
		out := make(chan string, n)
		for range n {
			wg.Go(func() {
				res, err := do()
				if err != nil {
					out <- err.Error()
					return
				}
				res.Body.Close()
				out <- fmt.Sprintf("%d %s", res.StatusCode, res.Header.Get("Location"))
			})
		}
		wg.Wait()
		close(out)
		var got []string
		for s := range out {
			got = append(got, s)
		}
		return got
	}
	places := send(100, func() (*http.Response, error) {
		return k.client.PostForm(k.srv.URL+"/checkout/place", form)
	})
	redirect := ""
	for _, p := range places {
		status, loc, _ := strings.Cut(p, " ")
		if status != "303" || !strings.Contains(loc, "/amazonpay-emulator/") || (redirect != "" && loc != redirect) {
			t.Fatalf("a 「注文する」 got %q", p)
		}
		redirect = loc
	}
	proc := k.follow(redirect)
	reloads := send(50, func() (*http.Response, error) { return k.client.Get(proc.location) })
	for _, r := range reloads {
		if r != "303 /checkout/complete" {
			t.Errorf("a result reload got %q", r)
		}
	}
	if _, err := k.db.Order(ctx, 2); err == nil {
		t.Fatal("a second order")
	}
	if o, _ := k.db.Order(ctx, 1); o.Status != store.OrderNew {
		t.Fatalf("order %s", o.Status)
	}
	if len(mailsOf(t, k, 1, mail.KindThanks)) != 1 || len(mailsOf(t, k, 1, mail.KindOrderCopy)) != 1 {
		t.Fatal("not one set of mails")
	}
	if snap := k.emu.Snapshot(); len(snap.Permissions) != 1 || len(snap.Charges) != 1 {
		t.Fatalf("%d permissions, %d charges at Amazon", len(snap.Permissions), len(snap.Charges))
	}
}
