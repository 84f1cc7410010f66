package amazonpay

import "testing"

// BenchmarkSignVerify signs a request (PSS, salt 32) and verifies it as a
// server would: parse the header, rebuild the canonical request, verify.
func BenchmarkSignVerify(b *testing.B) {
	key := testKey(b)
	s := Signer{PublicKeyID: "SANDBOX-B", Key: key}
	body := []byte(`{"chargePermissionId":"S03-1234567-1234567","chargeAmount":{"amount":"1080","currencyCode":"JPY"},"captureNow":true}`)
	headers := map[string]string{"accept": "application/json", "content-type": "application/json", "x-amz-pay-date": "20240102T030405Z", "x-amz-pay-host": "pay-api.amazon.jp", "x-amz-pay-region": "jp", "x-amz-pay-idempotency-key": "order-1-charge-1"}
	b.ReportAllocs()
	for b.Loop() {
		auth, err := s.SignRequest("POST", "/v2/charges", nil, headers, body)
		if err != nil {
			b.Fatal(err)
		}
		a, err := ParseAuthorization(auth)
		if err != nil {
			b.Fatal(err)
		}
		hs := make([]Header, len(a.SignedHeaders))
		for i, n := range a.SignedHeaders {
			hs[i] = Header{n, headers[n]}
		}
		if err := VerifyString(&key.PublicKey, a.Algorithm, StringToSign(a.Algorithm, CanonicalRequest("POST", "/v2/charges", "", hs, body)), a.Signature); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signverify/s")
}
