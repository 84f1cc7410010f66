package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
	"kago/store"
)

// Tests of the Amazon Pay operations on 受注明細, through the admin's HTTP
// forms and the emulator over HTTP: every cell of seed 000's table 8-2
// without an amount change (normal end and cancel, for each sale method),
// the expiry paths, the bad inputs and the races.

// simulator adds Amazon's sandbox header x-amz-pay-simulation-code (which
// the sandbox honours signed or not, AMAZON-PAY.md section 7) to the next
// call of a kind, in front of the emulator: the shop never sends it, so
// declines and Amazon's pending captures can be had on the shop's own calls.
type simulator struct {
	mu    sync.Mutex
	codes map[string]string // "POST charges", "POST capture" → code
}

// next makes the next call (method and last path segment) carry code.
func (s *simulator) next(call, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]string{}
	}
	s.codes[call] = code
}

// wrap puts the simulator in front of the emulator.
func (s *simulator) wrap(emu *emulator.Emulator) simulated { return simulated{emu, s} }

// simulated is the emulator behind a simulator; its console and the rest
// are the emulator's.
type simulated struct {
	*emulator.Emulator
	sim *simulator
}

func (h simulated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + path.Base(r.URL.Path)
	h.sim.mu.Lock()
	code, ok := h.sim.codes[key]
	delete(h.sim.codes, key)
	h.sim.mu.Unlock()
	if ok {
		r.Header.Set("X-Amz-Pay-Simulation-Code", code)
	}
	h.Emulator.ServeHTTP(w, r)
}

// settleTime moves the emulator's clock past its pending delay (the kit's
// emulator settles pending outcomes only when its clock moves).
const settleTime = 2 * time.Hour

// clock is a shop clock a test moves forward.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// newKitAt is a kit whose shop runs on the clock c.
func newKitAt(t *testing.T, c *clock) *kit {
	t.Helper()
	return newKitWith(t, kitOptions{now: c.Now})
}

// paidOrder places the kit's next order, paid with Amazon Pay by buyer with
// the sale method, signs the admin in and returns the order's ID. The
// completion recorded the payment in the ledger as Amazon reported it.
func paidOrder(t testing.TB, k *kit, method, buyer string) int64 {
	t.Helper()
	setSaleMethod(t, k, method, "PayAndShip")
	if r := payAtAmazon(t, k, amazonCheckout(t, k, buyer, 0)); r.location != "/checkout/complete" {
		t.Fatalf("checkout: %d %s", r.status, r.location)
	}
	ctx := context.Background()
	var id int64
	for n := int64(1); ; n++ {
		if _, err := k.db.Order(ctx, n); err != nil {
			break
		}
		id = n
	}
	k.loginAdmin()
	if l := ledger(t, k, id); l.Permission.State == "" || l.Permission.FetchedAt.IsZero() {
		t.Fatalf("the completion did not record the permission: %+v", l.Permission)
	}
	return id
}

var versionRe = regexp.MustCompile(`name="v" value="(\d+)"`)

// pageVersion is the payment version 受注明細 is drawn from now.
func pageVersion(t testing.TB, k *kit, id int64) string {
	t.Helper()
	if m := versionRe.FindStringSubmatch(k.get(orderPath(id)).body); m != nil {
		return m[1]
	}
	return ""
}

func orderPath(id int64) string { return "/admin/orders/" + strconv.FormatInt(id, 10) }

// payOp sends an operation as the yellow frame of 受注明細 sends it, with
// the version of the page as drawn now.
func payOp(t testing.TB, k *kit, id int64, op string, extra url.Values) response {
	t.Helper()
	return payOpAt(t, k, id, pageVersion(t, k, id), op, extra)
}

// payOpAt sends an operation from a page drawn at version v.
func payOpAt(t testing.TB, k *kit, id int64, v, op string, extra url.Values) response {
	t.Helper()
	form := url.Values{"op": {op}, "v": {v}}
	for key, vals := range extra {
		form[key] = vals
	}
	return k.post(orderPath(id)+"/amazonpay", form)
}

// mustOK checks that an operation went through: back to 受注明細.
func mustOK(t testing.TB, k *kit, id int64, r response) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != orderPath(id) {
		t.Fatalf("operation: %d %s\n%s", r.status, r.location, excerpt(r.body))
	}
}

