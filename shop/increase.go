package shop

import (
	"context"
	"errors"
	"strconv"
	"time"

	"kago/jp"
	"kago/model"
	"kago/store"
)

// Changing an Amazon Pay order's amount (seed 000 table 8-2, the rows 増額
// and 減額; seed 004's increase rules; F-43, F-82): what the order's total
// may become, how it differs from the money at Amazon after an edit (the
// red frame of 受注明細), and the operations that close the difference:
// 金額を更新してオーソリ, 増額分を売上請求 and 差額を返金.

// Increase limits: an increase goes up to 900% of the amount at order time
// or 70,000 yen, whichever is higher (seed 004: 「ご注文時金額の900%または
// 70000円のどちらか高い額まで増額できます」; Amazon's limits.amountLimit with
// allowOvercharge, AMAZON-PAY.md section 4).
const (
	increasePercent  = 900
	increaseFloorYen = 70_000
)

// IncreaseCeiling is the highest total an order placed for original yen may
// reach with 増額: 900% of original or 70,000 yen, whichever is higher.
func IncreaseCeiling(original int64) int64 {
	return max(original*increasePercent/100, increaseFloorYen)
}

// collectedNet is the money Amazon keeps for the order: what its captured
// charges took, less what is refunded or being refunded.
func collectedNet(l model.Ledger) int64 {
	var n int64
	for _, c := range l.Charges {
		if c.State == model.StateCaptured {
			settled, pending := refundedOf(l, c)
			n += c.Captured - settled - pending
		}
	}
	return n
}

// openAuthorization is the order's open authorization (Authorized), if
// any; ok is false when there is none.
func openAuthorization(l model.Ledger) (c model.Charge, ok bool) {
	for _, x := range l.Charges {
		if x.State == model.StateAuthorized {
			return x, true
		}
	}
	return c, false
}

// CheckAmazonTotal says whether an Amazon Pay order may have total as its
// new total, before anything is asked of Amazon: an increase over the
// amount at order time (f.Original) needs 増額 利用する at order time (seed
// 000 9-3, 10-3, 11-3), is never possible on a gift-card-only payment (seed
// 004), and goes up to IncreaseCeiling or the permission's amountLimit if
// Amazon gave less; and what must still be charged may not exceed the
// permission's amountBalance (AMAZON-PAY.md section 9). Each refusal is an
// *InputError with its own message; nil when the total is fine.
func CheckAmazonTotal(f OrderFacts, l model.Ledger, total int64) error {
	if f.Original > 0 && total > f.Original {
		switch {
		case !f.AllowIncrease:
			return Invalid("この注文は注文時に「増額」を利用しない設定だったため、ご注文時の金額（" + jp.Yen(f.Original) +
				"）より高くできません。Amazon Payのセラーセントラルでも増額できません。増額分は別のご注文としてお客様にお願いしてください。")
		case f.GiftCardOnly:
			return Invalid("Amazonギフト券のみでお支払いの注文は増額できません（ご注文時の金額 " + jp.Yen(f.Original) + " まで）。ショップメモでお支払い方法をご確認ください。")
		}
		ceiling := IncreaseCeiling(f.Original)
		if limit := l.Permission.AmountLimit; limit > 0 && limit < ceiling {
			if total > limit {
				return Invalid("Amazon Payがこの注文に認めた上限（" + jp.Yen(limit) + "）を超えるため、増額できません。")
			}
		} else if total > ceiling {
			return Invalid("増額できるのは、ご注文時の金額（" + jp.Yen(f.Original) + "）の900%または70,000円のどちらか高い額（" +
				jp.Yen(ceiling) + "）までです。")
		}
	}
	if l.Permission.State == "" {
		return nil // not read from Amazon yet: its balance is unknown
	}
	collected := collectedNet(l)
	if need := total - collected; need > 0 && need > l.Permission.AmountBalance {
		if l.Permission.AmountBalance == 0 {
			return Invalid("Amazon Payではこの注文にこれ以上請求できません（" + AmazonPayStatusLabel(l.Permission.State, l.Permission.ReasonCode) +
				"、請求できる残りの枠 0円）。受注金額を売上請求済みの" + jp.Yen(collected) + "より高くできません。")
		}
		return Invalid("Amazon Payで請求できる残りの枠は" + jp.Yen(l.Permission.AmountBalance) + "です。受注金額は" +
			jp.Yen(collected+l.Permission.AmountBalance) + "までにしてください。")
	}
	return nil
}

