package emulator

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

// runNode runs an interop script with input on stdin and returns stdout. It
// fails (never skips) when the pinned SDK is not installed.
func runNode(t *testing.T, script string, input any) []byte {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "interop"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@amazonpay", "amazon-pay-api-sdk-nodejs", "package.json")); err != nil {
		t.Fatalf("the pinned Amazon Pay Node SDK is not installed: run `npm ci --prefix interop` in the repository root (%v)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: %v", err)
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	// A hung SDK call fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, script))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	return out
}

type sdkResult struct {
	Fn     string          `json:"fn"`
	Status int             `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  string          `json:"error"`
}

type sdkCall struct {
	Fn   string `json:"fn"`
	Args []any  `json:"args"`
}

// sdk runs calls of the official Node SDK against the TLS emulator.
func sdk(t *testing.T, srv *httptest.Server, keyID, alg string, sandbox bool, calls ...sdkCall) []sdkResult {
	t.Helper()
	mk, _ := keys(t)
	der, err := x509.MarshalPKCS8PrivateKey(mk)
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"publicKeyId":        keyID,
		"privateKey":         string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"region":             "jp",
		"sandbox":            sandbox,
		"algorithm":          alg,
		"overrideServiceUrl": strings.TrimPrefix(srv.URL, "https://"),
	}
	out := runNode(t, "sdk.js", map[string]any{"config": cfg, "calls": calls})
	var res []sdkResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res) != len(calls) {
		t.Fatalf("%d results for %d calls", len(res), len(calls))
	}
	return res
}

func want(t *testing.T, r sdkResult, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d (want %d): %s %s", r.Fn, r.Status, status, r.Data, r.Error)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("%s: %v: %s", r.Fn, err, r.Data)
		}
	}
}

// TestInteropOfficialNodeSDK points Amazon's official Node SDK at the
// emulator (HTTPS, overrideServiceUrl) and runs the whole lifecycle.
func TestInteropOfficialNodeSDK(t *testing.T) {
	te := newEnv(t)
	tlsSrv := httptest.NewUnstartedServer(te.em)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	if err := te.em.SetPublicURL(tlsSrv.URL); err != nil {
		t.Fatal(err)
	}
	shop := te.shop.URL
	const v2 = "AMZN-PAY-RSASSA-PSS-V2"

	// 1. create, get, update with the official SDK (SANDBOX- key: /v2 paths).
	res := sdk(t, tlsSrv, testKeyID, v2, true,
		sdkCall{"createCheckoutSession", []any{map[string]any{
			"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": shop + "/review"},
			"storeId":            testStoreID,
			"scopes":             []string{"name", "email", "phoneNumber"},
		}, map[string]string{"x-amz-pay-idempotency-key": "node-create-1"}}},
	)
	var cs amazonpay.CheckoutSession
	want(t, res[0], 201, &cs)
	if cs.StatusDetails.State != "Open" || cs.StoreID != testStoreID || cs.ReleaseEnvironment != "Sandbox" || len(cs.Constraints) != 4 {
		t.Fatalf("created session: %+v", cs)
	}
	id := cs.CheckoutSessionID

	// The buyer signs in and picks address and payment on the hosted pages.
	br := tlsSrv.Client()
	br.CheckRedirect = browser().CheckRedirect
	resp, err := br.PostForm(tlsSrv.URL+"/signin", url.Values{"amazonCheckoutSessionId": {id}, "buyerId": {BuyerTaro}})
	mustStatus(t, resp, err, 303)
	resp, err = br.PostForm(tlsSrv.URL+"/checkout/select", url.Values{"amazonCheckoutSessionId": {id}, "address": {"1"}, "payment": {"0"}})
	mustStatus(t, resp, err, 303)

	res = sdk(t, tlsSrv, testKeyID, v2, true,
		sdkCall{"getCheckoutSession", []any{id}},
		sdkCall{"updateCheckoutSession", []any{id, map[string]any{
			"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": shop + "/result"},
			"paymentDetails":     map[string]any{"paymentIntent": "Confirm", "chargeAmount": map[string]any{"amount": "10000", "currencyCode": "JPY"}},
			"merchantMetadata":   map[string]any{"merchantReferenceId": "ORDER-NODE-1", "merchantStoreName": "ノードショップ"},
		}}},
	)
	var got amazonpay.CheckoutSession
	want(t, res[0], 200, &got)
	if got.CheckoutSessionID != id || got.Buyer == nil || got.Buyer.BuyerID != BuyerTaro || got.ShippingAddress == nil || got.ShippingAddress.PostalCode != "100-0005" {
		t.Fatalf("get: %+v", got)
	}
	var upd amazonpay.CheckoutSession
	want(t, res[1], 200, &upd)
	redirect := upd.WebCheckoutDetails.AmazonPayRedirectURL
	if !strings.HasPrefix(redirect, tlsSrv.URL+"/checkout/process?") || len(upd.Constraints) != 0 || upd.MerchantMetadata.MerchantReferenceID != "ORDER-NODE-1" {
		t.Fatalf("update: %+v", upd)
	}
	resp, err = br.Get(redirect)
	mustStatus(t, resp, err, 303)
	if loc := resp.Header.Get("Location"); loc != shop+"/result?amazonCheckoutSessionId="+id {
		t.Fatalf("result redirect %s", loc)
	}

	// 2. complete, then charges, capture, cancel, refund with the SDK.
	res = sdk(t, tlsSrv, testKeyID, v2, true,
		sdkCall{"completeCheckoutSession", []any{id, map[string]any{"chargeAmount": map[string]any{"amount": "10000", "currencyCode": "JPY"}}}},
	)
	var done amazonpay.CheckoutSession
	want(t, res[0], 200, &done)
	if done.StatusDetails.State != "Completed" || done.ChargePermissionID == "" || done.ChargeID != "" {
		t.Fatalf("complete: %+v", done)
	}
	perm := done.ChargePermissionID
	res = sdk(t, tlsSrv, testKeyID, v2, true,
		sdkCall{"createCharge", []any{map[string]any{"chargePermissionId": perm, "chargeAmount": map[string]any{"amount": "3000", "currencyCode": "JPY"}, "captureNow": false, "canHandlePendingAuthorization": false}, map[string]string{"x-amz-pay-idempotency-key": "node-charge-1"}}},
		sdkCall{"createCharge", []any{map[string]any{"chargePermissionId": perm, "chargeAmount": map[string]any{"amount": "2000", "currencyCode": "JPY"}}, map[string]string{"x-amz-pay-idempotency-key": "node-charge-2"}}},
	)
	var ch1, ch2 amazonpay.Charge
	want(t, res[0], 201, &ch1)
	want(t, res[1], 201, &ch2)
	if ch1.StatusDetails.State != "Authorized" || ch1.ChargeAmount.Amount != "3000" || ch2.StatusDetails.State != "Authorized" {
		t.Fatalf("charges: %+v %+v", ch1, ch2)
	}
	res = sdk(t, tlsSrv, testKeyID, v2, true,
		sdkCall{"captureCharge", []any{ch1.ChargeID, map[string]any{"captureAmount": map[string]any{"amount": "3000", "currencyCode": "JPY"}, "softDescriptor": "KAGO"}, map[string]string{"x-amz-pay-idempotency-key": "node-capture-1"}}},
		sdkCall{"cancelCharge", []any{ch2.ChargeID, map[string]any{"cancellationReason": "在庫切れ"}}},
		sdkCall{"getCharge", []any{ch1.ChargeID}},
		sdkCall{"createRefund", []any{map[string]any{"chargeId": ch1.ChargeID, "refundAmount": map[string]any{"amount": "1000", "currencyCode": "JPY"}}, map[string]string{"x-amz-pay-idempotency-key": "node-refund-1"}}},
	)
	var cap1, can2, get1 amazonpay.Charge
	var rf amazonpay.Refund
	want(t, res[0], 200, &cap1)
	want(t, res[1], 200, &can2)
	want(t, res[2], 200, &get1)
	want(t, res[3], 201, &rf)
	if cap1.StatusDetails.State != "Captured" || cap1.CaptureAmount == nil || cap1.CaptureAmount.Amount != "3000" {
		t.Fatalf("capture: %+v", cap1)
	}
	if can2.StatusDetails.State != "Canceled" || can2.StatusDetails.ReasonCode != "MerchantCanceled" || can2.StatusDetails.ReasonDescription != "在庫切れ" {
		t.Fatalf("cancel: %+v", can2)
	}
	if get1.StatusDetails.State != "Captured" || rf.StatusDetails.State != "RefundInitiated" || rf.RefundAmount.Amount != "1000" || rf.ChargeID != ch1.ChargeID {
		t.Fatalf("get %+v refund %+v", get1, rf)
	}
	te.em.Advance(time.Hour)

	// 3. getRefund, getChargePermission, closeChargePermission with the
	// older algorithm and the legacy key (/sandbox/v2 paths) of another
	// merchant: its objects are not ours.
	res = sdk(t, tlsSrv, legacyKeyID, "AMZN-PAY-RSASSA-PSS", true,
		sdkCall{"getRefund", []any{rf.RefundID}},
		sdkCall{"createCheckoutSession", []any{map[string]any{
			"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": shop + "/review"},
			"storeId":            testStoreID,
		}, map[string]string{"x-amz-pay-idempotency-key": "node-legacy-1"}}},
	)
	want(t, res[0], 404, nil)
	var legacy amazonpay.CheckoutSession
	want(t, res[1], 201, &legacy)
	if legacy.StatusDetails.State != "Open" || legacy.ReleaseEnvironment != "Sandbox" {
		t.Fatalf("legacy key session: %+v", legacy)
	}
	res = sdk(t, tlsSrv, testKeyID, "AMZN-PAY-RSASSA-PSS", true,
		sdkCall{"getRefund", []any{rf.RefundID}},
		sdkCall{"getChargePermission", []any{perm}},
		sdkCall{"closeChargePermission", []any{perm, map[string]any{"closureReason": "注文完了", "cancelPendingCharges": false}}},
		sdkCall{"captureCharge", []any{ch2.ChargeID, map[string]any{"captureAmount": map[string]any{"amount": "2000", "currencyCode": "JPY"}}, map[string]string{"x-amz-pay-idempotency-key": "node-capture-2"}}},
	)
	var rf2 amazonpay.Refund
	var p amazonpay.ChargePermission
	var closed amazonpay.ChargePermission
	want(t, res[0], 200, &rf2)
	want(t, res[1], 200, &p)
	want(t, res[2], 200, &closed)
	if rf2.StatusDetails.State != "Refunded" {
		t.Fatalf("refund: %+v", rf2)
	}
	if p.StatusDetails.State != "Chargeable" || p.Limits.AmountLimit.Amount != "10000" || p.Limits.AmountBalance.Amount != "7000" {
		t.Fatalf("permission: %+v", p)
	}
	if closed.StatusDetails.State != "Closed" || len(closed.StatusDetails.Reasons) != 1 || closed.StatusDetails.Reasons[0].ReasonCode != "MerchantClosed" || closed.StatusDetails.Reasons[0].ReasonDescription != "注文完了" {
		t.Fatalf("close: %+v", closed)
	}
	var e422 struct{ ReasonCode string }
	want(t, res[3], 422, &e422)
	if e422.ReasonCode != "InvalidChargeStatus" {
		t.Fatalf("capture of a canceled charge: %+v", e422)
	}

	// 4. Sign-in: the SDK signs the button payload, the button posts it, the
	// buyer signs in, and the SDK fetches the buyer with the token.
	payload := `{"signInReturnUrl":"` + shop + `/signin-return","storeId":"` + testStoreID + `","signInScopes":["name","email","postalCode","shippingAddress"]}`
	res = sdk(t, tlsSrv, testKeyID, v2, true, sdkCall{"generateButtonSignature", []any{payload}})
	var sig string
	want(t, res[0], 0, &sig)
	resp, err = br.PostForm(tlsSrv.URL+"/checkout/button", url.Values{"merchantId": {testMerchantID}, "publicKeyId": {testKeyID}, "algorithm": {v2}, "payloadJSON": {payload}, "signature": {sig}, "productType": {"SignIn"}})
	mustStatus(t, resp, err, 303)
	signInURL := resp.Header.Get("Location")
	u, _ := url.Parse(signInURL)
	resp, err = br.PostForm(tlsSrv.URL+"/signin", url.Values{"signInId": {u.Query().Get("signInId")}, "buyerId": {BuyerRomaji}})
	mustStatus(t, resp, err, 303)
	back, _ := url.Parse(resp.Header.Get("Location"))
	token := back.Query().Get("buyerToken")
	if back.Path != "/signin-return" || token == "" {
		t.Fatalf("sign-in return %s", back)
	}
	res = sdk(t, tlsSrv, testKeyID, v2, true, sdkCall{"getBuyer", []any{token}}, sdkCall{"getBuyer", []any{token}})
	var buyer amazonpay.Buyer
	want(t, res[0], 200, &buyer)
	if buyer.BuyerID != BuyerRomaji || buyer.Email == "" || buyer.PostalCode != "1500001" || buyer.ShippingAddress == nil || buyer.ShippingAddress.StateOrRegion != "Tokyo" {
		t.Fatalf("buyer: %+v", buyer)
	}
	want(t, res[1], 400, nil) // single use
}
