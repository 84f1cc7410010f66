package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// Bad input, races, Amazon's refusals and lost answers on the Amazon Pay
// operations of 受注明細: at most one operation at Amazon, a clear message,
// a history line with the reason code, and the order unchanged where Amazon
// did not change it.

// operations counts an order's recorded operations of a kind.
func operations(t *testing.T, k *kit, id int64, kind string) []model.Operation {
	t.Helper()
	var out []model.Operation
	for _, op := range ledger(t, k, id).Operations {
		if op.Kind == kind {
			out = append(out, op)
		}
	}
	return out
}

func TestAmazonPayBadAmounts(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(t, k, id, 1)
	total := orderOf(t, k, id).Total
	for _, tc := range []struct{ amount, message string }{
		{"0", "金額は1円以上で入力してください。"},
		{"-100", "金額は1円以上で入力してください。"},
		{"abc", "金額は半角数字で、円単位で入力してください"},
		{"10.5", "金額は半角数字で、円単位で入力してください"},
		{"99999999999999999999", "金額は半角数字で、円単位で入力してください"},
		{strconvYen(total + 1), "売上請求できるのはオーソリ金額の"},
	} {
		mustRefuse(t, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}, "amount": {tc.amount}}), http.StatusUnprocessableEntity, tc.message)
	}
	if ops := operations(t, k, id, model.OpCapture); len(ops) != 0 || calls(t, k, id, "CaptureCharge") != 0 {
		t.Fatalf("bad amounts reached Amazon: %d operations", len(ops))
	}
	// Full-width digits, commas and 円 are read as the merchant meant them.
	mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}, "amount": {"１，０００円"}}))
	if c := amazonCharge(t, k, ch); priceYen(c.CaptureAmount) != 1000 {
		t.Fatalf("captured %d", priceYen(c.CaptureAmount))
	}
	// Refunds: beyond Amazon's cap (capture + min(15%, 8,400)), nothing
	// left to refund in full, no amount.
	cap := 1000 + 150
	for _, tc := range []struct {
		form    url.Values
		message string
	}{
		{url.Values{"full": {"0"}, "amount": {strconvYen(int64(cap) + 1)}}, "返金できるのは1,150円まで"},
		{url.Values{"full": {"0"}, "amount": {""}}, "返金額を入力してください。"},
		{url.Values{"full": {"0"}, "amount": {"-5"}}, "金額は1円以上で入力してください。"},
	} {
		tc.form.Set("charge", ch)
		mustRefuse(t, payOp(t, k, id, model.OpRefund, tc.form), http.StatusUnprocessableEntity, tc.message)
	}
	mustOK(t, k, id, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}}))
	r := payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}})
	mustRefuse(t, r, http.StatusUnprocessableEntity, "全額返金できる金額はありません")
	// The 15% over the capture is still there, up to Amazon's cap.
	mustOK(t, k, id, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"150"}}))
	mustRefuse(t, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"1"}}),
		http.StatusUnprocessableEntity, "この操作は現在の決済状況では行えません")
	if n := len(k.emu.Snapshot().Refunds); n != 2 {
		t.Fatalf("%d refunds at Amazon", n)
	}
	// Operations that do not exist, or on a charge of no one.
	mustRefuse(t, payOp(t, k, id, "explode", nil), http.StatusUnprocessableEntity, "この操作は現在の決済状況では行えません")
	mustRefuse(t, payOp(t, k, id, model.OpRefund, url.Values{"charge": {"S03-0000000-0000000-C000001"}, "full": {"1"}}),
		http.StatusUnprocessableEntity, "この操作は現在の決済状況では行えません")
}

func strconvYen(n int64) string { return strconv.FormatInt(n, 10) }

func TestAmazonPayOperationsOnOrdersWithoutAPayment(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	bank := k.placeOrders(taro(shop.PayBank))[0].ID
	k.loginAdmin()
	mustRefuse(t, payOp(t, k, bank, model.OpFetch, nil), http.StatusUnprocessableEntity, "この注文にはAmazon Payの決済がありません。")
	if r := k.post("/admin/orders/999/amazonpay", url.Values{"op": {"fetch"}}); r.status != http.StatusNotFound && r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown order: %d", r.status)
	}
}

