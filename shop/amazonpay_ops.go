package shop

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"kago/amazonpay"
	"kago/model"
	"kago/store"
)

// AmazonPay runs the merchant's operations on an order's Amazon Pay payment
// (seed 000 sections 8 to 11; F-41, F-42, F-44, F-45): 売上請求 (full or
// partial), オーソリキャンセル, オーソリ and 再オーソリ, 破棄, 返金 (full or
// partial) and 最新の状態に更新. Each operation claims the order's payment
// with a conditional UPDATE (at most one operation at Amazon per order, and
// none from a stale page), calls Amazon with an idempotency key derived from
// Amazon's own ID, the operation and its sequence, and records Amazon's
// answer through the recorder; the order changes only from that answer.
type AmazonPay struct{ *deps }

const (
	// An operation still at Amazon after this long is taken to have died
	// with its process; 最新の状態に更新 takes its claim over.
	staleOperation = 3 * time.Minute
	// operationTimeout bounds one operation's calls, retries included.
	operationTimeout = 2 * time.Minute
)

// Messages of the operations.
var (
	// ErrPaymentBusy: another operation of the order is at Amazon now.
	ErrPaymentBusy = Invalid("この注文では別の操作をAmazon Payで処理中です。少し待ってから画面を再読み込みしてください。")
	errNoPayment   = Invalid("この注文にはAmazon Payの決済がありません。")
	errNotNow      = Invalid("この操作は現在の決済状況では行えません。画面を再読み込みして、表示されているボタンから操作してください。")
)

// IsConflict tells whether err is a change that lost to another one (a
// stale page, another admin, a double click): 409 rather than 422.
func IsConflict(err error) bool {
	return errors.Is(err, ErrOrderChanged) || errors.Is(err, ErrPaymentBusy) || errors.Is(err, ErrOrderEdited)
}

// OperationInput is an operation as the merchant asked for it on 受注明細.
type OperationInput struct {
	OrderID     int64
	Op          string // a model.Op* kind
	ChargeID    string // the charge it acts on (売上請求, オーソリキャンセル, 返金)
	Amount      string // as typed; empty takes the operation's default
	FullRefund  bool   // 全額返金する rather than 一部の金額を返金する
	ReturnStock bool   // 在庫を戻す, offered with a full cancel or refund
	Version     string // the payment's version the page was drawn from
	Actor       model.Actor
}

// OperationLabel is the merchant's word for an operation kind (seed 000,
// seed 003's 処理区分).
func OperationLabel(kind string) string {
	switch kind {
	case model.OpAuthorize:
		return "オーソリ"
	case model.OpCapture:
		return "売上請求"
	case model.OpCancel:
		return "オーソリキャンセル"
	case model.OpClose:
		return "破棄"
	case model.OpRefund:
		return "返金"
	case model.OpFetch:
		return "最新の状態に更新"
	case model.OpComplete:
		return "決済完了"
	case model.OpCharge:
		return "増額分を売上請求"
	case model.OpReauthorize:
		return "金額を更新してオーソリ"
	}
	return kind
}

// parseYen reads an amount as a merchant types it: digits, full-width
// digits, commas and a trailing 円 are fine.
func parseYen(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(toHalfWidthDigits(s)), "円")
	s = strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), "，", "")
	neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−")
	s = strings.TrimLeft(s, "-−")
	if s == "" || strings.TrimLeft(s, "0123456789") != "" || len(s) > 12 {
		return 0, Invalid("金額は半角数字で、円単位で入力してください（例：1080）。")
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	if neg || n <= 0 {
		return 0, Invalid("金額は1円以上で入力してください。")
	}
	return n, nil
}

// operationAmount checks the typed amount against what the operation allows.
func operationAmount(act PaymentAction, in OperationInput) (int64, error) {
	switch act.Op {
	case model.OpCapture, model.OpAuthorize, model.OpRefund:
	default:
		return act.Amount, nil
	}
	if act.Op == model.OpRefund && in.FullRefund {
		if act.Amount <= 0 {
			return 0, Invalid("全額返金できる金額はありません（売上請求済みの金額はすでに返金済みか返金処理中です）。一部の金額を返金する場合は金額を入力してください。")
		}
		return act.Amount, nil
	}
	if strings.TrimSpace(in.Amount) == "" {
		if act.Op == model.OpRefund {
			return 0, Invalid("返金額を入力してください。")
		}
		return act.Amount, nil
	}
	n, err := parseYen(in.Amount)
	if err != nil {
		return 0, err
	}
	if n > act.MaxAmount {
		switch act.Op {
		case model.OpCapture:
			return 0, Invalid("売上請求できるのはオーソリ金額の" + yenText(act.MaxAmount) + "までです。")
		case model.OpRefund:
			return 0, Invalid("返金できるのは" + yenText(act.MaxAmount) + "までです（売上金額に15%と8,400円の低い方を加えた額から、返金済み・返金処理中の額を除いた額。Amazon Payの上限です）。")
		}
		return 0, Invalid(act.Label + "できるのは" + yenText(act.MaxAmount) + "までです（ご注文金額から売上請求済みの額を除いた額）。")
	}
	return n, nil
}

