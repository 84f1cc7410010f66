package amazonpay

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzCanonicalRequest checks the canonical-request builder: deterministic,
// shaped as Amazon's, and a signature over it verifies only for it.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("POST", "/sandbox/v2/checkoutSessions", "", "20240102T030405Z", "abc123", []byte(`{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://shop.example.jp/review"},"storeId":"amzn1.application-oa2-client.0000"}`))
	f.Add("GET", "/v2/charges/S03-4260904-6894064-C010879", "b=x y&a=1", "2024-01-02T03:04:05Z", "", []byte(nil))
	f.Add("DELETE", "/live/v2/chargePermissions/S03-1/close", "k=%E3%81%82&k=2", "", "k-1", []byte(`{"closureReason":"返品"}`))
	key := testKey(f)
	f.Fuzz(func(t *testing.T, method, uri, rawQuery, date, idem string, body []byte) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		cq := CanonicalQuery(q)
		// Values are encoded as encodeURIComponent does (keys stay raw, as
		// in the Node SDK); values of keys without '&' or '=' can be checked.
		for pair := range strings.SplitSeq(cq, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if strings.ContainsAny(k, "&=") {
				continue
			}
			for _, c := range v {
				if c == ' ' || c == '&' || c == '=' || c > 0x7e {
					t.Fatalf("canonical query value has raw %q: %q", c, cq)
				}
			}
		}
		hs := []Header{{"accept", "application/json"}, {"x-amz-pay-date", date}, {"x-amz-pay-idempotency-key", idem}}
		cr := CanonicalRequest(method, uri, cq, hs, body)
		if cr != CanonicalRequest(method, uri, cq, hs, body) {
			t.Fatal("not deterministic")
		}
		if !strings.HasPrefix(cr, method+"\n"+uri+"\n"+cq+"\n") || !strings.HasSuffix(cr, "\naccept;x-amz-pay-date;x-amz-pay-idempotency-key\n"+HashHex(body)) {
			t.Fatalf("shape: %q", cr)
		}
		s := Signer{PublicKeyID: "SANDBOX-F", Key: key}
		auth, err := s.SignRequest(method, uri, q, map[string]string{"x-amz-pay-date": date, "x-amz-pay-idempotency-key": idem}, body)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseAuthorization(auth)
		if err != nil {
			t.Fatalf("own authorization does not parse: %v", err)
		}
		cr2 := CanonicalRequest(method, uri, cq, []Header{{"x-amz-pay-date", date}, {"x-amz-pay-idempotency-key", idem}}, body)
		if err := VerifyString(&key.PublicKey, a.Algorithm, StringToSign(a.Algorithm, cr2), a.Signature); err != nil {
			t.Fatal("own signature does not verify")
		}
		if err := VerifyString(&key.PublicKey, a.Algorithm, StringToSign(a.Algorithm, cr2+"\x00"), a.Signature); err == nil {
			t.Fatal("signature verifies for another request")
		}
	})
}

// FuzzParseAuthorization: no panic, and what parses formats back to
// something that parses the same.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AMZN-PAY-RSASSA-PSS-V2 PublicKeyId=SANDBOX-A, SignedHeaders=accept;x-amz-pay-date, Signature=YWJj")
	f.Add("AMZN-PAY-RSASSA-PSS PublicKeyId=A,SignedHeaders=a,Signature=x==")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			return
		}
		b, err := ParseAuthorization(a.String())
		if err != nil || b.PublicKeyID != a.PublicKeyID || b.Signature != a.Signature || strings.Join(b.SignedHeaders, ";") != strings.Join(a.SignedHeaders, ";") {
			t.Fatalf("%+v -> %+v (%v)", a, b, err)
		}
	})
}

var (
	fuzzCertOnce sync.Once
	fuzzCert     *x509.Certificate
)

// FuzzParseNotification: no panic on any body, and no fuzzed envelope
// verifies against a certificate whose key the fuzzer does not have.
func FuzzParseNotification(f *testing.F) {
	f.Add([]byte(`{"Type":"Notification","MessageId":"m","TopicArn":"arn","Message":"{\"ObjectType\":\"CHARGE\",\"ObjectId\":\"S03-1-C1\"}","Timestamp":"2024-01-02T03:04:05.000Z","SignatureVersion":"2","Signature":"AAAA","SigningCertURL":"https://sns.us-east-1.amazonaws.com/a.pem"}`))
	f.Add([]byte(`{"Type":"SubscriptionConfirmation","MessageId":"m","Token":"t","SubscribeURL":"https://x","TopicArn":"a","Message":"","Timestamp":"t","SignatureVersion":"1","Signature":"AA==","SigningCertURL":"u"}`))
	f.Add([]byte(`null`))
	key := testKey(f)
	fuzzCertOnce.Do(func() {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		fuzzCert, _ = x509.ParseCertificate(der)
	})
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			return
		}
		_ = n.StringToSign()
		if m, err := n.IPN(); err == nil && (m.ObjectType == "" || m.ObjectID == "") {
			t.Fatal("IPN accepted without ObjectType or ObjectId")
		}
		b, _ := json.Marshal(n)
		if _, err := ParseNotification(b); err != nil {
			t.Fatalf("re-encoded envelope does not parse: %v", err)
		}
		if err := VerifyNotificationSignature(n, fuzzCert); err == nil {
			t.Fatalf("a fuzzed envelope verified: %s", body)
		}
	})
}