// instrumentGiftCard is the shop memo of a payment by gift card alone
// (InstrumentKind), which cannot be increased (seed 004).
const instrumentGiftCard = "Amazonギフト券"

// Kinds of amount gap.
const (
	GapReauthorize = "reauthorize" // an open authorization of another amount: 金額を更新してオーソリ
	GapAuthorize   = "authorize"   // nothing at Amazon yet: 金額を更新してオーソリ (a new authorization)
	GapCharge      = "charge"      // captured less than the total: 増額分を売上請求 (F-82)
	GapRefund      = "refund"      // captured more than the total: 差額を返金
	GapCancel      = "cancel"      // the captured money covers the total: オーソリキャンセル
)

// AmountGap is how an order's total differs from the money at Amazon after
// an edit, and the operation that closes the difference (the red frame of
// 受注明細, seed 000 10-3-4, 10-4-4, 11-3-3).
type AmountGap struct {
	Kind       string
	Total      int64  // the order's total now
	Original   int64  // the amount at Amazon when the order was placed
	Captured   int64  // captured, less refunded or being refunded
	Authorized int64  // the open authorization, if any
	Amount     int64  // what the operation authorizes, charges or refunds
	ChargeID   string // the charge it acts on (the open authorization, the charge to refund)
	// Blocked says why the gap cannot be closed here now; "" when it can.
	Blocked string
}

// amountGap compares the order's total with the money at Amazon; nil when
// they agree, when something is pending or unsettled at Amazon (the gap is
// read again once it settles), or for a canceled order. An order with
// nothing at Amazon (確認, or after オーソリキャンセル) has a gap only when
// its total is no longer the amount at order time.
func amountGap(l model.Ledger, o OrderFacts) *AmountGap {
	if o.Canceled || unread(l) || l.Permission.BusyOperation != 0 {
		return nil
	}
	for _, op := range l.Operations {
		if op.State == model.OpUnknown || op.State == model.OpRequested {
			return nil
		}
	}
	for _, c := range l.Charges {
		if c.State == model.StateAuthorizationInitiated || c.State == model.StateCaptureInitiated {
			return nil
		}
	}
	for _, r := range l.Refunds {
		if r.State == model.StateRefundInitiated || r.State == "" {
			return nil
		}
	}
	original := o.Original
	if original == 0 {
		original = o.Total // unknown: no increase to tell
	}
	g := &AmountGap{Total: o.Total, Original: original, Captured: collectedNet(l)}
	target := o.Total - g.Captured
	auth, open := openAuthorization(l)
	switch {
	case open && auth.Amount == target:
		return nil
	case open && target <= 0:
		g.Kind, g.Amount, g.ChargeID = GapCancel, auth.Amount, auth.ID
	case open:
		g.Kind, g.Amount, g.ChargeID = GapReauthorize, target, auth.ID
	case target == 0:
		return nil
	case target < 0:
		g.Kind, g.Amount = GapRefund, -target
		for i := len(l.Charges) - 1; i >= 0 && g.ChargeID == ""; i-- {
			if RefundCap(l, l.Charges[i]) >= g.Amount {
				g.ChargeID = l.Charges[i].ID
			}
		}
		if g.ChargeID == "" {
			g.Blocked = "差額が1件の売上請求の返金できる額を超えています。下の「取消返金処理」で、請求ごとに返金してください。"
		}
	case g.Captured == 0 && o.Total == original:
		return nil // nothing at Amazon and no amount change: オーソリ as usual
	case g.Captured == 0:
		g.Kind, g.Amount = GapAuthorize, target
	case o.Total > original || authorizeAmount(l, o.Total) < target:
		// An increase after the capture, or a rest that a re-authorization
		// of the order's total less the captured cannot reach (after a
		// refund): an additional charge (F-82).
		g.Kind, g.Amount = GapCharge, target
	default:
		// A partial capture's rest: 再オーソリ, then 売上請求.
		g.Kind, g.Amount = GapAuthorize, target
	}
	if open {
		g.Authorized = auth.Amount
	}
	if g.Kind == GapReauthorize || g.Kind == GapAuthorize || g.Kind == GapCharge {
		if ie, ok := AsInputError(CheckAmazonTotal(o, l, o.Total)); ok {
			g.Blocked = ie.Message
		} else if l.Permission.State != model.StateChargeable {
			g.Blocked = "Amazon Payの決済が請求できない状態です（" + AmazonPayStatusLabel(l.Permission.State, l.Permission.ReasonCode) + "）。"
		} else if len(l.Charges) >= maxChargesPerPermission {
			g.Blocked = "この決済ではAmazon Payの上限（25件）まで請求しました。"
		}
	}
	return g
}

