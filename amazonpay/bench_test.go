package amazonpay

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

var (
	benchBody    = []byte(`{"chargePermissionId":"S03-1234567-1234567","chargeAmount":{"amount":"1080","currencyCode":"JPY"},"captureNow":true}`)
	benchHeaders = map[string]string{"accept": "application/json", "content-type": "application/json", "x-amz-pay-date": "20240102T030405Z",
		"x-amz-pay-host": "pay-api.amazon.jp", "x-amz-pay-region": "jp", "x-amz-pay-idempotency-key": "order-1-charge-1"}
)

// BenchmarkSignRequest signs one API request (RSASSA-PSS, salt 32): what
// the shop pays per call to Amazon Pay.
func BenchmarkSignRequest(b *testing.B) {
	s := Signer{PublicKeyID: "SANDBOX-B", Key: testKey(b)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignRequest("POST", "/v2/charges", nil, benchHeaders, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRequest verifies a signed request as a server does
// (the emulator per call): parse the header, rebuild the canonical
// request, verify.
func BenchmarkVerifyRequest(b *testing.B) {
	key := testKey(b)
	auth, err := Signer{PublicKeyID: "SANDBOX-B", Key: key}.SignRequest("POST", "/v2/charges", nil, benchHeaders, benchBody)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := ParseAuthorization(auth)
		if err != nil {
			b.Fatal(err)
		}
		hs := make([]Header, len(a.SignedHeaders))
		for i, n := range a.SignedHeaders {
			hs[i] = Header{n, benchHeaders[n]}
		}
		if err := VerifyString(&key.PublicKey, a.Algorithm, StringToSign(a.Algorithm, CanonicalRequest("POST", "/v2/charges", "", hs, benchBody)), a.Signature); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignButton marshals and signs a checkout button payload, what
// the shop does once per checkout and settings version.
func BenchmarkSignButton(b *testing.B) {
	c, err := New(Config{PublicKeyID: "SANDBOX-B", PrivateKey: testKey(b)})
	if err != nil {
		b.Fatal(err)
	}
	payload := CreateCheckoutSessionRequest{
		WebCheckoutDetails: WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/checkout/amazonpay/review?k=0123456789abcdef",
			CheckoutCancelURL: "https://shop.example.jp/checkout"},
		StoreID: "amzn1.application-oa2-client.0123456789abcdef", Scopes: []string{"name", "email", "phoneNumber", "billingAddress"},
		MerchantMetadata: &MerchantMetadata{MerchantStoreName: "かご屋 デモショップ"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SignCheckoutButton(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePrivateKey reads a PKCS#8 PEM key, which the shop now does
// once per settings version instead of twice per page with the button.
func BenchmarkParsePrivateKey(b *testing.B) {
	der, err := x509.MarshalPKCS8PrivateKey(testKey(b))
	if err != nil {
		b.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePrivateKey(pemBytes); err != nil {
			b.Fatal(err)
		}
	}
}
