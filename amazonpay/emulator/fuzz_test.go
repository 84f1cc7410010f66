package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

// FuzzAPIRequest sends validly signed requests with fuzzed method, path and
// body through the emulator's request parsing. It must never fail inside
// (5xx), and every error must be Amazon's JSON error with a reason code.
func FuzzAPIRequest(f *testing.F) {
	f.Add("POST", "/v2/checkoutSessions", []byte(createBody))
	f.Add("POST", "/sandbox/v2/charges", []byte(`{"chargePermissionId":"S03-1","chargeAmount":{"amount":"1.5","currencyCode":"JPY"}}`))
	f.Add("PATCH", "/v2/checkoutSessions/x/", []byte(`{"paymentDetails":{"chargeAmount":{"amount":"100","currencyCode":"JPY"},"allowOvercharge":true}}`))
	f.Add("DELETE", "/v2/chargePermissions/S03-1/close", []byte(`{"closureReason":"x","cancelPendingCharges":"yes"}`))
	f.Add("GET", "/v2/buyers/%2F..%2F", []byte(nil))
	mk, sk := keys(f)
	em, err := New(Options{PendingDelay: time.Hour, SNSKey: sk, PublicURL: "http://127.0.0.1:1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { em.Close() })
	pub, _ := amazonpay.MarshalPublicKeyPEM(&mk.PublicKey)
	if err := em.RegisterMerchant(Merchant{MerchantID: testMerchantID, StoreID: testStoreID, PublicKeyID: testKeyID, PublicKeyPEM: string(pub)}); err != nil {
		f.Fatal(err)
	}
	signer := amazonpay.Signer{PublicKeyID: testKeyID, Key: mk}
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1:1"+path, bytes.NewReader(body))
		if err != nil || req.URL.Host != "127.0.0.1:1" {
			return
		}
		h := map[string]string{
			"accept": "application/json", "content-type": "application/json",
			"x-amz-pay-date": time.Now().UTC().Format(amazonpay.TimeFormat), "x-amz-pay-host": "127.0.0.1:1", "x-amz-pay-region": "jp",
			"x-amz-pay-idempotency-key": amazonpay.IdempotencyKey(method, path, string(body)),
		}
		auth, err := signer.SignRequest(method, req.URL.EscapedPath(), req.URL.Query(), h, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
		}
		isAPI := strings.HasPrefix(req.URL.EscapedPath(), "/v2/") || strings.HasPrefix(req.URL.EscapedPath(), "/sandbox/v2/") || strings.HasPrefix(req.URL.EscapedPath(), "/live/v2/")
		if !isAPI {
			return
		}
		if rec.Header().Get("x-amz-pay-request-id") == "" {
			t.Fatal("no request ID")
		}
		if rec.Code >= 400 {
			var e struct{ ReasonCode, Message string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ReasonCode == "" || e.Message == "" {
				t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
			}
		}
	})
}
