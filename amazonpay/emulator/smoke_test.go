package emulator

import (
	"testing"
	"time"

	"kago/amazonpay"
)

func TestSmokeAuthorizeCaptureRefund(t *testing.T) {
	te := newEnv(t)
	id := te.checkout(t, BuyerTaro, 0, amazonpay.PaymentIntentAuthorize, 1080, false)
	cs, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1080)}, "order-1-complete")
	if err != nil {
		t.Fatal(err)
	}
	if cs.StatusDetails.State != "Completed" || cs.ChargeID == "" || cs.ChargePermissionID == "" {
		t.Fatalf("%+v", cs)
	}
	ch, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1080)}, "order-1-capture")
	if err != nil {
		t.Fatal(err)
	}
	if ch.StatusDetails.State != "Captured" {
		t.Fatalf("%+v", ch)
	}
	rf, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: ch.ChargeID, RefundAmount: amazonpay.JPY(500)}, "order-1-refund-1")
	if err != nil {
		t.Fatal(err)
	}
	if rf.StatusDetails.State != "RefundInitiated" {
		t.Fatalf("%+v", rf)
	}
	te.em.Advance(time.Hour)
	rf, err = te.client.GetRefund(te.ctx, rf.RefundID)
	if err != nil || rf.StatusDetails.State != "Refunded" {
		t.Fatalf("%+v %v", rf, err)
	}
	p, err := te.client.GetChargePermission(te.ctx, cs.ChargePermissionID)
	if err != nil || p.StatusDetails.State != "Closed" {
		t.Fatalf("%+v %v", p, err)
	}
	t.Logf("%+v", te.em.Deliveries())
}
