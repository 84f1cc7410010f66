package shop

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"kago/model"
	"kago/store"
)

// What 受注明細 shows of an Amazon Pay payment: the yellow frame (F-41) with
// only the buttons valid now (F-42), the deadline, 処理中 (F-45), the shop
// memo (F-48), the calls of the timeline (F-84), and what 「キャンセルする」
// does to the money.

// PaymentPanel is an order's Amazon Pay payment as 受注明細 shows it.
type PaymentPanel struct {
	Ledger model.Ledger
	State  string // PaymentStatus: Amazon's word for the state that matters
	Reason string // its reason code
	// ReasonDescription is Amazon's text for the reason, as given.
	ReasonDescription string
	Deadline          Deadline
	DeadlineText      string // 「オーソリ期限まであと3日」
	DeadlineNear      bool
	Actions           []PaymentAction
	Busy              bool // an operation is at Amazon now (処理中)
	// Unsettled: an outcome is unknown or the payment was never read from
	// Amazon; 最新の状態に更新 settles it.
	Unsettled      bool
	Captured       int64
	Refunded       int64  // settled at Amazon
	RefundPending  int64  // refunds still being made
	Instrument     string // Amazon's payment descriptor
	InstrumentKind string // the shop memo's words (F-48)
	Calls          []model.APICall
	Cancel         CancelOffer
	// Gap is how the order's total differs from the money at Amazon after
	// an edit (the red frame); nil when they agree.
	Gap *AmountGap
}

// Pending tells whether the state is one of Amazon's pending states, which
// settle on 最新の状態に更新 or a notification (F-45).
func (p *PaymentPanel) Pending() bool {
	switch p.State {
	case model.StateAuthorizationInitiated, model.StateCaptureInitiated, model.StateRefundInitiated:
		return true
	}
	return false
}

// timelineCalls is how many of an order's calls the timeline shows.
const timelineCalls = 100

