package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kago/amazonpay"
)

var (
	keyOnce            sync.Once
	merchantKey, snsKy *rsa.PrivateKey
)

// keys returns a merchant key and a notification key shared by all tests.
func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if merchantKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if snsKy, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return merchantKey, snsKy
}

const (
	testMerchantID = "A1KAGOTESTMERCH"
	testStoreID    = "amzn1.application-oa2-client.kagotest"
	testKeyID      = "SANDBOX-AKAGOTESTKEY0000000000"
	legacyKeyID    = "AKAGOLEGACYKEY00000000000"
)

// ipnSink collects the notifications POSTed to it.
type ipnSink struct {
	mu     sync.Mutex
	bodies [][]byte
	fail   int // answer 500 to this many requests first
	ch     chan []byte
}

func (s *ipnSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	if s.fail > 0 {
		s.fail--
		s.mu.Unlock()
		w.WriteHeader(500)
		return
	}
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	select {
	case s.ch <- b:
	default:
	}
	w.WriteHeader(200)
}

func (s *ipnSink) all() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

type testEnv struct {
	em     *Emulator
	srv    *httptest.Server
	ipn    *ipnSink
	ipnSrv *httptest.Server
	client *amazonpay.Client
	shop   *httptest.Server // a fake shop: review and result pages echo their URL
	ctx    context.Context
}

type envOption func(*Options, *amazonpay.Config)

func withPendingDelay(d time.Duration) envOption {
	return func(o *Options, _ *amazonpay.Config) { o.PendingDelay = d }
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	mk, sk := keys(t)
	o := Options{PendingDelay: time.Hour, SNSKey: sk, IPNRetryDelay: time.Millisecond}
	cfg := amazonpay.Config{PublicKeyID: testKeyID, PrivateKey: mk, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 4 * time.Millisecond}
	for _, f := range opts {
		f(&o, &cfg)
	}
	em, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	te := &testEnv{em: em, ipn: &ipnSink{ch: make(chan []byte, 1000)}, ctx: context.Background()}
	te.srv = httptest.NewServer(em)
	te.ipnSrv = httptest.NewServer(te.ipn)
	te.shop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "shop "+r.URL.String())
	}))
	t.Cleanup(func() {
		te.srv.Close()
		if err := em.Close(); err != nil {
			t.Error(err)
		}
		te.ipnSrv.Close()
		te.shop.Close()
	})
	if o.PublicURL == "" {
		if err := em.SetPublicURL(te.srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	pub, _ := amazonpay.MarshalPublicKeyPEM(&mk.PublicKey)
	for _, id := range []string{testKeyID, legacyKeyID} {
		mid := testMerchantID
		if id == legacyKeyID {
			mid = testMerchantID + "L"
		}
		if err := em.RegisterMerchant(Merchant{MerchantID: mid, StoreID: testStoreID, PublicKeyID: id, PublicKeyPEM: string(pub), IPNURL: te.ipnSrv.URL + "/ipn"}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = te.srv.URL
	}
	c, err := amazonpay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	te.client = c
	return te
}

// browser follows no redirects: each step checks where it is sent.
func browser() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mustStatus(t testing.TB, resp *http.Response, err error, want int) *http.Response {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, want, b)
	}
	return resp
}

func (te *testEnv) post(t testing.TB, path string, form url.Values, want int) *http.Response {
	t.Helper()
	resp, err := browser().PostForm(te.em.PublicURL()+path, form)
	resp = mustStatus(t, resp, err, want)
	resp.Body.Close()
	return resp
}

func (te *testEnv) get(t testing.TB, rawURL string, want int) (*http.Response, string) {
	t.Helper()
	resp, err := browser().Get(rawURL)
	resp = mustStatus(t, resp, err, want)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// newSession creates a checkout session through the API as the button would.
func (te *testEnv) newSession(t testing.TB, pd *amazonpay.PaymentDetails) *amazonpay.CheckoutSession {
	t.Helper()
	cs, err := te.client.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{
		WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: te.shop.URL + "/review"},
		StoreID:            testStoreID,
		Scopes:             []string{"name", "email", "phoneNumber", "billingAddress"},
		PaymentDetails:     pd,
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// buyerReturns signs the buyer in on the hosted pages and chooses address
// and instrument; it returns the review URL the buyer lands on.
func (te *testEnv) buyerReturns(t testing.TB, sessionID, buyerID string, address, payment int) string {
	t.Helper()
	resp := te.post(t, "/signin", url.Values{"amazonCheckoutSessionId": {sessionID}, "buyerId": {buyerID}}, 303)
	loc := resp.Header.Get("Location")
	if !strings.Contains(loc, "/checkout/select?amazonCheckoutSessionId="+sessionID) {
		t.Fatalf("sign-in sent the buyer to %s", loc)
	}
	te.get(t, loc, 200)
	resp = te.post(t, "/checkout/select", url.Values{"amazonCheckoutSessionId": {sessionID}, "address": {itoa(address)}, "payment": {itoa(payment)}}, 303)
	return resp.Header.Get("Location")
}

func itoa(i int) string { return strconv.Itoa(i) }

// checkout runs the whole journey up to the buyer's return to the result
// URL, and returns the session ID (not completed).
func (te *testEnv) checkout(t testing.TB, buyerID string, payment int, intent string, yen int64, canPend bool) string {
	t.Helper()
	cs := te.newSession(t, nil)
	review := te.buyerReturns(t, cs.CheckoutSessionID, buyerID, 0, payment)
	if want := te.shop.URL + "/review?amazonCheckoutSessionId=" + cs.CheckoutSessionID; review != want {
		t.Fatalf("review URL = %s, want %s", review, want)
	}
	up, err := te.client.UpdateCheckoutSession(te.ctx, cs.CheckoutSessionID, amazonpay.UpdateCheckoutSessionRequest{
		WebCheckoutDetails: &amazonpay.WebCheckoutDetails{CheckoutResultReturnURL: te.shop.URL + "/result"},
		PaymentDetails:     &amazonpay.PaymentDetails{PaymentIntent: intent, ChargeAmount: amazonpay.PtrJPY(yen), CanHandlePendingAuthorization: canPend},
		MerchantMetadata:   &amazonpay.MerchantMetadata{MerchantReferenceID: "ORDER-1", MerchantStoreName: "テストショップ"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.WebCheckoutDetails.AmazonPayRedirectURL == "" || len(up.Constraints) != 0 {
		t.Fatalf("no redirect URL after update: %+v", up.Constraints)
	}
	resp, _ := te.get(t, up.WebCheckoutDetails.AmazonPayRedirectURL, 303)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, te.shop.URL+"/result?amazonCheckoutSessionId="+cs.CheckoutSessionID) && !strings.Contains(loc, "/checkout/select") {
		t.Fatalf("redirect went to %s", loc)
	}
	return cs.CheckoutSessionID
}
