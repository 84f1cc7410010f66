package shop

import (
	"context"
	"errors"
	"strconv"

	"kago/model"
	"kago/store"
)

// Bulk 売上請求 of the orders ticked in 受注一覧 (seed 002 「決済済に変更」 for
// Amazon Pay: each ticked order's open authorization is captured, one order
// at a time, each with its own result). Each capture is an ordinary
// operation (claim, idempotency key, recorder), so a second press finds
// the money captured and does nothing, and a press while one runs finds
// the order busy.

// Outcomes of one order of a bulk capture.
const (
	BulkCaptured = "captured" // 売上請求した
	BulkPlanned  = "planned"  // the preview: 売上請求できる
	BulkDone     = "done"     // already captured: nothing to do
	BulkRefused  = "refused"  // cannot be captured, or Amazon refused
)

// BulkResult is one order's line of a bulk capture: its outcome, the
// amount captured (or to capture) and the message (the reason when it
// was not captured).
type BulkResult struct {
	OrderID, Number int64
	Buyer           string
	Outcome         string
	Amount          int64 // yen
	Message         string
}

// OK tells whether the order's money is captured (now or before).
func (r BulkResult) OK() bool { return r.Outcome != BulkRefused }

// CapturePlan says, without calling Amazon, what a bulk capture of the
// orders would do with each (ids as ParseSelection gives them).
func (a *AmazonPay) CapturePlan(ctx context.Context, ids []int64) ([]BulkResult, error) {
	out := make([]BulkResult, 0, len(ids))
	for _, id := range ids {
		r, _, err := a.captureStep(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// CaptureOrders captures the open authorization of each order, in the
// order given, by the capture's default amount (the order's total less
// what is captured, never more than the authorization), and returns a
// result per order; a refusal of one order (by the rules or by Amazon)
// does not stop the others. The error is only for the store failing.
func (a *AmazonPay) CaptureOrders(ctx context.Context, ids []int64, actor model.Actor) ([]BulkResult, error) {
	out := make([]BulkResult, 0, len(ids))
	for _, id := range ids {
		r, in, err := a.captureStep(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Outcome == BulkPlanned {
			in.Actor = actor
			msg, err := a.Run(ctx, in)
			switch ie, ok := AsInputError(err); {
			case ok:
				r.Outcome, r.Message = BulkRefused, ie.Error()
			case err != nil:
				return nil, err
			default:
				r.Outcome, r.Message = BulkCaptured, msg
			}
			if r.Outcome == BulkCaptured {
				// Amazon may answer 処理中 (CaptureInitiated): say what the
				// ledger holds now, not what was asked.
				if l, err := a.db.Ledger(ctx, id); err == nil && capturePending(l) {
					r.Message = "売上請求を受け付けました（Amazon Payで処理中です。受注明細の「最新の状態に更新」で結果を確認してください）。"
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// capturePending tells whether a capture of the ledger waits at Amazon.
func capturePending(l model.Ledger) bool {
	for _, c := range l.Charges {
		if c.State == model.StateCaptureInitiated {
			return true
		}
	}
	return false
}

// captureStep reads one order for a bulk capture: its result if nothing is
// to be done (BulkDone, BulkRefused with the reason), or BulkPlanned with
// the operation that captures it.
func (a *AmazonPay) captureStep(ctx context.Context, id int64) (BulkResult, OperationInput, error) {
	r := BulkResult{OrderID: id, Outcome: BulkRefused}
	o, err := a.db.Order(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r.Message = "注文が見つかりません。"
		return r, OperationInput{}, nil
	} else if err != nil {
		return r, OperationInput{}, err
	}
	r.Number, r.Buyer = o.Number, o.Buyer.FullName()
	if o.PaymentMethod != PayAmazon {
		r.Message = "Amazon Payの注文ではありません（" + PaymentMethodLabel(o.PaymentMethod) + "）。"
		return r, OperationInput{}, nil
	}
	l, err := a.db.Ledger(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r.Message = "Amazon Payの決済が完了していない注文です。"
		return r, OperationInput{}, nil
	} else if err != nil {
		return r, OperationInput{}, err
	}
	f, err := a.facts(ctx, id, l)
	if err != nil {
		return r, OperationInput{}, err
	}
	if l.Permission.BusyOperation != 0 {
		r.Message = ErrPaymentBusy.Error()
		return r, OperationInput{}, nil
	}
	if g := amountGap(l, f); g != nil && g.Kind == GapReauthorize && g.Amount > g.Authorized {
		// An increase not yet authorized: capturing the old authorization
		// would take less than the order's total.
		r.Message = "受注金額が変更され、オーソリ額（" + yenText(g.Authorized) + "）より多くなっています。受注明細で「金額を更新してオーソリ」してから売上請求してください。"
		return r, OperationInput{}, nil
	}
	for _, act := range PaymentActions(l, f, a.db.Now()) {
		if act.Op == model.OpCapture {
			r.Outcome, r.Amount, r.Message = BulkPlanned, act.Amount, "売上請求します（"+yenText(act.Amount)+"）。"
			return r, OperationInput{OrderID: id, Op: model.OpCapture, ChargeID: act.ChargeID, Amount: strconv.FormatInt(act.Amount, 10),
				Version: strconv.FormatInt(l.Permission.Version, 10)}, nil
		}
	}
	captured := collectedNet(l)
	switch {
	case captured > 0 && captured >= o.Total:
		r.Outcome, r.Amount, r.Message = BulkDone, captured, "売上請求済みです（"+yenText(captured)+"）。何もしていません。"
	case f.Canceled:
		r.Message = "キャンセルされた注文は売上請求できません。"
	case unread(l):
		r.Message = "Amazon Payでの結果を確認できていない操作があります。受注明細で「最新の状態に更新」を押してください。"
	default:
		r.Message = "売上請求できるオーソリがありません（" + AmazonPayStatusLabel(l.Permission.State, l.Permission.ReasonCode) + "）。" +
			"受注明細でオーソリ（再オーソリ）してから売上請求してください。"
	}
	return r, OperationInput{}, nil
}

// BulkOutcomeLabel is the merchant's word for an outcome of a bulk capture.
func BulkOutcomeLabel(outcome string) string {
	switch outcome {
	case BulkCaptured:
		return "売上請求しました"
	case BulkPlanned:
		return "売上請求できます"
	case BulkDone:
		return "売上請求済み"
	}
	return "売上請求できません"
}

// BulkSummary counts the results in words: 「売上請求しました：2件、売上請求
// 済み：1件、売上請求できません：1件」.
func BulkSummary(results []BulkResult) string {
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Outcome]++
	}
	s := ""
	for _, o := range []string{BulkCaptured, BulkPlanned, BulkDone, BulkRefused} {
		if counts[o] > 0 {
			if s != "" {
				s += "、"
			}
			s += BulkOutcomeLabel(o) + "：" + strconv.Itoa(counts[o]) + "件"
		}
	}
	return s
}
