package emulator

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
)

// obsRecorder keeps the observer's attempts.
type obsRecorder struct {
	mu  sync.Mutex
	obs []amazonpay.Observation
}

func (o *obsRecorder) add(ob amazonpay.Observation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.obs = append(o.obs, ob)
}

func (o *obsRecorder) last() amazonpay.Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.obs[len(o.obs)-1]
}

func (o *obsRecorder) all() []amazonpay.Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]amazonpay.Observation(nil), o.obs...)
}

func withObserver(o *obsRecorder) envOption {
	return func(_ *Options, c *amazonpay.Config) { c.Observer = o.add }
}

// complete runs the journey and completes the session.
func (te *testEnv) complete(t *testing.T, buyerID string, payment int, intent string, yen int64, canPend bool) *amazonpay.CheckoutSession {
	t.Helper()
	id := te.checkout(t, buyerID, payment, intent, yen, canPend)
	cs, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(yen)}, "complete-"+id[:8])
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func (te *testEnv) charge(t *testing.T, id string) *amazonpay.Charge {
	t.Helper()
	c, err := te.client.GetCharge(te.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (te *testEnv) perm(t *testing.T, id string) *amazonpay.ChargePermission {
	t.Helper()
	p, err := te.client.GetChargePermission(te.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCharge(t *testing.T, c *amazonpay.Charge, state, reason string) {
	t.Helper()
	if c.StatusDetails.State != state || c.StatusDetails.ReasonCode != reason {
		t.Fatalf("charge %s is %s/%s, want %s/%s", c.ChargeID, c.StatusDetails.State, c.StatusDetails.ReasonCode, state, reason)
	}
}

func wantPerm(t *testing.T, p *amazonpay.ChargePermission, state, reason string) {
	t.Helper()
	got := ""
	if len(p.StatusDetails.Reasons) > 0 {
		got = p.StatusDetails.Reasons[0].ReasonCode
	}
	if p.StatusDetails.State != state || got != reason {
		t.Fatalf("charge permission %s is %s/%s, want %s/%s", p.ChargePermissionID, p.StatusDetails.State, got, state, reason)
	}
}

// TestTransitions walks every state transition of sections 3-4 through
// real HTTP with our client.
func TestTransitions(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name string
		run  func(t *testing.T, te *testEnv, o *obsRecorder)
		opts []envOption
	}{
		{"Authorize: Authorized, capture, fully captured closes", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 5000, false)
			if o.last().HTTPStatus != 200 || cs.StatusDetails.State != "Completed" {
				t.Fatalf("complete: %d %+v", o.last().HTTPStatus, cs.StatusDetails)
			}
			wantCharge(t, te.charge(t, cs.ChargeID), "Authorized", "")
			p := te.perm(t, cs.ChargePermissionID)
			wantPerm(t, p, "Chargeable", "")
			if p.Limits.AmountBalance.Amount != "5000" || p.Limits.AmountLimit.Amount != "5000" {
				t.Fatalf("limits %+v", p.Limits)
			}
			c, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(5000)}, "cap-1")
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c, "Captured", "")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "Closed", "MerchantClosed")
			_, err = te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(5000)}, "cap-2")
			wantErr(t, err, 422, "InvalidChargeStatus")
			_, err = te.client.CancelCharge(te.ctx, cs.ChargeID, amazonpay.CancelChargeRequest{})
			wantErr(t, err, 422, "InvalidChargeStatus")
			_, err = te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(1)}, "")
			wantErr(t, err, 422, "InvalidChargePermissionStatus")
			_, err = te.client.UpdateChargePermission(te.ctx, cs.ChargePermissionID, amazonpay.UpdateChargePermissionRequest{MerchantMetadata: &amazonpay.MerchantMetadata{NoteToBuyer: "x"}})
			wantErr(t, err, 422, "InvalidChargePermissionStatus")
		}, nil},
		{"AuthorizeWithCapture: Captured at once", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 1, "AuthorizeWithCapture", 1080, false)
			c := te.charge(t, cs.ChargeID)
			wantCharge(t, c, "Captured", "")
			if c.CaptureAmount == nil || c.CaptureAmount.Amount != "1080" {
				t.Fatalf("%+v", c)
			}
		}, nil},
		{"Confirm: no charge; create charge, partial capture, cancel", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 10000, false)
			if cs.ChargeID != "" {
				t.Fatalf("Confirm made a charge %s", cs.ChargeID)
			}
			c1, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(6000)}, "c1")
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c1, "Authorized", "")
			if o.last().HTTPStatus != 201 {
				t.Fatalf("create charge status %d", o.last().HTTPStatus)
			}
			_, err = te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(10001)}, "c2")
			wantErr(t, err, 400, "TransactionAmountExceeded")
			_, err = te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(6001)}, "cap-over")
			wantErr(t, err, 400, "TransactionAmountExceeded")
			c1, err = te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(5000)}, "cap-part")
			if err != nil {
				t.Fatal(err)
			}
			if c1.CaptureAmount.Amount != "5000" {
				t.Fatalf("%+v", c1)
			}
			p := te.perm(t, cs.ChargePermissionID)
			if p.Limits.AmountBalance.Amount != "5000" {
				t.Fatalf("balance %+v", p.Limits)
			}
			c2, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(3000), CaptureNow: true}, "c3")
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c2, "Captured", "")
			c3, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(1000)}, "c4")
			if err != nil {
				t.Fatal(err)
			}
			c3, err = te.client.CancelCharge(te.ctx, c3.ChargeID, amazonpay.CancelChargeRequest{CancellationReason: "キャンセル"})
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c3, "Canceled", "MerchantCanceled")
			_, err = te.client.CancelCharge(te.ctx, c3.ChargeID, amazonpay.CancelChargeRequest{})
			wantErr(t, err, 422, "InvalidChargeStatus")
			if !strings.HasSuffix(c3.ChargeID, "-C000003") || !strings.HasPrefix(c3.ChargeID, cs.ChargePermissionID) {
				t.Fatalf("charge ID %s", c3.ChargeID)
			}
		}, nil},
		{"session rules: update, complete before redirect, mismatch, twice", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.newSession(t, nil)
			if len(cs.Constraints) != 4 || cs.WebCheckoutDetails.AmazonPayRedirectURL != "" {
				t.Fatalf("constraints %+v", cs.Constraints)
			}
			_, err := te.client.CompleteCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(100)}, "")
			wantErr(t, err, 422, "InvalidCheckoutSessionStatus")
			id := te.checkout(t, BuyerTaro, 0, "Authorize", 2000, false)
			_, err = te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{PaymentDetails: &amazonpay.PaymentDetails{ChargeAmount: amazonpay.PtrJPY(1)}})
			wantErr(t, err, 422, "InvalidCheckoutSessionStatus")
			_, err = te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2001)}, "")
			wantErr(t, err, 409, "AmountMismatch")
			_, err = te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.Price{Amount: "2000", CurrencyCode: "EUR"}}, "")
			wantErr(t, err, 400, "CurrencyMismatch")
			if _, err = te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2000)}, "done-1"); err != nil {
				t.Fatal(err)
			}
			_, err = te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(2000)}, "done-2")
			wantErr(t, err, 422, "InvalidCheckoutSessionStatus")
			_, err = te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{MerchantMetadata: &amazonpay.MerchantMetadata{NoteToBuyer: "x"}})
			wantErr(t, err, 422, "InvalidCheckoutSessionStatus")
		}, nil},
		{"hard decline: session Canceled Declined", func(t *testing.T, te *testEnv, o *obsRecorder) {
			id := te.checkout(t, BuyerHardDecline, 0, "Authorize", 3000, true)
			got, _ := te.client.GetCheckoutSession(te.ctx, id)
			if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != "Declined" {
				t.Fatalf("%+v", got.StatusDetails)
			}
			_, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(3000)}, "")
			wantErr(t, err, 422, "CheckoutSessionCanceled")
		}, nil},
		{"buyer cancels: Canceled BuyerCanceled", func(t *testing.T, te *testEnv, o *obsRecorder) {
			id := te.checkout(t, BuyerCancels, 0, "Authorize", 3000, false)
			got, _ := te.client.GetCheckoutSession(te.ctx, id)
			if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != "BuyerCanceled" {
				t.Fatalf("%+v", got.StatusDetails)
			}
			_, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(3000)}, "")
			wantErr(t, err, 422, "CheckoutSessionCanceled")
		}, nil},
		{"pending then Authorized (202, ChargeInProgress)", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerPendingOK, 0, "Authorize", 3000, true)
			if o.last().HTTPStatus != 202 {
				t.Fatalf("complete answered %d, want 202", o.last().HTTPStatus)
			}
			wantCharge(t, te.charge(t, cs.ChargeID), "AuthorizationInitiated", "")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "NonChargeable", "ChargeInProgress")
			_, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(3000)}, "")
			wantErr(t, err, 422, "InvalidChargeStatus")
			te.em.Advance(time.Hour)
			wantCharge(t, te.charge(t, cs.ChargeID), "Authorized", "")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "Chargeable", "")
		}, nil},
		{"pending then Declined HardDeclined", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerPendingNG, 0, "AuthorizeWithCapture", 3000, true)
			wantCharge(t, te.charge(t, cs.ChargeID), "AuthorizationInitiated", "")
			te.em.Advance(time.Hour)
			wantCharge(t, te.charge(t, cs.ChargeID), "Declined", "HardDeclined")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "NonChargeable", "PaymentMethodInvalid")
			_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(1)}, "")
			wantErr(t, err, 422, "InvalidChargePermissionStatus")
		}, nil},
		{"pending resolves by itself after the pending delay", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerPendingOK, 0, "Authorize", 3000, true)
			// Each change is notified: look again after each notification,
			// for at most 30 s.
			deadline := time.After(30 * time.Second)
			for te.charge(t, cs.ChargeID).StatusDetails.State == "AuthorizationInitiated" {
				select {
				case <-te.ipn.ch:
				case <-deadline:
					t.Fatal("the pending authorization did not settle within 30 s")
				}
			}
			wantCharge(t, te.charge(t, cs.ChargeID), "Authorized", "")
		}, []envOption{withPendingDelay(5 * time.Millisecond)}},
		{"soft decline: buyer picks another card", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.newSession(t, nil)
			te.buyerReturns(t, cs.CheckoutSessionID, BuyerSoftDecline, 0, 0)
			up, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
				WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
				PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(700)},
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := te.get(t, up.WebCheckoutDetails.AmazonPayRedirectURL, 303)
			loc := resp.Header.Get("Location")
			if !strings.Contains(loc, "/checkout/select?") || !strings.Contains(loc, "declined=1") {
				t.Fatalf("soft decline sent the buyer to %s", loc)
			}
			_, body := te.get(t, loc, 200)
			if !strings.Contains(body, "お支払い方法が承認されませんでした") || !strings.Contains(body, "Visa ****4444") {
				t.Fatalf("decline page: %s", body)
			}
			resp = te.post(t, "/checkout/select", url.Values{"amazonCheckoutSessionId": {cs.CheckoutSessionID}, "payment": {"1"}, "next": {"process"}}, 303)
			resp, _ = te.get(t, resp.Header.Get("Location"), 303)
			if !strings.HasPrefix(resp.Header.Get("Location"), te.shop.URL+"/result?") {
				t.Fatalf("went to %s", resp.Header.Get("Location"))
			}
			done, err := te.client.CompleteCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(700)}, "")
			if err != nil {
				t.Fatal(err)
			}
			if done.PaymentPreferences[0].PaymentDescriptor != "Visa ****4444" {
				t.Fatalf("%+v", done.PaymentPreferences)
			}
			// The charge permission names the card actually used, too.
			if p := te.perm(t, done.ChargePermissionID); len(p.PaymentPreferences) != 1 || p.PaymentPreferences[0].PaymentDescriptor != "Visa ****4444" {
				t.Fatalf("permission: %+v", p.PaymentPreferences)
			}
		}, nil},
		{"overcharge allowed for a card, not for a gift card", func(t *testing.T, te *testEnv, o *obsRecorder) {
			for _, tc := range []struct {
				buyer string
				limit string
			}{{BuyerTaro, "70000"}, {BuyerGiftCard, "1000"}} {
				cs := te.newSession(t, &amazonpay.PaymentDetails{AllowOvercharge: true})
				te.buyerReturns(t, cs.CheckoutSessionID, tc.buyer, 0, 0)
				up, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
					WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
					PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Confirm", ChargeAmount: amazonpay.PtrJPY(1000)},
				})
				if err != nil {
					t.Fatal(err)
				}
				if !up.PaymentDetails.AllowOvercharge {
					t.Fatal("update lost allowOvercharge")
				}
				te.get(t, up.WebCheckoutDetails.AmazonPayRedirectURL, 303)
				done, err := te.client.CompleteCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1000)}, "")
				if err != nil {
					t.Fatal(err)
				}
				p := te.perm(t, done.ChargePermissionID)
				if p.Limits.AmountLimit.Amount != tc.limit {
					t.Fatalf("%s: limit %s, want %s", tc.buyer, p.Limits.AmountLimit.Amount, tc.limit)
				}
				_, err = te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: p.ChargePermissionID, ChargeAmount: amazonpay.JPY(1500)}, "")
				if tc.buyer == BuyerGiftCard {
					wantErr(t, err, 400, "TransactionAmountExceeded")
					if done.PaymentPreferences[0].PaymentDescriptor != DescriptorGiftCard {
						t.Fatalf("%+v", done.PaymentPreferences)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			}
		}, nil},
		{"authorization expires after 30 days: Canceled ExpiredUnused", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 3000, false)
			te.em.Advance(29 * day)
			wantCharge(t, te.charge(t, cs.ChargeID), "Authorized", "")
			te.em.Advance(day + time.Minute)
			wantCharge(t, te.charge(t, cs.ChargeID), "Canceled", "ExpiredUnused")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "Chargeable", "")
		}, nil},
		{"capture after 7 days is asynchronous", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 3000, false)
			te.em.Advance(8 * day)
			c, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(3000)}, "late")
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c, "CaptureInitiated", "")
			te.em.Advance(time.Hour)
			wantCharge(t, te.charge(t, cs.ChargeID), "Captured", "")
		}, nil},
		{"charge permission expires after 180 days", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 3000, false)
			te.em.Advance(180*day + time.Minute)
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "Closed", "Expired")
		}, nil},
		{"checkout session expires after 24 hours", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.newSession(t, nil)
			te.em.Advance(day + time.Minute)
			got, err := te.client.GetCheckoutSession(te.ctx, cs.CheckoutSessionID)
			if err != nil {
				t.Fatal(err)
			}
			if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != "Expired" {
				t.Fatalf("%+v", got.StatusDetails)
			}
			_, body := te.get(t, te.em.PublicURL()+"/signin?amazonCheckoutSessionId="+cs.CheckoutSessionID, 404)
			if !strings.Contains(body, "終了しています") {
				t.Fatal(body)
			}
		}, nil},
		{"refunds: asynchronous, at most captured plus min(15%, 8400)", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 100000, false)
			_, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(1)}, "r0")
			wantErr(t, err, 422, "InvalidChargeStatus")
			if _, err := te.client.CaptureCharge(te.ctx, cs.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(100000)}, "cap"); err != nil {
				t.Fatal(err)
			}
			_, err = te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(108401)}, "r1")
			wantErr(t, err, 400, "TransactionAmountExceeded")
			r, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(100000)}, "r2")
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusDetails.State != "RefundInitiated" || !strings.HasSuffix(r.RefundID, "-R000001") {
				t.Fatalf("%+v", r)
			}
			r2, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(8400)}, "r3")
			if err != nil {
				t.Fatal(err)
			}
			_, err = te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: cs.ChargeID, RefundAmount: amazonpay.JPY(1)}, "r4")
			wantErr(t, err, 400, "TransactionAmountExceeded")
			te.em.Advance(time.Hour)
			for _, id := range []string{r.RefundID, r2.RefundID} {
				got, err := te.client.GetRefund(te.ctx, id)
				if err != nil || got.StatusDetails.State != "Refunded" {
					t.Fatalf("%+v %v", got, err)
				}
			}
			if c := te.charge(t, cs.ChargeID); c.RefundedAmount == nil || c.RefundedAmount.Amount != "108400" {
				t.Fatalf("%+v", c.RefundedAmount)
			}
		}, nil},
		{"close with cancelPendingCharges", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Authorize", 3000, false)
			p, err := te.client.CloseChargePermission(te.ctx, cs.ChargePermissionID, amazonpay.CloseChargePermissionRequest{ClosureReason: "返品", CancelPendingCharges: true})
			if err != nil {
				t.Fatal(err)
			}
			wantPerm(t, p, "Closed", "MerchantClosed")
			wantCharge(t, te.charge(t, cs.ChargeID), "Canceled", "ChargePermissionCanceled")
			_, err = te.client.CloseChargePermission(te.ctx, cs.ChargePermissionID, amazonpay.CloseChargePermissionRequest{})
			wantErr(t, err, 422, "InvalidChargePermissionStatus")
		}, nil},
		{"update charge permission metadata", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 3000, false)
			p, err := te.client.UpdateChargePermission(te.ctx, cs.ChargePermissionID, amazonpay.UpdateChargePermissionRequest{MerchantMetadata: &amazonpay.MerchantMetadata{MerchantReferenceID: "ORDER-9"}})
			if err != nil {
				t.Fatal(err)
			}
			if p.MerchantMetadata.MerchantReferenceID != "ORDER-9" || p.MerchantMetadata.MerchantStoreName != "テストショップ" {
				t.Fatalf("%+v", p.MerchantMetadata)
			}
		}, nil},
		{"25 charges at most", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 1000, false)
			for i := range 25 {
				c, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(10)}, "")
				if err != nil {
					t.Fatal(i, err)
				}
				if _, err := te.client.CancelCharge(te.ctx, c.ChargeID, amazonpay.CancelChargeRequest{}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(10)}, "")
			wantErr(t, err, 422, "TransactionCountExceeded")
		}, nil},
		{"simulation codes of Create Charge", func(t *testing.T, te *testEnv, o *obsRecorder) {
			for _, tc := range []struct{ code, state, reason string }{
				{"SoftDeclined", "Chargeable", ""},
				{"TransactionTimedOut", "Chargeable", ""},
				{"HardDeclined", "NonChargeable", "PaymentMethodInvalid"},
				{"AmazonRejected", "NonChargeable", "PaymentMethodNotAllowed"},
			} {
				cs := te.complete(t, BuyerTaro, 0, "Confirm", 5000, false)
				_, err := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(100)}, "", amazonpay.WithSimulationCode(tc.code))
				wantErr(t, err, 422, tc.code)
				wantCharge(t, te.charge(t, cs.ChargePermissionID+"-C000001"), "Declined", tc.code)
				wantPerm(t, te.perm(t, cs.ChargePermissionID), tc.state, tc.reason)
			}
		}, nil},
		{"simulation codes of Capture and Close", func(t *testing.T, te *testEnv, o *obsRecorder) {
			cs := te.complete(t, BuyerTaro, 0, "Confirm", 5000, false)
			c1, _ := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(100)}, "")
			c2, _ := te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(100)}, "")
			c, err := te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(100)}, "", amazonpay.WithSimulationCode("CaptureInitiated"))
			if err != nil {
				t.Fatal(err)
			}
			wantCharge(t, c, "CaptureInitiated", "")
			_, err = te.client.CaptureCharge(te.ctx, c2.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(100)}, "", amazonpay.WithSimulationCode("AmazonRejected"))
			wantErr(t, err, 422, "AmazonRejected")
			wantCharge(t, te.charge(t, c2.ChargeID), "Declined", "AmazonRejected")
			wantPerm(t, te.perm(t, cs.ChargePermissionID), "NonChargeable", "PaymentMethodNotAllowed")
			p, err := te.client.CloseChargePermission(te.ctx, cs.ChargePermissionID, amazonpay.CloseChargePermissionRequest{}, amazonpay.WithSimulationCode("AmazonClosed"))
			if err != nil {
				t.Fatal(err)
			}
			wantPerm(t, p, "Closed", "AmazonClosed")
			_, err = te.client.GetCharge(te.ctx, c1.ChargeID, amazonpay.WithSimulationCode("HardDeclined"))
			wantErr(t, err, 400, "InvalidSandboxSimulationSpecified")
		}, nil},
		{"simulation codes of Complete", func(t *testing.T, te *testEnv, o *obsRecorder) {
			for _, code := range []string{"BuyerCanceled", "AmazonCanceled", "Declined"} {
				id := te.checkout(t, BuyerTaro, 0, "Authorize", 1000, false)
				_, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1000)}, "", amazonpay.WithSimulationCode(code))
				wantErr(t, err, 422, "CheckoutSessionCanceled")
				got, _ := te.client.GetCheckoutSession(te.ctx, id)
				if got.StatusDetails.State != "Canceled" || got.StatusDetails.ReasonCode != code {
					t.Fatalf("%+v", got.StatusDetails)
				}
			}
			id := te.checkout(t, BuyerTaro, 0, "Authorize", 1000, true)
			cs, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1000)}, "", amazonpay.WithSimulationCode("AuthorizationInitiated"))
			if err != nil {
				t.Fatal(err)
			}
			if o.last().HTTPStatus != 202 {
				t.Fatalf("status %d", o.last().HTTPStatus)
			}
			wantCharge(t, te.charge(t, cs.ChargeID), "AuthorizationInitiated", "")
		}, nil},
		{"live environment ignores simulation codes", func(t *testing.T, te *testEnv, o *obsRecorder) {
			mk, _ := keys(t)
			pub, _ := amazonpay.MarshalPublicKeyPEM(&mk.PublicKey)
			if err := te.em.RegisterMerchant(Merchant{MerchantID: "A1LIVE", StoreID: testStoreID, PublicKeyID: "LIVE-AKEY", PublicKeyPEM: string(pub)}); err != nil {
				t.Fatal(err)
			}
			live, err := amazonpay.New(amazonpay.Config{PublicKeyID: "LIVE-AKEY", PrivateKey: mk, BaseURL: te.srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := live.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://a.jp/r"}, StoreID: testStoreID}, "", amazonpay.WithSimulationCode("Nonsense"))
			if err != nil {
				t.Fatal(err)
			}
			if cs.ReleaseEnvironment != "Live" || live.Sandbox() {
				t.Fatalf("%+v", cs)
			}
			_, err = te.client.GetCheckoutSession(te.ctx, cs.CheckoutSessionID)
			wantErr(t, err, 404, "ResourceNotFound")
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := &obsRecorder{}
			te := newEnv(t, append(tc.opts, withObserver(o))...)
			tc.run(t, te, o)
		})
	}
}