// amountActions are the operations that close an amount gap and are not
// among the usual ones: 金額を更新してオーソリ on an open authorization and
// 増額分を売上請求 after a capture. Both need the gap not blocked, so the
// increase rules hold before any call to Amazon.
func amountActions(l model.Ledger, o OrderFacts, now time.Time) []PaymentAction {
	g := amountGap(l, o)
	if g == nil || g.Blocked != "" || !l.Permission.ExpiresAt.IsZero() && !now.Before(l.Permission.ExpiresAt) {
		return nil
	}
	switch g.Kind {
	case GapReauthorize:
		return []PaymentAction{{Op: model.OpReauthorize, Label: "金額を更新してオーソリ", ChargeID: g.ChargeID, Amount: g.Amount,
			Confirm: "今のオーソリ（" + yenText(g.Authorized) + "）をキャンセルし、" + yenText(g.Amount) + "で新しくオーソリします。よろしいですか？"}}
	case GapCharge:
		return []PaymentAction{{Op: model.OpCharge, Label: "増額分を売上請求", Amount: g.Amount,
			Confirm: "増額分の" + yenText(g.Amount) + "を、同じAmazonリファレンスIDで追加で売上請求します。よろしいですか？"}}
	}
	return nil
}

// captureDefault is what 売上請求 of an open authorization takes by
// default: the authorization, or less when the order's total (less what
// is captured already) is less (seed 000 10-5: a decrease captures less).
func captureDefault(l model.Ledger, o OrderFacts, c model.Charge) int64 {
	if need := o.Total - collectedNet(l); need > 0 && need < c.Amount {
		return need
	}
	return c.Amount
}

// authorizeLabel is the word on the オーソリ button: 金額を更新してオーソリ
// once the order's total differs from the amount at order time (seed 000
// 11-3-3), else オーソリ, or 再オーソリ after a first charge.
func authorizeLabel(l model.Ledger, o OrderFacts) string {
	switch {
	case o.Original > 0 && o.Total != o.Original:
		return "金額を更新してオーソリ"
	case len(l.Charges) == 0:
		return "オーソリ"
	}
	return "再オーソリ"
}

// paymentFacts is what the payment rules need of an Amazon Pay order: its
// total and status, whether its stock may still go back, and the increase
// rules it was placed with (増額 at order time, and whether the buyer paid
// by gift card alone, F-48).
func paymentFacts(o store.Order, stockReturned bool, ap store.AmazonPayment, l model.Ledger) OrderFacts {
	f := orderFacts(o, stockReturned)
	descriptor := ap.Instrument
	if l.Permission.PaymentDescriptor != "" {
		descriptor = l.Permission.PaymentDescriptor
	}
	f.Original, f.AllowIncrease, f.GiftCardOnly = ap.Amount, ap.AllowIncrease, InstrumentKind(descriptor) == instrumentGiftCard
	return f
}