// TestAmazonPayDoubleClickAndStalePage: the second click of a double click
// and a form from a page drawn before the payment changed are refused
// (409) and never reach Amazon.
func TestAmazonPayDoubleClickAndStalePage(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(t, k, id, 1)
	v := pageVersion(t, k, id)
	mustOK(t, k, id, payOpAt(t, k, id, v, model.OpCapture, url.Values{"charge": {ch}}))
	mustRefuse(t, payOpAt(t, k, id, v, model.OpCapture, url.Values{"charge": {ch}}), http.StatusConflict,
		"他の操作で状態が変わりました。画面を再読み込みしてください。")
	if n := calls(t, k, id, "CaptureCharge"); n != 1 {
		t.Fatalf("%d captures sent", n)
	}
	// A page drawn before a refresh cannot refund.
	old := pageVersion(t, k, id)
	mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
	mustRefuse(t, payOpAt(t, k, id, old, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}}), http.StatusConflict, "他の操作で状態が変わりました")
	mustRefuse(t, payOpAt(t, k, id, "", model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}}), http.StatusConflict, "他の操作で状態が変わりました")
	if len(k.emu.Snapshot().Refunds) != 0 {
		t.Fatal("a stale page refunded")
	}
}

// TestAmazonPaySimultaneousOperations: two admins press 売上請求 (then
// 返金確定) at the same moment: one reaches Amazon, the other is told.
func TestAmazonPaySimultaneousOperations(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(t, k, id, 1)
	race := func(op string, form url.Values) []response {
		v := pageVersion(t, k, id)
		out := make([]response, 2)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() { out[i] = payOpAt(t, k, id, v, op, form) })
		}
		wg.Wait()
		return out
	}
	check := func(what string, rs []response) {
		won, told := 0, 0
		for _, r := range rs {
			switch {
			case r.status == http.StatusSeeOther:
				won++
			case r.status == http.StatusConflict &&
				(strings.Contains(r.body, "他の操作で状態が変わりました") || strings.Contains(r.body, "別の操作をAmazon Payで処理中です")):
				told++
			default:
				t.Fatalf("%s: %d\n%s", what, r.status, excerpt(r.body))
			}
		}
		if won != 1 || told != 1 {
			t.Fatalf("%s: %d went through, %d were told", what, won, told)
		}
	}
	check("capture", race(model.OpCapture, url.Values{"charge": {ch}}))
	if n := calls(t, k, id, "CaptureCharge"); n != 1 {
		t.Fatalf("%d captures reached Amazon", n)
	}
	check("refund", race(model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"100"}}))
	if n := len(k.emu.Snapshot().Refunds); n != 1 || calls(t, k, id, "CreateRefund") != 1 {
		t.Fatalf("%d refunds at Amazon", n)
	}
}

