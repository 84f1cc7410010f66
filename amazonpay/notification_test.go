package amazonpay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// snsFixture serves a signing certificate issued by its own CA over TLS.
type snsFixture struct {
	srv     *httptest.Server
	pool    *x509.CertPool
	certURL string
	fetches atomic.Int32
}

func newSNSFixture(t *testing.T) *snsFixture {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sns"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &testKey(t).PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &snsFixture{pool: x509.NewCertPool()}
	f.pool.AddCert(ca)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.fetches.Add(1)
		if r.URL.Path != "/SimpleNotificationService-test.pem" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(certPEM)
	}))
	t.Cleanup(f.srv.Close)
	f.certURL = f.srv.URL + "/SimpleNotificationService-test.pem"
	return f
}

func (f *snsFixture) notification(t *testing.T, version, subject string) []byte {
	t.Helper()
	msg := `{"MerchantID":"A1","ObjectType":"CHARGE","ObjectId":"S03-1-C1","ChargePermissionId":"S03-1","NotificationType":"STATE_CHANGE","NotificationId":"n1","NotificationVersion":"V2"}`
	n := Notification{Type: "Notification", MessageID: "m-1", TopicArn: "arn:aws:sns:ap-northeast-1:1:x", Subject: subject, Message: msg,
		Timestamp: "2024-01-02T03:04:05.000Z", SignatureVersion: version, SigningCertURL: f.certURL}
	if err := SignNotification(&n, testKey(t)); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(n)
	return b
}

func (f *snsFixture) verifier() *NotificationVerifier {
	return &NotificationVerifier{HTTPClient: f.srv.Client(), CertURL: CertURLPrefixes(f.srv.URL + "/"), Roots: f.pool}
}

func TestNotificationVerify(t *testing.T) {
	f := newSNSFixture(t)
	v := f.verifier()
	ctx := context.Background()
	for _, version := range []string{"1", "2"} {
		for _, subject := range []string{"", "件名"} {
			n, m, err := v.Verify(ctx, f.notification(t, version, subject))
			if err != nil {
				t.Fatalf("v%s %q: %v", version, subject, err)
			}
			if n.MessageID != "m-1" || m.ObjectType != ObjectTypeCharge || m.ObjectID != "S03-1-C1" || m.ChargePermissionID != "S03-1" || m.MerchantID != "A1" {
				t.Fatalf("%+v %+v", n, m)
			}
		}
	}
	if got := f.fetches.Load(); got != 1 {
		t.Fatalf("certificate fetched %d times, want once (cached)", got)
	}
	// Tampered fields fail.
	for _, mutate := range []func(*Notification){
		func(n *Notification) { n.Message += " " },
		func(n *Notification) { n.MessageID = "m-2" },
		func(n *Notification) { n.Timestamp = "2024-01-02T03:04:06.000Z" },
		func(n *Notification) { n.TopicArn += "x" },
		func(n *Notification) { n.Subject = "added" },
		func(n *Notification) { n.SignatureVersion = "1" },
		func(n *Notification) { n.Signature = "!!!" },
	} {
		var n Notification
		_ = json.Unmarshal(f.notification(t, "2", ""), &n)
		mutate(&n)
		b, _ := json.Marshal(n)
		if _, _, err := v.Verify(ctx, b); !errors.Is(err, ErrBadNotification) {
			t.Fatalf("tampered notification: %v", err)
		}
	}
	// Another CA's trust refuses the certificate.
	other := &NotificationVerifier{HTTPClient: f.srv.Client(), CertURL: CertURLPrefixes(f.srv.URL + "/"), Roots: x509.NewCertPool()}
	if _, _, err := other.Verify(ctx, f.notification(t, "2", "")); !errors.Is(err, ErrBadNotification) {
		t.Fatalf("untrusted CA: %v", err)
	}
	// The default rule (Amazon SNS hosts only) refuses the test host.
	var strict NotificationVerifier
	if _, _, err := strict.Verify(ctx, f.notification(t, "2", "")); !errors.Is(err, ErrBadNotification) {
		t.Fatalf("default rule: %v", err)
	}
	// An expired certificate (moved clock) fails.
	late := f.verifier()
	late.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, _, err := late.Verify(ctx, f.notification(t, "2", "")); !errors.Is(err, ErrBadNotification) {
		t.Fatalf("expired certificate: %v", err)
	}
}

// TestVerifyAcceptsNotificationsOnly: SNS also signs subscription
// confirmations, with the same certificate; one whose Message looks like an
// Amazon Pay notification is still no notification, and Verify refuses it.
func TestVerifyAcceptsNotificationsOnly(t *testing.T) {
	f := newSNSFixture(t)
	v := f.verifier()
	for _, typ := range []string{"SubscriptionConfirmation", "UnsubscribeConfirmation"} {
		var n Notification
		_ = json.Unmarshal(f.notification(t, "2", ""), &n)
		n.Type, n.Token, n.SubscribeURL, n.Subject = typ, "token-1", "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription", ""
		if err := SignNotification(&n, testKey(t)); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(n)
		if _, err := ParseNotification(b); err != nil {
			t.Fatalf("%s: a well-formed envelope does not parse: %v", typ, err)
		}
		if _, m, err := v.Verify(context.Background(), b); !errors.Is(err, ErrBadNotification) {
			t.Fatalf("%s accepted as a notification: %+v %v", typ, m, err)
		}
	}
	if _, _, err := v.Verify(context.Background(), f.notification(t, "2", "")); err != nil {
		t.Fatalf("the notification itself: %v", err)
	}
}

func TestAmazonCertURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem":      true,
		"https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-abc.pem": true,
		"https://sns.cn-north-1.amazonaws.com.cn/x.pem":                              true,
		"https://sns.us-east-1.amazonaws.com:443/x.pem":                              true,
		"http://sns.us-east-1.amazonaws.com/x.pem":                                   false,
		"https://sns.us-east-1.amazonaws.com.evil.jp/x.pem":                          false,
		"https://evil.jp/sns.us-east-1.amazonaws.com/x.pem":                          false,
		"https://sns.us-east-1.amazonaws.com/x.txt":                                  false,
		"https://sns.us-east-1.amazonaws.com:8443/x.pem":                             false,
		"https://user@sns.us-east-1.amazonaws.com/x.pem":                             false,
		"https://sns.ab.amazonaws.com/x.pem":                                         false,
		"https://sqs.us-east-1.amazonaws.com/x.pem":                                  false,
	} {
		u, _ := url.Parse(raw)
		if err := AmazonCertURL(u); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
	rule := CertURLPrefixes("https://127.0.0.1:8443/sns/")
	for raw, ok := range map[string]bool{
		"https://127.0.0.1:8443/sns/a.pem":   true,
		"https://127.0.0.1:8443/sns/a.txt":   false,
		"https://127.0.0.1:8443/other/a.pem": false,
		"https://127.0.0.1:84430/sns/a.pem":  false,
	} {
		u, _ := url.Parse(raw)
		if err := rule(u); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

func TestParseNotification(t *testing.T) {
	for _, bad := range []string{
		``, `[]`, `{"Type":"Notification"}`,
		`{"Type":"Other","MessageId":"m","TopicArn":"t","Timestamp":"x","Signature":"s","SigningCertURL":"u","SignatureVersion":"2"}`,
		`{"Type":"Notification","MessageId":"m","TopicArn":"t","Timestamp":"x","Signature":"s","SigningCertURL":"u","SignatureVersion":"3"}`,
		`{"Type":"SubscriptionConfirmation","MessageId":"m","TopicArn":"t","Timestamp":"x","Signature":"s","SigningCertURL":"u","SignatureVersion":"2"}`,
	} {
		if _, err := ParseNotification([]byte(bad)); !errors.Is(err, ErrBadNotification) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	n := &Notification{Message: `{"objecttype":"REFUND","OBJECTID":"S03-1-R1","chargepermissionid":"S03-1"}`}
	m, err := n.IPN()
	if err != nil || m.ObjectType != "REFUND" || m.ObjectID != "S03-1-R1" || m.ChargePermissionID != "S03-1" {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := (&Notification{Message: `{}`}).IPN(); err == nil {
		t.Fatal("empty message accepted")
	}
}

// TestSubscriptionConfirmationIsNotANotification: a validly signed SNS
// SubscriptionConfirmation (or UnsubscribeConfirmation) parses, but Verify
// never accepts it as a Notification: its Message is not an Amazon Pay
// event.
func TestSubscriptionConfirmationIsNotANotification(t *testing.T) {
	f := newSNSFixture(t)
	v := f.verifier()
	resp, err := f.srv.Client().Get(f.certURL)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"SubscriptionConfirmation", "UnsubscribeConfirmation"} {
		for _, version := range []string{"1", "2"} {
			n := Notification{Type: typ, MessageID: "m-sub", TopicArn: "arn:aws:sns:ap-northeast-1:1:x", Token: "tok",
				Message:      `{"MerchantID":"A1","ObjectType":"CHARGE","ObjectId":"S03-1-C1","ChargePermissionId":"S03-1","NotificationType":"STATE_CHANGE"}`,
				SubscribeURL: "https://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription", Timestamp: "2024-01-02T03:04:05.000Z",
				SignatureVersion: version, SigningCertURL: f.certURL}
			if err := SignNotification(&n, testKey(t)); err != nil {
				t.Fatal(err)
			}
			if err := VerifyNotificationSignature(&n, cert); err != nil {
				t.Fatalf("%s v%s: the fixture's signature does not verify: %v", typ, version, err)
			}
			b, _ := json.Marshal(n)
			if _, err := ParseNotification(b); err != nil {
				t.Fatalf("%s v%s does not parse: %v", typ, version, err)
			}
			if _, m, err := v.Verify(context.Background(), b); !errors.Is(err, ErrBadNotification) || m != nil {
				t.Fatalf("%s v%s accepted as a notification: %+v %v", typ, version, m, err)
			}
		}
	}
}
