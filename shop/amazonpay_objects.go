package shop

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kago/amazonpay"
	"kago/model"
)

// Amazon's objects as the ledger keeps them, and the client's Observer that
// writes every HTTP call made for an order into its timeline (F-84).

func yenOf(p *amazonpay.Price) int64 {
	if p == nil {
		return 0
	}
	n, _ := p.Yen()
	return n
}

// permissionFrom is a charge permission as Amazon reported it at now.
func permissionFrom(p *amazonpay.ChargePermission, now time.Time) *model.ChargePermission {
	m := &model.ChargePermission{ID: p.ChargePermissionID, State: p.StatusDetails.State,
		AmountLimit: yenOf(&p.Limits.AmountLimit), AmountBalance: yenOf(&p.Limits.AmountBalance),
		CreatedAt: p.CreationTimestamp.Time, ExpiresAt: p.ExpirationTimestamp.Time, FetchedAt: now}
	if len(p.StatusDetails.Reasons) > 0 {
		m.ReasonCode, m.ReasonDescription = p.StatusDetails.Reasons[0].ReasonCode, p.StatusDetails.Reasons[0].ReasonDescription
	}
	for _, pp := range p.PaymentPreferences {
		if pp.PaymentDescriptor != "" {
			m.PaymentDescriptor = pp.PaymentDescriptor
		}
	}
	return m
}

// chargeFrom is a charge as Amazon reported it at now.
func chargeFrom(c *amazonpay.Charge, now time.Time) model.Charge {
	return model.Charge{ID: c.ChargeID, PermissionID: c.ChargePermissionID, State: c.StatusDetails.State,
		ReasonCode: c.StatusDetails.ReasonCode, ReasonDescription: c.StatusDetails.ReasonDescription,
		Amount: yenOf(&c.ChargeAmount), Captured: yenOf(c.CaptureAmount), Refunded: yenOf(c.RefundedAmount),
		CreatedAt: c.CreationTimestamp.Time, ExpiresAt: c.ExpirationTimestamp.Time, FetchedAt: now}
}

// refundFrom is a refund as Amazon reported it at now.
func refundFrom(r *amazonpay.Refund, now time.Time) model.Refund {
	return model.Refund{ID: r.RefundID, ChargeID: r.ChargeID, State: r.StatusDetails.State, ReasonCode: r.StatusDetails.ReasonCode,
		ReasonDescription: r.StatusDetails.ReasonDescription, Amount: yenOf(&r.RefundAmount), CreatedAt: r.CreationTimestamp.Time,
		FetchedAt: now}
}

// callTag labels the calls made for an order (and one of its operations)
// so the Observer can put them in the order's timeline.
func callTag(orderID, operationID int64) amazonpay.RequestOption {
	return amazonpay.WithTag(fmt.Sprintf("order=%d op=%d", orderID, operationID))
}

func parseCallTag(tag string) (orderID, operationID int64) {
	for _, f := range strings.Fields(tag) {
		k, v, _ := strings.Cut(f, "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "order":
			orderID = n
		case "op":
			operationID = n
		}
	}
	return orderID, operationID
}

// maxStoredBody caps what the timeline keeps of a request or an answer.
const maxStoredBody = 16 << 10

func clip(b []byte) string {
	if len(b) > maxStoredBody {
		return string(b[:maxStoredBody]) + "…"
	}
	return string(b)
}

// observeAmazon is the client's Observer: it records each HTTP attempt for
// the order its tag names. Calls for no order (the review page before
// 注文する) are not kept.
func (d *deps) observeAmazon(o amazonpay.Observation) {
	ctx := context.Background()
	orderID, opID := parseCallTag(o.Tag)
	if orderID == 0 {
		return
	}
	c := model.APICall{OrderID: orderID, OperationID: opID, At: d.db.Now().Add(-o.Duration), API: o.Operation, Method: o.Method,
		Path: o.Path, IdempotencyKey: o.IdempotencyKey, Attempt: o.Attempt, HTTPStatus: o.HTTPStatus, ReasonCode: o.ReasonCode,
		RequestID: o.RequestID, Duration: o.Duration, RequestBody: clip(o.RequestBody), ResponseBody: clip(o.ResponseBody)}
	var apErr *amazonpay.Error
	if o.Err != nil && !errors.As(o.Err, &apErr) {
		c.Error = o.Err.Error()
	}
	if err := d.db.InsertAPICall(ctx, c); err != nil {
		d.log.Warn("amazon pay call not recorded", "order_id", orderID, "op", o.Operation, "err", err)
	}
}
