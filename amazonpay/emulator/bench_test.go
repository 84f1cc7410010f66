package emulator

import (
	"net/url"
	"strconv"
	"testing"

	"kago/amazonpay"
)

// BenchmarkCheckoutSequence runs a whole checkout over real HTTP per
// iteration: create session, sign in and select on the hosted pages, update,
// the amazonPayRedirectUrl, complete, capture, refund and get refund (10
// HTTP calls). It reports HTTP calls per second.
func BenchmarkCheckoutSequence(b *testing.B) {
	te := newEnv(b)
	br := browser()
	const calls = 10
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		k := "bench-" + strconv.Itoa(i)
		cs, err := te.client.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{
			WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review"},
			StoreID:            testStoreID,
		}, k+"-s")
		if err != nil {
			b.Fatal(err)
		}
		id := cs.CheckoutSessionID
		for _, step := range []struct {
			path string
			form url.Values
		}{
			{"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerTaro}}},
			{"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"0"}, "payment": {"0"}}},
		} {
			resp, err := br.PostForm(te.srv.URL+step.path, step.form)
			if err != nil || resp.StatusCode != 303 {
				b.Fatal(resp.StatusCode, err)
			}
			resp.Body.Close()
		}
		up, err := te.client.UpdateCheckoutSession(te.ctx, id, amazonpay.UpdateCheckoutSessionRequest{
			WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: "https://shop.example.jp/result"},
			PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: "Authorize", ChargeAmount: amazonpay.PtrJPY(1080)},
		})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := br.Get(up.WebCheckoutDetails.AmazonPayRedirectURL)
		if err != nil || resp.StatusCode != 303 {
			b.Fatal(err)
		}
		resp.Body.Close()
		done, err := te.client.CompleteCheckoutSession(te.ctx, id, amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1080)}, k+"-c")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := te.client.CaptureCharge(te.ctx, done.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1080)}, k+"-p"); err != nil {
			b.Fatal(err)
		}
		r, err := te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: done.ChargeID, RefundAmount: amazonpay.JPY(80)}, k+"-r")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := te.client.GetRefund(te.ctx, r.RefundID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*calls)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
}
