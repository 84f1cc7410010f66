package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"kago/amazonpay"
)

func TestIdempotency(t *testing.T) {
	te := newEnv(t)
	cs := te.complete(t, BuyerTaro, 0, "Confirm", 5000, false)
	req := amazonpay.CreateChargeRequest{ChargePermissionID: cs.ChargePermissionID, ChargeAmount: amazonpay.JPY(1000)}
	c1, err := te.client.CreateCharge(te.ctx, req, "order-1-charge-1")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := te.client.CreateCharge(te.ctx, req, "order-1-charge-1")
	if err != nil {
		t.Fatal(err)
	}
	if c1.ChargeID != c2.ChargeID {
		t.Fatalf("replay made a second charge: %s, %s", c1.ChargeID, c2.ChargeID)
	}
	req.ChargeAmount = amazonpay.JPY(1001)
	_, err = te.client.CreateCharge(te.ctx, req, "order-1-charge-1")
	wantErr(t, err, 400, "DuplicateIdempotencyKey")
	// A replayed error stays the same error.
	_, err = te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(5000)}, "order-1-capture-1")
	wantErr(t, err, 400, "TransactionAmountExceeded")
	_, err = te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(5000)}, "order-1-capture-1")
	wantErr(t, err, 400, "TransactionAmountExceeded")
	// The same key and request again after the capture succeeded replays it.
	ok1, err := te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1000)}, "order-1-capture-2")
	if err != nil {
		t.Fatal(err)
	}
	ok2, err := te.client.CaptureCharge(te.ctx, c1.ChargeID, amazonpay.CaptureChargeRequest{CaptureAmount: amazonpay.JPY(1000)}, "order-1-capture-2")
	if err != nil || ok2.StatusDetails.State != "Captured" || ok1.StatusDetails.LastUpdatedTimestamp != ok2.StatusDetails.LastUpdatedTimestamp {
		t.Fatalf("replayed capture: %+v %v", ok2, err)
	}
	if n := len(te.em.Snapshot().Charges); n != 1 {
		t.Fatalf("%d charges", n)
	}
	// Keys are per merchant: the legacy merchant may use the same key.
	mk, _ := keys(t)
	other, _ := amazonpay.New(amazonpay.Config{PublicKeyID: legacyKeyID, PrivateKey: mk, Sandbox: true, BaseURL: te.srv.URL})
	if _, err := other.CreateCheckoutSession(te.ctx, amazonpay.CreateCheckoutSessionRequest{WebCheckoutDetails: amazonpay.WebCheckoutDetails{CheckoutReviewReturnURL: "https://a.jp/"}, StoreID: testStoreID}, "order-1-charge-1"); err != nil {
		t.Fatal(err)
	}
}

func TestFaults(t *testing.T) {
	o := &obsRecorder{}
	te := newEnv(t, withObserver(o))
	cs := te.complete(t, BuyerTaro, 0, "Confirm", 50000, false)
	perm := cs.ChargePermissionID
	create := func(key string, opts ...amazonpay.RequestOption) (*amazonpay.Charge, error) {
		return te.client.CreateCharge(te.ctx, amazonpay.CreateChargeRequest{ChargePermissionID: perm, ChargeAmount: amazonpay.JPY(100)}, key, opts...)
	}
	attemptsOf := func(key string) []int {
		var st []int
		for _, ob := range o.all() {
			if ob.IdempotencyKey == key {
				st = append(st, ob.HTTPStatus)
			}
		}
		return st
	}

	// 503 twice, then success: three attempts with the same key.
	if err := te.em.AddFault(Fault{Operation: "CreateCharge", Status: 503, Times: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := create("f-503"); err != nil {
		t.Fatal(err)
	}
	if got := attemptsOf("f-503"); len(got) != 3 || got[0] != 503 || got[1] != 503 || got[2] != 201 {
		t.Fatalf("attempts %v", got)
	}
	for _, ob := range o.all() {
		if ob.IdempotencyKey == "f-503" && ob.HTTPStatus == 503 && ob.ReasonCode != "ServiceUnavailable" {
			t.Fatalf("observation %+v", ob)
		}
	}

	// 429 and 500 are retried too.
	_ = te.em.AddFault(Fault{Status: 429, Times: 1})
	_ = te.em.AddFault(Fault{Status: 500, Times: 1})
	if _, err := create("f-429"); err != nil {
		t.Fatal(err)
	}
	if got := attemptsOf("f-429"); len(got) != 3 || got[0] != 429 || got[1] != 500 {
		t.Fatalf("attempts %v", got)
	}

	// The retries run out: the caller gets the last error.
	_ = te.em.AddFault(Fault{Operation: "CreateCharge", Status: 500, Times: 4})
	_, err := create("f-500")
	wantErr(t, err, 500, "InternalServerError")
	if got := attemptsOf("f-500"); len(got) != 4 {
		t.Fatalf("attempts %v", got)
	}

	// A connection dropped before the change: retried, applied once.
	_ = te.em.AddFault(Fault{Operation: "CreateCharge", Drop: DropBefore, Times: 1})
	if _, err := create("f-before"); err != nil {
		t.Fatal(err)
	}
	if got := attemptsOf("f-before"); len(got) != 2 || got[0] != 0 || got[1] != 201 {
		t.Fatalf("attempts %v", got)
	}

	// A connection dropped after the change: the retry with the same key
	// gets the saved answer, and there is still one charge.
	before := len(te.em.Snapshot().Charges)
	_ = te.em.AddFault(Fault{Operation: "CreateCharge", Drop: DropAfter, Times: 1})
	c, err := create("f-after")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(te.em.Snapshot().Charges); n != before+1 {
		t.Fatalf("%d charges after a dropped answer, want %d", n, before+1)
	}
	if got := attemptsOf("f-after"); len(got) != 2 || got[0] != 0 || got[1] != 201 {
		t.Fatalf("attempts %v", got)
	}
	if c.StatusDetails.State != "Authorized" {
		t.Fatalf("%+v", c)
	}

	// Latency beyond the caller's deadline: a context error, no retry.
	_ = te.em.AddFault(Fault{Operation: "GetCharge", Latency: 10 * time.Second, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = te.client.GetCharge(ctx, c.ChargeID)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	te.em.ClearFaults()

	// Switches over HTTP (the console's JSON API).
	resp, err := http.Post(te.srv.URL+"/console/api/faults", "application/json", strings.NewReader(`{"operation":"GetCharge","status":503,"times":1}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if f := te.em.Faults(); len(f) != 1 || f[0].Status != 503 {
		t.Fatalf("%+v", f)
	}
	mk, _ := keys(t)
	noRetry, _ := amazonpay.New(amazonpay.Config{PublicKeyID: testKeyID, PrivateKey: mk, BaseURL: te.srv.URL, MaxRetries: -1})
	_, err = noRetry.GetCharge(te.ctx, c.ChargeID)
	wantErr(t, err, 503, "ServiceUnavailable")
	req, _ := http.NewRequest(http.MethodDelete, te.srv.URL+"/console/api/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	if err := te.em.AddFault(Fault{Status: 404}); err == nil {
		t.Fatal("fault status 404 accepted")
	}
	if err := te.em.AddFault(Fault{Operation: "Steal"}); err == nil {
		t.Fatal("unknown operation accepted")
	}
}
