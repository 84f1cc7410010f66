package amazonpay

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// runNode runs an interop script with input on stdin and returns stdout. It
// fails (never skips) when the pinned SDK is not installed.
func runNode(t *testing.T, script string, input any) []byte {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "interop"))
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

type recordedRequest struct {
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Query      string            `json:"query"`
	Headers    map[string]string `json:"headers"`
	BodyBase64 string            `json:"bodyBase64"`
}

// TestInteropNodeVerifiesGoSignatures has Node's crypto.verify check requests
// and button payloads signed by our client: both algorithms, both key ID
// styles, a base URL with a path, every method.
func TestInteropNodeVerifiesGoSignatures(t *testing.T) {
	var mu sync.Mutex
	var recs []recordedRequest
	const basePath = "/amazonpay-emulator"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k, v := range r.Header {
			h[strings.ToLower(k)] = strings.Join(v, ",")
		}
		mu.Lock()
		recs = append(recs, recordedRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.EscapedPath(), basePath), Query: CanonicalQuery(r.URL.Query()), Headers: h, BodyBase64: base64.StdEncoding.EncodeToString(body)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	key := testKey(t)
	var payloads []map[string]string
	for _, tc := range []struct {
		keyID   string
		alg     Algorithm
		sandbox bool
		prefix  string
	}{
		{"SANDBOX-AGO1", AlgorithmV2, false, "/v2/"},
		{"LIVE-AGO2", AlgorithmV1, false, "/v2/"},
		{"AGOLEGACY", AlgorithmV2, true, "/sandbox/v2/"},
		{"AGOLEGACY", AlgorithmV1, false, "/live/v2/"},
	} {
		c := newTestClient(t, Config{PublicKeyID: tc.keyID, PrivateKey: key, Algorithm: tc.alg, Sandbox: tc.sandbox, BaseURL: srv.URL + basePath})
		if _, err := c.CreateCheckoutSession(ctx, CreateCheckoutSessionRequest{WebCheckoutDetails: WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review?a=1&b=<2>"}, StoreID: "amzn1.application-oa2-client.0000"}, "key-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetCharge(ctx, "S03-4260904-6894064-C010879"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CloseChargePermission(ctx, "S03-4260904-6894064", CloseChargePermissionRequest{ClosureReason: "注文キャンセル", CancelPendingCharges: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateCheckoutSession(ctx, "5ad7c7a8-1a6f-4e2c-9f5c-2d2d2d2d2d2d", UpdateCheckoutSessionRequest{PaymentDetails: &PaymentDetails{PaymentIntent: PaymentIntentAuthorize, ChargeAmount: PtrJPY(1080)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CaptureCharge(ctx, "S03-1-C1", CaptureChargeRequest{CaptureAmount: JPY(1)}, "", WithSimulationCode("CaptureInitiated")); err != nil {
			t.Fatal(err)
		}
		bs, err := c.SignCheckoutButton(CreateCheckoutSessionRequest{WebCheckoutDetails: WebCheckoutDetails{CheckoutReviewReturnURL: "https://shop.example.jp/review?x=1&y=2"}, StoreID: "amzn1.application-oa2-client.0000"})
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, map[string]string{"payloadJSON": bs.PayloadJSON, "signature": bs.Signature, "algorithm": string(bs.Algorithm)})
		mu.Lock()
		for _, r := range recs[len(recs)-5:] {
			if !strings.HasPrefix(r.Path, tc.prefix) {
				t.Errorf("%s: path %s, want prefix %s", tc.keyID, r.Path, tc.prefix)
			}
			if r.Headers["x-amz-pay-host"] != strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("x-amz-pay-host = %q", r.Headers["x-amz-pay-host"])
			}
		}
		mu.Unlock()
	}
	pubPEM, _ := MarshalPublicKeyPEM(&key.PublicKey)
	out := runNode(t, "verify.js", map[string]any{"publicKeyPem": string(pubPEM), "requests": recs, "payloads": payloads})
	var res struct {
		Requests []struct {
			OK            bool     `json:"ok"`
			WrongSaltOK   bool     `json:"wrongSaltOk"`
			Error         string   `json:"error"`
			Algorithm     string   `json:"algorithm"`
			SignedHeaders []string `json:"signedHeaders"`
		} `json:"requests"`
		Payloads []struct {
			OK bool `json:"ok"`
		} `json:"payloads"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res.Requests) != len(recs) || len(recs) != 20 || len(res.Payloads) != 4 {
		t.Fatalf("%d results for %d requests, %d payload results", len(res.Requests), len(recs), len(res.Payloads))
	}
	for i, r := range res.Requests {
		if !r.OK || r.WrongSaltOK || r.Error != "" {
			t.Errorf("request %d (%s %s): node verify ok=%v wrongSalt=%v err=%s", i, recs[i].Method, recs[i].Path, r.OK, r.WrongSaltOK, r.Error)
		}
	}
	for i, p := range res.Payloads {
		if !p.OK {
			t.Errorf("payload %d: node did not verify the button signature", i)
		}
	}
}
