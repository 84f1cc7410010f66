package emulator

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

// Tests of Amazon's rules that the shop's payment operations meet
// (AMAZON-PAY.md sections 3, 4 and 9), each through our client over HTTP.

// chargeIn returns a new charge in the given state.
func (te *testEnv) chargeIn(t *testing.T, state string) string {
	t.Helper()
	switch state {
	case "AuthorizationInitiated":
		return te.complete(t, BuyerPendingOK, 0, "Authorize", 1000, true).ChargeID
	case "Authorized":
		return te.complete(t, BuyerTaro, 0, "Authorize", 1000, false).ChargeID
	case "CaptureInitiated":
		id := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false).ChargeID
		if _, err := te.client.CaptureCharge(te.ctx, id, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1000)}, "", amazonpay.WithSimulationCode("CaptureInitiated")); err != nil {
			t.Fatal(err)
		}
		return id
	case "Captured":
		return te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 1000, false).ChargeID
	case "Canceled":
		id := te.complete(t, BuyerTaro, 0, "Authorize", 1000, false).ChargeID
		if _, err := te.client.CancelCharge(te.ctx, id, amazonpay.CancelChargeRequest{}); err != nil {
			t.Fatal(err)
		}
		return id
	case "Declined":
		perm := te.complete(t, BuyerTaro, 0, "Confirm", 1000, false).ChargePermissionID
		_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(1000)}, "", amazonpay.WithSimulationCode("HardDeclined"))
		wantErr(t, err, 422, "HardDeclined")
		return perm + "-C000001"
	}
	t.Fatalf("no charge in state %s", state)
	return ""
}

// TestChargeStateAllowsCalls tries capture, cancel and refund on a charge in
// each state: AuthorizationInitiated → cancel; Authorized → capture, cancel;
// CaptureInitiated → none; Captured → refund; Canceled and Declined → none.
// Every refused call is 422 InvalidChargeStatus and changes nothing.
func TestChargeStateAllowsCalls(t *testing.T) {
	te := newEnv(t)
	calls := map[string]func(id string) error{
		"capture": func(id string) error {
			_, err := te.client.CaptureCharge(te.ctx, id, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1)}, "")
			return err
		},
		"cancel": func(id string) error {
			_, err := te.client.CancelCharge(te.ctx, id, amazonpay.CancelChargeRequest{})
			return err
		},
		"refund": func(id string) error {
			_, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: id, RefundAmount: amazonpay.JPY(1)}, "")
			return err
		},
	}
	allowed := map[string][]string{
		"AuthorizationInitiated": {"cancel"},
		"Authorized":             {"capture", "cancel"},
		"CaptureInitiated":       nil,
		"Captured":               {"refund"},
		"Canceled":               nil,
		"Declined":               nil,
	}
	for state, ok := range allowed {
		for name, call := range calls {
			t.Run(state+"/"+name, func(t *testing.T) {
				id := te.chargeIn(t, state)
				if got := te.charge(t, id).StatusDetails.State; got != state {
					t.Fatalf("made a %s charge, want %s", got, state)
				}
				err := call(id)
				if !slices.Contains(ok, name) {
					wantErr(t, err, 422, "InvalidChargeStatus")
					if got := te.charge(t, id).StatusDetails.State; got != state {
						t.Fatalf("a refused %s moved the charge to %s", name, got)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s of a %s charge: %v", name, state, err)
				}
			})
		}
	}
}

func balanceOf(t *testing.T, te *testEnv, perm string) string {
	t.Helper()
	return te.perm(t, perm).Limits.AmountBalance.Amount
}

