package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"kago/amazonpay/emulator"
	"kago/model"
	"kago/shop"
)

// Benchmarks of the Amazon Pay operations (figures for the notes):
//
//	go test ./handlers -run '^$' -bench 'AmazonPay|OrderPage20' -benchtime 200x

// BenchmarkAmazonPayRefund measures one operation through the emulator over
// HTTP: the claim, Create Refund, the read-back of the permission and the
// charge, the recorder's transaction and the timeline's rows. The refunds
// go round ten captured orders, so an order's ledger grows as a busy
// order's would (b.N/10 refunds each). ops/s is operations per second.
func BenchmarkAmazonPayRefund(b *testing.B) {
	k := newKit(b)
	type target struct {
		id     int64
		charge string
	}
	var pool []target
	for range 10 {
		id := paidOrder(b, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
		pool = append(pool, target{id, chargeID(b, k, id, 1)})
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		t := pool[i%len(pool)]
		i++
		l, err := k.db.Ledger(ctx, t.id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.shop.AmazonPay.Run(ctx, shop.OperationInput{OrderID: t.id, Op: model.OpRefund, ChargeID: t.charge, Amount: "1",
			Version: strconv.FormatInt(l.Permission.Version, 10), Actor: shop.AdminActor("bench")}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkAmazonPayFetch measures 最新の状態に更新 on a captured order:
// the permission and the charge read from the emulator and recorded.
func BenchmarkAmazonPayFetch(b *testing.B) {
	k := newKit(b)
	id := paidOrder(b, k, shop.SaleAuthorizeWithCapture, emulator.BuyerTaro)
	ctx := context.Background()
	for b.Loop() {
		if _, err := k.shop.AmazonPay.Run(ctx, shop.OperationInput{OrderID: id, Op: model.OpFetch, Actor: shop.AdminActor("bench")}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkAdminOrderPage20Operations measures drawing 受注明細 of an Amazon
// Pay order with 20 operations (a capture, refunds and refreshes) and
// their calls in the timeline.
func BenchmarkAdminOrderPage20Operations(b *testing.B) {
	k := newKit(b)
	id := paidOrder(b, k, shop.SaleAuthorize, emulator.BuyerTaro)
	ch := chargeID(b, k, id, 1)
	mustOK(b, k, id, payOp(b, k, id, model.OpCapture, url.Values{"charge": {ch}}))
	for len(ledger(b, k, id).Operations) < 20 {
		mustOK(b, k, id, payOp(b, k, id, model.OpRefund, url.Values{"charge": {ch}, "full": {"0"}, "amount": {"10"}}))
	}
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+orderPath(id), nil)
	for b.Loop() {
		res, err := k.client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", err, res)
		}
		res.Body.Close()
	}
}
