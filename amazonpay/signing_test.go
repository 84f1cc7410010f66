package amazonpay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
)

var (
	testKeyOnce sync.Once
	testKeyVal  *rsa.PrivateKey
)

// testKey returns one 2048-bit key for the whole test binary.
func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(testRand(), 2048)
		if err != nil {
			panic(err)
		}
		testKeyVal = k
	})
	return testKeyVal
}

func TestGoldenButtonPayloadHash(t *testing.T) {
	payload := `{"storeId":"amzn1.application-oa2-client.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","webCheckoutDetails":{"checkoutReviewReturnUrl":"https://localhost/test/CheckoutReview.php","checkoutResultReturnUrl":"https://localhost/test/CheckoutResult.php"}}`
	if got, want := HashHex([]byte(payload)), "8dec52d799607be40f82d5c8e7ecb6c171e6591c41b1111a576b16076c89381c"; got != want {
		t.Fatalf("hash = %s, want %s", got, want)
	}
}

func TestGoldenCanonicalRequestPost(t *testing.T) {
	body := `{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://shop.example.jp/review"},"storeId":"amzn1.application-oa2-client.0000"}`
	if got, want := HashHex([]byte(body)), "4e725d7b284df4d1af8ea6f9b4952c0b9140b2e74ff0949b42591b3c286a71f5"; got != want {
		t.Fatalf("body hash = %s, want %s", got, want)
	}
	hs := []Header{
		{"accept", "application/json"},
		{"content-type", "application/json"},
		{"x-amz-pay-date", "20240102T030405Z"},
		{"x-amz-pay-host", "pay-api.amazon.jp"},
		{"x-amz-pay-idempotency-key", "abc123"},
		{"x-amz-pay-region", "jp"},
	}
	cr := CanonicalRequest("POST", "/sandbox/v2/checkoutSessions", "", hs, []byte(body))
	if got, want := HashHex([]byte(cr)), "34601dab29e1142bbdae1faa10b061d768508af7e84715c235bf942e99298f4b"; got != want {
		t.Fatalf("canonical request hash = %s, want %s\n%s", got, want, cr)
	}
}

func TestGoldenCanonicalRequestGet(t *testing.T) {
	hs := []Header{
		{"accept", "application/json"},
		{"content-type", "application/json"},
		{"x-amz-pay-date", "20240102T030405Z"},
		{"x-amz-pay-host", "pay-api.amazon.jp"},
		{"x-amz-pay-region", "jp"},
	}
	cr := CanonicalRequest("GET", "/sandbox/v2/charges/S03-4260904-6894064-C010879", "", hs, nil)
	if got, want := HashHex([]byte(cr)), "704ba90b9cbd7f74a839b0427a3fb1ffd1c60c9ed9018198c39069b04bb0754f"; got != want {
		t.Fatalf("canonical request hash = %s, want %s\n%s", got, want, cr)
	}
}

// The Signer sorts headers; with the golden headers in any order it must
// produce the golden canonical request, and its signature must verify.
func TestSignerMatchesGoldenAndVerifies(t *testing.T) {
	key := testKey(t)
	headers := map[string]string{
		"x-amz-pay-region": "jp", "accept": "application/json", "x-amz-pay-host": "pay-api.amazon.jp",
		"content-type": "application/json", "x-amz-pay-date": "20240102T030405Z",
	}
	for _, alg := range []Algorithm{AlgorithmV2, AlgorithmV1} {
		s := Signer{PublicKeyID: "AHXXX", Key: key, Algorithm: alg}
		auth, err := s.SignRequest("GET", "/sandbox/v2/charges/S03-4260904-6894064-C010879", nil, headers, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseAuthorization(auth)
		if err != nil {
			t.Fatal(err)
		}
		if a.Algorithm != alg || a.PublicKeyID != "AHXXX" || strings.Join(a.SignedHeaders, ";") != "accept;content-type;x-amz-pay-date;x-amz-pay-host;x-amz-pay-region" {
			t.Fatalf("authorization = %+v", a)
		}
		hs := make([]Header, len(a.SignedHeaders))
		for i, n := range a.SignedHeaders {
			hs[i] = Header{n, headers[n]}
		}
		cr := CanonicalRequest("GET", "/sandbox/v2/charges/S03-4260904-6894064-C010879", "", hs, nil)
		if HashHex([]byte(cr)) != "704ba90b9cbd7f74a839b0427a3fb1ffd1c60c9ed9018198c39069b04bb0754f" {
			t.Fatal("signer canonical request differs from golden")
		}
		if err := VerifyString(&key.PublicKey, alg, StringToSign(alg, cr), a.Signature); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		// The other salt length must not verify: verifiers follow the name.
		other := AlgorithmV1
		if alg == AlgorithmV1 {
			other = AlgorithmV2
		}
		if err := VerifyString(&key.PublicKey, other, StringToSign(alg, cr), a.Signature); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("%s signature verified with %s's salt", alg, other)
		}
		// A changed canonical request must not verify.
		if err := VerifyString(&key.PublicKey, alg, StringToSign(alg, cr+"x"), a.Signature); !errors.Is(err, ErrBadSignature) {
			t.Fatal("tampered request verified")
		}
	}
}