// TestBalanceFallsOnCapture: open authorizations leave amountBalance alone;
// captures lower it; a capture beyond it is refused; one capture per charge
// and a partial capture releases the rest; refunds do not raise it; the
// permission closes when it reaches zero.
func TestBalanceFallsOnCapture(t *testing.T) {
	te := newEnv(t)
	perm := te.complete(t, BuyerTaro, 0, "Confirm", 10000, false).ChargePermissionID
	create := func(yen int64) *amazonpay.Charge {
		t.Helper()
		c, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(yen)}, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	capture := func(id string, yen int64) (*amazonpay.Charge, error) {
		return te.client.CaptureCharge(te.ctx, id, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(yen)}, "")
	}
	if got := balanceOf(t, te, perm); got != "10000" {
		t.Fatalf("balance %s before any charge", got)
	}
	c1, c2 := create(6000), create(6000)
	if got := balanceOf(t, te, perm); got != "10000" {
		t.Fatalf("balance %s with two open authorizations, want 10000", got)
	}
	_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(10001)}, "")
	wantErr(t, err, 400, "TransactionAmountExceeded")
	if _, err := capture(c1.ChargeID, 6000); err != nil {
		t.Fatal(err)
	}
	if got := balanceOf(t, te, perm); got != "4000" {
		t.Fatalf("balance %s after capturing 6000 of 10000", got)
	}
	_, err = capture(c2.ChargeID, 4001)
	wantErr(t, err, 400, "TransactionAmountExceeded")
	got, err := capture(c2.ChargeID, 4000)
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusDetails.State != "Captured" || got.CaptureAmount.Amount != "4000" || got.ChargeAmount.Amount != "6000" {
		t.Fatalf("partial capture: %+v", got)
	}
	_, err = capture(c2.ChargeID, 1)
	wantErr(t, err, 422, "InvalidChargeStatus")
	p := te.perm(t, perm)
	wantPerm(t, p, "Closed", "MerchantClosed")
	if p.Limits.AmountBalance.Amount != "0" {
		t.Fatalf("balance %s after capturing the limit", p.Limits.AmountBalance.Amount)
	}
	if _, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: c1.ChargeID, RefundAmount: amazonpay.JPY(1000)}, "r1"); err != nil {
		t.Fatal(err)
	}
	te.em.Advance(time.Hour)
	if got := balanceOf(t, te, perm); got != "0" {
		t.Fatalf("a refund raised the balance to %s", got)
	}
}

// TestTotalOrderAmountKeepsChargeable: a session completed with a total
// order amount above the charge amount (a split shipment) leaves the
// permission Chargeable for the rest after the first capture.
func TestTotalOrderAmountKeepsChargeable(t *testing.T) {
	te := newEnv(t)
	id := te.checkout(t, BuyerTaro, 0, "AuthorizeWithCapture", 3000, false)
	_, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(3000), TotalOrderAmount: amazonpay.PtrJPY(2999)}, "")
	wantErr(t, err, 400, "InvalidParameterValue")
	cs, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(3000), TotalOrderAmount: amazonpay.PtrJPY(5000)}, "")
	if err != nil {
		t.Fatal(err)
	}
	wantCharge(t, te.charge(t, cs.ChargeID), "Captured", "")
	p := te.perm(t, cs.ChargePermissionID)
	wantPerm(t, p, "Chargeable", "")
	if p.Limits.AmountLimit.Amount != "5000" || p.Limits.AmountBalance.Amount != "2000" {
		t.Fatalf("limits %+v", p.Limits)
	}
	if cs.PaymentDetails.TotalOrderAmount == nil || cs.PaymentDetails.TotalOrderAmount.Amount != "5000" {
		t.Fatalf("session total %+v", cs.PaymentDetails.TotalOrderAmount)
	}
	c, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(2000), CaptureNow: true}, "rest")
	if err != nil {
		t.Fatal(err)
	}
	wantCharge(t, c, "Captured", "")
	wantPerm(t, te.perm(t, cs.ChargePermissionID), "Closed", "MerchantClosed")

	// Without a total the whole amount captured closes the permission.
	cs = te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 3000, false)
	wantPerm(t, te.perm(t, cs.ChargePermissionID), "Closed", "MerchantClosed")
}

// TestOverchargeLimit: with allowOvercharge the limit is the greater of
// 900% of the order and 70,000 JPY; a gift-card-only payment cannot be
// increased, a gift card with a card can.
func TestOverchargeLimit(t *testing.T) {
	te := newEnv(t)
	for _, tc := range []struct {
		buyer   string
		payment int
		yen     int64
		limit   string
	}{
		{BuyerTaro, 0, 5000, "70000"},
		{BuyerTaro, 0, 7778, "70002"},
		{BuyerTaro, 0, 10000, "90000"},
		{BuyerGiftCard, 0, 10000, "10000"},
		{BuyerGiftCard, 1, 10000, "90000"},
	} {
		cs := te.newSession(t, &amazonpay.PaymentDetails{AllowOvercharge: true})
		te.buyerReturns(t, cs.CheckoutSessionID, tc.buyer, 0, tc.payment)
		up, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
			WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
			PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "AuthorizeWithCapture", ChargeAmount: amazonpay.PtrJPY(tc.yen)},
		})
		if err != nil {
			t.Fatal(err)
		}
		te.get(t, up.WebCheckoutDetails.AmazonPayRedirectURL, 303)
		done, err := te.client.CompleteCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(tc.yen)}, "")
		if err != nil {
			t.Fatal(err)
		}
		p := te.perm(t, done.ChargePermissionID)
		if p.Limits.AmountLimit.Amount != tc.limit {
			t.Errorf("%s instrument %d, %d JPY: limit %s, want %s", tc.buyer, tc.payment, tc.yen, p.Limits.AmountLimit.Amount, tc.limit)
		}
	}
}