// mustRefuse checks that an operation was refused with a message.
func mustRefuse(t testing.TB, r response, status int, messages ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d, want %d\n%s", r.status, status, excerpt(r.body))
	}
	for _, m := range messages {
		if !strings.Contains(r.body, m) {
			t.Fatalf("the page lacks %q\n%s", m, excerpt(r.body))
		}
	}
}

var alertRe = regexp.MustCompile(`(?s)<div class="alert[^>]*>(.*?)</div>`)

func excerpt(body string) string {
	if m := alertRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return body[:min(len(body), 600)]
}

// ledger reads an order's ledger.
func ledger(t testing.TB, k *kit, id int64) model.Ledger {
	t.Helper()
	l, err := k.db.Ledger(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// chargeID is the ID of an order's n-th charge (1-based).
func chargeID(t testing.TB, k *kit, id int64, n int) string {
	t.Helper()
	l := ledger(t, k, id)
	if len(l.Charges) < n {
		t.Fatalf("%d charges, want at least %d", len(l.Charges), n)
	}
	return l.Charges[n-1].ID
}

// frame is the yellow frame of 受注明細 as drawn now.
func frame(t testing.TB, k *kit, id int64) string {
	t.Helper()
	body := k.get(orderPath(id)).body
	i := strings.Index(body, `id="amazonpay"`)
	if i < 0 {
		t.Fatal("no Amazon Pay frame on 受注明細")
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

var opRe = regexp.MustCompile(`name="op" value="([a-z]+)"`)

// mustButtons checks the operations the frame offers.
func mustButtons(t testing.TB, k *kit, id int64, want ...string) {
	t.Helper()
	var got []string
	for _, m := range opRe.FindAllStringSubmatch(frame(t, k, id), -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("buttons %v, want %v", got, want)
	}
}

// amazonCharge is a charge as the emulator holds it.
func amazonCharge(t testing.TB, k *kit, id string) amazonpay.Charge {
	t.Helper()
	for _, c := range k.emu.Snapshot().Charges {
		if c.ChargeID == id {
			return c
		}
	}
	t.Fatalf("no charge %s at Amazon", id)
	return amazonpay.Charge{}
}

func priceYen(p *amazonpay.Price) int64 {
	if p == nil {
		return 0
	}
	n, _ := p.Yen()
	return n
}

// amazonPermission is the state and reason of the permission at Amazon.
func amazonPermission(t testing.TB, k *kit, id string) (state, reason string) {
	t.Helper()
	for _, p := range k.emu.Snapshot().Permissions {
		if p.ChargePermissionID == id {
			if len(p.StatusDetails.Reasons) > 0 {
				reason = p.StatusDetails.Reasons[0].ReasonCode
			}
			return p.StatusDetails.State, reason
		}
	}
	t.Fatalf("no permission %s at Amazon", id)
	return
}

func orderOf(t testing.TB, k *kit, id int64) store.Order {
	t.Helper()
	o, err := k.db.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// calls counts the calls of an Amazon operation made for an order.
func calls(t testing.TB, k *kit, id int64, api string) int {
	t.Helper()
	list, err := k.db.APICalls(context.Background(), id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range list {
		if c.API == api {
			n++
		}
	}
	return n
}

// TestAmazonPayAuthorizeCaptureAndPartialRefund: seed 000's 10-1 and 10-5
// (オーソリのみ: 売上請求, then 一部返金), with the frame, the history and the
// timeline agreeing with what the emulator holds.
func TestAmazonPayAuthorizeCaptureAndPartialRefund(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(t, k, id, 1)
	total := orderOf(t, k, id).Total
	mustContain(t, frame(t, k, id), "オーソリ（Authorized）", "売上請求期限まであと", "Amazonアカウントで指定したお支払い方法")
	mustButtons(t, k, id, model.OpCapture, model.OpCancel, model.OpFetch)

	mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}, "amount": {""}}))
	if c := amazonCharge(t, k, ch); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != total {
		t.Fatalf("Amazon holds %+v", c)
	}
	mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
	mustButtons(t, k, id, model.OpRefund, model.OpFetch)
	if o := orderOf(t, k, id); o.PaymentStatus != "Captured" {
		t.Fatalf("payment status %s", o.PaymentStatus)
	}

	mustOK(t, k, id, payOp(t, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"108"}}))
	mustContain(t, frame(t, k, id), "処理中（RefundInitiated）", "処理中")
	k.emu.Advance(settleTime) // the refund settles at Amazon
	mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
	mustContain(t, frame(t, k, id), "一部返金済み（Refunded）", "108円")
	if c := amazonCharge(t, k, ch); priceYen(c.RefundedAmount) != 108 {
		t.Fatalf("Amazon refunded %+v", c.RefundedAmount)
	}
	page := k.get(orderPath(id)).body
	mustContain(t, page, "操作履歴", "売上請求", "返金", "OK", "Amazon Pay通信履歴", "CaptureCharge", "CreateRefund", ch+"-c1", ch+"-r1")
	if o := orderOf(t, k, id); o.PaymentStatus != shop.AmazonPayPartiallyRefunded {
		t.Fatalf("payment status %s", o.PaymentStatus)
	}
}