func TestParseKeysPKCS8AndPKCS1(t *testing.T) {
	key := testKey(t)
	p1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	der8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der8})
	for name, p := range map[string][]byte{"pkcs1": p1, "pkcs8": p8} {
		k, err := ParsePrivateKey(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !k.Equal(key) {
			t.Fatalf("%s: different key", name)
		}
	}
	pubPEM, err := MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("public key round trip: %v", err)
	}
	pub1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	if pub, err := ParsePublicKey(pub1); err != nil || !pub.Equal(&key.PublicKey) {
		t.Fatalf("PKCS#1 public key: %v", err)
	}
	for _, bad := range []string{"", "not pem", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"} {
		if _, err := ParsePrivateKey([]byte(bad)); err == nil {
			t.Fatalf("ParsePrivateKey(%q) succeeded", bad)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	good := "AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=SANDBOX-AB, SignedHeaders=accept;content-type;x-amz-pay-date, Signature=ab+/cd=="
	a, err := ParseAuthorization(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.Signature != "ab+/cd==" || a.PublicKeyID != "SANDBOX-AB" || len(a.SignedHeaders) != 3 {
		t.Fatalf("%+v", a)
	}
	if a.String() != good {
		t.Fatalf("String() = %q", a.String())
	}
	for _, bad := range []string{
		"", "AMZN-PAY-RSASSA-PSS-V2", "AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x",
		"AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x, SignedHeaders=a, Signature=",
		"AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x, SignedHeaders=Accept, Signature=s",
		"AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x, SignedHeaders=a, Signature=s, Foo=b",
		"AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=x, PublicKeyId=y, SignedHeaders=a, Signature=s",
	} {
		if _, err := ParseAuthorization(bad); err == nil {
			t.Errorf("ParseAuthorization(%q) succeeded", bad)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	q := url.Values{"b": {"x y/é"}, "a": {"1"}, "c": {"(ok)*!~'"}}
	if got, want := CanonicalQuery(q), "a=1&b=x%20y%2F%C3%A9&c=(ok)*!~'"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestButtonPayloadSignature(t *testing.T) {
	c := newTestClient(t, Config{PublicKeyID: "SANDBOX-KEY", PrivateKey: testKey(t)})
	sig, err := c.SignCheckoutButton(CreateCheckoutSessionRequest{
		WebCheckoutDetails: WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review?a=1&b=2"},
		StoreID:            "amzn1.application-oa2-client.0000",
		Scopes:             []string{"name", "email"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sig.PayloadJSON, "a=1&b=2") {
		t.Fatalf("payload was HTML-escaped: %s", sig.PayloadJSON)
	}
	if err := VerifyPayload(&testKey(t).PublicKey, AlgorithmV2, sig.PayloadJSON, sig.Signature); err != nil {
		t.Fatal(err)
	}
	if err := VerifyPayload(&testKey(t).PublicKey, AlgorithmV2, sig.PayloadJSON+" ", sig.Signature); err == nil {
		t.Fatal("changed payload verified")
	}
	if sig.PublicKeyID != "SANDBOX-KEY" || sig.Algorithm != AlgorithmV2 {
		t.Fatalf("%+v", sig)
	}
}

func TestPriceYen(t *testing.T) {
	if p := JPY(1080); p.Amount != "1080" || p.CurrencyCode != "JPY" {
		t.Fatalf("%+v", p)
	}
	if n, err := JPY(1080).Yen(); err != nil || n != 1080 {
		t.Fatal(n, err)
	}
	for _, p := range []Price{{"1080.00", "JPY"}, {"10.5", "JPY"}, {"-1", "JPY"}, {"+1", "JPY"}, {"", "JPY"}, {"1e3", "JPY"}, {"1080", "USD"}, {" 1", "JPY"}, {"99999999999999999999", "JPY"}} {
		if _, err := p.Yen(); err == nil {
			t.Errorf("%+v parsed", p)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	if k := IdempotencyKey("o", "1", "capture"); k != "o-1-capture" {
		t.Fatal(k)
	}
	long := IdempotencyKey("order", "20240102-000123", "capture", "attempt", "1")
	if !ValidIdempotencyKey(long) || long != IdempotencyKey("order", "20240102-000123", "capture", "attempt", "1") {
		t.Fatal(long)
	}
	if k := IdempotencyKey("注文"); !ValidIdempotencyKey(k) {
		t.Fatal(k)
	}
	if !ValidIdempotencyKey(RandomIdempotencyKey()) {
		t.Fatal("random key invalid")
	}
}

// TestIdempotencyKeysApart: keys derived from different operations or
// objects differ, whichever part differs and however long the parts are
// (long parts are hashed), and the same parts always give the same key:
// a retry is recognised, two operations never are one.
func TestIdempotencyKeysApart(t *testing.T) {
	sessions := []string{"a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b", "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5c", "S03-1234567-1234567"}
	charges := []string{"S03-1234567-1234567-C012345", "S03-1234567-1234567-C012346"}
	var sets [][]string
	for _, op := range []string{"complete", "capture", "refund", "cancel"} {
		for _, id := range append(sessions, charges...) {
			sets = append(sets, []string{op, id})
			for _, n := range []string{"1", "2"} {
				sets = append(sets, []string{op, id, n})
			}
		}
	}
	seen := map[string][]string{}
	for _, parts := range sets {
		k := IdempotencyKey(parts...)
		if !ValidIdempotencyKey(k) {
			t.Fatalf("%q gives the invalid key %q", parts, k)
		}
		if other, ok := seen[k]; ok {
			t.Fatalf("%q and %q give the same key %q", parts, other, k)
		}
		seen[k] = parts
		if again := IdempotencyKey(parts...); again != k {
			t.Fatalf("%q gave %q, then %q", parts, k, again)
		}
	}
}