// TestPendingInstrumentNeedsCanHandlePending: the sandbox's pending card
// (0701) and pending-then-declined card (4354) are refused without
// canHandlePendingAuthorization instead of being approved quietly: the
// checkout session ends Canceled Declined, a new charge is Declined
// TransactionTimedOut (the permission stays Chargeable).
func TestPendingInstrumentNeedsCanHandlePending(t *testing.T) {
	te := newEnv(t)
	for _, buyer := range []string{BuyerPendingOK, BuyerPendingNG} {
		for _, intent := range []string{"Authorize", "AuthorizeWithCapture"} {
			id := te.checkout(t, buyer, 0, intent, 2000, false)
			_, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2000)}, "")
			wantErr(t, err, 422, "CheckoutSessionCanceled")
			got, err := te.client.GetCheckoutSession(te.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != "Declined" || !strings.Contains(got.StatusDetails.ReasonDescription, "TransactionTimedOut") {
				t.Fatalf("%s %s: %+v", buyer, intent, got.StatusDetails)
			}
			id = te.checkout(t, buyer, 0, intent, 2000, true)
			cs, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2000)}, "")
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, te.charge(t, cs.ChargeID), "AuthorizationInitiated", "")
		}
		// Confirm authorizes nothing at checkout; Create Charge decides.
		perm := te.complete(t, buyer, 0, "Confirm", 2000, false).ChargePermissionID
		_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(1000)}, "")
		wantErr(t, err, 422, "TransactionTimedOut")
		wantCharge(t, te.charge(t, perm+"-C000001"), "Declined", "TransactionTimedOut")
		wantPerm(t, te.perm(t, perm), "Chargeable", "")
		c, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(1000), CanHandlePendingAuthorization: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		wantCharge(t, c, "AuthorizationInitiated", "")
	}
}

