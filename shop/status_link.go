package shop

import (
	"context"
	"errors"
	"strconv"

	"kago/store"
)

// The optional link between an Amazon Pay order's status and its payment
// (seed 003 「「対応状況」と「決済処理」を連動」, default 連動しない): with
// it on, 発送済み captures the open authorization (与信 → 売上計上) and
// キャンセル cancels the authorization or refunds what was captured, as the
// cancel dialog offers. The payment call runs first and its result decides:
// when Amazon (or the payment's state) refuses, the status stays and the
// refusal is the change's message.

// linkedPayment is the operation a status change runs with the link on; nil
// when none goes with it (link off, not Amazon Pay, another status, the
// money captured already, nothing to give back). A change that the link
// must refuse before any call (発送済み without an authorization to
// capture) is an *InputError.
func (s *Shop) linkedPayment(ctx context.Context, orderID int64, ch StatusChange) (*OperationInput, error) {
	if ch.To != store.OrderShipped && ch.To != store.OrderCanceled {
		return nil, nil
	}
	st, err := s.AmazonPaySettings(ctx)
	if err != nil || !st.StatusLink {
		return nil, err
	}
	o, err := s.db.Order(ctx, orderID)
	if err != nil || o.PaymentMethod != PayAmazon {
		return nil, err
	}
	if ch.To == store.OrderShipped {
		r, in, err := s.AmazonPay.captureStep(ctx, orderID)
		switch {
		case err != nil:
			return nil, err
		case r.Outcome == BulkPlanned:
			return &in, nil
		case r.Outcome == BulkDone:
			return nil, nil
		}
		return nil, Invalid("「受注ステータスと決済処理を連動する」設定のため、発送済みにするときに売上請求します。この注文は売上請求できないため、発送済みにしていません。" + r.Message)
	}
	ap, err := s.db.AmazonPayment(ctx, orderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	p, err := s.AmazonPay.Panel(ctx, o, ap)
	if err != nil || p == nil || p.Cancel.Op == "" {
		return nil, err
	}
	return &OperationInput{OrderID: orderID, Op: p.Cancel.Op, ChargeID: p.Cancel.ChargeID, FullRefund: true,
		Version: strconv.FormatInt(p.Ledger.Permission.Version, 10)}, nil
}