// operationKey is the idempotency key of an operation: Amazon's own ID
// (the charge permission for オーソリ, the charge for 売上請求 and 返金),
// the operation and its sequence, e.g. S03-1234567-1234567-C000001-c1.
// Calls without a key (cancel, close, reads) get "".
func operationKey(permissionID string, op model.Operation) string {
	code, base := "", op.TargetID
	switch op.Kind {
	case model.OpAuthorize:
		code, base = "a", permissionID
	case model.OpCharge:
		code, base = "p", permissionID
	case model.OpCapture:
		code = "c"
	case model.OpRefund:
		code = "r"
	default:
		return ""
	}
	return amazonpay.IdempotencyKey(base, code+strconv.Itoa(op.Seq))
}

// client returns the Amazon Pay client of the current settings.
func (a *AmazonPay) client(ctx context.Context) (*amazonpay.Client, error) {
	st, err := a.AmazonPaySettings(ctx)
	if err != nil {
		return nil, err
	}
	if !st.Configured() {
		return nil, Invalid("Amazon Payが設定されていません。Amazon Pay設定を確認してください。")
	}
	return a.amazonClient(st)
}

// Run performs one operation and returns the message for the merchant. A
// refusal by Amazon, bad input or a state that does not allow the operation
// is an *InputError (the page says why); IsConflict errors mean the page is
// stale or another operation is running. Stock goes back (once) with a full
// cancel or refund when asked; the member's points and coupon always do.
func (a *AmazonPay) Run(ctx context.Context, in OperationInput) (string, error) {
	if in.Op == model.OpReauthorize {
		return a.reauthorize(ctx, in)
	}
	client, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	op, act, l, err := a.claim(ctx, in)
	if err != nil {
		return "", err
	}
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), operationTimeout)
	defer cancel()
	var objs amazonObjects
	var settled []model.Operation
	if op.Kind == model.OpFetch {
		objs, settled = a.fetch(callCtx, client, l, &op)
	} else {
		objs = a.send(callCtx, client, l, &op, op.ID)
	}
	err = a.record(ctx, in.OrderID, in.Actor, func(r *recorder) error {
		r.claim = op.ID
		if err := r.saveAmazon(objs, op); err != nil {
			return err
		}
		for _, s := range settled {
			if err := r.finishOperation(s); err != nil {
				return err
			}
		}
		if err := r.finishOperation(op); err != nil {
			return err
		}
		if op.State != model.OpSucceeded {
			return nil
		}
		// All the money went back (a cancel or close before any capture, or
		// a refund of all that was left): the points and coupon the order
		// used come back too (once, whatever the stock choice).
		if act.Op == model.OpRefund && act.Amount > 0 && op.Amount >= act.Amount || act.Op != model.OpRefund && act.OfferStock {
			if err := returnOrderBenefits(r.tx, in.OrderID); err != nil {
				return err
			}
		}
		if !op.ReturnStock {
			return nil
		}
		o, err := r.tx.Order(in.OrderID)
		if err != nil {
			return err
		}
		items, err := r.returnStock(o)
		if err != nil || len(items) == 0 {
			return err
		}
		return r.event(model.Event{Kind: model.EventStockReturned, OperationID: op.ID, Items: items})
	})
	if err != nil {
		return "", err
	}
	return outcomeMessage(act, op, settled)
}

