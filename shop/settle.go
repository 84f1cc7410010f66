package shop

import (
	"context"
	"errors"

	"kago/amazonpay"
	"kago/mail"
	"kago/model"
	"kago/store"
)

// Pending payments settled (F-45): an authorization, capture or refund
// left pending at Amazon (AuthorizationInitiated, CaptureInitiated,
// RefundInitiated), or an object the completion could not read, is read
// again on a schedule that backs off (30 s, doubling, at most an hour)
// until Amazon settles it, besides the notification that says so. A
// pending authorization that ends Declined makes its order 決済失敗 (F-51).

// settleBatch is how many orders one run reads.
const settleBatch = 50

// SettlePending reads the orders with a pending or unread object whose
// next reading is due and records what Amazon returns; it reports how many
// orders it found settled.
func (a *AmazonPay) SettlePending(ctx context.Context) (int, error) {
	ids, err := a.db.UnsettledOrders(ctx, a.db.Now(), settleBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	st, err := a.AmazonPaySettings(ctx)
	if err != nil || !st.Configured() {
		return 0, err
	}
	client, err := a.amazonClient(st)
	if err != nil {
		return 0, err
	}
	settled := 0
	var errs []error
	for _, id := range ids {
		won, err := a.db.ClaimSettlement(ctx, id, retryDelay)
		if err != nil {
			return settled, err
		}
		if !won {
			continue
		}
		l, err := a.db.Ledger(ctx, id)
		if err != nil {
			return settled, err
		}
		objs, rerr := a.readPending(ctx, client, l)
		if rerr != nil {
			errs = append(errs, rerr)
		}
		err = a.record(ctx, id, actorSystem, func(r *recorder) error {
			before, err := r.tx.Ledger(id)
			if err != nil {
				return err
			}
			if changed := changedObjects(before, objs); !changed.empty() {
				if err := r.saveAmazon(changed, model.Operation{}); err != nil {
					return err
				}
			}
			return a.declineOutcome(r, before)
		})
		if err != nil {
			return settled, err
		}
		if after, err := a.db.Ledger(ctx, id); err != nil {
			return settled, err
		} else if !unsettled(after) {
			settled++
			if err := a.db.SettlementDone(ctx, id); err != nil {
				return settled, err
			}
		}
	}
	return settled, errors.Join(errs...)
}

// unsettled tells whether a ledger still has a pending or unread object.
func unsettled(l model.Ledger) bool {
	if l.Permission.State == "" {
		return true
	}
	for _, c := range l.Charges {
		if c.State == "" || c.State == model.StateAuthorizationInitiated || c.State == model.StateCaptureInitiated {
			return true
		}
	}
	for _, r := range l.Refunds {
		if r.State == "" || r.State == model.StateRefundInitiated {
			return true
		}
	}
	return false
}

// readPending reads the permission and the pending or unread charges and
// refunds of a ledger; what Amazon did not answer for is left out (and
// reported), the rest is returned.
func (a *AmazonPay) readPending(ctx context.Context, c *amazonpay.Client, l model.Ledger) (amazonObjects, error) {
	var objs amazonObjects
	var errs []error
	tag := callTag(l.Permission.OrderID, 0)
	if p, err := c.GetChargePermission(ctx, l.Permission.ID, tag); err == nil {
		objs.permission = permissionFrom(p, a.db.Now())
	} else {
		errs = append(errs, err)
	}
	for _, ch := range l.Charges {
		if ch.State != "" && ch.State != model.StateAuthorizationInitiated && ch.State != model.StateCaptureInitiated {
			continue
		}
		got, err := c.GetCharge(ctx, ch.ID, tag)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs.charges = append(objs.charges, chargeFrom(got, a.db.Now()))
	}
	for _, r := range l.Refunds {
		if r.State != "" && r.State != model.StateRefundInitiated {
			continue
		}
		got, err := c.GetRefund(ctx, r.ID, tag)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs.refunds = append(objs.refunds, refundFrom(got, a.db.Now()))
	}
	return objs, errors.Join(errs...)
}

// declineOutcome is F-51, in the transaction of a payment change: when the
// completion's authorization, pending (or unread) before this change, is
// now Declined and nothing else of the payment holds money, the order goes
// from 新規受付 to 決済失敗 (only from there: a shipped, completed or
// canceled order stays as it is), its stock, points and coupon go back
// once, and the buyer gets the 「お支払いエラーのお知らせ」 mail.
func (s *deps) declineOutcome(r *recorder, before model.Ledger) error {
	tx := r.tx
	o, err := tx.Order(r.orderID)
	if err != nil || o.Status != store.OrderNew {
		return err
	}
	p, err := tx.AmazonPayment(r.orderID)
	if err != nil || p.State != store.AmazonDone || p.ChargeID == "" {
		return err
	}
	wasPending := false
	for _, c := range before.Charges {
		if c.ID == p.ChargeID {
			wasPending = c.State == "" || c.State == model.StateAuthorizationInitiated
		}
	}
	if !wasPending {
		return nil
	}
	l, err := tx.Ledger(r.orderID)
	if err != nil {
		return err
	}
	var declined *model.Charge
	for i, c := range l.Charges {
		switch c.State {
		case model.StateAuthorizationInitiated, model.StateAuthorized, model.StateCaptureInitiated, model.StateCaptured:
			return nil
		}
		if c.ID == p.ChargeID && c.State == model.StateDeclined {
			declined = &l.Charges[i]
		}
	}
	if declined == nil {
		return nil
	}
	p.State, p.ReasonCode, p.ReasonText, p.AmazonState = store.AmazonFailed, declined.ReasonCode, truncateRunes(declined.ReasonDescription, 500), model.StateDeclined
	if err := tx.UpdateAmazonPayment(p); err != nil {
		return err
	}
	items, err := r.returnStock(o)
	if err != nil {
		return err
	}
	// Points used and the coupon go back as for any failed payment.
	if err := returnOrderBenefits(tx, r.orderID); err != nil {
		return err
	}
	if err := r.orderStatus(o, store.OrderFailed, items); err != nil {
		return err
	}
	kv, err := tx.Settings()
	if err != nil {
		return err
	}
	st := settingsFrom(kv)
	tmpl, err := mailTemplateTx(tx, mail.KindPaymentDeclined)
	if err != nil {
		return err
	}
	subject, body := s.renderOrderMail(tmpl, o, st, model.Shipment{}, tx.Now(), "")
	_, err = s.outbox.Enqueue(tx, st.message(mail.KindPaymentDeclined, o, subject, body))
	return err
}