// TestChargeCarriesRequestFields: merchantMetadata, captureNow and
// canHandlePendingAuthorization come back on the charge as sent on create,
// and, for the charge of a completed session, as the session had them.
func TestChargeCarriesRequestFields(t *testing.T) {
	te := newEnv(t)
	cs := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 1500, true)
	c := te.charge(t, cs.ChargeID)
	if !c.CaptureNow || !c.CanHandlePendingAuthorization || c.MerchantMetadata.MerchantReferenceID != "ORDER-1" || c.MerchantMetadata.MerchantStoreName != "テストショップ" {
		t.Fatalf("charge of the session: %+v", c)
	}
	perm := te.complete(t, BuyerTaro, 0, "Confirm", 5000, false).ChargePermissionID
	md := &amazonpay.MerchantMetadata{MerchantReferenceID: "100001-2", NoteToBuyer: "追加のお支払い"}
	created, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(1000), CaptureNow: true, CanHandlePendingAuthorization: true, MerchantMetadata: md}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*amazonpay.Charge{created, te.charge(t, created.ChargeID)} {
		if !c.CaptureNow || !c.CanHandlePendingAuthorization || c.MerchantMetadata != *md {
			t.Fatalf("%+v", c)
		}
	}
	plain, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(1000)}, "k2")
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := te.raw(t, rawReq{method: "GET", path: "/v2/charges/" + plain.ChargeID})
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if raw["captureNow"] != false || raw["canHandlePendingAuthorization"] != false {
		t.Fatalf("false flags left out: %s", body)
	}
	if v, ok := raw["merchantMetadata"].(map[string]any); !ok || v["merchantReferenceId"] != nil || !hasKey(v, "merchantReferenceId") {
		t.Fatalf("merchantMetadata: %s", body)
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// getRaw GETs an API path and decodes the JSON object.
func (te *testEnv) getRaw(t *testing.T, path string) map[string]any {
	t.Helper()
	status, _, body := te.raw(t, rawReq{method: "GET", path: path})
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return raw
}

// TestCheckoutSessionShape: a checkout session always carries constraints
// as a list ([] when none remain), every field without a value as null,
// canHandlePendingAuthorization even when false, and its expiry as
// expirationTimestamp.
func TestCheckoutSessionShape(t *testing.T) {
	te := newEnv(t)
	open := te.newSession(t, nil).CheckoutSessionID
	confirm := te.complete(t, BuyerTaro, 0, "Confirm", 1000, false).CheckoutSessionID
	canceled := te.checkout(t, BuyerCancels, 0, "Authorize", 1000, false)
	for _, tc := range []struct {
		id          string
		constraints int
		nulls       []string
	}{
		{open, 4, []string{"chargeId", "chargePermissionId", "buyer", "shippingAddress", "paymentPreferences"}},
		{confirm, 0, []string{"chargeId"}},
		{canceled, 0, []string{"chargeId", "chargePermissionId"}},
	} {
		raw := te.getRaw(t, "/v2/checkoutSessions/"+tc.id)
		cs, ok := raw["constraints"].([]any)
		if !ok || len(cs) != tc.constraints {
			t.Fatalf("%s: constraints %#v, want a list of %d", tc.id, raw["constraints"], tc.constraints)
		}
		for _, k := range tc.nulls {
			if v, ok := raw[k]; !ok || v != nil {
				t.Errorf("%s: %s = %#v (present %v), want null", tc.id, k, v, ok)
			}
		}
		if _, ok := raw["expirationTimestamp"].(string); !ok || hasKey(raw, "expiryTimestamp") {
			t.Errorf("%s: expiry field: %v", tc.id, raw)
		}
		pd, _ := raw["paymentDetails"].(map[string]any)
		if v, ok := pd["canHandlePendingAuthorization"]; !ok || v != false {
			t.Errorf("%s: canHandlePendingAuthorization %#v", tc.id, v)
		}
	}
	if raw := te.getRaw(t, "/v2/checkoutSessions/"+confirm); raw["chargePermissionId"] == nil {
		t.Fatal("completed session without chargePermissionId")
	}
}

// TestCanceledSessionReasons: a canceled checkout session says why in
// statusDetails.reasonCode: BuyerCanceled, Declined, Expired, AmazonCanceled.
func TestCanceledSessionReasons(t *testing.T) {
	te := newEnv(t)
	amazonCanceled := te.checkout(t, BuyerTaro, 0, "Authorize", 1000, false)
	_, err := te.client.CompleteCheckoutSession(te.ctx, amazonCanceled, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1000)}, "", amazonpay.WithSimulationCode("AmazonCanceled"))
	wantErr(t, err, 422, "CheckoutSessionCanceled")
	ids := map[string]string{
		"BuyerCanceled":  te.checkout(t, BuyerCancels, 0, "Authorize", 1000, false),
		"Declined":       te.checkout(t, BuyerHardDecline, 0, "Authorize", 1000, false),
		"Expired":        te.newSession(t, nil).CheckoutSessionID,
		"AmazonCanceled": amazonCanceled,
	}
	te.em.Advance(24*time.Hour + time.Minute)
	for reason, id := range ids {
		got, err := te.client.GetCheckoutSession(te.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != reason || got.StatusDetails.ReasonDescription == "" {
			t.Errorf("want Canceled %s, got %+v", reason, got.StatusDetails)
		}
	}
}

// TestRefundCap: all refunds of a charge together at most the captured
// amount plus the lesser of 15% and 8,400 JPY, at small and large amounts.
func TestRefundCap(t *testing.T) {
	te := newEnv(t)
	for _, tc := range []struct {
		captured int64
		max      int64
	}{
		{1080, 1242},     // 15% = 162
		{56000, 64400},   // 15% = 8,400 exactly
		{60000, 68400},   // 15% = 9,000: capped at 8,400
		{100000, 108400}, // 15% = 15,000: capped at 8,400
	} {
		refund := func(id string, yen int64) error {
			_, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: id, RefundAmount: amazonpay.JPY(yen)}, "")
			return err
		}
		// Over the cap in one refund.
		id := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", tc.captured, false).ChargeID
		wantErr(t, refund(id, tc.max+1), 400, "TransactionAmountExceeded")
		if err := refund(id, tc.max); err != nil {
			t.Fatalf("%d captured: a refund of %d refused: %v", tc.captured, tc.max, err)
		}
		// Up to the cap in two refunds, then nothing more.
		id = te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", tc.captured, false).ChargeID
		if err := refund(id, tc.captured); err != nil {
			t.Fatal(err)
		}
		wantErr(t, refund(id, tc.max-tc.captured+1), 400, "TransactionAmountExceeded")
		if err := refund(id, tc.max-tc.captured); err != nil {
			t.Fatalf("%d captured: the last %d refused: %v", tc.captured, tc.max-tc.captured, err)
		}
		wantErr(t, refund(id, 1), 400, "TransactionAmountExceeded")
	}
}