// claim checks the request against the ledger and the page's version and
// records the operation as requested, holding the order's payment for it.
func (a *AmazonPay) claim(ctx context.Context, in OperationInput) (model.Operation, PaymentAction, model.Ledger, error) {
	var op model.Operation
	var act PaymentAction
	var l model.Ledger
	formVersion, verr := strconv.ParseInt(in.Version, 10, 64)
	err := a.db.WithTx(ctx, func(tx *store.Tx) error {
		version := formVersion // WithTx may run this again
		var err error
		l, err = tx.Ledger(in.OrderID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoPayment
		} else if err != nil {
			return err
		}
		o, err := tx.Order(in.OrderID)
		if err != nil {
			return err
		}
		back, err := tx.StockReturned(o.ID)
		if err != nil {
			return err
		}
		ap, err := tx.AmazonPayment(o.ID)
		if err != nil {
			return err
		}
		p, now := l.Permission, tx.Now()
		if p.BusyOperation != 0 && (in.Op != model.OpFetch || now.Sub(p.BusySince) <= staleOperation) {
			return ErrPaymentBusy
		}
		// 最新の状態に更新 reads and settles; it is safe from any page.
		if in.Op == model.OpFetch {
			version = p.Version
		} else if verr != nil || version != p.Version {
			return ErrOrderChanged
		}
		found := false
		for _, x := range PaymentActions(l, paymentFacts(o, back, ap, l), now) {
			if x.Op == in.Op && x.ChargeID == in.ChargeID {
				act, found = x, true
			}
		}
		if !found {
			return errNotNow
		}
		amount, err := operationAmount(act, in)
		if err != nil {
			return err
		}
		seq, err := tx.NextOperationSeq(o.ID, in.Op)
		if err != nil {
			return err
		}
		op = model.Operation{OrderID: o.ID, Kind: in.Op, Seq: seq, TargetID: act.ChargeID, Amount: amount, State: model.OpRequested,
			Actor: in.Actor, ReturnStock: in.ReturnStock && act.OfferStock && (act.Op != model.OpRefund || amount == act.Amount && in.FullRefund)}
		if op.Kind == model.OpClose {
			op.TargetID = p.ID
		}
		op.IdempotencyKey = operationKey(p.ID, op)
		if err := tx.InsertOperation(&op); err != nil {
			return err
		}
		if p.BusyOperation != 0 {
			// A claim left by a process that died: its outcome is unknown
			// until this fetch settles it.
			r := &recorder{tx: tx, orderID: o.ID, actor: actorSystem}
			for _, x := range l.Operations {
				if x.ID == p.BusyOperation {
					x.State = model.OpUnknown
					if err := r.finishOperation(x); err != nil {
						return err
					}
				}
			}
			if err := tx.ReleasePayment(o.ID, p.BusyOperation); err != nil {
				return err
			}
			version++
			if l, err = tx.Ledger(o.ID); err != nil {
				return err
			}
		}
		won, err := tx.ClaimPayment(o.ID, version, op.ID)
		if err == nil && !won {
			err = ErrPaymentBusy
		}
		return err
	})
	return op, act, l, err
}

// operationAPI names the Amazon Pay operation each kind calls.
var operationAPI = map[string]string{model.OpAuthorize: "CreateCharge", model.OpCharge: "CreateCharge", model.OpCapture: "CaptureCharge",
	model.OpCancel: "CancelCharge", model.OpClose: "CloseChargePermission", model.OpRefund: "CreateRefund"}

// Requests of the operations, built from the operation alone so that a
// replay (same key) sends the same body.
const (
	cancelReason  = "ショップの操作によるオーソリキャンセル"
	closureReason = "ショップによって決済の破棄が行われました。"
)

