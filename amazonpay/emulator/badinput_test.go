package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

const createBody = `{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://shop.example.jp/review"},"storeId":"` + testStoreID + `"}`

// TestRequestChecks sends hand-made requests: the signature rules,
// headers, paths and bodies, each with Amazon's status and reason code.
func TestRequestChecks(t *testing.T) {
	te := newEnv(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	cs := te.newSession(t, nil)
	getPath := "/v2/checkoutSessions/" + cs.CheckoutSessionID
	cases := []struct {
		name   string
		rq     rawReq
		status int
		code   string
	}{
		{"signed GET", rawReq{method: "GET", path: getPath}, 200, ""},
		{"older algorithm", rawReq{method: "GET", path: getPath, alg: amazonpay.AlgorithmV1}, 200, ""},
		{"Node date format", rawReq{method: "GET", path: getPath, date: time.Now().UTC().Format(amazonpay.NodeTimeFormat)}, 200, ""},
		{"region in capitals", rawReq{method: "GET", path: getPath, region: "JP"}, 200, ""},
		{"trailing slash", rawReq{method: "GET", path: getPath + "/"}, 200, ""},
		{"unsigned extra header ignored", rawReq{method: "GET", path: getPath, unsigned: map[string]string{"X-Extra": "1"}}, 200, ""},
		{"unsigned", rawReq{method: "GET", path: getPath, noAuth: true}, 400, "MissingHeader"},
		{"malformed authorization", rawReq{method: "GET", path: getPath, authOverride: "AMZN-PAY-RSASSA-PSS-V2 nonsense"}, 400, "InvalidHeaderValue"},
		{"unknown algorithm", rawReq{method: "GET", path: getPath, authOverride: "AMZN-PAY-RSASSA-PKCS1 PublicKeyId=" + testKeyID + ", SignedHeaders=x-amz-pay-date, Signature=AAAA"}, 400, "InvalidHeaderValue"},
		{"wrongly signed", rawReq{method: "GET", path: getPath, key: otherKey}, 403, "InvalidRequestSignature"},
		{"signed path changed", rawReq{method: "GET", path: getPath, tamper: func(r *http.Request) { r.URL.Path = "/v2/checkoutSessions/" + cs.CheckoutSessionID + "x" }}, 403, "InvalidRequestSignature"},
		{"signed header changed", rawReq{method: "GET", path: getPath, tamper: func(r *http.Request) { r.Header.Set("Accept", "text/html") }}, 403, "InvalidRequestSignature"},
		{"body changed after signing", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), idem: "rq-body-1", tamper: func(r *http.Request) {
			b := strings.Replace(createBody, "review", "revieW", 1)
			r.Body = readCloser(b)
			r.ContentLength = int64(len(b))
		}}, 403, "InvalidRequestSignature"},
		{"idempotency key not signed", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), unsigned: map[string]string{"x-amz-pay-idempotency-key": "rq-unsigned"}}, 403, "InvalidRequestSignature"},
		{"expired date", rawReq{method: "GET", path: getPath, date: time.Now().Add(-20 * time.Minute).UTC().Format(amazonpay.TimeFormat)}, 400, "InvalidHeaderValue"},
		{"future date", rawReq{method: "GET", path: getPath, date: time.Now().Add(20 * time.Minute).UTC().Format(amazonpay.TimeFormat)}, 400, "InvalidHeaderValue"},
		{"bad date", rawReq{method: "GET", path: getPath, date: "yesterday"}, 400, "InvalidHeaderValue"},
		{"no region", rawReq{method: "GET", path: getPath, noRegion: true}, 400, "MissingHeader"},
		{"wrong region", rawReq{method: "GET", path: getPath, region: "eu"}, 400, "InvalidHeaderValue"},
		{"unknown key", rawReq{method: "GET", path: getPath, keyID: "SANDBOX-UNKNOWN"}, 401, "UnauthorizedAccess"},
		{"legacy key on /v2", rawReq{method: "GET", path: getPath, keyID: legacyKeyID}, 401, "UnauthorizedAccess"},
		{"legacy key on /sandbox/v2, other merchant's object", rawReq{method: "GET", path: "/sandbox/v2/checkoutSessions/" + cs.CheckoutSessionID, keyID: legacyKeyID}, 404, "ResourceNotFound"},
		{"live prefix cannot see sandbox objects", rawReq{method: "GET", path: "/live/v2/checkoutSessions/" + cs.CheckoutSessionID, keyID: legacyKeyID}, 404, "ResourceNotFound"},
		{"unknown ID", rawReq{method: "GET", path: "/v2/charges/S03-0000000-0000000-C000001"}, 404, "ResourceNotFound"},
		{"unknown path", rawReq{method: "GET", path: "/v2/orders/1"}, 404, "ResourceNotFound"},
		{"wrong method", rawReq{method: "PUT", path: "/v2/charges/S03-1-C1", body: []byte(`{}`)}, 405, "UnsupportedOperation"},
		{"missing idempotency key", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody)}, 400, "MissingHeader"},
		{"idempotency key too long", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), idem: strings.Repeat("k", 33)}, 400, "InvalidHeaderValue"},
		{"idempotency key bad characters", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), idem: "key with space"}, 400, "InvalidHeaderValue"},
		{"malformed JSON", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":`), idem: "rq-malformed"}, 400, "InvalidRequestFormat"},
		{"not an object", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`[1]`), idem: "rq-array"}, 400, "InvalidRequestFormat"},
		{"two objects", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody + createBody), idem: "rq-two"}, 400, "InvalidRequestFormat"},
		{"empty body", rawReq{method: "POST", path: "/v2/checkoutSessions", idem: "rq-empty"}, 400, "InvalidRequest"},
		{"unknown field", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"` + testStoreID + `","webCheckoutDetails":{"checkoutReviewReturnUrl":"https://a.jp/"},"color":"red"}`), idem: "rq-unknown"}, 400, "UnrecognizedField"},
		{"unknown nested field", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"` + testStoreID + `","webCheckoutDetails":{"checkoutReviewReturnUrl":"https://a.jp/","x":1}}`), idem: "rq-unknown2"}, 400, "UnrecognizedField"},
		{"wrong type", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":5}`), idem: "rq-type"}, 400, "InvalidParameterValue"},
		{"missing storeId", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://a.jp/"}}`), idem: "rq-nostore"}, 400, "MissingParameterValue"},
		{"other store", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"amzn1.other","webCheckoutDetails":{"checkoutReviewReturnUrl":"https://a.jp/"}}`), idem: "rq-otherstore"}, 400, "InvalidParameterValue"},
		{"missing review URL", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"` + testStoreID + `","webCheckoutDetails":{}}`), idem: "rq-noreview"}, 400, "MissingParameterValue"},
		{"relative review URL", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"` + testStoreID + `","webCheckoutDetails":{"checkoutReviewReturnUrl":"/review"}}`), idem: "rq-relative"}, 400, "InvalidParameterValue"},
		{"unknown scope", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(`{"storeId":"` + testStoreID + `","webCheckoutDetails":{"checkoutReviewReturnUrl":"https://a.jp/"},"scopes":["shoeSize"]}`), idem: "rq-scope"}, 400, "InvalidParameterValue"},
		{"bad simulation code", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), idem: "rq-sim", extra: map[string]string{"x-amz-pay-simulation-code": "Nonsense"}}, 400, "InvalidSandboxSimulationSpecified"},
		{"simulation code honoured unsigned", rawReq{method: "POST", path: "/v2/checkoutSessions", body: []byte(createBody), idem: "rq-sim2", unsigned: map[string]string{"x-amz-pay-simulation-code": "Nonsense"}}, 400, "InvalidSandboxSimulationSpecified"},
		{"DELETE with JSON body, unknown charge", rawReq{method: "DELETE", path: "/v2/charges/S03-0000000-0000000-C000001/cancel", body: []byte(`{"cancellationReason":"x"}`)}, 404, "ResourceNotFound"},
		{"DELETE with unknown field", rawReq{method: "DELETE", path: "/v2/charges/S03-0000000-0000000-C000001/cancel", body: []byte(`{"reason":"x"}`)}, 400, "UnrecognizedField"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code, body := te.raw(t, tc.rq)
			if status != tc.status || code != tc.code {
				t.Fatalf("got %d %q, want %d %q: %s", status, code, tc.status, tc.code, body)
			}
		})
	}
}

// TestAmountChecks sends amounts through our client: wrong currency,
// decimals, zero, negative, too large.
func TestAmountChecks(t *testing.T) {
	te := newEnv(t)
	cs := te.newSession(t, nil)
	for _, tc := range []struct {
		price  amazonpay.Price
		status int
		code   string
	}{
		{amazonpay.Price{Amount: "1000", CurrencyCode: "USD"}, 400, "CurrencyMismatch"},
		{amazonpay.Price{Amount: "1000.5", CurrencyCode: "JPY"}, 400, "InvalidParameterValue"},
		{amazonpay.Price{Amount: "1000.00", CurrencyCode: "JPY"}, 400, "InvalidParameterValue"},
		{amazonpay.Price{Amount: "0", CurrencyCode: "JPY"}, 400, "InvalidParameterValue"},
		{amazonpay.Price{Amount: "-5", CurrencyCode: "JPY"}, 400, "InvalidParameterValue"},
		{amazonpay.Price{Amount: "1e3", CurrencyCode: "JPY"}, 400, "InvalidParameterValue"},
		{amazonpay.Price{Amount: "10000001", CurrencyCode: "JPY"}, 400, "TransactionAmountExceeded"},
		{amazonpay.Price{Amount: "", CurrencyCode: "JPY"}, 400, "MissingParameterValue"},
		{amazonpay.Price{Amount: "100", CurrencyCode: ""}, 400, "MissingParameterValue"},
	} {
		p := tc.price
		_, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{PaymentDetails: &amazonpay.PaymentDetails{ChargeAmount: &p}})
		wantErr(t, err, tc.status, tc.code)
		_, err = te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: "S03-0000000-0000000", ChargeAmount: p}, "")
		wantErr(t, err, tc.status, tc.code)
	}
	if _, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{PaymentDetails: &amazonpay.PaymentDetails{ChargeAmount: amazonpay.PtrJPY(10_000_000), PresentmentCurrency: "USD"}}); err == nil {
		t.Fatal("presentmentCurrency USD accepted")
	} else {
		wantErr(t, err, 400, "CurrencyMismatch")
	}
	if _, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{PaymentDetails: &amazonpay.PaymentDetails{PaymentIntent: "Steal"}}); err == nil {
		t.Fatal("bad intent accepted")
	} else {
		wantErr(t, err, 400, "InvalidParameterValue")
	}
	for _, id := range []string{"S03-0000000-0000000-C000001"} {
		_, err := te.client.CaptureCharge(te.ctx, id, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1)}, "")
		wantErr(t, err, 404, "ResourceNotFound")
		_, err = te.client.CreateRefund(te.ctx, amazonpay.CreateRefundRequest{ChargeID: id, RefundAmount: amazonpay.JPY(1)}, "")
		wantErr(t, err, 404, "ResourceNotFound")
		_, err = te.client.CancelCharge(te.ctx, id, amazonpay.CancelChargeRequest{})
		wantErr(t, err, 404, "ResourceNotFound")
	}
	for _, f := range []func() error{
		func() error { _, err := te.client.GetChargePermission(te.ctx, "S03-1234567-1234567"); return err },
		func() error { _, err := te.client.GetRefund(te.ctx, "S03-1234567-1234567-R000001"); return err },
		func() error { _, err := te.client.GetBuyer(te.ctx, "nosuchtoken"); return err },
		func() error {
			_, err := te.client.CloseChargePermission(te.ctx, "S03-1234567-1234567", amazonpay.CloseChargePermissionRequest{})
			return err
		},
		func() error {
			_, err := te.client.CompleteCheckoutSession(te.ctx, "00000000-0000-4000-8000-000000000000", amazonpay.CompleteCheckoutSessionRequest{ChargeAmount: amazonpay.JPY(1)}, "")
			return err
		},
	} {
		wantErr(t, f(), 404, "ResourceNotFound")
	}
}