// Panel reads an order's payment for 受注明細; nil when the order has no
// Amazon Pay ledger (not paid with Amazon Pay, or not completed).
func (a *AmazonPay) Panel(ctx context.Context, o store.Order, ap store.AmazonPayment) (*PaymentPanel, error) {
	l, err := a.db.Ledger(ctx, o.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	instrument := ap.Instrument
	back, err := a.db.StockReturned(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	now, facts := a.db.Now(), paymentFacts(o, back, ap, l)
	p := &PaymentPanel{Ledger: l, Deadline: PaymentDeadline(l, o.Total), Actions: PaymentActions(l, facts, now),
		Busy: l.Permission.BusyOperation != 0, Unsettled: unread(l), Instrument: instrument, Gap: amountGap(l, facts)}
	if g := p.Gap; g != nil && g.Kind == GapRefund && g.Blocked == "" {
		for i := range p.Actions {
			if a := &p.Actions[i]; a.Op == model.OpRefund && a.ChargeID == g.ChargeID {
				a.Suggested = g.Amount
			}
		}
	}
	p.State, p.Reason, p.ReasonDescription = PaymentStatus(l)
	for _, op := range l.Operations {
		p.Unsettled = p.Unsettled || op.State == model.OpUnknown
	}
	p.DeadlineText, p.DeadlineNear = DeadlineBadge(p.Deadline, now)
	p.Captured, p.Refunded = capturedTotals(l)
	for _, c := range l.Charges {
		_, pending := refundedOf(l, c)
		p.RefundPending += pending
	}
	if l.Permission.PaymentDescriptor != "" {
		p.Instrument = l.Permission.PaymentDescriptor
	}
	p.InstrumentKind = InstrumentKind(p.Instrument)
	p.Cancel = cancelOffer(p)
	if st, err := a.AmazonPaySettings(ctx); err != nil {
		return nil, err
	} else if st.StatusLink && p.Cancel.Op != "" {
		// 連動する (seed 003): キャンセル always runs the operation.
		p.Cancel.KeepText = ""
		p.Cancel.Text += "「受注ステータスと決済処理を連動する」設定のため、キャンセルすると「" + OperationLabel(p.Cancel.Op) + "」も行います。"
	}
	if p.Calls, err = a.db.APICalls(ctx, o.ID, timelineCalls); err != nil {
		return nil, err
	}
	return p, nil
}

var cardLike = regexp.MustCompile(`(?i)\*{2,}|[0-9]{4}|visa|master|jcb|amex|american express|diners|card|カード|銀行|口座|代引|コンビニ`)

// InstrumentKind is the shop memo's words for how the buyer paid (F-48,
// seed 004): Amazonギフト券 for the gift card balance alone, Amazonギフト券と
// 指定のお支払い方法 for the balance with another method, and Amazonアカウントで
// 指定したお支払い方法 otherwise. Gift-card-only payments cannot be
// increased (seed 004). descriptor is Amazon's paymentDescriptor; "" gives "".
func InstrumentKind(descriptor string) string {
	d := strings.TrimSpace(descriptor)
	if d == "" {
		return ""
	}
	gift := strings.Contains(d, "ギフト") || strings.Contains(strings.ToLower(d), "gift")
	switch {
	case gift && cardLike.MatchString(strings.NewReplacer("ギフトカード", "", "ギフト券", "", "Gift Card", "", "gift card", "").Replace(d)):
		return "Amazonギフト券と指定のお支払い方法"
	case gift:
		return instrumentGiftCard
	}
	return "Amazonアカウントで指定したお支払い方法"
}

// CancelOffer is what 「キャンセルする」 says about the money of an Amazon Pay
// order and the operation it offers to go with the cancel.
type CancelOffer struct {
	Text     string // what happens to the money
	Op       string // the matching operation (refund, cancel, close); "" for none
	OpLabel  string // the choice that runs it
	KeepText string // the choice that leaves Amazon Pay as it is
	ChargeID string
}

func cancelOffer(p *PaymentPanel) CancelOffer {
	if p.Busy || p.Unsettled {
		return CancelOffer{Text: "Amazon Payの決済は確認中です。キャンセルしても、Amazon Payの決済は変わりません。先に「最新の状態に更新」で状態を確かめてください。"}
	}
	for _, a := range p.Actions {
		if a.Op == model.OpRefund && a.Amount > 0 {
			return CancelOffer{Text: "Amazon Payで" + yenText(p.Captured) + "を売上請求済みです。受注ステータスをキャンセルにするだけでは返金されません。",
				Op: model.OpRefund, ChargeID: a.ChargeID, OpLabel: "全額（" + yenText(a.Amount) + "）を返金してキャンセルする",
				KeepText: "返金せずにキャンセルする（Amazon Payはそのまま）"}
		}
	}
	for _, a := range p.Actions {
		if a.Op == model.OpCancel {
			return CancelOffer{Text: "Amazon Payで" + yenText(a.Amount) + "をオーソリ中です。受注ステータスをキャンセルにするだけではオーソリは取り消されません。",
				Op: model.OpCancel, ChargeID: a.ChargeID, OpLabel: "オーソリキャンセルしてからキャンセルする",
				KeepText: "オーソリはそのままにしてキャンセルする"}
		}
	}
	for _, a := range p.Actions {
		if a.Op == model.OpClose && p.Captured == 0 {
			return CancelOffer{Text: "Amazon Payの決済（請求可能）が残っています。受注ステータスをキャンセルにするだけでは決済は終了しません。",
				Op: model.OpClose, OpLabel: "決済を破棄してからキャンセルする", KeepText: "決済はそのままにしてキャンセルする"}
		}
	}
	if p.Pending() {
		return CancelOffer{Text: "Amazon Payの決済は処理中です。キャンセルしても、Amazon Payの決済は変わりません。"}
	}
	return CancelOffer{Text: "Amazon Payで取り消す・返金する金額はありません。"}
}

// DeadlineBadges gives, for the orders of a list page, the badge of each
// Amazon Pay deadline that is near or past (「売上請求期限まであと3日」),
// keyed by order ID.
func (a *AmazonPay) DeadlineBadges(ctx context.Context, orderIDs []int64) (map[int64]string, error) {
	perms, err := a.db.PaymentOfOrders(ctx, orderIDs)
	out := make(map[int64]string, len(perms))
	now := a.db.Now()
	for id, p := range perms {
		if text, near := DeadlineBadge(Deadline{Kind: p.DeadlineKind, At: p.DeadlineAt}, now); near {
			out[id] = text
		}
	}
	return out, err
}

// Call reads one call to Amazon Pay made for an order, with the JSON sent
// and received (F-84), and the order's number; ErrNotFound when the order
// has no such call.
func (a *AmazonPay) Call(ctx context.Context, orderID, callID int64) (model.APICall, int64, error) {
	c, err := a.db.APICall(ctx, orderID, callID)
	if err != nil {
		return c, 0, err
	}
	o, err := a.db.Order(ctx, orderID)
	return c, o.Number, err
}