// TestSessionDeletedAfter30Days: Amazon deletes a checkout session 30 days
// after its creation (GET → 404), and a one-time permission shows the
// buyer's details for 30 days; the permission itself and the descriptor of
// its instrument stay.
func TestSessionDeletedAfter30Days(t *testing.T) {
	te := newEnv(t)
	cs := te.complete(t, BuyerTaro, 1, "Confirm", 1000, false)
	te.em.Advance(30*24*time.Hour - time.Minute)
	if _, err := te.client.GetCheckoutSession(te.ctx, cs.CheckoutSessionID); err != nil {
		t.Fatalf("deleted before 30 days: %v", err)
	}
	if p := te.perm(t, cs.ChargePermissionID); p.Buyer == nil || p.ShippingAddress == nil {
		t.Fatalf("buyer hidden before 30 days: %+v", p)
	}
	te.em.Advance(2 * time.Minute)
	_, err := te.client.GetCheckoutSession(te.ctx, cs.CheckoutSessionID)
	wantErr(t, err, 404, "ResourceNotFound")
	if n := len(te.em.Snapshot().Sessions); n != 0 {
		t.Fatalf("%d sessions still listed", n)
	}
	p := te.perm(t, cs.ChargePermissionID)
	if p.Buyer != nil || p.ShippingAddress != nil {
		t.Fatalf("buyer shown after 30 days: %+v", p)
	}
	if len(p.PaymentPreferences) != 1 || p.PaymentPreferences[0].PaymentDescriptor != "JCB ****0005" {
		t.Fatalf("instrument: %+v", p.PaymentPreferences)
	}
}

// TestPaymentInstrumentKind: the charge permission names the instrument in
// the forms the shop memo distinguishes (seed 004, F-48).
func TestPaymentInstrumentKind(t *testing.T) {
	te := newEnv(t)
	for _, tc := range []struct {
		buyer   string
		payment int
		want    string
	}{
		{BuyerTaro, 0, "Visa ****1111"},
		{BuyerTaro, 2, DescriptorAccountMethod},
		{BuyerGiftCard, 0, DescriptorGiftCard},
		{BuyerGiftCard, 1, DescriptorGiftCardAndCard},
	} {
		cs := te.complete(t, tc.buyer, tc.payment, "Authorize", 1000, false)
		p := te.perm(t, cs.ChargePermissionID)
		if len(p.PaymentPreferences) != 1 || p.PaymentPreferences[0].PaymentDescriptor != tc.want {
			t.Errorf("%s instrument %d: %+v, want %q", tc.buyer, tc.payment, p.PaymentPreferences, tc.want)
		}
	}
}

// TestObjectsBelongToTheirMerchant: another merchant (on the same sandbox)
// can neither read nor act on a merchant's charge permission, charge or
// refund, and an idempotency key of the same text is its own: Amazon keeps
// merchants apart.
func TestObjectsBelongToTheirMerchant(t *testing.T) {
	te := newEnv(t)
	mk, _ := keys(t)
	other, err := amazonpay.New(amazonpay.Config{PublicKeyID: legacyKeyID, PrivateKey: mk, Sandbox: true, BaseURL: te.srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	cs := te.complete(t, BuyerTaro, 0, "AuthorizeWithCapture", 1080, false)
	r, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(100)}, "refund-1")
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"get permission": func() error { _, err := other.GetChargePermission(te.ctx, cs.ChargePermissionID); return err },
		"get charge":     func() error { _, err := other.GetCharge(te.ctx, cs.ChargeID); return err },
		"get refund":     func() error { _, err := other.GetRefund(te.ctx, r.RefundID); return err },
		"refund": func() error {
			_, err := other.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(100)}, "refund-1")
			return err
		},
		"cancel charge": func() error {
			_, err := other.CancelCharge(te.ctx, cs.ChargeID, amazonpay.CancelChargeRequest{CancellationReason: "x"})
			return err
		},
		"new charge": func() error {
			_, err := other.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(1)}, "charge-1")
			return err
		},
	} {
		if err := call(); err == nil {
			t.Errorf("%s: another merchant's call succeeded", name)
		} else {
			wantErr(t, err, 404, "ResourceNotFound")
		}
	}
	if got, err := te.client.GetCharge(te.ctx, cs.ChargeID); err != nil || got.StatusDetails.State != "Captured" {
		t.Fatalf("the merchant's own charge: %+v %v", got, err)
	}
	if n := len(te.em.Snapshot().Refunds); n != 1 {
		t.Fatalf("%d refunds, want the merchant's one", n)
	}
}