// changeStatus sends 受注ステータス変更 as 受注明細 does, with extra fields
// (the money choice of 「キャンセルする」).
func changeStatus(t testing.TB, k *kit, id int64, from, to string, extra url.Values) response {
	t.Helper()
	form := url.Values{"from": {from}, "to": {to}}
	if v := pageVersion(t, k, id); v != "" {
		form.Set("v", v)
	}
	for key, vals := range extra {
		form[key] = vals
	}
	return k.post(orderPath(id)+"/status", form)
}

// TestAmazonPaySeedTable82 walks every cell of seed 000's table 8-2 without
// an amount change, normal end (通常終了) and cancel (キャンセル), for each
// sale method, and checks the frame against what the emulator holds.
func TestAmazonPaySeedTable82(t *testing.T) {
	t.Parallel()
	full := url.Values{"full": {"1"}}
	cells := []struct {
		name, method string
		walk         func(t testing.TB, k *kit, id int64, ch string)
	}{
		{"9-1 オーソリ+売上 通常終了", shop.SaleAuthorizeWithCapture, func(t testing.TB, k *kit, id int64, ch string) {
			mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
			mustButtons(t, k, id, model.OpRefund, model.OpFetch)
			// No button needed: ship and move to 受注完了, where the frame
			// and the refund stay (9-1-3).
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderShipped, nil))
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderShipped, store.OrderCompleted, nil))
			mustContain(t, frame(t, k, id), "売上請求済み（Captured）", "取消返金処理", "返金確定")
			mustButtons(t, k, id, model.OpRefund, model.OpFetch)
		}},
		{"9-2 オーソリ+売上 キャンセル", shop.SaleAuthorizeWithCapture, func(t testing.TB, k *kit, id int64, ch string) {
			o := orderOf(t, k, id)
			before := stockOf(t, k, o.Lines[0].ProductID)
			extra := url.Values{"charge": {ch}, "return_stock": {"1"}}
			for key, v := range full {
				extra[key] = v
			}
			mustOK(t, k, id, payOp(t, k, id, model.OpRefund, extra))
			if got := stockOf(t, k, o.Lines[0].ProductID); got != before+o.Lines[0].Quantity {
				t.Fatalf("stock %d after a full refund with 在庫を戻す, want %d", got, before+o.Lines[0].Quantity)
			}
			mustContain(t, frame(t, k, id), "処理中（RefundInitiated）")
			k.emu.Advance(settleTime)
			mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
			mustContain(t, frame(t, k, id), "返金済み（Refunded）")
			if c := amazonCharge(t, k, ch); priceYen(c.RefundedAmount) != o.Total {
				t.Fatalf("Amazon refunded %d of %d", priceYen(c.RefundedAmount), o.Total)
			}
			// 受注キャンセル一覧 (9-2-3): the stock went back once.
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, url.Values{"payment": {""}}))
			if got := stockOf(t, k, o.Lines[0].ProductID); got != before+o.Lines[0].Quantity {
				t.Fatalf("stock %d after the cancel, want it returned once (%d)", got, before+o.Lines[0].Quantity)
			}
		}},
		{"10-1 オーソリのみ 通常終了", shop.SaleAuthorize, func(t testing.TB, k *kit, id int64, ch string) {
			mustContain(t, frame(t, k, id), "オーソリ（Authorized）")
			mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}}))
			mustContain(t, frame(t, k, id), "売上請求済み（Captured）", "取消返金処理")
			if c := amazonCharge(t, k, ch); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != orderOf(t, k, id).Total {
				t.Fatalf("Amazon holds %+v", c.StatusDetails)
			}
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderShipped, nil))
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderShipped, store.OrderCompleted, nil))
			mustButtons(t, k, id, model.OpRefund, model.OpFetch)
		}},
		{"10-2 オーソリのみ キャンセル", shop.SaleAuthorize, func(t testing.TB, k *kit, id int64, ch string) {
			mustOK(t, k, id, payOp(t, k, id, model.OpCancel, url.Values{"charge": {ch}}))
			mustContain(t, frame(t, k, id), "再請求可能（Canceled）", "MerchantCanceled", "再オーソリ", "破棄")
			mustButtons(t, k, id, model.OpAuthorize, model.OpClose, model.OpFetch)
			if c := amazonCharge(t, k, ch); c.StatusDetails.State != "Canceled" || c.StatusDetails.ReasonCode != "MerchantCanceled" {
				t.Fatalf("Amazon holds %+v", c.StatusDetails)
			}
			mustOK(t, k, id, payOp(t, k, id, model.OpClose, nil))
			mustContain(t, frame(t, k, id), "決済終了（Closed）", "MerchantClosed")
			mustButtons(t, k, id, model.OpFetch)
			if st, reason := amazonPermission(t, k, ledger(t, k, id).Permission.ID); st != "Closed" || reason != "MerchantClosed" {
				t.Fatalf("Amazon's permission %s %s", st, reason)
			}
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, nil))
		}},
		{"11-1 確認 通常終了", shop.SaleConfirm, func(t testing.TB, k *kit, id int64, ch string) {
			mustContain(t, frame(t, k, id), "請求可能（Chargeable）", "オーソリ期限まであと")
			mustButtons(t, k, id, model.OpAuthorize, model.OpClose, model.OpFetch)
			mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, nil))
			mustContain(t, frame(t, k, id), "オーソリ（Authorized）", "売上請求期限まであと")
			mustButtons(t, k, id, model.OpCapture, model.OpCancel, model.OpFetch)
			ch = chargeID(t, k, id, 1)
			mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {ch}}))
			mustContain(t, frame(t, k, id), "売上請求済み（Captured）")
			if c := amazonCharge(t, k, ch); c.StatusDetails.State != "Captured" {
				t.Fatalf("Amazon holds %+v", c.StatusDetails)
			}
		}},
		{"11-2 確認 キャンセル", shop.SaleConfirm, func(t testing.TB, k *kit, id int64, ch string) {
			o := orderOf(t, k, id)
			before := stockOf(t, k, o.Lines[0].ProductID)
			mustOK(t, k, id, payOp(t, k, id, model.OpClose, url.Values{"return_stock": {"1"}}))
			mustContain(t, frame(t, k, id), "決済終了（Closed）", "MerchantClosed", "課金許可（Charge Permission）が出品者側で終了しました", "ショップによって決済の破棄が行われました。")
			if got := stockOf(t, k, o.Lines[0].ProductID); got != before+o.Lines[0].Quantity {
				t.Fatalf("stock %d after 破棄 with 在庫を戻す", got)
			}
			if st, reason := amazonPermission(t, k, ledger(t, k, id).Permission.ID); st != "Closed" || reason != "MerchantClosed" {
				t.Fatalf("Amazon's permission %s %s", st, reason)
			}
			// The cancel that follows does not return the stock again.
			mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, nil))
			if got := stockOf(t, k, o.Lines[0].ProductID); got != before+o.Lines[0].Quantity {
				t.Fatalf("stock %d: returned twice", got)
			}
		}},
	}
	for _, c := range cells {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			id := paidOrder(t, k, c.method, emulator.BuyerTaro)
			ch := ""
			if l := ledger(t, k, id); len(l.Charges) > 0 {
				ch = l.Charges[0].ID
			}
			c.walk(t, k, id, ch)
			// The history has a line for every operation, and the list
			// shows the status the frame shows.
			body := k.get(orderPath(id)).body
			mustContain(t, body, "操作履歴", "最新の状態に更新")
			if strings.Contains(body, "結果不明") {
				t.Fatal("an operation's outcome is unknown")
			}
		})
	}
}

