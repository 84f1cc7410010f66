package shop

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"kago/amazonpay"
	"kago/model"
	"kago/store"
)

// 決済直前ログ (seed 003, F-52): the snapshot saved with every Amazon Pay
// order before the buyer went to Amazon, listed for the checkouts that
// never completed (決済待ち, 処理中, 決済失敗). 「Amazonで確認」 asks Amazon
// what became of the checkout; when Amazon holds the money, 「受注データを作成」
// completes the order through the same exactly-once completion as the
// buyer's return (stock taken, thanks mail sent).

// PrepaymentEntry is one line of the 決済直前ログ.
type PrepaymentEntry struct {
	OrderID, Number int64
	PlacedAt        time.Time
	State           string // store.AmazonPending, AmazonCompleting or AmazonFailed
	Reason          string // why it failed
	Buyer, Email    string
	Total           int64
	Lines           []store.OrderLine
	SessionID       string
	Reference       string // merchantReferenceId sent to Amazon
	SessionState    string // what Amazon last said of the checkout session ("": not asked)
	CheckedAt       time.Time
	// CanCreate: Amazon completed the checkout (the buyer paid) and the
	// order is not completed: 「受注データを作成」.
	CanCreate bool
	// Alerted: the 受注未作成通知メール went for it.
	Alerted bool
}

// logPage is how many entries a page of the 決済直前ログ lists.
const logPage = 30

// PrepaymentLog lists the 決済直前ログ newest first, a page below the
// order ID before (0: the first page); next is the before of the next
// page (0: none).
func (a *AmazonPay) PrepaymentLog(ctx context.Context, before int64) (entries []PrepaymentEntry, next int64, err error) {
	logs, err := a.db.PrepaymentLogs(ctx, before, logPage+1)
	if err != nil {
		return nil, 0, err
	}
	if len(logs) > logPage {
		logs, next = logs[:logPage], logs[logPage-1].OrderID
	}
	alerts, err := a.db.OpenAlerts(ctx, 500)
	if err != nil {
		return nil, 0, err
	}
	alerted := map[string]bool{}
	for _, al := range alerts {
		alerted[al.Reference] = !al.MailedAt.IsZero()
	}
	for _, l := range logs {
		e := prepaymentEntry(l)
		e.Alerted = alerted[l.MerchantReference]
		entries = append(entries, e)
	}
	return entries, next, nil
}

func prepaymentEntry(l store.PrepaymentLog) PrepaymentEntry {
	var snap struct {
		Order store.Order `json:"order"`
	}
	_ = json.Unmarshal(l.Snapshot, &snap)
	o := snap.Order
	return PrepaymentEntry{OrderID: l.OrderID, Number: o.Number, PlacedAt: l.CreatedAt, State: l.State, Reason: l.ReasonCode,
		Buyer: o.Buyer.FullName(), Email: o.Email, Total: l.Amount, Lines: o.Lines, SessionID: l.CheckoutSessionID,
		Reference: l.MerchantReference, SessionState: l.SessionState, CheckedAt: l.SessionCheckedAt,
		CanCreate: l.SessionState == amazonpay.StateCompleted}
}

// sessionWords says what a checkout session's state means for the log.
func sessionWords(cs *amazonpay.CheckoutSession) string {
	switch cs.StatusDetails.State {
	case amazonpay.StateCompleted:
		return "Amazon Payでのお支払い手続きは完了しています。"
	case amazonpay.StateOpen:
		return "お客様はまだAmazon Payでお手続き中です（お支払いは完了していません）。"
	case amazonpay.StateCanceled:
		return "Amazon Payでの手続きはキャンセルされています（" + cs.StatusDetails.ReasonCode + "）。代金は請求されていません。"
	}
	return "Amazon Payでの手続きの状態：" + cs.StatusDetails.State
}

// CheckPrepayment is 「Amazonで確認」: it asks Amazon what became of a
// logged checkout, records it, and returns what it means for the merchant.
func (a *AmazonPay) CheckPrepayment(ctx context.Context, orderID int64) (string, error) {
	l, client, err := a.logEntry(ctx, orderID)
	if err != nil {
		return "", err
	}
	cs, err := a.sessionOf(ctx, client, l)
	if err != nil {
		return "", err
	}
	msg := sessionWords(cs)
	if cs.StatusDetails.State == amazonpay.StateCompleted {
		if held, _, err := a.completedMoney(ctx, client, l.OrderID, cs); err != nil {
			return "", a.unreachable(err)
		} else if held {
			msg += "Amazon Payがお支払いを保持しています。「受注データを作成」で受注を作成できます。"
		} else {
			msg += "ただしお支払いは承認されていません（代金は請求されていません）。"
		}
	}
	return msg, nil
}

