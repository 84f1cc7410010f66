package amazonpay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type seenRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// fakeAmazon answers with the given statuses in turn (the last repeats);
// status 0 drops the connection.
func fakeAmazon(t *testing.T, statuses ...int) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.URL.EscapedPath(), r.Header.Clone(), b})
		st := statuses[min(len(seen), len(statuses))-1]
		mu.Unlock()
		w.Header().Set("x-amz-pay-request-id", "req-1")
		switch {
		case st == 0:
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		case st == 299:
			w.WriteHeader(200)
			_, _ = io.WriteString(w, "not json")
		case st == 599:
			w.WriteHeader(502)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		case st >= 400:
			w.WriteHeader(st)
			_, _ = io.WriteString(w, `{"reasonCode":"Code`+http.StatusText(st)[:3]+`","message":"m"}`)
		default:
			w.WriteHeader(st)
			_, _ = io.WriteString(w, `{"chargeId":"S03-1-C1","chargePermissionId":"S03-1","chargeAmount":{"amount":"100","currencyCode":"JPY"},"statusDetails":{"state":"Authorized","lastUpdatedTimestamp":"20240102T030405Z"},"creationTimestamp":"20240102T030405Z","expirationTimestamp":null}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

func fastClient(t *testing.T, base string, obs func(Observation)) *Client {
	return newTestClient(t, Config{PublicKeyID: "SANDBOX-K", PrivateKey: testKey(t), BaseURL: base, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 2 * time.Millisecond, Observer: obs})
}

func TestRetryKeepsTheIdempotencyKey(t *testing.T) {
	srv, seen := fakeAmazon(t, 503, 429, 0, 201)
	var obs []Observation
	c := fastClient(t, srv.URL, func(o Observation) { obs = append(obs, o) })
	ch, err := c.CreateCharge(context.Background(), CreateChargeRequest{ChargePermissionID: "S03-1", ChargeAmount: JPY(100)}, "order-7-charge-1")
	if err != nil {
		t.Fatal(err)
	}
	if ch.ChargeID != "S03-1-C1" || ch.StatusDetails.LastUpdatedTimestamp.Year() != 2024 || !ch.ExpirationTimestamp.IsZero() {
		t.Fatalf("%+v", ch)
	}
	reqs := seen()
	if len(reqs) != 4 || len(obs) != 4 {
		t.Fatalf("%d requests, %d observations", len(reqs), len(obs))
	}
	for i, r := range reqs {
		if r.header.Get("X-Amz-Pay-Idempotency-Key") != "order-7-charge-1" || string(r.body) != string(reqs[0].body) {
			t.Fatalf("attempt %d: key %q", i, r.header.Get("X-Amz-Pay-Idempotency-Key"))
		}
		if obs[i].Attempt != i+1 || obs[i].Operation != "CreateCharge" || obs[i].Method != "POST" || obs[i].Path != "/v2/charges" || obs[i].IdempotencyKey != "order-7-charge-1" {
			t.Fatalf("observation %d: %+v", i, obs[i])
		}
	}
	if obs[0].HTTPStatus != 503 || obs[0].ReasonCode != "CodeSer" || obs[0].Err == nil || obs[2].HTTPStatus != 0 || obs[2].Err == nil || obs[3].HTTPStatus != 201 || obs[3].Err != nil || obs[3].RequestID != "req-1" {
		t.Fatalf("%+v", obs)
	}
}

func TestObservationCarriesTagAndBodies(t *testing.T) {
	srv, _ := fakeAmazon(t, 201)
	var obs []Observation
	c := fastClient(t, srv.URL, func(o Observation) { obs = append(obs, o) })
	_, err := c.CreateCharge(context.Background(), CreateChargeRequest{ChargePermissionID: "S03-1", ChargeAmount: JPY(100)}, "k-1", WithTag("order 7"))
	if err != nil || len(obs) != 1 {
		t.Fatalf("%v, %d observations", err, len(obs))
	}
	o := obs[0]
	if o.Tag != "order 7" || !strings.Contains(string(o.RequestBody), `"chargePermissionId":"S03-1"`) || !strings.Contains(string(o.ResponseBody), `"chargeId":"S03-1-C1"`) {
		t.Fatalf("tag %q, request %s, response %s", o.Tag, o.RequestBody, o.ResponseBody)
	}
	srv2, seen := fakeAmazon(t, 200)
	c = fastClient(t, srv2.URL, func(o Observation) { obs = append(obs, o) })
	if _, err := c.GetCharge(context.Background(), "S03-1-C1", WithTag("x")); err != nil {
		t.Fatal(err)
	}
	if obs[1].RequestBody != nil {
		t.Fatalf("a GET observed a body %q", obs[1].RequestBody)
	}
	for name, vals := range seen()[0].header {
		if slices.Contains(vals, "x") {
			t.Fatalf("the tag was sent as %s", name)
		}
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, st := range []int{400, 401, 403, 404, 409, 422} {
		srv, seen := fakeAmazon(t, st)
		c := fastClient(t, srv.URL, nil)
		_, err := c.GetCharge(context.Background(), "S03-1-C1")
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != st || e.Operation != "GetCharge" || e.RequestID != "req-1" || e.Retryable() {
			t.Fatalf("%d: %v", st, err)
		}
		if len(seen()) != 1 {
			t.Fatalf("%d retried", st)
		}
	}
}

func TestRetriesRunOut(t *testing.T) {
	srv, seen := fakeAmazon(t, 408, 425, 500, 599)
	c := fastClient(t, srv.URL, nil)
	_, err := c.GetCharge(context.Background(), "S03-1-C1")
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 502 || e.ReasonCode != "Bad Gateway" || !strings.Contains(e.Message, "bad gateway") {
		t.Fatalf("%v", err)
	}
	if n := len(seen()); n != 1+DefaultMaxRetries {
		t.Fatalf("%d attempts", n)
	}
	if !IsReason(err, "Bad Gateway") || ReasonCode(errors.New("x")) != "" {
		t.Fatal("IsReason / ReasonCode")
	}
}

func TestDeadlineStopsRetries(t *testing.T) {
	srv, seen := fakeAmazon(t, 503)
	c := newTestClient(t, Config{PublicKeyID: "SANDBOX-K", PrivateKey: testKey(t), BaseURL: srv.URL, RetryBaseDelay: time.Hour, RetryMaxDelay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.GetCharge(ctx, "S03-1-C1")
	if ReasonCode(err) != "CodeSer" || len(seen()) != 1 {
		t.Fatalf("%v after %d attempts", err, len(seen()))
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetCharge(ctx, "S03-1-C1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	c := newTestClient(t, Config{PublicKeyID: "SANDBOX-K", PrivateKey: testKey(t), RetryBaseDelay: time.Millisecond, RetryMaxDelay: 5 * time.Millisecond})
	if d := c.backoff(1, time.Hour); d != 5*time.Millisecond {
		t.Fatal(d)
	}
	if d := c.backoff(3, 0); d != 4*time.Millisecond {
		t.Fatal(d)
	}
	if d := c.backoff(60, 0); d != 5*time.Millisecond {
		t.Fatal(d)
	}
}

func TestDecodeFailure(t *testing.T) {
	srv, _ := fakeAmazon(t, 299)
	c := fastClient(t, srv.URL, nil)
	if _, err := c.GetCharge(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "decode") {
		t.Fatal(err)
	}
}

// TestBaseURLWithPath: requests go below the base path, the canonical URI
// signed is the path after it, and x-amz-pay-host is host:port.
func TestBaseURLWithPath(t *testing.T) {
	srv, seen := fakeAmazon(t, 200)
	c := newTestClient(t, Config{PublicKeyID: "AKLEGACY", PrivateKey: testKey(t), Sandbox: true, BaseURL: srv.URL + "/amazonpay-emulator/"})
	if _, err := c.CancelCharge(context.Background(), "S03-1-C1", CancelChargeRequest{CancellationReason: "x"}); err != nil {
		t.Fatal(err)
	}
	r := seen()[0]
	if r.path != "/amazonpay-emulator/sandbox/v2/charges/S03-1-C1/cancel" || r.method != "DELETE" || string(r.body) != `{"cancellationReason":"x"}` {
		t.Fatalf("%+v", r)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if r.header.Get("X-Amz-Pay-Host") != host || r.header.Get("X-Amz-Pay-Region") != "jp" || r.header.Get("X-Amz-Pay-Idempotency-Key") != "" {
		t.Fatalf("%v", r.header)
	}
	if _, err := time.Parse(TimeFormat, r.header.Get("X-Amz-Pay-Date")); err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuthorization(r.header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]Header, len(a.SignedHeaders))
	for i, n := range a.SignedHeaders {
		hs[i] = Header{n, r.header.Get(n)}
	}
	cr := CanonicalRequest("DELETE", "/sandbox/v2/charges/S03-1-C1/cancel", "", hs, r.body)
	if err := VerifyString(&testKey(t).PublicKey, a.Algorithm, StringToSign(a.Algorithm, cr), a.Signature); err != nil {
		t.Fatal("signature is not over the path after the base path")
	}
}

func TestRandomKeyAndKeyValidation(t *testing.T) {
	srv, seen := fakeAmazon(t, 201)
	c := fastClient(t, srv.URL, nil)
	if _, err := c.CreateRefund(context.Background(), CreateRefundRequest{ChargeID: "x", RefundAmount: JPY(1)}, ""); err != nil {
		t.Fatal(err)
	}
	if k := seen()[0].header.Get("X-Amz-Pay-Idempotency-Key"); !ValidIdempotencyKey(k) {
		t.Fatalf("random key %q", k)
	}
	_, err := c.CreateRefund(context.Background(), CreateRefundRequest{ChargeID: "x", RefundAmount: JPY(1)}, "order 1/refund")
	if !errors.Is(err, ErrBadIdempotencyKey) || len(seen()) != 1 {
		t.Fatal(err)
	}
	if _, err := c.GetBuyer(context.Background(), "tok/../x"); err != nil {
		t.Fatal(err)
	}
	if p := seen()[1].path; p != "/v2/buyers/tok%2F..%2Fx" {
		t.Fatalf("path %s", p)
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []Config{
		{PrivateKey: testKey(t)},
		{PublicKeyID: "K"},
		{PublicKeyID: "K", PrivateKeyPEM: []byte("junk")},
		{PublicKeyID: "K", PrivateKey: testKey(t), Algorithm: "RSA"},
		{PublicKeyID: "K", PrivateKey: testKey(t), BaseURL: "ftp://x"},
		{PublicKeyID: "K", PrivateKey: testKey(t), BaseURL: "https://x/?q=1"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	c := newTestClient(t, Config{PublicKeyID: "live-abc", PrivateKey: testKey(t)})
	if c.PathPrefix() != "/v2" || c.Sandbox() || c.ButtonScriptURL() != DefaultButtonScriptURL || c.Algorithm() != AlgorithmV2 || c.PublicKeyID() != "live-abc" {
		t.Fatal("defaults")
	}
	c = newTestClient(t, Config{PublicKeyID: "ABC", PrivateKey: testKey(t)})
	if c.PathPrefix() != "/live/v2" {
		t.Fatal(c.PathPrefix())
	}
}