// reauthorize is 金額を更新してオーソリ on an open authorization (seed 000
// 10-3, 10-4): オーソリキャンセル, then オーソリ of the order's total, as two
// operations each recorded with Amazon's answer. The action is checked
// against the ledger and the increase rules before the cancel is sent.
func (a *AmazonPay) reauthorize(ctx context.Context, in OperationInput) (string, error) {
	act, err := a.validAction(ctx, in)
	if err != nil {
		return "", err
	}
	if _, err := a.Run(ctx, OperationInput{OrderID: in.OrderID, Op: model.OpCancel, ChargeID: act.ChargeID, Version: in.Version, Actor: in.Actor}); err != nil {
		return "", err
	}
	l, err := a.db.Ledger(ctx, in.OrderID)
	if err != nil {
		return "", err
	}
	_, err = a.Run(ctx, OperationInput{OrderID: in.OrderID, Op: model.OpAuthorize, Amount: strconv.FormatInt(act.Amount, 10),
		Version: strconv.FormatInt(l.Permission.Version, 10), Actor: in.Actor})
	if ie, ok := AsInputError(err); ok {
		return "", Invalid("今のオーソリはキャンセルしましたが、" + yenText(act.Amount) + "でのオーソリはできませんでした。" + ie.Error() +
			" 「金額を更新してオーソリ」でもう一度オーソリできます。")
	}
	if err != nil {
		return "", err
	}
	return "オーソリをキャンセルし、" + yenText(act.Amount) + "でオーソリしました（金額を更新してオーソリ）。", nil
}

// validAction finds the action the merchant asked for among those valid
// now, from the page's version; the errors are Run's.
func (a *AmazonPay) validAction(ctx context.Context, in OperationInput) (PaymentAction, error) {
	l, err := a.db.Ledger(ctx, in.OrderID)
	if errors.Is(err, store.ErrNotFound) {
		return PaymentAction{}, errNoPayment
	} else if err != nil {
		return PaymentAction{}, err
	}
	if l.Permission.BusyOperation != 0 {
		return PaymentAction{}, ErrPaymentBusy
	}
	if strconv.FormatInt(l.Permission.Version, 10) != in.Version {
		return PaymentAction{}, ErrOrderChanged
	}
	f, err := a.facts(ctx, in.OrderID, l)
	if err != nil {
		return PaymentAction{}, err
	}
	for _, x := range PaymentActions(l, f, a.db.Now()) {
		if x.Op == in.Op && x.ChargeID == in.ChargeID {
			return x, nil
		}
	}
	return PaymentAction{}, errNotNow
}

// facts reads what the payment rules need of an order, outside a
// transaction (for pages and checks made before a claim).
func (a *AmazonPay) facts(ctx context.Context, orderID int64, l model.Ledger) (OrderFacts, error) {
	o, err := a.db.Order(ctx, orderID)
	if err != nil {
		return OrderFacts{}, err
	}
	back, err := a.db.StockReturned(ctx, orderID)
	if err != nil {
		return OrderFacts{}, err
	}
	ap, err := a.db.AmazonPayment(ctx, orderID)
	if err != nil {
		return OrderFacts{}, err
	}
	return paymentFacts(o, back, ap, l), nil
}

// Text says what the red frame of 受注明細 says of the gap: the order's
// total, the money at Amazon, and the button that closes the difference.
func (g *AmountGap) Text() string {
	total := "受注金額（" + jp.Yen(g.Total) + "）"
	switch g.Kind {
	case GapReauthorize:
		return total + "がAmazon Payのオーソリ額（" + jp.Yen(g.Authorized) + "）と異なります。Amazon Payの金額はまだ変更されていません。" +
			"「金額を更新してオーソリ」で今のオーソリをキャンセルし、" + jp.Yen(g.Amount) + "でオーソリし直してください。"
	case GapAuthorize:
		return total + "がご注文時の金額（" + jp.Yen(g.Original) + "）から変更されました。Amazon Payではまだオーソリしていません。" +
			"「金額を更新してオーソリ」で" + jp.Yen(g.Amount) + "をオーソリしてから、売上請求してください。"
	case GapCharge:
		return total + "が売上請求済みの額（" + jp.Yen(g.Captured) + "）より" + jp.Yen(g.Amount) + "多くなっています。" +
			"「増額分を売上請求」で、同じAmazonリファレンスIDで差額を追加で売上請求してください。"
	case GapRefund:
		return total + "が売上請求済みの額（" + jp.Yen(g.Captured) + "）より" + jp.Yen(g.Amount) + "少なくなっています。" +
			"「取消返金処理」で差額" + jp.Yen(g.Amount) + "を返金してください。"
	case GapCancel:
		return total + "は売上請求済みの額（" + jp.Yen(g.Captured) + "）で足りています。残っているオーソリ（" + jp.Yen(g.Authorized) +
			"）は「オーソリキャンセル」してください。"
	}
	return total + "がAmazon Payの金額と異なります。"
}