// call sends op's request to Amazon once (with the client's retries) and
// returns what Amazon answered.
func (a *AmazonPay) call(ctx context.Context, c *amazonpay.Client, permissionID string, op model.Operation, tag amazonpay.RequestOption) (amazonObjects, string, error) {
	now := a.db.Now()
	var objs amazonObjects
	switch op.Kind {
	case model.OpAuthorize:
		ch, err := c.CreateCharge(ctx, amazonpay.CreateChargeRequest{ChargePermissionID: permissionID, ChargeAmount: amazonpay.JPY(op.Amount),
			CanHandlePendingAuthorization: true}, op.IdempotencyKey, tag)
		if err != nil {
			return objs, "", err
		}
		objs.charges = []model.Charge{chargeFrom(ch, now)}
		return objs, ch.ChargeID, nil
	case model.OpCharge:
		ch, err := c.CreateCharge(ctx, amazonpay.CreateChargeRequest{ChargePermissionID: permissionID, ChargeAmount: amazonpay.JPY(op.Amount),
			CaptureNow: true, CanHandlePendingAuthorization: true}, op.IdempotencyKey, tag)
		if err != nil {
			return objs, "", err
		}
		objs.charges = []model.Charge{chargeFrom(ch, now)}
		return objs, ch.ChargeID, nil
	case model.OpCapture:
		ch, err := c.CaptureCharge(ctx, op.TargetID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(op.Amount)}, op.IdempotencyKey, tag)
		if err != nil {
			return objs, "", err
		}
		objs.charges = []model.Charge{chargeFrom(ch, now)}
		return objs, "", nil
	case model.OpCancel:
		ch, err := c.CancelCharge(ctx, op.TargetID, amazonpay.CancelChargeRequest{CancellationReason: cancelReason}, tag)
		if err != nil {
			return objs, "", err
		}
		objs.charges = []model.Charge{chargeFrom(ch, now)}
		return objs, "", nil
	case model.OpClose:
		p, err := c.CloseChargePermission(ctx, op.TargetID, amazonpay.CloseChargePermissionRequest{ClosureReason: closureReason,
			CancelPendingCharges: true}, tag)
		if err != nil {
			return objs, "", err
		}
		objs.permission = permissionFrom(p, now)
		return objs, "", nil
	case model.OpRefund:
		r, err := c.CreateRefund(ctx, amazonpay.CreateRefundRequest{ChargeID: op.TargetID, RefundAmount: amazonpay.JPY(op.Amount)}, op.IdempotencyKey, tag)
		if err != nil {
			return objs, "", err
		}
		objs.refunds = []model.Refund{refundFrom(r, now)}
		return objs, r.RefundID, nil
	}
	return objs, "", errors.New("shop: unknown operation " + op.Kind)
}

// settle writes Amazon's answer (or its absence) into op: succeeded, failed
// for a definitive refusal, unknown when Amazon gave no definitive answer
// (no answer, 408, 425, 429, 5xx).
func settle(op *model.Operation, err error) {
	op.HTTPStatus, op.ReasonCode, op.Message = 0, "", ""
	var apErr *amazonpay.Error
	switch {
	case err == nil:
		op.State = model.OpSucceeded
	case errors.As(err, &apErr):
		op.HTTPStatus, op.ReasonCode, op.Message, op.RequestID = apErr.HTTPStatus, apErr.ReasonCode, apErr.Message, apErr.RequestID
		op.State = model.OpFailed
		if apErr.Retryable() {
			op.State = model.OpUnknown
		}
	default:
		op.State = model.OpUnknown
	}
}

// send performs op at Amazon and reads back what it touched; the calls are
// tagged with the operation tagOp (the operation itself, or the fetch that
// replays it).
func (a *AmazonPay) send(ctx context.Context, c *amazonpay.Client, l model.Ledger, op *model.Operation, tagOp int64) amazonObjects {
	tag := callTag(op.OrderID, tagOp)
	start := time.Now()
	objs, resultID, err := a.call(ctx, c, l.Permission.ID, *op, tag)
	op.Duration = time.Since(start)
	settle(op, err)
	if resultID != "" {
		op.ResultID = resultID
	}
	if op.State == model.OpSucceeded {
		// The success answer carries no HTTP status or request ID: the
		// Observer's record of the call has them.
		if last, err := a.db.LastAPICall(ctx, tagOp, operationAPI[op.Kind]); err == nil {
			op.HTTPStatus, op.RequestID = last.HTTPStatus, last.RequestID
		}
	}
	if op.State == model.OpUnknown {
		return objs
	}
	// Read back what the operation touched, as Amazon holds it now: the
	// permission (balance, state) and the charge (a refund's charge, or a
	// charge a refused capture declined).
	if p, err := c.GetChargePermission(ctx, l.Permission.ID, tag); err == nil {
		objs.permission = permissionFrom(p, a.db.Now())
	}
	if op.Kind == model.OpRefund || op.State == model.OpFailed && op.Kind != model.OpAuthorize && op.Kind != model.OpCharge && op.Kind != model.OpClose {
		if ch, err := c.GetCharge(ctx, op.TargetID, tag); err == nil {
			objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
		}
	}
	if op.Kind == model.OpClose {
		for _, ch := range l.Charges {
			if openCharge(ch) {
				if got, err := c.GetCharge(ctx, ch.ID, tag); err == nil {
					objs.charges = append(objs.charges, chargeFrom(got, a.db.Now()))
				}
			}
		}
	}
	return objs
}