// TestAmazonPayRefusals: what Amazon refuses is said in the seed's words,
// written in the history with the reason code, and the ledger takes what
// Amazon holds after the refusal.
func TestAmazonPayRefusals(t *testing.T) {
	t.Parallel()
	t.Run("InvalidChargeStatus", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
		ch := chargeID(t, k, id, 1)
		// Canceled in Seller Central; the shop has not heard yet.
		if err := k.emu.AmazonCancel(ch); err != nil {
			t.Fatal(err)
		}
		r := payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}})
		_, admin := shop.AmazonPayMessages("InvalidChargeStatus")
		mustRefuse(t, r, http.StatusUnprocessableEntity, "売上請求できませんでした（InvalidChargeStatus）", admin)
		ops := operations(t, k, id, model.OpCapture)
		if len(ops) != 1 || ops[0].State != model.OpFailed || ops[0].ReasonCode != "InvalidChargeStatus" || ops[0].HTTPStatus != 422 {
			t.Fatalf("operations %+v", ops)
		}
		mustContain(t, k.get(orderPath(id)).body, "InvalidChargeStatus", "再請求可能（Canceled）")
		if l := ledger(t, k, id); l.Charges[0].State != model.StateCanceled {
			t.Fatalf("the ledger holds %s, Amazon Canceled", l.Charges[0].State)
		}
		// The refusal was definitive: the next capture has its own key.
		mustButtons(t, k, id, model.OpAuthorize, model.OpClose, model.OpFetch)
	})
	t.Run("TransactionAmountExceeded", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
		ch := chargeID(t, k, id, 1)
		total := orderOf(t, k, id).Total
		// Refunded in Seller Central; the shop's cap does not know it yet.
		if _, err := k.emu.AmazonRefund(ch, total); err != nil {
			t.Fatal(err)
		}
		r := payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}})
		mustRefuse(t, r, http.StatusUnprocessableEntity, "返金できませんでした（TransactionAmountExceeded）", "最高取引金額を超えています")
		if len(k.emu.Snapshot().Refunds) != 1 {
			t.Fatal("Amazon refunded twice")
		}
		if o := orderOf(t, k, id); o.Status != store.OrderNew {
			t.Fatalf("order %s", o.Status)
		}
	})
	t.Run("SoftDeclined and HardDeclined", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleConfirm, emulator.BuyerTaro)
		k.sim.next("POST charges", "SoftDeclined")
		_, soft := shop.AmazonPayMessages("SoftDeclined")
		mustRefuse(t, payOp(t, k, id, model.OpAuthorize, nil), http.StatusUnprocessableEntity, "オーソリできませんでした（SoftDeclined）", soft)
		// A soft decline leaves the permission chargeable: オーソリ again.
		mustButtons(t, k, id, model.OpAuthorize, model.OpClose, model.OpFetch)
		k.sim.next("POST charges", "HardDeclined")
		_, hard := shop.AmazonPayMessages("HardDeclined")
		mustRefuse(t, payOp(t, k, id, model.OpAuthorize, nil), http.StatusUnprocessableEntity, "オーソリできませんでした（HardDeclined）", hard)
		// A hard decline makes it NonChargeable (PaymentMethodInvalid):
		// no more authorizations, 破棄 remains.
		mustContain(t, frame(t, k, id), "請求不可（NonChargeable）", "PaymentMethodInvalid")
		mustButtons(t, k, id, model.OpClose, model.OpFetch)
		ops := operations(t, k, id, model.OpAuthorize)
		if len(ops) != 2 || ops[0].IdempotencyKey == ops[1].IdempotencyKey || ops[1].ReasonCode != "HardDeclined" {
			t.Fatalf("operations %+v", ops)
		}
	})
	t.Run("AmazonRejected capture", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
		ch := chargeID(t, k, id, 1)
		k.sim.next("POST capture", "AmazonRejected")
		mustRefuse(t, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}}), http.StatusUnprocessableEntity, "売上請求できませんでした（AmazonRejected）")
		mustContain(t, frame(t, k, id), "決済失敗（Declined）", "AmazonRejected")
	})
}

// TestAmazonPayLostAnswers: 429, 5xx and answers lost on the way back leave
// the operation's outcome unknown: a clear message, a history line with the
// reason, the order as it was, and only 最新の状態に更新, which settles it.
// A retry after a timeout on capture and on refund: Amazon did each once.
func TestAmazonPayLostAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  emulator.Fault
		reason string
	}{
		{"429", emulator.Fault{Operation: "CaptureCharge", Status: 429}, "TooManyRequests"},
		{"500", emulator.Fault{Operation: "CaptureCharge", Status: 500}, "InternalServerError"},
		{"503", emulator.Fault{Operation: "CaptureCharge", Status: 503}, "ServiceUnavailable"},
		{"timeout before", emulator.Fault{Operation: "CaptureCharge", Drop: emulator.DropBefore}, ""},
		{"timeout after", emulator.Fault{Operation: "CaptureCharge", Drop: emulator.DropAfter}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
			ch := chargeID(t, k, id, 1)
			if err := k.emu.AddFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			r := payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}})
			mustRefuse(t, r, http.StatusUnprocessableEntity, "売上請求の結果をAmazon Payから受け取れませんでした", "「最新の状態に更新」を押すと結果を確認します")
			ops := operations(t, k, id, model.OpCapture)
			if len(ops) != 1 || ops[0].State != model.OpUnknown || ops[0].ReasonCode != tc.reason {
				t.Fatalf("operations %+v", ops)
			}
			if o := orderOf(t, k, id); o.PaymentStatus != "Authorized" {
				t.Fatalf("payment status %s while the outcome is unknown", o.PaymentStatus)
			}
			mustContain(t, k.get(orderPath(id)).body, "結果不明")
			mustButtons(t, k, id, model.OpFetch)
			// Pressing 売上請求 again from the page as it was does nothing.
			mustRefuse(t, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}}), http.StatusUnprocessableEntity, "この操作は現在の決済状況では行えません")
			k.emu.ClearFaults()
			mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
			ops = operations(t, k, id, model.OpCapture)
			if ops[0].State != model.OpSucceeded {
				t.Fatalf("settled %+v", ops[0])
			}
			c := amazonCharge(t, k, ch)
			if c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != orderOf(t, k, id).Total {
				t.Fatalf("Amazon holds %+v", c.StatusDetails)
			}
			mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
		})
	}
	t.Run("refund timeout", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
		ch := chargeID(t, k, id, 1)
		// Every try reaches Amazon and every answer is lost.
		if err := k.emu.AddFault(emulator.Fault{Operation: "CreateRefund", Drop: emulator.DropAfter}); err != nil {
			t.Fatal(err)
		}
		r := payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"500"}})
		mustRefuse(t, r, http.StatusUnprocessableEntity, "返金の結果をAmazon Payから受け取れませんでした")
		if n := calls(t, k, id, "CreateRefund"); n < 2 {
			t.Fatalf("%d tries", n)
		}
		k.emu.ClearFaults()
		mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
		snap := k.emu.Snapshot()
		if len(snap.Refunds) != 1 || priceYen(&snap.Refunds[0].RefundAmount) != 500 {
			t.Fatalf("Amazon made %d refunds", len(snap.Refunds))
		}
		l := ledger(t, k, id)
		if len(l.Refunds) != 1 || l.Refunds[0].ID != snap.Refunds[0].RefundID {
			t.Fatalf("ledger refunds %+v", l.Refunds)
		}
		mustButtons(t, k, id, model.OpRefund, model.OpFetch)
	})
}