// TestAmazonPayReauthorizeAfterCancel: オーソリキャンセル, then 再オーソリ (a
// new charge on the same permission), then 売上請求 of the new charge.
func TestAmazonPayReauthorizeAfterCancel(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	id := paidOrder(t, k, shop.SaleAuthorize, emulator.BuyerTaro)
	mustOK(t, k, id, payOp(t, k, id, model.OpCancel, url.Values{"charge": {chargeID(t, k, id, 1)}}))
	mustOK(t, k, id, payOp(t, k, id, model.OpAuthorize, nil))
	second := chargeID(t, k, id, 2)
	if !strings.HasSuffix(second, "-C000002") {
		t.Fatalf("second charge %s", second)
	}
	mustContain(t, frame(t, k, id), "オーソリ（Authorized）")
	mustOK(t, k, id, payOp(t, k, id, model.OpCapture, url.Values{"charge": {second}}))
	if c := amazonCharge(t, k, second); c.StatusDetails.State != "Captured" || priceYen(c.CaptureAmount) != orderOf(t, k, id).Total {
		t.Fatalf("Amazon holds %+v", c.StatusDetails)
	}
	l := ledger(t, k, id)
	if l.Charges[0].State != model.StateCanceled || l.Charges[1].State != model.StateCaptured {
		t.Fatalf("charges %+v", l.Charges)
	}
	// The keys came from Amazon's IDs, the operation and its sequence.
	for _, op := range l.Operations {
		if op.Kind == model.OpAuthorize && op.IdempotencyKey != l.Permission.ID+"-a1" ||
			op.Kind == model.OpCapture && op.IdempotencyKey != second+"-c1" {
			t.Fatalf("operation %s key %q", op.Kind, op.IdempotencyKey)
		}
	}
}

