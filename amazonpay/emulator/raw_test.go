package emulator

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

// rawReq is a hand-made API request, signed unless noAuth.
type rawReq struct {
	method, path string
	body         []byte
	keyID        string
	key          *rsa.PrivateKey
	alg          amazonpay.Algorithm
	idem         string
	date         string
	region       string
	noRegion     bool
	extra        map[string]string // signed extra headers
	unsigned     map[string]string // added after signing
	tamper       func(*http.Request)
	noAuth       bool
	authOverride string
}

func (te *testEnv) raw(t testing.TB, rq rawReq) (int, string, []byte) {
	t.Helper()
	mk, _ := keys(t)
	if rq.keyID == "" {
		rq.keyID = testKeyID
	}
	if rq.key == nil {
		rq.key = mk
	}
	if rq.date == "" {
		rq.date = time.Now().UTC().Format(amazonpay.TimeFormat)
	}
	if rq.region == "" {
		rq.region = "jp"
	}
	req, err := http.NewRequest(rq.method, te.srv.URL+rq.path, bytes.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{
		"accept": "application/json", "content-type": "application/json",
		"x-amz-pay-date": rq.date, "x-amz-pay-host": req.URL.Host,
	}
	if !rq.noRegion {
		h["x-amz-pay-region"] = rq.region
	}
	if rq.idem != "" {
		h["x-amz-pay-idempotency-key"] = rq.idem
	}
	for k, v := range rq.extra {
		h[k] = v
	}
	if !rq.noAuth {
		s := amazonpay.Signer{PublicKeyID: rq.keyID, Key: rq.key, Algorithm: rq.alg}
		auth, err := s.SignRequest(rq.method, req.URL.EscapedPath(), req.URL.Query(), h, rq.body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
	}
	if rq.authOverride != "" {
		req.Header.Set("Authorization", rq.authOverride)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	for k, v := range rq.unsigned {
		req.Header.Set(k, v)
	}
	if rq.tamper != nil {
		rq.tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("x-amz-pay-request-id") == "" {
		t.Errorf("%s %s: no x-amz-pay-request-id", rq.method, rq.path)
	}
	b, _ := io.ReadAll(resp.Body)
	var eb struct {
		ReasonCode string `json:"reasonCode"`
	}
	_ = json.Unmarshal(b, &eb)
	return resp.StatusCode, eb.ReasonCode, b
}

// wantErr checks that err is an *amazonpay.Error with that status and code.
func wantErr(t testing.TB, err error, status int, code string) {
	t.Helper()
	var e *amazonpay.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if e.HTTPStatus != status || e.ReasonCode != code {
		t.Fatalf("want %d %s, got %d %s (%s)", status, code, e.HTTPStatus, e.ReasonCode, e.Message)
	}
	if e.Message == "" || e.RequestID == "" {
		t.Fatalf("error without message or request ID: %+v", e)
	}
}

func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