// CreateOrderFromLog is 「受注データを作成」: when Amazon holds the money of
// a logged checkout, the order is completed through the one completion
// (a failed one is opened again first: its stock is taken again, and it
// fails again if the stock is gone). It returns the merchant's message.
func (a *AmazonPay) CreateOrderFromLog(ctx context.Context, orderID int64, actor model.Actor) (string, error) {
	l, client, err := a.logEntry(ctx, orderID)
	if err != nil {
		return "", err
	}
	cs, err := a.sessionOf(ctx, client, l)
	if err != nil {
		return "", err
	}
	if cs.StatusDetails.State != amazonpay.StateCompleted {
		return "", Invalid(sessionWords(cs) + "受注データは作成できません。")
	}
	held, reason, err := a.completedMoney(ctx, client, l.OrderID, cs)
	if err != nil {
		return "", a.unreachable(err)
	}
	if !held {
		return "", Invalid("Amazon Payでのお支払いは承認されていません（" + orDash(reason) + "）。受注データは作成できません。")
	}
	if l.State == store.AmazonFailed {
		err := a.record(ctx, orderID, actor, func(r *recorder) error {
			ok, err := r.tx.ReopenFailedPayment(orderID)
			if err != nil {
				return err
			}
			if !ok {
				return ErrOrderChanged
			}
			o, err := r.tx.Order(orderID)
			if err != nil {
				return err
			}
			return r.orderStatus(o, store.OrderPending, nil)
		})
		if err != nil {
			return "", err
		}
	}
	p, err := a.db.AmazonPayment(ctx, orderID)
	if err != nil {
		return "", err
	}
	rs, err := a.RecoverySettings(ctx)
	if err != nil {
		return "", err
	}
	if err := a.completeOnce(ctx, p, completion{actor: actor, recheck: rs.RecoverAfter}, returnWait); err != nil && !errors.Is(err, ErrAmazonPending) {
		return "", err
	}
	var failure *AmazonFailure
	switch err := a.amazonOutcome(ctx, orderID); {
	case err == nil:
		o, err := a.db.Order(ctx, orderID)
		if err != nil {
			return "", err
		}
		return "受注データを作成しました（注文番号 " + strconv.FormatInt(o.Number, 10) + "）。お客様にサンクスメールをお送りしました。", nil
	case errors.As(err, &failure) && failure.ReasonCode == ReasonReservationLapsed:
		return "", Invalid("在庫が足りないため受注データを作成できませんでした。在庫を補充してからもう一度お試しいただくか、セラーセントラルでこの決済を返金してください。")
	case errors.As(err, &failure):
		_, admin := AmazonPayMessages(failure.ReasonCode)
		return "", Invalid("受注データを作成できませんでした（" + failure.ReasonCode + "）。" + admin)
	case errors.Is(err, ErrAmazonPending):
		return "", Invalid("Amazon Payの応答を確認できませんでした。しばらくしてからもう一度お試しください（二重に受注が作成されることはありません）。")
	default:
		return "", err
	}
}

// logEntry reads an order's 決済直前ログ and the Amazon Pay client.
func (a *AmazonPay) logEntry(ctx context.Context, orderID int64) (store.PrepaymentLog, *amazonpay.Client, error) {
	l, err := a.db.PrepaymentLogOf(ctx, orderID)
	if err != nil {
		return l, nil, err
	}
	if l.State == store.AmazonDone {
		return l, nil, Invalid("この注文はすでに受注データがあります。受注明細をご覧ください。")
	}
	client, err := a.client(ctx)
	return l, client, err
}

// sessionOf reads a logged checkout's session at Amazon and records its
// state in the log.
func (a *AmazonPay) sessionOf(ctx context.Context, client *amazonpay.Client, l store.PrepaymentLog) (*amazonpay.CheckoutSession, error) {
	cs, err := client.GetCheckoutSession(ctx, l.CheckoutSessionID, callTag(l.OrderID, 0))
	if amazonpay.ReasonCode(err) == amazonpay.ReasonResourceNotFound {
		return nil, Invalid("Amazon Payにこの手続きの記録がありません（Amazon Payはチェックアウトセッションを30日で削除します）。セラーセントラルで販売事業者注文番号 " + l.MerchantReference + " をご確認ください。")
	}
	if err != nil {
		return nil, a.unreachable(err)
	}
	if err := a.db.NoteSessionState(ctx, l.OrderID, cs.StatusDetails.State); err != nil {
		return nil, err
	}
	return cs, nil
}

// completedMoney tells whether Amazon holds the money of a completed
// checkout session (its charge permission open, its charge not declined
// or canceled), and why not.
func (a *AmazonPay) completedMoney(ctx context.Context, client *amazonpay.Client, orderID int64, cs *amazonpay.CheckoutSession) (bool, string, error) {
	tag := callTag(orderID, 0)
	p, err := client.GetChargePermission(ctx, cs.ChargePermissionID, tag)
	if err != nil {
		return false, "", err
	}
	objs := amazonObjects{permission: permissionFrom(p, a.db.Now())}
	reason := objs.permission.ReasonCode
	if cs.ChargeID != "" {
		ch, err := client.GetCharge(ctx, cs.ChargeID, tag)
		if err != nil {
			return false, "", err
		}
		objs.charges = []model.Charge{chargeFrom(ch, a.db.Now())}
		reason = ch.StatusDetails.ReasonCode
	}
	held, _ := holdsMoney(objs)
	return held, reason, nil
}

// unreachable is the merchant's message when Amazon did not answer.
func (a *AmazonPay) unreachable(err error) error {
	a.log.Warn("amazon pay not reachable", "err", err)
	return Invalid("Amazon Payに接続できませんでした。しばらくしてからもう一度お試しください。")
}

// SessionStateLabel is the merchant's word for a checkout session's state.
func SessionStateLabel(state string) string {
	if state == amazonpay.StateCanceled {
		return "キャンセル（Canceled）"
	}
	return AmazonPayStatusLabel(state, "")
}
