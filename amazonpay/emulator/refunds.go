package emulator

import (
	"fmt"
	"time"

	"kago/amazonpay"
)

func (e *Emulator) getRefund(c *apiCall) (int, any, *apiError) {
	r := e.refundByID(c.id)
	if r == nil || r.MerchantID != c.m.MerchantID || r.Env != c.env {
		return 0, nil, notFound("Refund", c.id)
	}
	e.settleRefund(r, c.now)
	return 200, e.viewRefund(r), nil
}

// createRefund is Create Refund: only on a Captured charge, and all refunds
// of a charge together at most its captured amount plus the lesser of 15%
// and 8,400 JPY (AMAZON-PAY.md section 3). Refunds are asynchronous.
func (e *Emulator) createRefund(c *apiCall) (int, any, *apiError) {
	var req amazonpay.CreateRefundRequest
	if a := decode(c.body, &req, false); a != nil {
		return 0, nil, a
	}
	if req.ChargeID == "" {
		return 0, nil, errf(400, amazonpay.ReasonMissingParameterValue, "chargeId is missing")
	}
	n, a := amount("refundAmount", &req.RefundAmount)
	if a != nil {
		return 0, nil, a
	}
	ch, a := e.findCharge(c, req.ChargeID)
	if a != nil {
		return 0, nil, a
	}
	if ch.State != amazonpay.StateCaptured {
		return 0, nil, errf(422, amazonpay.ReasonInvalidChargeStatus, "the charge is %s; only a Captured charge can be refunded", ch.State)
	}
	if left := e.refundable(ch); n > left {
		return 0, nil, errf(400, amazonpay.ReasonTransactionAmountExceeded, "refundAmount %d JPY exceeds the refundable %d JPY", n, left)
	}
	r := e.startRefund(ch, n, req.SoftDescriptor, c.now)
	return 201, e.viewRefund(r), nil
}

// refundable returns how much more of a captured charge can be refunded:
// the captured amount plus the lesser of 15% (rounded down) and 8,400 JPY,
// less the refunds not declined.
func (e *Emulator) refundable(ch *charge) int64 {
	limit := ch.Captured + min(ch.Captured*15/100, refundOverMaxYen)
	for _, id := range ch.RefundIDs {
		if r := e.st.Refunds[id]; r.State != amazonpay.StateDeclined {
			limit -= r.Amount
		}
	}
	return max(limit, 0)
}

func (e *Emulator) startRefund(ch *charge, n int64, softDescriptor string, now time.Time) *refund {
	p := e.st.Permissions[ch.PermissionID]
	r := &refund{ID: e.nextRefundID(p), ChargeID: ch.ID, PermissionID: ch.PermissionID, MerchantID: ch.MerchantID, Env: ch.Env,
		Amount: n, SoftDescriptor: softDescriptor, Created: now, PendingUntil: now.Add(e.opts.PendingDelay)}
	ch.RefundIDs = append(ch.RefundIDs, r.ID)
	e.st.Refunds[r.ID] = r
	e.touch(ch)
	e.touch(p)
	e.setRefund(r, amazonpay.StateRefundInitiated, "", "", now)
	id := r.ID
	e.schedule(e.opts.PendingDelay, func(now time.Time) {
		if r := e.refundByID(id); r != nil {
			e.settleRefund(r, now)
		}
	})
	return r
}

func (e *Emulator) nextRefundID(p *permission) string {
	p.RefundSeq++
	return fmt.Sprintf("%s-R%06d", p.ID, p.RefundSeq)
}

func (e *Emulator) viewRefund(r *refund) amazonpay.Refund {
	return amazonpay.Refund{
		RefundID:           r.ID,
		ChargeID:           r.ChargeID,
		RefundAmount:       amazonPrice(r.Amount),
		SoftDescriptor:     r.SoftDescriptor,
		StatusDetails:      amazonpay.StatusDetails{State: r.State, ReasonCode: r.Reason, ReasonDescription: r.ReasonDesc, LastUpdatedTimestamp: amazonpay.TimestampOf(r.Updated)},
		CreationTimestamp:  amazonpay.TimestampOf(r.Created),
		ReleaseEnvironment: r.Env,
	}
}

// setRefund moves a refund to a state and notifies the merchant.
func (e *Emulator) setRefund(r *refund, state, reason, desc string, at time.Time) {
	if r.State == state && r.Reason == reason {
		return
	}
	r.State, r.Reason, r.ReasonDesc, r.Updated = state, reason, desc, at
	e.touch(r)
	e.notifyLocked(r.MerchantID, r.Env, amazonpay.ObjectTypeRefund, r.ID, r.PermissionID)
}

// settleRefund completes a refund whose pending delay has passed.
func (e *Emulator) settleRefund(r *refund, now time.Time) {
	if r.State == amazonpay.StateRefundInitiated && !now.Before(r.PendingUntil) {
		c := e.st.Charges[r.ChargeID]
		c.Refunded += r.Amount
		e.touch(c)
		e.setRefund(r, amazonpay.StateRefunded, "", "", r.PendingUntil)
	}
}
