package shop

import (
	"strconv"
	"time"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// The rules of the operations on an Amazon Pay payment (seed 000 sections
// 8 to 11, AMAZON-PAY.md sections 3, 4 and 9), as pure functions of the
// ledger: the status to show, the deadline that matters, the refund cap and
// which operations are valid now.

// Amazon's limits.
const (
	maxChargesPerPermission = 25    // per one-time charge permission
	refundOverMaxYen        = 8_400 // refunds may exceed the capture by the lesser of 15% and this
	// DeadlineNear is how close a deadline is before the list marks it.
	DeadlineNear = 7 * 24 * time.Hour
)

// Deadline kinds.
const (
	DeadlineCapture   = "capture"   // 売上請求期限: 30 days after the authorization
	DeadlineAuthorize = "authorize" // オーソリ期限: 180 days after the order
)

// openCharge reports whether a charge still holds or may still take money
// at Amazon (an authorization, pending or not, or a pending capture).
func openCharge(c model.Charge) bool {
	switch c.State {
	case model.StateAuthorizationInitiated, model.StateAuthorized, model.StateCaptureInitiated:
		return true
	}
	return false
}

// refundedOf is how much of a charge is refunded (settled) and how much is
// still being refunded (pending). Amazon's refundedAmount of the charge
// counts every settled refund, those made in Seller Central too; the shop's
// refunds count the ones it made, pending or not. A refund the shop still
// shows as pending may already be in Amazon's figure: it is counted once.
func refundedOf(l model.Ledger, c model.Charge) (settled, pending int64) {
	var done, open int64
	for _, r := range l.Refunds {
		if r.ChargeID != c.ID {
			continue
		}
		switch r.State {
		case model.StateRefunded:
			done += r.Amount
		case model.StateRefundInitiated, "":
			open += r.Amount
		}
	}
	settled = max(done, c.Refunded)
	return settled, max(done+open, c.Refunded) - settled
}

// RefundCap is the most that may still be refunded on a captured charge:
// the captured amount plus the lesser of 15% of it and 8,400 yen, less what
// is refunded or being refunded (AMAZON-PAY.md section 3; seed 003 shows
// Amazon refusing a refund beyond it).
func RefundCap(l model.Ledger, c model.Charge) int64 {
	if c.State != model.StateCaptured {
		return 0
	}
	settled, pending := refundedOf(l, c)
	return max(c.Captured+min(c.Captured*15/100, refundOverMaxYen)-settled-pending, 0)
}

// capturedTotals is what the order's captured charges took and what of it
// is refunded.
func capturedTotals(l model.Ledger) (captured, refunded int64) {
	for _, c := range l.Charges {
		if c.State == model.StateCaptured {
			captured += c.Captured
			settled, _ := refundedOf(l, c)
			refunded += settled
		}
	}
	return captured, refunded
}

// PaymentStatus derives the status of an order's payment from its ledger:
// the state in Amazon's words, its reason code and Amazon's description of
// it, from the object that matters now. A pending state wins (処理中), then
// an open authorization, then captured money (refunded in full or in
// part), then a closed permission, then the last charge, then the
// permission. Refunded in part is reported as Refunded with
// AmazonPayPartiallyRefunded.
func PaymentStatus(l model.Ledger) (state, reason, description string) {
	for _, c := range l.Charges {
		if c.State == model.StateAuthorizationInitiated || c.State == model.StateCaptureInitiated {
			return c.State, c.ReasonCode, c.ReasonDescription
		}
	}
	for _, r := range l.Refunds {
		if r.State == model.StateRefundInitiated {
			return r.State, r.ReasonCode, r.ReasonDescription
		}
	}
	for _, c := range l.Charges {
		if c.State == model.StateAuthorized {
			return c.State, c.ReasonCode, c.ReasonDescription
		}
	}
	if captured, refunded := capturedTotals(l); captured > 0 {
		switch {
		case refunded >= captured:
			return model.StateRefunded, "", ""
		case refunded > 0:
			return model.StateRefunded, AmazonPayPartiallyRefunded, ""
		}
		return model.StateCaptured, "", ""
	}
	p := l.Permission
	if p.State == model.StateClosed || len(l.Charges) == 0 {
		return p.State, p.ReasonCode, p.ReasonDescription
	}
	last := l.Charges[len(l.Charges)-1]
	return last.State, last.ReasonCode, last.ReasonDescription
}

// PaymentUnread is the payment status of an Amazon Pay order whose state
// the shop has not read from Amazon yet (最新の状態に更新 reads it).
const PaymentUnread = "unread"

// paymentStatusCode is what orders.payment_status holds for an Amazon Pay
// order: the derived state, with 一部返金 as its own code.
func paymentStatusCode(l model.Ledger) string {
	state, reason, _ := PaymentStatus(l)
	switch {
	case state == "":
		return PaymentUnread
	case state == model.StateRefunded && reason == AmazonPayPartiallyRefunded:
		return AmazonPayPartiallyRefunded
	}
	return state
}

// Deadline is the date by which the merchant must act on a payment.
type Deadline struct {
	Kind string    // DeadlineCapture or DeadlineAuthorize
	At   time.Time // UTC
}

// PaymentDeadline is the deadline that matters now: capture an open
// authorization within 30 days of it (Amazon's expirationTimestamp of the
// charge), or authorize within the charge permission's life (180 days of
// the order) when an authorization is what is missing. Zero when none.
func PaymentDeadline(l model.Ledger, orderTotal int64) Deadline {
	var d Deadline
	for _, c := range l.Charges {
		if c.State == model.StateAuthorized && !c.ExpiresAt.IsZero() && (d.At.IsZero() || c.ExpiresAt.Before(d.At)) {
			d = Deadline{Kind: DeadlineCapture, At: c.ExpiresAt}
		}
	}
	if d.At.IsZero() && authorizeAmount(l, orderTotal) > 0 && !l.Permission.ExpiresAt.IsZero() {
		d = Deadline{Kind: DeadlineAuthorize, At: l.Permission.ExpiresAt}
	}
	return d
}

// DeadlineBadge is the badge for a deadline at now: 「オーソリ期限まであと3日」,
// 「売上請求期限は本日まで」, 「売上請求期限切れ」; near tells whether it is within
// DeadlineNear (or past). Days count Japan calendar days.
func DeadlineBadge(d Deadline, now time.Time) (text string, near bool) {
	if d.At.IsZero() {
		return "", false
	}
	name := "オーソリ期限"
	if d.Kind == DeadlineCapture {
		name = "売上請求期限"
	}
	day := func(t time.Time) time.Time {
		y, m, dd := t.In(orderTZ).Date()
		return time.Date(y, m, dd, 0, 0, 0, 0, orderTZ)
	}
	days := int(day(d.At).Sub(day(now)).Hours()+12) / 24
	near = d.At.Sub(now) <= DeadlineNear
	switch {
	case !now.Before(d.At):
		return name + "切れ", true
	case days == 0:
		return name + "は本日まで", true
	}
	return name + "まであと" + strconv.Itoa(days) + "日", near
}

// authorizeAmount is what a (re-)authorization would be for: the order's
// total less what is captured, within the permission's balance; 0 when no
// authorization is possible now (a permission not Chargeable, an open
// charge, Amazon's 25 charges, an expired permission, nothing left).
func authorizeAmount(l model.Ledger, orderTotal int64) int64 {
	p := l.Permission
	if p.State != model.StateChargeable || len(l.Charges) >= maxChargesPerPermission {
		return 0
	}
	for _, c := range l.Charges {
		if openCharge(c) {
			return 0
		}
	}
	captured, _ := capturedTotals(l)
	return max(min(orderTotal-captured, p.AmountBalance), 0)
}

// unread tells whether an Amazon object of the payment was never read
// from Amazon (its state unknown).
func unread(l model.Ledger) bool {
	if l.Permission.State == "" {
		return true
	}
	for _, c := range l.Charges {
		if c.State == "" {
			return true
		}
	}
	return false
}

func orderFacts(o store.Order, stockReturned bool) OrderFacts {
	return OrderFacts{Total: o.Total, Canceled: o.Status == store.OrderCanceled, StockBack: !stockReturned}
}

// PaymentAction is an operation valid now, as a button of the yellow frame.
type PaymentAction struct {
	Op        string // a model.Op* kind
	Label     string // the seed's word on the button
	ChargeID  string // the charge it acts on, if any
	Amount    int64  // the amount it takes by default (yen)
	MaxAmount int64  // > 0: the merchant may type an amount up to this
	Confirm   string // the confirmation dialog's question
	// OfferStock: a full cancel or refund offers to return the order's stock.
	OfferStock bool
	// Suggested > 0 is the amount the form offers first instead of the
	// whole: the difference to refund after the order's total was lowered.
	Suggested int64
}

func yenText(n int64) string { return jp.Yen(n) }

// OrderFacts is what the payment rules need of the order itself.
type OrderFacts struct {
	Total     int64 // yen
	Canceled  bool  // キャンセル: money only goes back
	StockBack bool  // the stock may still go back (it goes back once)
	// The increase rules the order was placed with (shop/increase.go):
	// the amount at Amazon at order time (0: unknown), 増額 at order time,
	// and a payment by gift card alone.
	Original      int64
	AllowIncrease bool
	GiftCardOnly  bool
}

// PaymentActions lists the operations valid now on an order's payment, in
// the order the frame shows them. While an operation is at Amazon there are
// none; while an outcome is unknown or the payment was never read from
// Amazon, only 最新の状態に更新 (AMAZON-PAY.md section 9 gives what each
// state allows). A canceled order takes no new money (no 売上請求, no
// オーソリ); a completed one keeps every operation (seed 000 9-1-3: refunds
// stay possible after 受注完了).
func PaymentActions(l model.Ledger, o OrderFacts, now time.Time) []PaymentAction {
	orderTotal, stockBack := o.Total, o.StockBack
	fetch := PaymentAction{Op: model.OpFetch, Label: "最新の状態に更新", Confirm: "Amazon Payから最新の状態を読み込みます。よろしいですか？"}
	p := l.Permission
	if p.BusyOperation != 0 {
		if now.Sub(p.BusySince) > staleOperation {
			return []PaymentAction{fetch}
		}
		return nil
	}
	if unread(l) {
		return []PaymentAction{fetch}
	}
	for _, op := range l.Operations {
		if op.State == model.OpUnknown || op.State == model.OpRequested {
			return []PaymentAction{fetch}
		}
	}
	stock := stockBack
	captured, _ := capturedTotals(l)
	var out []PaymentAction
	for _, c := range l.Charges {
		if c.State == model.StateAuthorized && !o.Canceled && (c.ExpiresAt.IsZero() || now.Before(c.ExpiresAt)) {
			out = append(out, PaymentAction{Op: model.OpCapture, Label: "売上請求", ChargeID: c.ID, Amount: captureDefault(l, o, c), MaxAmount: c.Amount,
				Confirm: "売上請求します。よろしいですか？"})
		}
		if c.State == model.StateAuthorized || c.State == model.StateAuthorizationInitiated {
			out = append(out, PaymentAction{Op: model.OpCancel, Label: "オーソリキャンセル", ChargeID: c.ID, Amount: c.Amount,
				Confirm:    "オーソリ（" + yenText(c.Amount) + "）をキャンセルします。お客様へのご請求は取り消されます。よろしいですか？",
				OfferStock: stock && captured == 0})
		}
	}
	if n := authorizeAmount(l, orderTotal); n > 0 && !o.Canceled && (p.ExpiresAt.IsZero() || now.Before(p.ExpiresAt)) {
		label := authorizeLabel(l, o)
		out = append(out, PaymentAction{Op: model.OpAuthorize, Label: label, Amount: n, MaxAmount: n,
			Confirm: label + "します。よろしいですか？"})
	}
	if p.State == model.StateChargeable || p.State == model.StateNonChargeable {
		open := false
		for _, c := range l.Charges {
			open = open || openCharge(c)
		}
		if !open {
			confirm := "決済を破棄します。この注文ではAmazon Payで再オーソリ・売上請求ができなくなります。よろしいですか？"
			if captured > 0 {
				confirm = "請求できる残りの枠を破棄します。売上請求済みの金額はそのままです。よろしいですか？"
			}
			out = append(out, PaymentAction{Op: model.OpClose, Label: "破棄", Confirm: confirm, OfferStock: stock && captured == 0})
		}
	}
	out = append(out, amountActions(l, o, now)...)
	for _, c := range l.Charges {
		if left := RefundCap(l, c); left > 0 {
			settled, pending := refundedOf(l, c)
			full := max(c.Captured-settled-pending, 0)
			out = append(out, PaymentAction{Op: model.OpRefund, Label: "返金確定", ChargeID: c.ID, Amount: full, MaxAmount: left,
				Confirm: "返金します。よろしいですか？", OfferStock: stock && full == c.Captured})
		}
	}
	return append(out, fetch)
}