// fetch is 最新の状態に更新: it settles the operations whose outcome is
// unknown (a replay with the same idempotency key for those that have one,
// so Amazon answers the original request and never does it twice; a read
// for cancel and close), then reads the permission, every charge and every
// refund not yet final.
func (a *AmazonPay) fetch(ctx context.Context, c *amazonpay.Client, l model.Ledger, op *model.Operation) (amazonObjects, []model.Operation) {
	tag := callTag(op.OrderID, op.ID)
	start := time.Now()
	var objs amazonObjects
	var settled []model.Operation
	for _, u := range l.Operations {
		if u.ID == op.ID || u.State != model.OpUnknown && u.State != model.OpRequested {
			continue
		}
		switch u.Kind {
		case model.OpAuthorize, model.OpCharge, model.OpCapture, model.OpRefund:
			objs.add(a.send(ctx, c, l, &u, op.ID))
		case model.OpCancel, model.OpClose:
			u.State, u.HTTPStatus, u.ReasonCode, u.Message = model.OpFailed, 0, "", ""
			var err error
			if u.Kind == model.OpCancel {
				var ch *amazonpay.Charge
				if ch, err = c.GetCharge(ctx, u.TargetID, tag); err == nil {
					objs.charges = append(objs.charges, chargeFrom(ch, a.db.Now()))
					if ch.StatusDetails.State == model.StateCanceled {
						u.State = model.OpSucceeded
					}
				}
			} else {
				var p *amazonpay.ChargePermission
				if p, err = c.GetChargePermission(ctx, u.TargetID, tag); err == nil {
					objs.permission = permissionFrom(p, a.db.Now())
					if p.StatusDetails.State == model.StateClosed {
						u.State = model.OpSucceeded
					}
				}
			}
			if err != nil {
				settle(&u, err)
				if u.State == model.OpSucceeded {
					u.State = model.OpUnknown
				}
			}
		default:
			u.State = model.OpFailed
		}
		settled = append(settled, u)
	}
	p, err := c.GetChargePermission(ctx, l.Permission.ID, tag)
	settle(op, err)
	if err == nil {
		objs.permission = permissionFrom(p, a.db.Now())
	}
	seen := map[string]bool{}
	for _, ch := range objs.charges {
		seen[ch.ID] = true
	}
	for _, ch := range l.Charges {
		if seen[ch.ID] {
			continue
		}
		got, err := c.GetCharge(ctx, ch.ID, tag)
		if err != nil {
			settle(op, err)
			continue
		}
		objs.charges = append(objs.charges, chargeFrom(got, a.db.Now()))
	}
	for _, r := range l.Refunds {
		if r.State == model.StateRefunded || r.State == model.StateDeclined {
			continue
		}
		got, err := c.GetRefund(ctx, r.ID, tag)
		if err != nil {
			settle(op, err)
			continue
		}
		objs.refunds = append(objs.refunds, refundFrom(got, a.db.Now()))
	}
	op.Duration = time.Since(start)
	return objs, settled
}

// outcomeMessage is what the merchant reads after an operation: done,
// pending (処理中) or why not. A refusal or an unknown outcome is returned
// as an *InputError.
func outcomeMessage(act PaymentAction, op model.Operation, settled []model.Operation) (string, error) {
	label := OperationLabel(op.Kind)
	if op.Kind == model.OpAuthorize || op.Kind == model.OpRefund {
		label = act.Label
		if op.Kind == model.OpRefund {
			label = "返金"
		}
	}
	switch op.State {
	case model.OpFailed:
		_, admin := AmazonPayMessages(op.ReasonCode)
		return "", Invalid(label + "できませんでした（" + op.ReasonCode + "）。" + admin)
	case model.OpUnknown:
		if op.Kind == model.OpFetch {
			return "", Invalid("Amazon Payから最新の状態を読み込めませんでした。時間をおいてもう一度「最新の状態に更新」を押してください。")
		}
		return "", Invalid(label + "の結果をAmazon Payから受け取れませんでした（" + orDash(op.ReasonCode) + "）。「最新の状態に更新」を押すと結果を確認します。同じ操作が二重に行われることはありません。")
	}
	switch op.Kind {
	case model.OpFetch:
		if len(settled) > 0 {
			return "Amazon Payから最新の状態を読み込み、結果を確認できていなかった操作を確定しました。", nil
		}
		return "Amazon Payから最新の状態を読み込みました。", nil
	case model.OpRefund:
		return yenText(op.Amount) + "の返金を受け付けました（処理中）。Amazon Payでの返金完了後、「最新の状態に更新」で返金済みになります。", nil
	}
	if op.Amount == 0 {
		return label + "しました。", nil
	}
	return label + "しました（" + yenText(op.Amount) + "）。", nil
}

func orDash(s string) string {
	if s == "" {
		return "応答なし"
	}
	return s
}