// TestAmazonPayCancelOrderSaysWhatHappensToTheMoney: 「キャンセルする」 on an
// Amazon Pay order says what happens to the money and runs the operation
// that gives it back when chosen; the order is canceled only when Amazon
// took it.
func TestAmazonPayCancelOrderSaysWhatHappensToTheMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, text, op string
	}{
		{shop.SaleAuthorizeWithCapture, "を売上請求済みです。受注ステータスをキャンセルにするだけでは返金されません。", model.OpRefund},
		{shop.SaleAuthorize, "をオーソリ中です。受注ステータスをキャンセルにするだけではオーソリは取り消されません。", model.OpCancel},
		{shop.SaleConfirm, "決済（請求可能）が残っています。", model.OpClose},
	} {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			k := newKit(t)
			id := paidOrder(t, k, tc.method, emulator.BuyerTaro)
			page := k.get(orderPath(id)).body
			mustContain(t, page, tc.text, `name="payment" value="`+tc.op+`" checked`)
			ch := ""
			if m := regexp.MustCompile(`name="payment_charge" value="([^"]*)"`).FindStringSubmatch(page); m != nil {
				ch = m[1]
			}
			// Amazon refuses (503 on every try): the order stays as it was.
			if err := k.emu.AddFault(emulator.Fault{Status: 503}); err != nil {
				t.Fatal(err)
			}
			r := changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, url.Values{"payment": {tc.op}, "payment_charge": {ch}})
			mustRefuse(t, r, http.StatusUnprocessableEntity, "受け取れませんでした")
			if o := orderOf(t, k, id); o.Status != store.OrderNew {
				t.Fatalf("order %s after Amazon failed", o.Status)
			}
			k.emu.ClearFaults()
			mustOK(t, k, id, payOp(t, k, id, model.OpFetch, nil))
			// Settling replayed a refund: the money is back already, so the
			// offer changes; the others run now.
			if tc.op != model.OpRefund {
				mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, url.Values{"payment": {tc.op}, "payment_charge": {ch}}))
			} else {
				mustOK(t, k, id, changeStatus(t, k, id, store.OrderNew, store.OrderCanceled, url.Values{"payment": {""}}))
			}
			if o := orderOf(t, k, id); o.Status != store.OrderCanceled {
				t.Fatalf("order %s", o.Status)
			}
			snap := k.emu.Snapshot()
			switch tc.op {
			case model.OpRefund:
				if len(snap.Refunds) != 1 || priceYen(&snap.Refunds[0].RefundAmount) != orderOf(t, k, id).Total {
					t.Fatalf("refunds at Amazon %+v", snap.Refunds)
				}
			case model.OpCancel:
				if snap.Charges[0].StatusDetails.State != "Canceled" {
					t.Fatalf("charge %+v", snap.Charges[0].StatusDetails)
				}
			case model.OpClose:
				if snap.Permissions[0].StatusDetails.State != "Closed" {
					t.Fatalf("permission %+v", snap.Permissions[0].StatusDetails)
				}
			}
		})
	}
}