// TestAmazonPayExpiry: with the emulator's clock moved, an authorization
// left 30 days expires (再請求可能（Canceled, ExpiredUnused） with 再オーソリ and
// 破棄), and a permission left 180 days closes (only 最新の状態に更新).
func TestAmazonPayExpiry(t *testing.T) {
	t.Parallel()
	t.Run("authorization", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
		k.emu.Advance(31 * 24 * time.Hour)
		mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
		f := frame(t, k, id)
		mustContain(t, f, "再請求可能（Canceled）", "ExpiredUnused", "オーソリから30日以内に売上請求されなかったため")
		mustButtons(t, k, id, model.OpAuthorize, model.OpClose, model.OpFetch)
		mustContain(t, k.get(orderPath(id)).body, "オーソリ（Authorized） → 再請求可能（Canceled）")
		// 再オーソリ within 180 days of the order, then 売上請求.
		mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, nil))
		mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {chargeID(t, k, id, 2)}}))
		mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
	})
	t.Run("charge permission", func(t *testing.T) {
		t.Parallel()
		k := newKit(t)
		id := paidOrder(t, k, shop.SaleConfirm, emulator.BuyerTaro)
		k.emu.Advance(181 * 24 * time.Hour)
		mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
		mustContain(t, frame(t, k, id), "決済終了（Closed）", "Expired")
		mustButtons(t, k, id, model.OpFetch)
	})
}

// TestAmazonPayPendingStates (F-45): Amazon's pending answers show 処理中
// and settle on 最新の状態に更新, never guessed.
func TestAmazonPayPendingStates(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleConfirm, emulator.BuyerPendingOK)
	mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, nil))
	mustContain(t, frame(t, k, id), "処理中（AuthorizationInitiated）", `class="status processing"`)
	mustButtons(t, k, id, model.OpCancel, model.OpFetch)
	k.emu.Advance(settleTime)
	mustContain(t, frame(t, k, id), "処理中（AuthorizationInitiated）") // not guessed
	mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
	mustContain(t, frame(t, k, id), "オーソリ（Authorized）")
	k.sim.next("POST capture", "CaptureInitiated")
	mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {chargeID(t, k, id, 1)}}))
	mustContain(t, frame(t, k, id), "処理中（CaptureInitiated）")
	mustButtons(t, k, id, model.OpFetch)
	k.emu.Advance(settleTime)
	mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
	mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
}

// TestAmazonPayDeadlines: the deadline that matters shows on 受注明細 and,
// once near, on 受注一覧, whose filter lists exactly the orders with a near
// or past deadline.
func TestAmazonPayDeadlines(t *testing.T) {
	t.Parallel()
	c := &clock{}
	k := newKitAt(t, c)
	authorized := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	captured := paidOrder(t, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
	mustContain(t, frame(t, k, authorized), "売上請求期限まであと30日")
	if strings.Contains(frame(t, k, captured), "期限まで") {
		t.Fatal("a captured order shows a deadline")
	}
	list := k.get("/admin/orders").body
	if strings.Contains(list, "期限まであと") {
		t.Fatal("the list marks a deadline 30 days away")
	}
	c.advance(27 * 24 * time.Hour)
	k.loginAdmin() // the admin's session has lapsed meanwhile
	mustContain(t, frame(t, k, authorized), "売上請求期限まであと3日", `class="deadline near"`)
	mustContain(t, k.get("/admin/orders").body, "売上請求期限まであと3日")
	near := k.get("/admin/orders?deadline=near").body
	mustContain(t, near, `href="/admin/orders/1"`, `name="deadline" value="near" checked`)
	if strings.Contains(near, `href="/admin/orders/2"`) {
		t.Fatal("the near-deadline filter lists a captured order")
	}
	c.advance(4 * 24 * time.Hour)
	k.loginAdmin()
	mustContain(t, k.get("/admin/orders?deadline=near").body, "売上請求期限切れ", `href="/admin/orders/1"`)
	if r := k.get("/admin/orders?deadline=soon"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "期限の指定が正しくありません。") {
		t.Fatalf("bad filter: %d", r.status)
	}
}

// TestAmazonPayTimeline (F-84): every call for the order, newest first,
// with its key, status, reason and duration, and the raw JSON.
func TestAmazonPayTimeline(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(t, k, id, 1)
	mustRefuse(t, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"1"}}), http.StatusUnprocessableEntity, "この操作は現在の決済状況では行えません")
	if err := k.emu.AmazonCancel(ch); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}}), http.StatusUnprocessableEntity, "InvalidChargeStatus")
	body := k.get(orderPath(id)).body
	i := strings.Index(body, `id="timeline"`)
	if i < 0 {
		t.Fatal("no timeline")
	}
	tl := body[i:]
	mustContain(t, tl, "売上請求", "CaptureCharge", "422 InvalidChargeStatus", ch+"-c1", " ms", "課金許可の取得", "CompleteCheckoutSession", "決済の完了")
	if strings.Index(tl, "CaptureCharge") > strings.Index(tl, "CompleteCheckoutSession") {
		t.Fatal("the timeline is not newest first")
	}
	// The raw JSON is one click away.
	link := regexp.MustCompile(`(?s)<code>CaptureCharge</code>.*?href="(/admin/orders/\d+/amazonpay/calls/\d+)">JSONを表示`).FindStringSubmatch(tl)
	if link == nil {
		t.Fatal("no JSON link")
	}
	call := k.get(link[1])
	if call.status != http.StatusOK {
		t.Fatalf("call page: %d", call.status)
	}
	mustContain(t, call.body, "CaptureCharge", "422 InvalidChargeStatus", "送信したJSON", "&#34;captureAmount&#34;",
		"Amazon Payの応答", "&#34;reasonCode&#34;: &#34;InvalidChargeStatus&#34;", ch+"-c1")
	// Another order's call, or none, is not found.
	if r := k.get(strings.Replace(link[1], orderPath(id), "/admin/orders/999", 1)); r.status != http.StatusNotFound {
		t.Fatalf("another order's call: %d", r.status)
	}
	if r := k.get(orderPath(id) + "/amazonpay/calls/x"); r.status != http.StatusNotFound {
		t.Fatalf("a bad call ID: %d", r.status)
	}
}

// TestAmazonPayStaleClaim: an operation whose process died keeps the
// payment claimed; after a while 最新の状態に更新 takes the claim over and
// settles the operation.
func TestAmazonPayStaleClaim(t *testing.T) {
	t.Parallel()
	c := &clock{}
	k := newKitAt(t, c)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	// A capture claimed by a process that died before it sent it.
	l := ledger(t, k, id)
	err := k.db.WithTx(t.Context(), func(tx *store.Tx) error {
		op := model.Operation{OrderID: id, Kind: model.OpCapture, Seq: 1, IdempotencyKey: l.Charges[0].ID + "-c1", TargetID: l.Charges[0].ID,
			Amount: l.Charges[0].Amount, State: model.OpRequested, Actor: shop.AdminActor("a@example.com")}
		if err := tx.InsertOperation(&op); err != nil {
			return err
		}
		_, err := tx.ClaimPayment(id, l.Permission.Version, op.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, frame(t, k, id), "Amazon Payで操作を処理中です", "処理中")
	mustButtons(t, k, id)
	mustRefuse(t, payOp(t, k, id, model.OpFetch, nil), http.StatusConflict, "別の操作をAmazon Payで処理中です")
	c.advance(4 * time.Minute)
	mustButtons(t, k, id, model.OpFetch)
	mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
	// The capture never reached Amazon: replayed with its key, it does now,
	// once.
	if ops := operations(t, k, id, model.OpCapture); len(ops) != 1 || ops[0].State != model.OpSucceeded {
		t.Fatalf("operations %+v", ops)
	}
	mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
	mustContain(t, k.get(orderPath(id)).body, "自動処理")
}
